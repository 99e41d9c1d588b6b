"""Training time with mixed sequence lengths: does padding cost?

One Adam epoch on N sequences whose lengths are uniform in 10..200, against
the same N sequences all of length 200, in the same process (median of
--repeats after a warm-up). The epoch is the one ``fit`` runs
(``skrnn._training.make_epoch``), on the training set ``fit`` prepares; its
``bucket_pool`` sets the batching. Three ways of batching the ragged set:

* bucketed: skrnn's default (shuffled sequences sorted by length within pools
  of ``skrnn._training.BUCKET_POOL`` batches; every batch runs to its longest);
* unbucketed: plain shuffled batches, each still run only to its longest;
* all-200: the equal-length baseline.

Run: ``python benchmarks/bench_variable_length.py [--quick]``.
"""

import argparse
import statistics
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skrnn import RNNRegressor
from skrnn._training import BUCKET_POOL, make_epoch


def epoch_seconds(X, y, cell, hidden, batch, repeats, pool):
    times = []
    for r in range(repeats + 1):  # the first is a warm-up
        est = RNNRegressor(
            cell=cell, hidden_size=hidden, batch_size=batch, max_iter=1, random_state=r
        )
        rng = np.random.RandomState(r)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            prepared = est._prepare(
                X, y, None, first_pass=True, incremental=False, classes=None, rng=rng
            )
        epoch = make_epoch(
            est, prepared.net, prepared.params, prepared.data, rng, bucket_pool=pool
        )
        tic = time.perf_counter()
        epoch.run(prepared.params)
        times.append(time.perf_counter() - tic)
    return statistics.median(times[1:])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="N=512, rnn only")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cells", default="rnn,gru,lstm", help="comma-separated")
    args = parser.parse_args()
    n = 512 if args.quick else 2048
    cells = ["rnn"] if args.quick else args.cells.split(",")
    F, H, B, T = 4, 64, 32, 200
    rng = np.random.RandomState(0)
    lengths = rng.randint(10, T + 1, size=n)
    seqs = [rng.normal(size=(L, F)) for L in lengths]
    y = rng.normal(size=n)
    full = rng.normal(size=(n, T, F))
    print(
        f"N={n}, lengths 10..{T} (mean {lengths.mean():.0f}), features {F}, "
        f"hidden {H}, batch {B}; seconds per epoch, median of {args.repeats}"
    )
    print(
        f"{'cell':5} {'bucketed':>9} {'unbucketed':>11} {'all-200':>8} "
        f"{'bucketed/all':>13} {'unbucketed/all':>15}"
    )
    for cell in cells:
        bucketed = epoch_seconds(seqs, y, cell, H, B, args.repeats, BUCKET_POOL)
        plain = epoch_seconds(seqs, y, cell, H, B, args.repeats, 1)
        equal = epoch_seconds(full, y, cell, H, B, args.repeats, BUCKET_POOL)
        print(
            f"{cell:5} {bucketed:9.3f} {plain:11.3f} {equal:8.3f} "
            f"{bucketed / equal:12.2f}x {plain / equal:14.2f}x"
        )
    print(f"ideal (mean length / 200): {lengths.mean() / T:.2f}x")


if __name__ == "__main__":
    main()
