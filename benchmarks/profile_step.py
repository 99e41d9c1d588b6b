"""Where a cell's time step goes: fixed per-step overhead, GEMM, elementwise.

For one benchmark configuration (``bench_speed.py``'s A-D), cell and dtype,
times skrnn's cell loop on one batch (training: ``forward`` then
``backward``; predict: ``forward(train=False)`` on one predict chunk, as
``predict`` sizes it) and splits the time per step into

* overhead: the same loop with N = 1 sequence -- Python and NumPy's fixed
  cost per call, which no batch size amortises within a step;
* GEMM: the recurrent ``(N, H) @ (H, G*H)`` products alone, in a loop;
* elementwise: the rest (activations, gate products, the backward factors,
  whose passes over ``(T, N, G*H)`` are memory-bound).

PyTorch's whole layer on the same batch (``nn.LSTM``/``nn.GRU``/``nn.RNN``
forward, forward + backward for training) is timed alongside, per step.
Best of ``--repeats`` runs after five warm-up runs (both libraries); numbers are milliseconds per
time step of the batch.

    python benchmarks/profile_step.py --configs A,B,C,D --cells lstm,gru
"""

import argparse
import time

import numpy as np

from skrnn import _base, _cells

CONFIGS = {  # batch, T, features, hidden (bench_speed.py)
    "A": (32, 50, 8, 64),
    "B": (64, 100, 1, 32),
    "C": (128, 28, 28, 128),
    "D": (32, 200, 4, 256),
}
CELLS = {"rnn": _cells.ElmanCell, "lstm": _cells.LSTMCell, "gru": _cells.GRUCell}


def _best(fn, repeats):
    for _ in range(5):  # warm-up: allocator, BLAS and OpenMP threads
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def skrnn_step(cell_name, T, N, H, dtype, train, repeats, seed=0):
    """Seconds per step of the cell loop (forward, + backward if train)."""
    rng = np.random.default_rng(seed)
    cell = CELLS[cell_name]("tanh") if cell_name == "rnn" else CELLS[cell_name]()
    G = cell.n_gates
    W_hh = (rng.standard_normal((G * H, H)) / np.sqrt(H)).astype(dtype)
    b_hh = np.zeros(G * H, dtype=dtype)
    XW0 = rng.standard_normal((T, N, G * H)).astype(dtype)
    dh = rng.standard_normal((N, H)).astype(dtype)

    def run():
        XW = XW0.copy()
        _, cache = cell.forward(XW, W_hh, b_hh, train=train)
        if train:
            cell.backward(cache, W_hh, dh)

    def copy_only():
        XW0.copy()

    return (_best(run, repeats) - _best(copy_only, repeats)) / T


def gemm_step(T, N, H, G, dtype, train, repeats, seed=0):
    """Seconds per step of the recurrent GEMMs alone (1 forward, 1 backward)."""
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((H, G * H)).astype(dtype)
    h = rng.standard_normal((N, H)).astype(dtype)
    out = np.empty((N, G * H), dtype=dtype)
    back = np.empty((N, H), dtype=dtype)

    def run():
        for _ in range(T):
            np.matmul(h, W, out=out)
            if train:
                np.matmul(out, W.T, out=back)

    return _best(run, repeats) / T


def torch_step(cell_name, T, N, F, H, dtype, train, repeats, seed=0):
    try:
        import torch
    except ImportError:
        return float("nan")
    torch.manual_seed(seed)
    torch.set_num_threads(2)
    tdtype = torch.float32 if dtype == np.float32 else torch.float64
    layer = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell_name](
        F, H, batch_first=True
    ).to(tdtype)
    x = torch.randn(N, T, F, dtype=tdtype)

    def run():
        if train:
            layer.zero_grad()
            out, _ = layer(x)
            out[:, -1].sum().backward()
        else:
            with torch.no_grad():
                layer(x)

    return _best(run, repeats) / T


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--configs", default="A,B,C,D")
    p.add_argument("--cells", default="lstm,gru")
    p.add_argument("--dtypes", default="float32,float64")
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args(argv)
    head = (
        f"{'cfg':4}{'cell':6}{'dtype':9}{'mode':9}{'N':>6}  {'skrnn':>8}"
        f"{'overhead':>10}{'GEMM':>8}{'elemwise':>10}  {'torch':>8}{'ratio':>7}"
    )
    print("milliseconds per time step of one batch (training) or predict chunk")
    print(head)
    print("-" * len(head))
    for cfg in args.configs.split(","):
        B, T, F, H = CONFIGS[cfg]
        for cell_name in args.cells.split(","):
            G = CELLS[cell_name].n_gates
            for dname in args.dtypes.split(","):
                dtype = np.dtype(dname).type
                for train in (True, False):
                    if train:
                        N = B
                    else:  # the chunk predict uses (BaseRNN._output)
                        N = max(_base.PREDICT_ELEMENTS // (T * G * H), _base.PREDICT_MIN_CHUNK)
                    total = skrnn_step(cell_name, T, N, H, dtype, train, args.repeats)
                    over = skrnn_step(cell_name, T, 1, H, dtype, train, args.repeats)
                    gemm = gemm_step(T, N, H, G, dtype, train, args.repeats)
                    ref = torch_step(cell_name, T, N, F, H, dtype, train, args.repeats)
                    elem = total - over - gemm
                    ms = [1e3 * v for v in (total, over, gemm, elem, ref)]
                    print(
                        f"{cfg:4}{cell_name:6}{dname:9}{'fit' if train else 'predict':9}"
                        f"{N:>6}  {ms[0]:8.3f}{ms[1]:10.3f}{ms[2]:8.3f}{ms[3]:10.3f}  "
                        f"{ms[4]:8.3f}{total / ref:6.2f}x"
                    )


if __name__ == "__main__":
    main()
