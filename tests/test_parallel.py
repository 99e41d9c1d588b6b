"""Parallel work: grid search with n_jobs and on a dask cluster, predict from
many threads at once."""

from concurrent.futures import ThreadPoolExecutor

import joblib
import numpy as np
import pytest
from conftest import ARCHITECTURES, architecture_id, fit_small, outputs, sequences
from sklearn.model_selection import GridSearchCV
from threadpoolctl import threadpool_info, threadpool_limits

from skrnn import RNNClassifier, RNNRegressor


# ------------------------------------------------------- concurrent predict
@pytest.mark.parametrize("architecture", ARCHITECTURES, ids=architecture_id)
def test_predict_from_eight_threads_equals_serial(architecture):
    est, _ = fit_small("clf", architecture)
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


def _one_count(found):
    """The one BLAS thread count of every worker (lists of counts in)."""
    counts = {n for threads in found for n in threads}
    assert len(counts) == 1, found
    return counts.pop()


def _search(Estimator, n_jobs):
    X, y = sequences(n=80)
    if Estimator is RNNClassifier:
        y = (y > 0).astype(int)
    search = GridSearchCV(
        Estimator(max_iter=15, random_state=0, learning_rate_init=0.01),
        {"hidden_size": [4, 8], "cell": ["rnn", "gru"]},
        cv=2,
        n_jobs=n_jobs,
    )
    return search.fit(X, y), X


def _same_search(a, b, X):
    np.testing.assert_array_equal(
        a.cv_results_["mean_test_score"], b.cv_results_["mean_test_score"]
    )
    assert a.best_params_ == b.best_params_
    for u, v in zip(outputs(a, X), outputs(b, X)):
        np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("Estimator", [RNNRegressor, RNNClassifier])
def test_parallel_grid_search_equals_serial_with_as_many_blas_threads(Estimator):
    # results are bitwise reproducible at a given BLAS thread count: the serial
    # reference runs as many as each of joblib's workers does
    workers = joblib.Parallel(n_jobs=2)(joblib.delayed(_blas_threads)() for _ in range(2))
    with threadpool_limits(limits=_one_count(workers), user_api="blas"):
        serial, X = _search(Estimator, n_jobs=1)
    parallel, _ = _search(Estimator, n_jobs=2)
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
        threads = _one_count(client.run(_blas_threads).values())
        with joblib.parallel_backend("dask"):
            remote, X = _search(RNNClassifier, n_jobs=-1)
    with threadpool_limits(limits=threads, user_api="blas"):
        serial, _ = _search(RNNClassifier, n_jobs=1)
    _same_search(serial, remote, X)
