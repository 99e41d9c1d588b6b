"""
Grid search on a Dask cluster
=============================

scikit-learn parallelises ``GridSearchCV`` through joblib; under
``joblib.parallel_backend("dask")`` the fits run on the workers of a Dask cluster
instead of local processes. skrnn estimators are plain picklable Python objects, so
nothing else changes.

Needs ``pip install "skrnn[dask]"`` (dask[distributed]). Run it as::

    python examples/distributed_grid_search.py                      # a local cluster
    python examples/distributed_grid_search.py tcp://10.0.0.5:8786  # an existing scheduler

Without an address it starts a ``LocalCluster`` of 2 single-threaded worker
processes on the loopback interface. It searches ``hidden_size`` and ``cell`` of an
``RNNClassifier`` on the digits sequences (3 folds), prints the CV table and the
test accuracy of the refitted best model, and checks that the cluster's mean CV
scores equal a serial run's with one BLAS thread (Dask's workers use one, and
results depend on the BLAS thread count only). This page shows the script without
running it (it starts a cluster).
"""

# %%
# The search, on the cluster
# --------------------------
# The first argument that is not a flag is the scheduler's address; ``--fast``
# (used by the tests) trains each candidate for 2 epochs.
import sys
import time
import warnings

import joblib
import numpy as np
from distributed import Client, LocalCluster
from sklearn.model_selection import GridSearchCV, train_test_split
from threadpoolctl import threadpool_limits

from skrnn import RNNClassifier
from skrnn.datasets import load_digits_sequences

FAST = "--fast" in sys.argv
address = next((arg for arg in sys.argv[1:] if not arg.startswith("--")), None)
max_iter = 2 if FAST else 30
warnings.simplefilter("ignore")  # ConvergenceWarning of the short fits, Dask's notices


def make_search():
    return GridSearchCV(
        RNNClassifier(learning_rate_init=0.01, max_iter=max_iter, random_state=0),
        {"hidden_size": [16, 32], "cell": ["rnn", "gru"]},
        cv=3,
        n_jobs=-1,
    )


def search_on_cluster(address=None):
    """The search under joblib's Dask backend, on the cluster at ``address`` (or on a
    new LocalCluster); returns the fitted search and the data it was fitted on."""
    X, y = load_digits_sequences(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
    cluster = None
    if address is None:
        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
    with Client(address or cluster) as client:
        n_workers = len(client.scheduler_info()["workers"])
        print(f"cluster: {n_workers} workers at {client.scheduler.address}")
        search = make_search()
        tic = time.perf_counter()
        with joblib.parallel_backend("dask"):
            search.fit(X_train, y_train)
        elapsed = time.perf_counter() - tic
    if cluster is not None:
        cluster.close()
    res = search.cv_results_
    for params, mean, std in zip(res["params"], res["mean_test_score"], res["std_test_score"]):
        print(f"  {params}: {mean:.4f} +- {std:.4f}")
    print(
        f"best {search.best_params_}, test accuracy {search.score(X_test, y_test):.4f}, "
        f"search {elapsed:.1f} s on the cluster"
    )
    return search, X_train, y_train


# %%
# The same search, serial, with one BLAS thread
# ---------------------------------------------
# The worker processes import this script again, so the work runs only under the
# ``__main__`` guard.


def equals_serial(search, X_train, y_train):
    serial = make_search().set_params(n_jobs=1)
    with threadpool_limits(limits=1, user_api="blas"):
        serial.fit(X_train, y_train)
    same = np.array_equal(
        serial.cv_results_["mean_test_score"], search.cv_results_["mean_test_score"]
    )
    print(f"equal to a serial run with one BLAS thread: {same}")
    return same


if __name__ == "__main__":
    search, X_train, y_train = search_on_cluster(address)
    equals_serial(search, X_train, y_train)
