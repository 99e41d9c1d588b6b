"""Wall-clock time of the demo's hyper-parameter search: skrnn against skorch + PyTorch.

What is timed
-------------
``python -m skrnn``'s search, end to end: ``GridSearchCV`` over the hidden
size (8, 16, 32, 64) with 3-fold ``StratifiedKFold(shuffle=True)``,
``n_jobs=2``, then the refit of the best size on the whole training set,
on ``skrnn.datasets.load_digits_sequences()`` (1797 digits, 8 steps of 8
pixels) split 75/25 as the demo splits it (``train_test_split(test_size=0.25,
stratify=y, random_state=0)``). The clock runs around ``search.fit`` (the
cross-validation fits, scoring, refit, and joblib's worker start-up); the
table gives those seconds, the hidden size chosen and the accuracy of the
refitted model on the held-out quarter.

* skrnn: the demo's estimator, ``RNNClassifier(cell="rnn",
  learning_rate_init=0.01, max_iter=100, random_state=0)``: Adam, minibatches
  of ``min(200, n)`` shuffled every epoch, ``alpha=1e-4``, training stops
  when the training loss has not improved by ``tol=1e-4`` for more than
  ``n_iter_no_change=10`` epochs (MLP's rule). float64, as the demo.
* skorch: ``skorch.NeuralNetClassifier`` wrapping ``nn.RNN(8, hidden,
  batch_first=True)`` + ``nn.Linear(hidden, 10)`` on the last step's output,
  ``nn.CrossEntropyLoss``, ``torch.optim.Adam`` at lr 0.01 with
  ``weight_decay = alpha / batch_size`` (the gradient of skrnn's per-batch L2
  term; skrnn leaves biases out, torch does not -- negligible at 5e-7),
  the same batch size and maximum epochs, shuffled batches, no internal
  validation split (``train_split=None``), and a callback that stops on the
  training loss with skrnn's rule (tol, n_iter_no_change). float32, as
  PyTorch's modules are by default. Grid over ``module__hidden_size``.

Threads: the machine this was written for has 2 cores. With ``n_jobs=2``,
joblib's loky workers get ``cores // n_jobs`` BLAS threads each (joblib
sets that for OpenBLAS, which skrnn uses); torch is given the same share:
``torch.set_num_threads(max(1, cores // n_jobs))`` at the start of every fit
in a worker, and all cores for the refit in the main process (skrnn's refit
also runs there with OpenBLAS's default threads). Change it with
``--torch-threads``.

The skrnn search runs first: it pays for starting the loky workers, the
skorch search reuses them but pays for importing torch in them.
Without skorch and torch, only skrnn is timed and a line says how to install
them. Timings on a shared machine are noisy: the load average before and
after is printed.

How to run
----------
From the repository root, with skrnn importable (``pip install -e .``)::

    pip install torch==2.13.0 skorch                  # optional: the comparison
    python benchmarks/bench_gridsearch.py --quick     # sizes 8,32, 20 epochs (~1-2 minutes)
    python benchmarks/bench_gridsearch.py             # the demo's search
    python benchmarks/bench_gridsearch.py --cell gru --n-jobs 1
"""

import argparse
import os
import platform
import sys
import time
import warnings

import numpy as np

try:  # run from a checkout without installing
    import skrnn
except ImportError:  # pragma: no cover
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    import skrnn

from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split

from skrnn import RNNClassifier
from skrnn.__main__ import _sizes  # the demo's --sizes parser
from skrnn.datasets import load_digits_sequences

try:
    import skorch
    import torch
    from skorch.callbacks import Callback
except ImportError:  # optional
    skorch = torch = None

#: the demo's settings (python -m skrnn), and RNNClassifier's defaults it relies on
LEARNING_RATE = 0.01
MAX_ITER = 100
ALPHA = 1e-4
TOL = 1e-4
N_ITER_NO_CHANGE = 10
MAX_BATCH = 200  # batch_size="auto": min(200, n_samples)
SIZES = (8, 16, 32, 64)
QUICK_SIZES = (8, 32)
QUICK_MAX_ITER = 20
INSTALL_HINT = "pip install torch==2.13.0 skorch"


