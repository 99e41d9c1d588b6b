"""Peak memory of skrnn's ``fit`` and ``predict``, and how it scales with N.

What is measured
----------------
For each cell, dtype and number of sequences N, an ``RNNRegressor(cell=...,
hidden_size=64, batch_size=200, max_iter=1)`` (Adam, one epoch: memory, not
accuracy, matters) is fitted on N random sequences of T=50 steps and 8
features, then predicts the same N sequences. Python's ``tracemalloc``
traces every allocation (NumPy reports its array buffers to it), and the
table reports, in MB (10**6 bytes):

* ``X MB``: the size of the input X (``X.nbytes``), for reference.
* ``fit peak``: the highest traced memory during ``fit`` minus what was
  traced just before the call (X and y themselves are held by the caller,
  so they are NOT counted): the memory ``fit`` adds on top of the data.
  ``/X``: the same in multiples of X's size.
* ``held``: memory ``fit`` holds when the optimizer takes its first step,
  i.e. during training, between two minibatches: the training copies of
  the data, the parameters and the optimizer state. Measured by wrapping
  ``skrnn._optim.Adam.update`` for the duration of the fit (the wrapper
  only reads ``tracemalloc.get_traced_memory()``); ``-`` if that hook is
  unavailable.
* ``batch``: the peak during training minus ``held``: the working memory
  of one minibatch's forward and backward pass (activations of every step
  kept for BPTT). It should depend on batch_size x T x hidden_size and the
  cell, not on N.
* ``predict peak``: the highest traced memory during ``predict(X)`` minus
  what was traced before it; predict runs in chunks of sequences, so it
  should not grow with N.

A ``*`` after the fit peak means the peak happened *before* training
started (input validation, de-duplication, building the training arrays),
not during the epoch.

After the table, for every (cell, dtype) run at two or more N, the growth
of each peak per extra sequence is given in bytes and in multiples of one
sequence's bytes in X: about 0 for the minibatch working memory and
predict; for ``fit``, the number of extra copies of X that fit keeps.
``--layouts`` measures only predict, on one fitted model, for X as a
C-ordered float64 array, NaN-padded, Fortran-ordered and float32: predict
converts each chunk itself, so the four peaks should be about equal
(``python benchmarks/bench_memory.py --layouts``).
``--top K`` runs one more fit (first cell and dtype, largest N) and lists
the K source lines holding the most memory at the first optimizer step.

Data: ``numpy.random.RandomState(seed).standard_normal((N, T, F))`` cast to
the dtype, y = tanh of the mean of the last 5 steps. ConvergenceWarning
(one epoch) is silenced.

tracemalloc sees Python and NumPy allocations only, not what OpenBLAS
allocates for its own threads (a few MB, independent of N), nor the
interpreter's baseline. It slows small allocations down, so the seconds
printed (wall time of fit and predict under tracing) are only a hint.

How to run
----------
From the repository root, with skrnn importable (``pip install -e .``)::

    python benchmarks/bench_memory.py --quick       # rnn, N = 2,000 and 20,000 (< 1 minute)
    python benchmarks/bench_memory.py               # rnn and lstm, N = 10,000 and 100,000
    python benchmarks/bench_memory.py --cells gru --dtypes float32,float64 --top 8
    python benchmarks/bench_memory.py --n 10000 --batch-size 50,200,800   # batch term
"""

import argparse
import gc
import os
import platform
import sys
import time
import tracemalloc
import warnings

import numpy as np

try:  # run from a checkout without installing
    import skrnn
except ImportError:  # pragma: no cover
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    import skrnn

from sklearn.exceptions import ConvergenceWarning

import skrnn._optim as skrnn_optim
from skrnn import RNNRegressor

DEFAULT_N = (10_000, 100_000)
QUICK_N = (2_000, 20_000)
CELLS = ("rnn", "lstm", "gru")
MB = 1e6


# --------------------------------------------------------------------- data
def make_data(n_samples, n_timesteps, n_features, dtype, seed=0):
    """Standard-normal sequences (N, T, F) in ``dtype`` and y (N,) = tanh(mean of the last 5 steps)."""
    rng = np.random.RandomState(seed)
    X = rng.standard_normal((n_samples, n_timesteps, n_features)).astype(dtype, copy=False)
    y = np.tanh(X[:, -min(5, n_timesteps) :, :].mean(axis=(1, 2))).astype(dtype)
    return X, y


