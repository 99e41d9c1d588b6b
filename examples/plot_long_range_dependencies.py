"""
Long-range dependencies: the adding problem
===========================================

Each sequence of ``skrnn.datasets.make_adding_problem`` has ``T`` steps of two
features: a value uniform in [0, 1) and a marker that is 1 at exactly two
steps, one in each half of the sequence. The target is the sum of the two
marked values. Always predicting 1, the mean of the target, gives a mean
squared error of 1/6 ~ 0.167: a network beats that baseline only if it carries
the first marked value across up to ``T - 1`` steps.

For each length ``T`` this example trains an ``RNNRegressor`` with an Elman
cell, an LSTM and a GRU (32 hidden units each, Adam with gradient-norm
clipping), prints the test MSE of each next to the baseline, and plots the MSE
against ``T``, one line per cell.

Run it with ``python examples/plot_long_range_dependencies.py``; it saves
``long_range_dependencies.png`` in the working directory (matplotlib needed:
``pip install -e ".[examples]"``). It takes about 3 minutes on 2 cores with
``OPENBLAS_NUM_THREADS=1`` (the matrices are small: one BLAS thread is the
faster). ``--help`` lists the options; for a quick run:
``--timesteps 10,25 --cells rnn --n-train 500 --max-iter 5``.
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mean_squared_error

from skrnn import RNNRegressor
from skrnn.datasets import make_adding_problem

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:  # the numbers are printed either way
    plt = None

BASELINE = 1 / 6  # MSE of always predicting 1: the variance of U(0,1) + U(0,1)
N_TEST = 1000


def comma_list(convert):
    def parse(text):
        return [convert(item) for item in text.split(",") if item.strip()]

    return parse


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Test MSE of Elman RNN, LSTM and GRU on the adding problem, "
        "against the sequence length T."
    )
    parser.add_argument(
        "--timesteps",
        type=comma_list(int),
        default=[10, 25, 50, 100],
        help="sequence lengths T, comma-separated (default: 10,25,50,100)",
    )
    parser.add_argument(
        "--cells",
        type=comma_list(str),
        default=["rnn", "lstm", "gru"],
        help="cells, comma-separated (default: rnn,lstm,gru)",
    )
    parser.add_argument(
        "--n-train",
        type=int,
        default=2000,
        help="training sequences per T (default: 2000); 1000 test sequences",
    )
    parser.add_argument("--max-iter", type=int, default=30, help="training epochs (default: 30)")
    parser.add_argument(
        "--seed", type=int, default=0, help="seeds the data and the networks (default: 0)"
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    warnings.simplefilter("ignore", ConvergenceWarning)
    print(
        f"adding problem: {args.n_train} training and {N_TEST} test sequences "
        f"per T, hidden_size=32, adam, {args.max_iter} epochs, seed {args.seed}"
    )

    mse = {cell: [] for cell in args.cells}
    baseline = []  # predicting 1 on each test set (1/6 in expectation)
    tic_all = time.perf_counter()
    for T in args.timesteps:
        X_train, y_train = make_adding_problem(args.n_train, T, random_state=args.seed)
        X_test, y_test = make_adding_problem(N_TEST, T, random_state=args.seed + 1)
        baseline.append(mean_squared_error(y_test, np.ones_like(y_test)))
        for cell in args.cells:
            model = RNNRegressor(
                cell=cell,
                hidden_size=32,
                solver="adam",
                learning_rate_init=1e-2,
                max_grad_norm=1.0,
                batch_size=50,
                max_iter=args.max_iter,
                n_iter_no_change=args.max_iter,  # no early stop on the plateau
                # each cell reading all T steps from its last state: no
                # patches, no pooling (the README's table measures the cells)
                pooling="last",
                patch_size=None,
                init="uniform",
                learning_rate="constant",
                standardize=False,
                random_state=args.seed,
            )
            tic = time.perf_counter()
            model.fit(X_train, y_train)
            mse[cell].append(mean_squared_error(y_test, model.predict(X_test)))
            print(
                f"  T={T:4d} {cell:>4}: test MSE {mse[cell][-1]:.4f} "
                f"({time.perf_counter() - tic:.1f}s)",
                flush=True,
            )
    elapsed = time.perf_counter() - tic_all

    header = f"| T | {' | '.join(args.cells)} | predict 1 |"
    print()
    print(header)
    print("|" + " --- |" * (len(args.cells) + 2))
    for i, T in enumerate(args.timesteps):
        cells = " | ".join(f"{mse[cell][i]:.4f}" for cell in args.cells)
        print(f"| {T} | {cells} | {baseline[i]:.4f} |")
    print(
        f"\ntest MSE; predicting 1 gives 1/6 = {BASELINE:.4f} in expectation. "
        f"Total {elapsed:.0f}s."
    )

    if plt is None:
        print("matplotlib is not installed: no figure.")
    else:
        fig, ax = plt.subplots(figsize=(7.5, 4))
        for cell in args.cells:
            ax.plot(args.timesteps, mse[cell], marker="o", label=cell)
        ax.axhline(BASELINE, color="grey", linestyle="--", label="predict 1 (MSE 1/6)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(args.timesteps)
        ax.set_xticklabels([str(T) for T in args.timesteps])
        ax.minorticks_off()
        ax.set_xlabel("sequence length T")
        ax.set_ylabel("test MSE (log scale)")
        ax.set_title("Adding problem, hidden_size=32")
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1))
        fig.tight_layout()
        fig.savefig("long_range_dependencies.png", dpi=100)
        print("saved long_range_dependencies.png")
    return mse, baseline


if __name__ == "__main__":
    main()