# ------------------------------------------------------------------- skorch
if torch is not None:

    class LastStepRNN(torch.nn.Module):
        """Recurrent layer, then a linear head on the output of the last step (logits)."""

        def __init__(self, cell="rnn", n_features=8, hidden_size=16, n_classes=10, seed=0):
            super().__init__()
            torch.manual_seed(seed)  # the same initial weights for the same hidden size
            layer = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]
            self.rnn = layer(n_features, hidden_size, batch_first=True)
            self.head = torch.nn.Linear(hidden_size, n_classes)

        def forward(self, X):
            out, _ = self.rnn(X)
            return self.head(out[:, -1])

    class TrainLossStopping(Callback):
        """Stop as skrnn (and MLP) do without early_stopping.

        An epoch counts as no improvement when its training loss is above the
        lowest so far minus ``tol``; training stops once more than
        ``n_iter_no_change`` such epochs follow each other.
        """

        def __init__(self, tol=TOL, n_iter_no_change=N_ITER_NO_CHANGE):
            self.tol = tol
            self.n_iter_no_change = n_iter_no_change

        def on_train_begin(self, net, **kwargs):
            self.best_ = np.inf
            self.count_ = 0

        def on_epoch_end(self, net, **kwargs):
            loss = net.history[-1, "train_loss"]
            self.count_ = self.count_ + 1 if loss > self.best_ - self.tol else 0
            self.best_ = min(self.best_, loss)
            if self.count_ > self.n_iter_no_change:
                raise KeyboardInterrupt  # skorch's own way to end fit early

    class TorchThreads(Callback):
        """``torch.set_num_threads`` at the start of each fit: one value in
        the process that built the search, another in joblib's workers."""

        def __init__(self, main_pid, in_main, in_workers):
            self.main_pid = main_pid
            self.in_main = in_main
            self.in_workers = in_workers

        def on_train_begin(self, net, **kwargs):
            main = os.getpid() == self.main_pid
            torch.set_num_threads(self.in_main if main else self.in_workers)


def skorch_search(cell, sizes, max_iter, batch_size, folds, seed, n_jobs, worker_threads):
    net = skorch.NeuralNetClassifier(
        LastStepRNN,
        module__cell=cell,
        module__n_features=8,
        module__n_classes=10,
        module__seed=seed,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        optimizer__weight_decay=ALPHA / batch_size,
        lr=LEARNING_RATE,
        max_epochs=max_iter,
        batch_size=batch_size,
        iterator_train__shuffle=True,
        train_split=None,
        callbacks=[
            ("stop", TrainLossStopping()),
            ("threads", TorchThreads(os.getpid(), os.cpu_count() or 1, worker_threads)),
        ],
        device="cpu",
        verbose=0,
    )
    return GridSearchCV(
        net,
        {"module__hidden_size": list(sizes)},
        cv=StratifiedKFold(folds, shuffle=True, random_state=seed),
        n_jobs=n_jobs,
    )


def skrnn_search(cell, sizes, max_iter, folds, seed, n_jobs):
    estimator = RNNClassifier(
        cell=cell, learning_rate_init=LEARNING_RATE, max_iter=max_iter, random_state=seed
    )
    return GridSearchCV(
        estimator,
        {"hidden_size": list(sizes)},
        cv=StratifiedKFold(folds, shuffle=True, random_state=seed),
        n_jobs=n_jobs,
    )


def run(search, X_train, y_train, X_test, y_test):
    """Fit the search; seconds, chosen hidden size, test accuracy, refit's epochs."""
    tic = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X_train, y_train)
    seconds = time.perf_counter() - tic
    (size,) = search.best_params_.values()
    best = search.best_estimator_
    epochs = best.n_iter_ if hasattr(best, "n_iter_") else len(best.history)
    return seconds, size, search.score(X_test, y_test), epochs


