"""
Grid search on a Dask cluster
=============================

scikit-learn parallelises ``GridSearchCV`` through joblib; under
``joblib.parallel_backend("dask")`` the fits run on the workers of a Dask
cluster instead of local processes. skrnn estimators are plain picklable
Python objects, so nothing else changes.

    python examples/distributed_grid_search.py                      # a local cluster
    python examples/distributed_grid_search.py tcp://10.0.0.5:8786  # an existing scheduler

Needs ``pip install "skrnn[dask]"`` (dask[distributed]). Without an address
it starts a ``LocalCluster`` of 2 single-threaded worker processes on the
loopback interface. It searches ``hidden_size`` and ``cell`` of an
``RNNClassifier`` on the digits sequences (3 folds), prints the CV table
and the test accuracy of the refitted best model, and checks that the
cluster's mean CV scores equal a serial run's with one BLAS thread (Dask's
workers use one, and results depend on the BLAS thread count only).
"""

import argparse
import time
import warnings

import joblib
import numpy as np
from sklearn.model_selection import GridSearchCV, train_test_split
from threadpoolctl import threadpool_limits

from skrnn import RNNClassifier
from skrnn.datasets import load_digits_sequences


def make_search(max_iter):
    return GridSearchCV(
        RNNClassifier(learning_rate_init=0.01, max_iter=max_iter, random_state=0),
        {"hidden_size": [16, 32], "cell": ["rnn", "gru"]},
        cv=3,
        n_jobs=-1,
    )


def main(argv=None):
    p = argparse.ArgumentParser(description="GridSearchCV of an RNNClassifier on Dask.")
    p.add_argument(
        "scheduler",
        nargs="?",
        default=None,
        help="scheduler address (default: start a local cluster)",
    )
    p.add_argument("--max-iter", type=int, default=30)
    p.add_argument("--no-check", action="store_true", help="skip the serial comparison")
    args = p.parse_args(argv)
    from distributed import Client, LocalCluster

    X, y = load_digits_sequences(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
    cluster = (
        None
        if args.scheduler
        else LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
    )
    with Client(args.scheduler or cluster) as client:
        print(
            f"cluster: {len(client.scheduler_info()['workers'])} workers at "
            f"{client.scheduler.address}"
        )
        search = make_search(args.max_iter)
        t0 = time.perf_counter()
        with warnings.catch_warnings(), joblib.parallel_backend("dask"):
            warnings.simplefilter("ignore")
            search.fit(X_train, y_train)
        elapsed = time.perf_counter() - t0
    if cluster is not None:
        cluster.close()
    res = search.cv_results_
    for params, mean, std in zip(res["params"], res["mean_test_score"], res["std_test_score"]):
        print(f"  {params}: {mean:.4f} +- {std:.4f}")
    print(
        f"best {search.best_params_}, test accuracy "
        f"{search.score(X_test, y_test):.4f}, search {elapsed:.1f} s on the cluster"
    )
    if not args.no_check:
        serial = make_search(args.max_iter).set_params(n_jobs=1)
        with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
            warnings.simplefilter("ignore")
            serial.fit(X_train, y_train)
        same = np.array_equal(serial.cv_results_["mean_test_score"], res["mean_test_score"])
        print(f"equal to a serial run with one BLAS thread: {same}")
    return search


if __name__ == "__main__":
    main()
