"""
LSTM and GRU against a multilayer perceptron on the digits
==========================================================

Each 8x8 handwritten digit is read by an LSTM and by a GRU as a sequence of 8
rows of 8 pixels, and by scikit-learn's ``MLPClassifier`` as one vector of 64
pixels. All three see the same pixels, scaled from 0..16 to [0, 1] by
``load_digits_sequences``, and the same held-out quarter of the images
(``train_test_split(..., test_size=0.25, stratify=y, random_state=0)``).

The three models are trained under one stopping rule: ``early_stopping=True``
holds out 10% of the training images (``validation_fraction=0.1``, the
default), and training stops once the validation accuracy has not improved by
``tol=1e-4`` for 20 epochs; the weights of the best epoch are kept.

- ``MLPClassifier``: scikit-learn's defaults (one hidden layer of 100 ReLU
  units, Adam, ``learning_rate_init=0.001``) except ``random_state=0``,
  ``max_iter=1000`` (never reached), ``early_stopping=True`` and
  ``n_iter_no_change=20``.
- ``RNNClassifier(cell="lstm")`` and ``RNNClassifier(cell="gru")``:
  ``hidden_size=64``, ``standardize="global"`` (every pixel column scaled
  by the same statistics for every image, so that the RNNs see what the MLP
  sees; the default would scale each image by its own), Adam with a constant
  ``learning_rate_init=0.01`` (the
  default "adaptive" schedule would lower the rate at each plateau instead of
  stopping), ``max_iter=200``
  (never reached), ``early_stopping=True``, ``n_iter_no_change=20``,
  ``random_state=0``.

The script prints, for each model, the test accuracy, the epochs run
(``n_iter_``), the best validation accuracy (``best_validation_score_``) and
the seconds spent in ``fit``, and plots the validation accuracy of every epoch
(``validation_scores_``) of the three models. It exits with status 1 if the
LSTM or the GRU scores below the MLP on the test images, so that a smoke test
can rely on its exit code.

These are figures of one split and one seed: on the test quarter (450 images)
one image is 0.2 percentage point, and on other splits and seeds the models
come within about a point of each other, the order sometimes reversed.
Without early stopping the MLP trains on all the training images and scores
higher (0.98 here); the comparison is between models stopped the same way.

Run it with ``python examples/plot_learning_quality.py`` (about 15 seconds
on two idle cores); it saves ``learning_quality.png`` next to the working
directory (matplotlib needed: ``pip install -e ".[examples]"``).
"""

import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from skrnn import RNNClassifier
from skrnn.datasets import load_digits_sequences

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:  # the numbers are printed either way
    plt = None

warnings.simplefilter("ignore", ConvergenceWarning)

X, y = load_digits_sequences(return_X_y=True)  # (1797, 8, 8), pixels in [0, 1]
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)


def flat(X):
    """The 8 rows of 8 pixels of each image as one vector of 64 pixels."""
    return X.reshape(len(X), -1)


stopping = dict(
    early_stopping=True, validation_fraction=0.1, tol=1e-4, n_iter_no_change=20, random_state=0
)
rnn = dict(
    hidden_size=64,
    standardize="global",
    learning_rate="constant",
    learning_rate_init=0.01,
    max_iter=200,
    **stopping,
)
models = {
    "MLP (64 pixels)": (MLPClassifier(max_iter=1000, **stopping), flat),
    "LSTM (8 x 8)": (RNNClassifier(cell="lstm", **rnn), np.asarray),
    "GRU (8 x 8)": (RNNClassifier(cell="gru", **rnn), np.asarray),
}

results = {}
print(
    f"{'model':<16} {'test accuracy':>13} {'epochs':>6} "
    f"{'best validation':>15} {'fit seconds':>11}"
)
for name, (model, view) in models.items():
    tic = time.perf_counter()
    model.fit(view(X_train), y_train)
    seconds = time.perf_counter() - tic
    accuracy = model.score(view(X_test), y_test)
    results[name] = accuracy
    print(
        f"{name:<16} {accuracy:>13.4f} {model.n_iter_:>6d} "
        f"{model.best_validation_score_:>15.4f} {seconds:>11.1f}"
    )

if plt is None:
    print("matplotlib is not installed: no figure.")
else:
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, (model, _) in models.items():
        scores = model.validation_scores_
        ax.plot(np.arange(1, len(scores) + 1), scores, label=name)
    ax.set_ylim(0.5, 1.0)
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation accuracy (validation_scores_)")
    ax.set_title("Digits: early stopping on 10% of the training images")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig("learning_quality.png", dpi=100)
    print("saved learning_quality.png")

mlp = results["MLP (64 pixels)"]
behind = [name for name in ("LSTM (8 x 8)", "GRU (8 x 8)") if results[name] < mlp]
if behind:
    print(f"FAILED: {', '.join(behind)} below the MLP's test accuracy {mlp:.4f}.")
    sys.exit(1)
print(f"OK: LSTM and GRU reach at least the MLP's test accuracy {mlp:.4f}.")
