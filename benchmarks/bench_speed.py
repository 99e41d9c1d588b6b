"""Training and prediction speed of skrnn against PyTorch's CPU recurrent layers.

What is compared
----------------
The same many-to-one regression model in both libraries: one recurrent layer
(Elman tanh for ``--cells rnn``), a linear head reading the hidden state after
the last time step, squared-error loss, Adam with learning rate 1e-3, shuffled
minibatches of the same size, on the same random data.

* skrnn: ``RNNRegressor(hidden_size=H, batch_size=B, learning_rate_init=1e-3,
  ...)`` is fitted once to build its network, then one epoch is timed by
  driving ``est._net.loss_and_grad`` and ``skrnn._optim.Adam`` over the
  shuffled minibatches exactly as ``BaseRNN._fit_stochastic`` does (a
  permutation, ``np.take`` of each batch from the time-major data, the loss
  and gradient, the Adam step), so the fixed cost of ``fit`` (validation,
  initialisation) is left out. ``--skrnn-mode fit`` instead times
  ``est.fit(X, y)`` with ``max_iter=1`` (fixed overhead included). The
  estimator's default ``alpha`` (L2 penalty, 1e-4) is kept: that is what a
  user runs; its cost is O(n_params) per step.
* PyTorch: ``torch.nn.RNN(batch_first=True)`` + ``torch.nn.Linear``, a loop over
  ``torch.randperm`` minibatches doing zero_grad / forward / MSE loss /
  backward / ``torch.optim.Adam.step``; ``torch.set_num_threads(2)``. float64
  runs call ``.double()`` on the modules.
* predict: ``est.predict(X)`` on all N sequences; PyTorch's forward on all N
  under ``torch.no_grad()``.

For each configuration and dtype, both libraries run in this one process,
alternating: one warm-up epoch and predict each, then ``--repeats`` rounds of
(skrnn epoch, torch epoch, skrnn predict, torch predict). The table shows the
median of the rounds and the ratio skrnn / torch (below 1: skrnn is faster).

The script never changes BLAS or OpenMP settings; it reports what ran
(threadpoolctl's view of the loaded BLAS/OpenMP libraries, the environment
variables that steer them, and torch's own thread count). Run it on an idle
machine: it measures the CPU time other processes used meanwhile (from
/proc/stat) and marks a row ``!busy`` when they took more than 5% of the CPUs
(PyTorch's OpenMP threads slow down 10-100x when they share the cores).

torch is optional: without it, only skrnn's timings are printed.

Configurations (batch, T, features, hidden, N)::

    A  (32,  50,  8,  64, 2048)
    B  (64, 100,  1,  32, 2048)
    C  (128, 28, 28, 128, 4096)
    D  (32, 200,  4, 256, 1024)

How to run
----------
From the repository root, with skrnn importable (``pip install -e .``)::

    python benchmarks/bench_speed.py               # all configs, float32 and float64
    python benchmarks/bench_speed.py --quick       # configs A and B, N/4 (< 1 minute)
    python benchmarks/bench_speed.py --configs A,C --dtypes float32 --repeats 5
    python benchmarks/bench_speed.py --cells rnn,lstm,gru   # once skrnn has them

PyTorch, for the comparison: ``pip install torch`` (CPU build; developed with
torch 2.13.0). It is never a dependency of skrnn.
"""

import argparse
import gc
import os
import platform
import statistics
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

from skrnn import RNNRegressor

try:
    import torch
except ImportError:  # torch is optional
    torch = None

#: name -> (batch_size, n_timesteps, n_features, hidden_size, n_samples)
CONFIGS = {
    "A": (32, 50, 8, 64, 2048),
    "B": (64, 100, 1, 32, 2048),
    "C": (128, 28, 28, 128, 4096),
    "D": (32, 200, 4, 256, 1024),
}
QUICK_CONFIGS = ("A", "B")
QUICK_N_DIVISOR = 4
LEARNING_RATE = 1e-3
#: share of the machine's CPU time used by other processes above which a row is flagged
BUSY_SHARE = 0.05
#: environment variables that steer BLAS / OpenMP threading or kernels (reported only)
THREAD_ENV_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "OPENBLAS_CORETYPE",
    "MKL_NUM_THREADS",
    "MKL_DEBUG_CPU_TYPE",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "NVPL_BLAS_DEBUG_CPU_TYPE",
    "ONEDNN_MAX_CPU_ISA",
)