# ------------------------------------------------------------------ measure
class FirstStepProbe:
    """While active, record traced memory at the optimizer's first step.

    Wraps ``skrnn._optim.Adam.update`` (a class attribute, so the estimator's
    own optimizer object goes through it). At the first call it stores the
    memory traced at that moment (``held``) and the peak so far
    (``prep_peak``: validation and the building of the training arrays),
    optionally takes a snapshot, then resets tracemalloc's peak so that the
    peak read after ``fit`` belongs to the training epoch alone.
    """

    def __init__(self, snapshot=False):
        self.want_snapshot = snapshot
        self.held = self.prep_peak = self.snapshot = None
        self._original = None

    def __enter__(self):
        self._original = getattr(skrnn_optim.Adam, "update", None)
        if self._original is None:  # a skrnn without this hook point: no breakdown
            return self
        probe, original = self, self._original

        def update(optimizer, *args, **kwargs):
            if probe.held is None:
                probe.held, probe.prep_peak = tracemalloc.get_traced_memory()
                if probe.want_snapshot:
                    probe.snapshot = tracemalloc.take_snapshot()
                tracemalloc.reset_peak()
            return original(optimizer, *args, **kwargs)

        skrnn_optim.Adam.update = update
        return self

    def __exit__(self, *exc):
        if self._original is not None:
            skrnn_optim.Adam.update = self._original
        return False


#: bptt_steps of every estimator built here (--bptt)
BPTT_STEPS = None


def _estimator(cell, hidden, batch, seed):
    return RNNRegressor(
        cell=cell,
        hidden_size=hidden,
        batch_size=batch,
        max_iter=1,
        random_state=seed,
        bptt_steps=BPTT_STEPS,
    )


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


def measure(cell, dtype, n, T, F, hidden, batch, seed):
    """Bytes: dict with X, fit_peak, fit_prep (bool), held, batch, pred_peak; seconds."""
    X, y = make_data(n, T, F, dtype, seed)
    est = _estimator(cell, hidden, batch, seed)
    gc.collect()
    base = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    tic = time.perf_counter()
    with FirstStepProbe() as probe:
        _fit(est, X, y)
    fit_seconds = time.perf_counter() - tic
    train_peak = tracemalloc.get_traced_memory()[1]
    result = {"X": X.nbytes, "fit_seconds": fit_seconds}
    if probe.held is None:
        result.update(fit_peak=train_peak - base, fit_prep=False, held=None, batch=None)
    else:
        result.update(
            fit_peak=max(probe.prep_peak, train_peak) - base,
            fit_prep=probe.prep_peak > train_peak,
            held=probe.held - base,
            batch=train_peak - probe.held,
        )

    gc.collect()
    base = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    tic = time.perf_counter()
    est.predict(X)
    result["pred_seconds"] = time.perf_counter() - tic
    result["pred_peak"] = tracemalloc.get_traced_memory()[1] - base
    del est, X, y
    gc.collect()
    return result


def top_lines(cell, dtype, n, T, F, hidden, batch, seed, k):
    """The k source lines holding the most new memory at the first optimizer step."""
    X, y = make_data(n, T, F, dtype, seed)
    est = _estimator(cell, hidden, batch, seed)
    gc.collect()
    before = tracemalloc.take_snapshot()
    with FirstStepProbe(snapshot=True) as probe:
        _fit(est, X, y)
    if probe.snapshot is None:
        return None
    stats = probe.snapshot.compare_to(before, "lineno")
    return [s for s in stats if s.size_diff > 0][:k]


# ------------------------------------------------------------------ report
def _mb(nbytes):
    return "-" if nbytes is None else f"{nbytes / MB:.1f}"


def _ratio(nbytes, x_bytes):
    return "-" if nbytes is None else f"{nbytes / x_bytes:.2f}"


def _int_list(text):
    try:
        values = [int(v.replace("_", "")) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected integers like 10000,100000, got {text!r}"
        ) from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers, got {text!r}")
    return values


def _slope(rows, key):
    """Least-squares growth of rows[key] per sequence (bytes), from (n, result) pairs."""
    pts = [(n, r[key]) for n, r in rows if r[key] is not None]
    if len(pts) < 2:
        return None
    n, v = np.array(pts, dtype=float).T
    return float(np.polyfit(n, v, 1)[0])


