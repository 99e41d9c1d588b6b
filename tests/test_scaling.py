"""Parallel and distributed search, persistence, concurrent predict."""

import pickle
import warnings
from concurrent.futures import ThreadPoolExecutor

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import GridSearchCV
from threadpoolctl import threadpool_info, threadpool_limits

import skrnn
from skrnn import RNNClassifier, RNNRegressor
from skrnn.exceptions import InconsistentVersionWarning
from skrnn.forecasting import RNNForecaster

CONFIGS = [
    dict(cell=cell, num_layers=layers, bidirectional=bidi)
    for cell in ("rnn", "lstm", "gru")
    for layers, bidi in ((1, False), (2, True))
]


def data(n=60, T=6, F=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, T, F))
    return X, X[:, :, 0].sum(axis=1), (X[:, -1, 1] > 0).astype(int)


def fitted(kind, config, **kw):
    X, y_reg, y_clf = data()
    params = dict(hidden_size=5, max_iter=5, random_state=0, **config, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if kind == "reg":
            return RNNRegressor(**params).fit(X, y_reg), X
        return RNNClassifier(**params).fit(X, y_clf), X


def outputs(est, X):
    out = [est.predict(X)]
    if hasattr(est, "predict_proba"):
        out.append(est.predict_proba(X))
    return out


# ------------------------------------------------------------ persistence
@pytest.mark.parametrize("kind", ["reg", "clf"])
@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "-".join(map(str, c.values())))
def test_pickle_and_joblib_round_trips_predict_bitwise(kind, config, tmp_path):
    est, X = fitted(kind, config)
    expected = outputs(est, X)
    again = pickle.loads(pickle.dumps(est))
    path = tmp_path / "model.joblib"
    joblib.dump(est, path)
    loaded = joblib.load(path)
    for other in (again, loaded):
        for a, b in zip(expected, outputs(other, X)):
            np.testing.assert_array_equal(a, b)  # bitwise
        assert other.get_params() == est.get_params()


def test_loading_a_model_from_another_version_warns():
    est, X = fitted("reg", CONFIGS[0])
    state = est.__getstate__()
    assert state["_skrnn_version"] == skrnn.__version__
    blob = pickle.dumps(est)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # same version: silent
        pickle.loads(blob)
    old = blob.replace(skrnn.__version__.encode(), b"0.0.1")
    with pytest.warns(
        InconsistentVersionWarning,
        match="Loading RNNRegressor saved by skrnn 0.0.1 with skrnn " + skrnn.__version__,
    ) as record:
        loaded = pickle.loads(old)
    assert record[0].message.original_version == "0.0.1"
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    # a pickle from before the version was recorded
    state.pop("_skrnn_version")
    bare = RNNRegressor.__new__(RNNRegressor)
    with pytest.warns(InconsistentVersionWarning, match="an unknown skrnn version"):
        bare.__setstate__(state)


@pytest.mark.parametrize("kind", ["reg", "clf"])
@pytest.mark.parametrize("config", [CONFIGS[1], CONFIGS[5]], ids=["lstm", "gru-2-bidi"])
def test_skops_loads_with_only_skrnn_types_trusted(kind, config, tmp_path):
    sio = pytest.importorskip("skops.io")
    est, X = fitted(kind, config)
    path = tmp_path / "model.skops"
    sio.dump(est, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert untrusted and all(t.startswith("skrnn.") for t in untrusted), untrusted
    with pytest.raises(Exception, match="[Uu]ntrusted"):
        sio.load(path)  # nothing trusted: refused
    loaded = sio.load(path, trusted=untrusted)
    for a, b in zip(outputs(est, X), outputs(loaded, X)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "index",
    [
        pd.date_range("2000-01-01", periods=60, freq="MS", name="month"),
        pd.date_range("2020-03-01", periods=60, freq="h", tz="Europe/Paris"),
        pd.period_range("1990Q1", periods=60, freq="Q"),
        pd.RangeIndex(10, 130, 2),
    ],
    ids=["monthly", "hourly-tz", "quarterly-period", "range"],
)
def test_forecaster_round_trips_through_skops_and_pickle(index):
    sio = pytest.importorskip("skops.io")
    t = np.arange(60.0)
    y = pd.DataFrame({"a": np.sin(t / 3) + t / 20, "b": np.cos(t / 4)}, index=index)
    x = pd.DataFrame({"x": np.sin(np.arange(70.0))}, index=index.append(_after(index, 10)))
    f = RNNForecaster(
        RNNRegressor(hidden_size=4, max_iter=10, random_state=0),
        window=6,
        differentiation=1,
        calibration_size=10,
    ).fit(y, x.iloc[:60])
    blob = sio.dumps(f)
    untrusted = sio.get_untrusted_types(data=blob)
    assert all(t.startswith("skrnn.") for t in untrusted), untrusted
    for loaded in (sio.loads(blob, trusted=untrusted), pickle.loads(pickle.dumps(f))):
        pd.testing.assert_frame_equal(loaded.predict(5, x), f.predict(5, x))
        pd.testing.assert_frame_equal(
            loaded.predict_interval(5, x, coverage=0.5), f.predict_interval(5, x, coverage=0.5)
        )
        pd.testing.assert_frame_equal(loaded.last_window_, f.last_window_)
        pd.testing.assert_frame_equal(loaded.last_window_exog_, f.last_window_exog_)
        assert loaded.freq_ == f.freq_


def _after(index, n):
    if isinstance(index, pd.RangeIndex):
        return pd.RangeIndex(index[-1] + index.step, index[-1] + index.step * (n + 1), index.step)
    return (pd.date_range if isinstance(index, pd.DatetimeIndex) else pd.period_range)(
        index[-1] + index.freq if isinstance(index, pd.DatetimeIndex) else index[-1] + 1,
        periods=n,
        freq=index.freq,
        **({"tz": index.tz} if isinstance(index, pd.DatetimeIndex) else {}),
    )


# ------------------------------------------------------- concurrent predict
@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "-".join(map(str, c.values())))
def test_predict_from_eight_threads_equals_serial(config):
    est, _ = fitted("clf", config)
    rng = np.random.default_rng(1)
    # different inputs per thread (and ragged ones), so shared scratch
    # buffers would show up as mixed-up results
    inputs = [rng.normal(size=(40 + 7 * i, 4 + i, 3)) for i in range(8)]
    inputs[3] = [rng.normal(size=(t, 3)) for t in (2, 9, 5)]
    serial = [outputs(est, X) for X in inputs]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(3):
            results = list(pool.map(lambda X: outputs(est, X), inputs))
            for a, b in zip(serial, results):
                for u, v in zip(a, b):
                    np.testing.assert_array_equal(u, v)