# --------------------------------------------------------------------- data
def make_data(n_samples, n_timesteps, n_features, dtype, seed=0):
    """Standard-normal sequences (N, T, F) and a smooth scalar target (N,)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_timesteps, n_features)).astype(dtype)
    tail = X[:, -min(10, n_timesteps) :, :]
    y = np.tanh(tail.mean(axis=(1, 2))) + 0.1 * rng.standard_normal(n_samples)
    return X, y.astype(dtype)


# -------------------------------------------------------------------- skrnn
class SkrnnRunner:
    """One RNNRegressor: ``epoch()`` trains one epoch, ``predict()`` predicts all N."""

    def __init__(self, cell, batch_size, hidden_size, X, y, mode="loop"):
        self.X, self.y = X, y
        self.est = RNNRegressor(
            hidden_size=hidden_size,
            cell=cell,
            batch_size=batch_size,
            max_iter=1,
            shuffle=True,
            learning_rate_init=LEARNING_RATE,
            tol=0.0,
            random_state=0,
        )
        self.mode = mode
        self.note = None
        self._fit()  # raises for a cell skrnn lacks
        if mode == "loop":
            self._setup_loop()

    def _fit(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.est.fit(self.X, self.y)

    def _setup_loop(self):
        """The training set, network and epoch a fit builds, through the same
        code (``BaseRNN._prepare``, ``skrnn._training.make_epoch``)."""
        from skrnn._training import make_epoch

        est, rng = self.est, np.random.RandomState(0)
        prepared = est._prepare(
            self.X, self.y, None, first_pass=True, incremental=False, classes=None, rng=rng
        )
        est._optimizer = None
        self.data, self.params = prepared.data, prepared.params
        self.runner = make_epoch(est, prepared.net, self.params, self.data, rng)

    def epoch(self):
        if self.mode == "fit":
            self._fit()
            return
        total, problem = self.runner.run(self.params)
        if problem is not None:
            raise RuntimeError(f"skrnn's epoch diverged: {problem}")
        return total / len(self.data)

    def predict(self):
        return self.est.predict(self.X)


# -------------------------------------------------------------------- torch
class TorchRunner:
    """The same model in PyTorch: recurrent layer + linear head on the last state."""

    def __init__(self, cell, batch_size, hidden_size, X, y):
        layer_cls = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]
        torch.manual_seed(0)
        self.rnn = layer_cls(X.shape[2], hidden_size, batch_first=True)
        self.head = torch.nn.Linear(hidden_size, 1)
        if X.dtype == np.float64:
            self.rnn.double()
            self.head.double()
        self.X = torch.from_numpy(np.ascontiguousarray(X))
        self.y = torch.from_numpy(np.ascontiguousarray(y)).reshape(-1, 1)
        self.batch_size = batch_size
        self.params = list(self.rnn.parameters()) + list(self.head.parameters())
        self.opt = torch.optim.Adam(self.params, lr=LEARNING_RATE)
        self.loss_fn = torch.nn.MSELoss()
        self.gen = torch.Generator().manual_seed(0)

    def _forward(self, X):
        out = self.rnn(X)[0]  # (N, T, H); LSTM/GRU/RNN alike
        return self.head(out[:, -1])

    def epoch(self):
        n = self.X.shape[0]
        order = torch.randperm(n, generator=self.gen)
        total = 0.0
        for start in range(0, n, self.batch_size):
            idx = order[start : start + self.batch_size]
            Xb, yb = self.X[idx], self.y[idx]
            self.opt.zero_grad()
            loss = self.loss_fn(self._forward(Xb), yb)
            loss.backward()
            self.opt.step()
            total += loss.item() * len(idx)
        return total / n

    def predict(self):
        with torch.no_grad():
            return self._forward(self.X)


# ----------------------------------------------------------------- measure
def _timed(fn):
    gc.collect()
    tic = time.perf_counter()
    fn()
    return time.perf_counter() - tic


def measure(cell, cfg, dtype, n_samples, repeats, skrnn_mode):
    """Median seconds: dict with skrnn_fit, skrnn_pred, torch_fit, torch_pred."""
    batch, T, F, H, _ = cfg
    X, y = make_data(n_samples, T, F, dtype)
    result = {"note": None}
    try:
        sk = SkrnnRunner(cell, batch, H, X, y, mode=skrnn_mode)
        result["note"] = sk.note
    except ValueError as exc:  # e.g. a cell this version of skrnn does not implement
        sk = None
        result["note"] = f"skrnn: {exc}"
    th = TorchRunner(cell, batch, H, X, y) if torch is not None else None

    runners = [(name, r) for name, r in (("skrnn", sk), ("torch", th)) if r is not None]
    for _, r in runners:  # warm-up
        r.epoch()
        r.predict()
    times = {f"{name}_{what}": [] for name, _ in runners for what in ("fit", "pred")}
    for _ in range(repeats):
        for name, r in runners:
            times[f"{name}_fit"].append(_timed(r.epoch))
        for name, r in runners:
            times[f"{name}_pred"].append(_timed(r.predict))
    for key, values in times.items():
        result[key] = statistics.median(values)
    return result


# ------------------------------------------------------------------ report
def environment_report():
    lines = [
        f"python {platform.python_version()} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs; numpy {np.__version__}; skrnn {skrnn.__version__}",
    ]
    if torch is None:
        lines.append("torch: NOT INSTALLED -- skrnn timings only (pip install torch to compare)")
    else:
        onednn = torch.backends.mkldnn.is_available() and torch.backends.mkldnn.enabled
        try:
            capability = torch.backends.cpu.get_cpu_capability()
        except AttributeError:
            capability = "unknown"
        lines.append(
            f"torch {torch.__version__}: {torch.get_num_threads()} threads, "
            f"oneDNN (mkldnn) {'on' if onednn else 'off'}, CPU capability {capability}"
        )
    try:
        from threadpoolctl import threadpool_info

        for info in threadpool_info():
            lines.append(
                "threadpool: {user_api}/{internal_api} {prefix} {version}, "
                "num_threads={num_threads}, architecture={architecture}".format(
                    user_api=info.get("user_api"),
                    internal_api=info.get("internal_api"),
                    prefix=info.get("prefix"),
                    version=info.get("version"),
                    num_threads=info.get("num_threads"),
                    architecture=info.get("architecture", "-"),
                )
            )
    except ImportError:
        lines.append("threadpoolctl not installed: BLAS/threads unknown")
    env = {k: os.environ[k] for k in THREAD_ENV_VARS if k in os.environ}
    lines.append(
        "thread/kernel env vars: " + (", ".join(f"{k}={v}" for k, v in env.items()) or "none set")
    )
    return lines


class OtherLoad:
    """CPU time used by OTHER processes while the benchmark runs (Linux only).

    Busy jiffies of the whole machine from /proc/stat, minus this process's own
    CPU time: if others were busy, the timings are unreliable.
    """

    def __init__(self):
        self.wall, self.own, self.busy = time.perf_counter(), time.process_time(), self._busy()

    @staticmethod
    def _busy():
        try:
            with open("/proc/stat") as f:
                fields = [int(v) for v in f.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
        return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")

    def share(self):
        """(CPU-seconds used by others, wall seconds, share of the machine) or None."""
        busy = self._busy()
        if busy is None or self.busy is None:
            return None
        wall = time.perf_counter() - self.wall
        others = max(0.0, (busy - self.busy) - (time.process_time() - self.own))
        return others, wall, others / (wall * (os.cpu_count() or 1))

    def report(self):
        measured = self.share()
        if measured is None:
            return "CPU used by other processes: unknown (no /proc/stat)"
        others, wall, share = measured
        line = (
            f"CPU used by other processes during the run: {others:.1f} CPU-s "
            f"in {wall:.0f} s ({100 * share:.0f}% of the machine)"
        )
        if share > BUSY_SHARE:
            line += " -- WARNING: the machine was not idle; timings are unreliable"
        return line


def _fmt(x, ratio=False):
    if x is None:
        return "-"
    return f"{x:.2f}x" if ratio else f"{x:.4f}"


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Seconds per training epoch and per predict: skrnn vs PyTorch CPU.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"configs {','.join(QUICK_CONFIGS)} with N/{QUICK_N_DIVISOR} (under a minute)",
    )
    parser.add_argument(
        "--configs",
        default=None,
        help="comma-separated subset of "
        + ",".join(CONFIGS)
        + " (default: all, or A,B with --quick)",
    )
    parser.add_argument(
        "--cells", default="rnn", help="comma-separated cells: rnn, lstm, gru (default: rnn)"
    )
    parser.add_argument(
        "--dtypes", default="float32,float64", help="comma-separated (default: float32,float64)"
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="timed rounds after the warm-up; median shown (>= 3)",
    )
    parser.add_argument(
        "--skrnn-mode",
        choices=("loop", "fit"),
        default="loop",
        help="loop: run the epoch object fit runs, fixed cost left out (default); "
        "fit: time est.fit(max_iter=1), fixed overhead included",
    )
    args = parser.parse_args(argv)

    names = (
        args.configs.split(",")
        if args.configs
        else (list(QUICK_CONFIGS) if args.quick else list(CONFIGS))
    )
    unknown = [c for c in names if c not in CONFIGS]
    if unknown:
        parser.error(f"unknown configs {unknown}; choose from {list(CONFIGS)}")
    cells = args.cells.split(",")
    bad = [c for c in cells if c not in ("rnn", "lstm", "gru")]
    if bad:
        parser.error(f"unknown cells {bad}; choose from rnn, lstm, gru")
    dtypes = [np.dtype(d) for d in args.dtypes.split(",")]
    if any(d not in (np.float32, np.float64) for d in dtypes):
        parser.error("--dtypes: float32 and/or float64")
    if args.repeats < 3:
        parser.error("--repeats must be at least 3")
    divisor = QUICK_N_DIVISOR if args.quick else 1

    load = OtherLoad()
    if torch is not None:
        torch.set_num_threads(2)
    for line in environment_report():
        print(line)
    print(
        f"skrnn epoch timed by: {args.skrnn_mode}; repeats: {args.repeats} (median), "
        f"1 warm-up; N divided by {divisor}"
    )
    print()

    header = (
        f"{'config':<26} {'cell':<5} {'dtype':<8} {'skrnn s/ep':>11} {'torch s/ep':>11} "
        f"{'ratio':>7} {'skrnn pred':>11} {'torch pred':>11} {'ratio':>7}"
    )
    print(header)
    print("-" * len(header))
    fit_ratios, pred_ratios, notes = [], [], []
    any_busy = False
    for name in names:
        batch, T, F, H, N = CONFIGS[name]
        n_samples = max(batch, N // divisor)
        cfg = (batch, T, F, H, n_samples)
        label = f"{name} B{batch} T{T} F{F} H{H} N{n_samples}"
        for cell in cells:
            for dtype in dtypes:
                row_load = OtherLoad()
                r = measure(cell, cfg, dtype, n_samples, args.repeats, args.skrnn_mode)
                busy = row_load.share()
                flag = " !busy" if busy is not None and busy[2] > BUSY_SHARE else ""
                any_busy = any_busy or bool(flag)
                sf, tf = r.get("skrnn_fit"), r.get("torch_fit")
                sp, tp = r.get("skrnn_pred"), r.get("torch_pred")
                rf = sf / tf if sf and tf else None
                rp = sp / tp if sp and tp else None
                if rf:
                    fit_ratios.append(rf)
                if rp:
                    pred_ratios.append(rp)
                print(
                    f"{label:<26} {cell:<5} {dtype.name:<8} {_fmt(sf):>11} {_fmt(tf):>11} "
                    f"{_fmt(rf, True):>7} {_fmt(sp):>11} {_fmt(tp):>11} {_fmt(rp, True):>7}{flag}",
                    flush=True,
                )
                if r["note"]:
                    notes.append(f"{label} {cell} {dtype.name}: {r['note']}")
    if fit_ratios:
        gm = lambda v: float(np.exp(np.mean(np.log(v))))  # noqa: E731
        print("-" * len(header))
        print(
            f"geometric mean ratio skrnn/torch: epoch {gm(fit_ratios):.2f}x "
            f"({sum(r < 1 for r in fit_ratios)}/{len(fit_ratios)} faster), "
            f"predict {gm(pred_ratios):.2f}x "
            f"({sum(r < 1 for r in pred_ratios)}/{len(pred_ratios)} faster)"
        )
    elif torch is None:
        print("(torch is missing: no ratios)")
    for note in notes:
        print("note:", note)
    if any_busy:
        print(
            f"!busy: other processes used more than {100 * BUSY_SHARE:.0f}% of the CPUs "
            "while that row ran; rerun it on an idle machine"
        )
    print(load.report())


if __name__ == "__main__":
    main()