def _load():
    try:
        return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        return "load average unknown"


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Seconds of the demo's GridSearchCV (python -m skrnn): skrnn vs skorch + PyTorch.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"hidden sizes {','.join(map(str, QUICK_SIZES))}, "
        f"max {QUICK_MAX_ITER} epochs (about 1-2 minutes)",
    )
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=None,
        help="comma-separated hidden sizes (default: 8,16,32,64)",
    )
    parser.add_argument(
        "--max-iter",
        type=int,
        default=None,
        help=f"maximum epochs per fit (default: {MAX_ITER}, the demo's)",
    )
    parser.add_argument(
        "--cell",
        default="rnn",
        choices=["rnn", "lstm", "gru"],
        help="recurrent cell (default: rnn, the demo's)",
    )
    parser.add_argument("--folds", type=int, default=3, help="CV folds (default: 3)")
    parser.add_argument("--n-jobs", type=int, default=2, help="GridSearchCV jobs (default: 2)")
    parser.add_argument(
        "--seed", type=int, default=0, help="split, folds and weights (default: 0)"
    )
    parser.add_argument(
        "--torch-threads",
        type=int,
        default=None,
        help="torch threads per fit in the workers (default: cores // n_jobs, at least 1)",
    )
    parser.add_argument("--skip-skorch", action="store_true", help="time skrnn only")
    args = parser.parse_args(argv)
    if args.folds < 2:
        parser.error("--folds must be at least 2")
    sizes = args.sizes or list(QUICK_SIZES if args.quick else SIZES)
    max_iter = args.max_iter or (QUICK_MAX_ITER if args.quick else MAX_ITER)
    if max_iter < 1:
        parser.error("--max-iter must be positive")
    cores = os.cpu_count() or 1
    jobs = cores if args.n_jobs == -1 else max(1, args.n_jobs)
    worker_threads = args.torch_threads or max(1, cores // jobs)

    X, y = load_digits_sequences(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=args.seed
    )
    batch_size = min(MAX_BATCH, len(y_train) * (args.folds - 1) // args.folds)

    print(
        f"python {platform.python_version()}, numpy {np.__version__}, skrnn {skrnn.__version__}"
        + ("" if torch is None else f", torch {torch.__version__}, skorch {skorch.__version__}")
        + f"; {cores} CPUs"
    )
    print(
        f"digits {X.shape}: {len(y_train)} train, {len(y_test)} test; GridSearchCV hidden sizes "
        f"{sizes}, cell {args.cell}, {args.folds}-fold, n_jobs={args.n_jobs}"
    )
    print(
        f"Adam lr {LEARNING_RATE}, at most {max_iter} epochs (stop: tol {TOL}, "
        f"n_iter_no_change {N_ITER_NO_CHANGE}), batch {batch_size}; torch threads: "
        f"{worker_threads} per worker, {cores} in the main process"
    )
    print(f"before: {_load()}\n")

    results = []
    search = skrnn_search(args.cell, sizes, max_iter, args.folds, args.seed, args.n_jobs)
    results.append(("skrnn (float64)", run(search, X_train, y_train, X_test, y_test)))
    skipped = None
    if args.skip_skorch:
        skipped = "skorch: skipped (--skip-skorch)"
    elif torch is None:
        skipped = f"skorch + torch: not installed, skipped ({INSTALL_HINT} to compare)"
    else:
        search = skorch_search(
            args.cell,
            sizes,
            max_iter,
            batch_size,
            args.folds,
            args.seed,
            args.n_jobs,
            worker_threads,
        )
        X32 = (X_train.astype(np.float32), X_test.astype(np.float32))
        results.append(
            (
                "skorch (float32)",
                run(search, X32[0], y_train.astype(np.int64), X32[1], y_test.astype(np.int64)),
            )
        )

    header = f"{'library':<17} {'search s':>9} {'hidden':>7} {'test acc':>9} {'refit epochs':>13}"
    print(header)
    print("-" * len(header))
    for name, (seconds, size, accuracy, epochs) in results:
        print(f"{name:<17} {seconds:>9.1f} {size:>7} {accuracy:>9.4f} {epochs:>13}")
    print("-" * len(header))
    if len(results) == 2:
        ratio = results[0][1][0] / results[1][1][0]
        print(f"ratio skrnn/skorch: {ratio:.2f}x ({'skrnn' if ratio < 1 else 'skorch'} is faster)")
    if skipped:
        print(skipped)
    print(f"after: {_load()}")


if __name__ == "__main__":
    main()