# ------------------------------------------------------- parallel search
def _blas_threads():
    return [d["num_threads"] for d in threadpool_info() if d["user_api"] == "blas"]


def test_loky_workers_limit_blas_threads():
    # joblib's loky backend gives each worker cpu_count // n_jobs BLAS threads
    # (at least 1): n_jobs=-1 does not oversubscribe the cores
    n_jobs = 2
    per_worker = joblib.Parallel(n_jobs=n_jobs)(
        joblib.delayed(_blas_threads)() for _ in range(n_jobs)
    )
    expected = max(1, joblib.cpu_count() // n_jobs)
    assert all(t and set(t) == {expected} for t in per_worker), per_worker


def _search(n_jobs):
    X, _, y = data(n=80)
    search = GridSearchCV(
        RNNClassifier(max_iter=15, random_state=0, learning_rate_init=0.01),
        {"hidden_size": [4, 8], "cell": ["rnn", "gru"]},
        cv=2,
        n_jobs=n_jobs,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X, y)
    return search, X


def _same_search(a, b, X):
    np.testing.assert_array_equal(
        a.cv_results_["mean_test_score"], b.cv_results_["mean_test_score"]
    )
    assert a.best_params_ == b.best_params_
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_parallel_grid_search_equals_serial_with_one_blas_thread():
    # results are bitwise reproducible at a given BLAS thread count; loky's
    # workers run one thread each on 2 cores, so the reference does too
    with threadpool_limits(limits=max(1, joblib.cpu_count() // 2), user_api="blas"):
        serial, X = _search(n_jobs=1)
    parallel, _ = _search(n_jobs=2)
    _same_search(serial, parallel, X)


def test_dask_cluster_grid_search_equals_serial():
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        workers = client.run(_blas_threads)
        assert all(set(t) == {1} for t in workers.values()), workers  # the nanny sets 1
        with joblib.parallel_backend("dask"):
            remote, X = _search(n_jobs=-1)
    with threadpool_limits(limits=1, user_api="blas"):
        serial, _ = _search(n_jobs=1)
    _same_search(serial, remote, X)


def test_nan_and_inf_scans_work_chunk_by_chunk(monkeypatch):
    # X is scanned for NaN/infinity a few sequences at a time (bounded memory
    # on 200,000 sequences); what is found, and where, must not change
    from skrnn import _validation

    monkeypatch.setattr(_validation, "SCAN_ELEMENTS", 7)  # 1 sequence per chunk
    est, X = fitted("reg", CONFIGS[0])
    bad = X.copy()
    bad[37, 4, 2] = np.inf
    with pytest.raises(ValueError, match="infinity in sequence 37 at time step 4 .feature 2"):
        est.predict(bad)
    padded = X.copy()
    padded[41, 3:] = np.nan  # padding of one late sequence
    np.testing.assert_allclose(
        est.predict(padded)[41], est.predict([X[41, :3]])[0], rtol=1e-12
    )  # another batch: BLAS rounding only
    np.testing.assert_array_equal(est.predict(padded)[:41], est.predict(X[:41]))