def predict_layouts(n, T, F, hidden, seed):
    """Predict peak (MB above X) for one fitted model and X as C-ordered
    float64, NaN-padded (every other sequence ends at 4/5 of T), Fortran-ordered,
    and float32: each is converted chunk by chunk, so all four should be
    close to the C-ordered figure (they made a full copy of X before)."""
    rng = np.random.RandomState(seed)
    small = rng.normal(size=(64, T, F))
    est = _fit(_estimator(CELLS[0], hidden, 64, seed), small, small[:, :, 0].sum(axis=1))
    X = rng.normal(size=(n, T, F))
    padded = X.copy()
    padded[::2, (4 * T) // 5 :] = np.nan
    layouts = {
        "C float64": X,
        "NaN-padded": padded,
        "Fortran": np.asfortranarray(X),
        "float32": X.astype(np.float32),
    }
    print(f"predict peak by layout of X ({CELLS[0]}, hidden {hidden}, N={n}, T={T}, F={F})")
    for name, A in layouts.items():
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        est.predict(A)
        peak = tracemalloc.get_traced_memory()[1] - before
        print(f"  {name:<11} X {_mb(A.nbytes):>7} MB   predict peak {_mb(peak):>7} MB")


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Peak memory (tracemalloc) of skrnn's fit and predict as N grows.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="N = 2,000 and 20,000, first cell only (under a minute)",
    )
    parser.add_argument(
        "--n",
        type=_int_list,
        default=None,
        help="comma-separated numbers of sequences (default: 10000,100000)",
    )
    parser.add_argument(
        "--cells",
        default="rnn,lstm",
        help="comma-separated cells: rnn, lstm, gru (default: rnn,lstm)",
    )
    parser.add_argument(
        "--dtypes",
        default="float64",
        help="comma-separated: float32 and/or float64 (default: float64)",
    )
    parser.add_argument("--timesteps", type=int, default=50, help="T (default: 50)")
    parser.add_argument("--features", type=int, default=8, help="features per step (default: 8)")
    parser.add_argument("--hidden-size", type=int, default=64, help="hidden size (default: 64)")
    parser.add_argument(
        "--batch-size",
        type=_int_list,
        default=[200],
        help="minibatch size(s), comma-separated (default: 200)",
    )
    parser.add_argument("--seed", type=int, default=0, help="data and weights seed (default: 0)")
    parser.add_argument(
        "--top",
        type=int,
        default=0,
        metavar="K",
        help="also list the K lines holding most memory during training "
        "(one extra fit: first cell and dtype, largest N)",
    )
    parser.add_argument(
        "--bptt",
        type=int,
        default=None,
        metavar="K",
        help="truncated BPTT: bptt_steps=K (e.g. --timesteps 10000 "
        "--n 200,2000 --batch-size 32 --bptt 100)",
    )
    parser.add_argument(
        "--layouts",
        action="store_true",
        help="only the predict peak for C, NaN-padded, Fortran and float32 "
        "X (N = the largest --n, default 20000)",
    )
    args = parser.parse_args(argv)
    if args.layouts:
        tracemalloc.start()
        predict_layouts(
            max(args.n or [20_000]), args.timesteps, args.features, args.hidden_size, args.seed
        )
        return
    global BPTT_STEPS
    BPTT_STEPS = args.bptt

    cells = args.cells.split(",")
    bad = [c for c in cells if c not in CELLS]
    if bad:
        parser.error(f"unknown cells {bad}; choose from {', '.join(CELLS)}")
    dtypes = []
    for name in args.dtypes.split(","):
        if name not in ("float32", "float64"):
            parser.error(f"--dtypes: float32 and/or float64, got {name!r}")
        dtypes.append(np.dtype(name))
    if min(args.timesteps, args.features, args.hidden_size) < 1:
        parser.error("--timesteps, --features and --hidden-size must be positive")
    if args.quick:
        cells = cells[:1]
    sizes = args.n or list(QUICK_N if args.quick else DEFAULT_N)
    T, F, H = args.timesteps, args.features, args.hidden_size
    batches = args.batch_size
    if min(sizes) < max(batches):
        parser.error(f"every N must be at least the batch size ({max(batches)})")

    print(
        f"python {platform.python_version()}, numpy {np.__version__}, skrnn {skrnn.__version__}; "
        f"{os.cpu_count()} CPUs"
    )
    print(
        f"RNNRegressor(hidden_size={H}, max_iter=1, adam, bptt_steps={args.bptt}), "
        f"T={T}, features={F}; "
        f"memory traced by tracemalloc, MB = 1e6 bytes"
    )
    print(
        "fit/predict peak: memory added on top of X and y (which the caller holds); "
        "/X: in multiples of X MB"
    )
    print(
        "held: memory held by fit during training; batch: one minibatch's working "
        "memory (training peak - held)"
    )
    print()
    header = (
        f"{'cell':<5} {'dtype':<8} {'batch':>5} {'N':>8} {'X MB':>8} {'fit peak':>9} "
        f"{'/X':>5} {'held':>8} {'/X':>5} {'batch MB':>9} {'pred peak':>9} {'/X':>5} "
        f"{'fit s':>6} {'pred s':>6}"
    )
    print(header)
    print("-" * len(header))
    tracemalloc.start()
    groups = {}
    start = time.perf_counter()
    try:
        for cell in cells:
            for dtype in dtypes:
                for batch in batches:
                    for n in sizes:
                        r = measure(cell, dtype, n, T, F, H, batch, args.seed)
                        groups.setdefault((cell, dtype.name, batch), []).append((n, r))
                        mark = "*" if r["fit_prep"] else " "
                        print(
                            f"{cell:<5} {dtype.name:<8} {batch:>5} {n:>8} {_mb(r['X']):>8} "
                            f"{_mb(r['fit_peak']):>8}{mark} {_ratio(r['fit_peak'], r['X']):>5} "
                            f"{_mb(r['held']):>8} {_ratio(r['held'], r['X']):>5} "
                            f"{_mb(r['batch']):>9} {_mb(r['pred_peak']):>9} "
                            f"{_ratio(r['pred_peak'], r['X']):>5} "
                            f"{r['fit_seconds']:>6.1f} {r['pred_seconds']:>6.1f}",
                            flush=True,
                        )
        print("-" * len(header))
        print("* the fit peak came before training (validation / building the training arrays)")

        if len(sizes) > 1:
            print()
            print(
                "growth per extra sequence, in bytes and in multiples of one sequence "
                "of X (T x features x itemsize):"
            )
            print(
                f"{'cell':<5} {'dtype':<8} {'batch':>5} {'seq B':>6} {'fit peak':>14} "
                f"{'held':>14} {'batch work':>14} {'predict':>14} {'batch MB / (B*T*H*item)':>24}"
            )
            for (cell, dname, batch), rows in groups.items():
                per_seq = T * F * np.dtype(dname).itemsize
                cols = []
                for key in ("fit_peak", "held", "batch", "pred_peak"):
                    s = _slope(rows, key)
                    cols.append("-" if s is None else f"{s:7.0f} ({s / per_seq:4.2f}x)")
                unit = batch * T * H * np.dtype(dname).itemsize
                work = [r["batch"] / unit for _, r in rows if r["batch"] is not None]
                work_txt = "-" if not work else " / ".join(f"{w:.1f}" for w in work)
                print(
                    f"{cell:<5} {dname:<8} {batch:>5} {per_seq:>6} {cols[0]:>14} {cols[1]:>14} "
                    f"{cols[2]:>14} {cols[3]:>14} {work_txt:>24}"
                )
            print(
                "(last column: the minibatch working memory in units of one "
                "(batch, T, hidden) array, at each N)"
            )

        if args.top > 0:
            cell, dtype, n = cells[0], dtypes[0], max(sizes)
            print()
            print(
                f"lines holding the most new memory at the first optimizer step "
                f"({cell}, {dtype.name}, batch {batches[0]}, N={n}, X {_x_mb(n, T, F, dtype)} MB):"
            )
            stats = top_lines(cell, dtype, n, T, F, H, batches[0], args.seed, args.top)
            if stats is None:
                print("  (unavailable: skrnn._optim.Adam.update not found)")
            for s in stats or []:
                frame = s.traceback[0]
                print(
                    f"  {s.size_diff / MB:8.1f} MB in {s.count_diff:>6} blocks  "
                    f"{_short(frame.filename)}:{frame.lineno}"
                )
    finally:
        tracemalloc.stop()
    print(f"\ntotal {time.perf_counter() - start:.0f} s")


def _x_mb(n, T, F, dtype):
    return f"{n * T * F * np.dtype(dtype).itemsize / MB:.1f}"


def _short(filename):
    """Path from the package or site-packages directory on."""
    parts = filename.replace("\\", "/").split("/")
    for anchor in ("skrnn", "site-packages", "benchmarks"):
        if anchor in parts[:-1]:
            i = len(parts) - 1 - parts[::-1].index(anchor)
            return "/".join(parts[i:])
    return filename


if __name__ == "__main__":
    main()
