"""Serial against parallel grid search: loky (one machine) and Dask.

The same ``GridSearchCV`` (an ``RNNClassifier`` on the digits sequences,
``hidden_size`` x ``cell``, 3 folds, refit) runs

* serially, ``n_jobs=1``, BLAS with its default threads (2 on this machine);
* serially with BLAS limited to one thread (threadpoolctl);
* ``n_jobs=-1`` with joblib's default loky backend: one worker per core, and
  joblib limits each worker's BLAS to ``cpu_count // n_jobs`` threads, so
  the cores are not oversubscribed (the workers' thread counts are printed);
* with ``--dask``: under ``joblib.parallel_backend("dask")`` on a
  ``distributed.LocalCluster`` of one single-threaded worker process per
  core (Dask's nanny sets the workers' BLAS to one thread).

It prints wall seconds, the speed-up over the serial run, the chosen
parameters, and whether every configuration's mean CV score equals the
serial one-thread run's (bitwise: results do depend on the BLAS thread
count, not on the backend).

    python benchmarks/bench_parallel.py            # ~1 minute on 2 cores
    python benchmarks/bench_parallel.py --dask     # with dask[distributed]
"""

import argparse
import time
import warnings

import joblib
import numpy as np
from sklearn.model_selection import GridSearchCV, train_test_split
from threadpoolctl import threadpool_info, threadpool_limits

from skrnn import RNNClassifier
from skrnn.datasets import load_digits_sequences


def _blas_threads():
    return sorted({d["num_threads"] for d in threadpool_info() if d["user_api"] == "blas"})


def search(X, y, n_jobs, args):
    grid = {"hidden_size": args.sizes, "cell": args.cells}
    est = RNNClassifier(learning_rate_init=0.01, max_iter=args.max_iter, random_state=0)
    gs = GridSearchCV(est, grid, cv=3, n_jobs=n_jobs)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gs.fit(X, y)
    return time.perf_counter() - t0, gs


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="8,16,32,64", type=lambda s: [int(v) for v in s.split(",")])
    p.add_argument("--cells", default="rnn,gru", type=lambda s: s.split(","))
    p.add_argument("--max-iter", type=int, default=20)
    p.add_argument("--dask", action="store_true", help="also run on a local Dask cluster")
    args = p.parse_args(argv)

    X, y = load_digits_sequences(return_X_y=True)
    X, _, y, _ = train_test_split(X, y, train_size=0.75, random_state=0, stratify=y)
    cores = joblib.cpu_count()
    n_fits = len(args.sizes) * len(args.cells) * 3 + 1
    print(
        f"GridSearchCV: {len(args.sizes) * len(args.cells)} candidates x 3 folds + refit "
        f"= {n_fits} fits of {args.max_iter} epochs on {len(X)} digit sequences; "
        f"{cores} cores, BLAS threads here {_blas_threads()}"
    )
    workers = joblib.Parallel(n_jobs=-1)(joblib.delayed(_blas_threads)() for _ in range(cores))
    print(f"loky workers' BLAS threads: {workers}")

    rows = []
    t, serial = search(X, y, 1, args)
    rows.append(("serial, BLAS default threads", t, serial))
    with threadpool_limits(limits=1, user_api="blas"):
        t, ref = search(X, y, 1, args)
    rows.append(("serial, 1 BLAS thread", t, ref))
    t, gs = search(X, y, -1, args)
    rows.append((f"n_jobs=-1 (loky, {cores} workers)", t, gs))
    if args.dask:
        from distributed import Client, LocalCluster

        with (
            LocalCluster(
                n_workers=cores,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            ) as cluster,
            Client(cluster) as client,
        ):
            print(f"dask workers' BLAS threads: {list(client.run(_blas_threads).values())}")
            with joblib.parallel_backend("dask"):
                t, gs = search(X, y, -1, args)
        rows.append((f"dask LocalCluster ({cores} processes)", t, gs))

    base = rows[0][1]
    print(
        f"\n{'run':38}{'seconds':>9}{'speed-up':>10}  chosen                          "
        f"equal to 1-thread serial"
    )
    for name, t, gs in rows:
        same = np.array_equal(
            gs.cv_results_["mean_test_score"], ref.cv_results_["mean_test_score"]
        )
        print(f"{name:38}{t:9.1f}{base / t:9.2f}x  {str(gs.best_params_):32}{same}")


if __name__ == "__main__":
    main()
