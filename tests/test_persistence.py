"""Persistence: pickle, joblib and skops round trips, the version check, clone."""

import pickle
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
from conftest import ARCHITECTURES, architecture_id, fit_small, outputs
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import skrnn
import skrnn._version
from skrnn import RNNRegressor
from skrnn.exceptions import InconsistentVersionWarning
from skrnn.forecasting import RNNForecaster


# ------------------------------------------------------------ pickle, joblib
@pytest.mark.parametrize("kind", ["reg", "clf"])
@pytest.mark.parametrize("architecture", ARCHITECTURES, ids=architecture_id)
def test_pickle_and_joblib_round_trips_predict_bitwise(kind, architecture, tmp_path):
    est, X = fit_small(kind, architecture)
    expected = outputs(est, X)
    again = pickle.loads(pickle.dumps(est))
    path = tmp_path / "model.joblib"
    joblib.dump(est, path)
    loaded = joblib.load(path)
    for other in (again, loaded):
        for a, b in zip(expected, outputs(other, X)):
            np.testing.assert_array_equal(a, b)  # bitwise
        assert other.get_params() == est.get_params()
        assert list(other.weights_) == list(est.weights_)
        for name, value in est.weights_.items():
            np.testing.assert_array_equal(other.weights_[name], value)
        # still views of the flat vector: writing one changes what it predicts
        assert all(np.shares_memory(v, other._params) for v in other.weights_.values())
        other.weights_["head.bias"][...] += 10.0
        assert not np.array_equal(outputs(other, X)[-1], expected[-1])


# ------------------------------------------------------------- version check
def test_loading_a_model_from_another_version_warns():
    est, X = fit_small("reg", ARCHITECTURES[0])
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


def test_the_version_check_reads_the_version_when_it_runs(monkeypatch):
    blob = pickle.dumps(fit_small("reg", ARCHITECTURES[0])[0])
    monkeypatch.setattr(skrnn._version, "__version__", "9.9.9")
    assert skrnn.__version__ == "9.9.9"
    with pytest.warns(InconsistentVersionWarning, match="with skrnn 9.9.9"):
        loaded = pickle.loads(blob)
    assert loaded.__getstate__()["_skrnn_version"] == "9.9.9"


# --------------------------------------------------------------------- skops
@pytest.mark.parametrize("kind", ["reg", "clf"])
@pytest.mark.parametrize(
    "architecture", [ARCHITECTURES[2], ARCHITECTURES[5]], ids=["lstm", "gru-2-bidi"]
)
def test_skops_loads_with_only_skrnn_types_trusted(kind, architecture, tmp_path):
    sio = pytest.importorskip("skops.io")
    from skops.io.exceptions import UntrustedTypesFoundException

    est, X = fit_small(kind, architecture)
    path = tmp_path / "model.skops"
    sio.dump(est, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert untrusted and all(t.startswith("skrnn.") for t in untrusted), untrusted
    with pytest.raises(UntrustedTypesFoundException, match="[Uu]ntrusted types"):
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


# --------------------------------------------------------------------- clone
@pytest.mark.parametrize("kind", ["reg", "clf"])
def test_clone_is_unfitted_with_same_params(kind):
    est, X = fit_small(kind, ARCHITECTURES[0], solver="sgd", max_grad_norm=2.0)
    expected = outputs(est, X)
    twin = clone(est)
    assert twin.get_params() == est.get_params()
    name = type(est).__name__
    with pytest.raises(NotFittedError, match=f"This {name} instance is not fitted yet"):
        twin.predict(X)
    with pytest.raises(
        AttributeError, match=f"This {name} instance is not fitted yet: weights_ exists after fit"
    ):
        _ = twin.weights_
    for a, b in zip(expected, outputs(est, X)):  # the original keeps its fit
        np.testing.assert_array_equal(a, b)
