"""
Long-range dependencies: the adding problem
===========================================

Each sequence of :func:`skrnn.datasets.make_adding_problem` has ``T`` steps of two
features: a value uniform in [0, 1) and a marker that is 1 at exactly two steps, one
in each half of the sequence. The target is the sum of the two marked values.
Always predicting 1, the mean of the target, gives a mean squared error of
1/6 ~ 0.167: a network beats that baseline only if it carries the first marked value
across up to ``T - 1`` steps.

For each length ``T`` this example trains an ``RNNRegressor`` with an Elman cell,
an LSTM and a GRU (32 hidden units each, Adam with gradient-norm clipping) and plots
the test MSE against ``T``, one line per cell. The page runs 2000 training sequences
for 20 epochs at ``T`` = 10, 25 and 50; ``--full`` runs the user guide's table
(``T`` up to 100, 30 epochs; recorded in 2 min 40 s on two cores with
``OPENBLAS_NUM_THREADS=1``, the faster for these small matrices).
"""

# %%
# The setting
# -----------
# Each cell reads all ``T`` steps from its last state: no patches
# (``patch_size=None``), no pooling (``pooling="last"``), PyTorch's uniform
# initialisation, no standardisation, a constant learning rate and no early stop on
# a plateau (``n_iter_no_change=max_iter``), so that the table measures the cells
# themselves. ``--fast`` (used by the tests) is a smoke test.
import sys

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import mean_squared_error

from skrnn import RNNRegressor
from skrnn.datasets import make_adding_problem

FAST, FULL = "--fast" in sys.argv, "--full" in sys.argv
timesteps = [10] if FAST else [10, 25, 50, 100] if FULL else [10, 25, 50]
n_train = 200 if FAST else 2000
max_iter = 2 if FAST else 30 if FULL else 20
cells = ["rnn", "lstm", "gru"]
BASELINE = 1 / 6  # MSE of always predicting 1: the variance of U(0,1) + U(0,1)


def make_model(cell):
    return RNNRegressor(
        cell=cell,
        hidden_size=32,
        solver="adam",
        learning_rate_init=1e-2,
        max_grad_norm=1.0,
        batch_size=50,
        max_iter=max_iter,
        n_iter_no_change=max_iter,
        pooling="last",
        patch_size=None,
        init="uniform",
        learning_rate="constant",
        standardize=False,
        random_state=0,
    )


# %%
# Training
# --------
# 1000 test sequences per ``T``, drawn with another seed than the training ones.
mse = {cell: [] for cell in cells}
baseline = []  # predicting 1 on each test set (1/6 in expectation)
for T in timesteps:
    X_train, y_train = make_adding_problem(n_train, T, random_state=0)
    X_test, y_test = make_adding_problem(1000, T, random_state=1)
    baseline.append(mean_squared_error(y_test, np.ones_like(y_test)))
    for cell in cells:
        model = make_model(cell).fit(X_train, y_train)
        mse[cell].append(mean_squared_error(y_test, model.predict(X_test)))

print(f"test MSE, {n_train} training sequences, {max_iter} epochs")
print(f"{'T':>4} " + " ".join(f"{cell:>7}" for cell in cells) + "  predict 1")
for i, T in enumerate(timesteps):
    print(
        f"{T:>4} " + " ".join(f"{mse[cell][i]:>7.4f}" for cell in cells) + f"  {baseline[i]:.4f}"
    )

# %%
# Test MSE against the length
# ---------------------------
# The Elman RNN stays near the baseline once the marked values are a few dozen steps
# apart; the gated cells carry them further, the GRU furthest in this budget.
fig, ax = plt.subplots(figsize=(7.5, 4))
for cell in cells:
    ax.plot(timesteps, mse[cell], marker="o", label=cell)
ax.axhline(BASELINE, color="grey", linestyle="--", label="predict 1 (MSE 1/6)")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xticks(timesteps, [str(T) for T in timesteps])
ax.minorticks_off()
ax.set_xlabel("sequence length T")
ax.set_ylabel("test MSE (log scale)")
ax.set_title("Adding problem, hidden_size=32")
ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1))
fig.tight_layout()
plt.show()
