"""
LSTM and GRU against a multilayer perceptron on the digits
==========================================================

Each 8x8 handwritten digit is read by an LSTM and by a GRU as a sequence of 8 rows
of 8 pixels, and by scikit-learn's ``MLPClassifier`` as one vector of 64 pixels.
All three see the same pixels, scaled from 0..16 to [0, 1] by
:func:`~skrnn.datasets.load_digits_sequences`, the same held-out quarter of the
images, and one stopping rule: ``early_stopping=True`` holds out 10% of the
training images (``validation_fraction=0.1``, the default), and training stops once
the validation accuracy has not improved by ``tol=1e-4`` for 20 epochs; the weights
of the best epoch are kept.

Both RNNs reach at least the MLP's test accuracy here; the test suite checks it
(``tests/test_demo.py``). These are figures of one split and one seed: on the test
quarter (450 images) one image is 0.2 percentage point, and on other splits and
seeds the models come within about a point of each other, the order sometimes
reversed. Without early stopping the MLP trains on all the training images and
scores higher (0.98 here); the comparison is between models stopped the same way.
"""

# %%
# The data
# --------
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from skrnn import RNNClassifier
from skrnn.datasets import load_digits_sequences

X, y = load_digits_sequences(return_X_y=True)  # (1797, 8, 8), pixels in [0, 1]
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

# %%
# Three models, one stopping rule
# -------------------------------
# - ``MLPClassifier``: scikit-learn's defaults (one hidden layer of 100 ReLU units,
#   Adam, ``learning_rate_init=0.001``) except ``random_state=0``,
#   ``max_iter=1000`` (never reached), ``early_stopping=True`` and
#   ``n_iter_no_change=20``; it reads each image flattened to 64 pixels.
# - ``RNNClassifier(cell="lstm")`` and ``RNNClassifier(cell="gru")``:
#   ``hidden_size=64``, ``standardize="global"`` (every pixel column scaled by the
#   same statistics for every image, so that the RNNs see what the MLP sees; the
#   default would scale some images by their own), Adam with a constant
#   ``learning_rate_init=0.01`` (the default "adaptive" schedule would lower the rate
#   at each plateau instead of stopping), ``max_iter=200`` (never reached), the same
#   early stopping, ``random_state=0``.
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
    "MLP (64 pixels)": MLPClassifier(max_iter=1000, **stopping),
    "LSTM (8 x 8)": RNNClassifier(cell="lstm", **rnn),
    "GRU (8 x 8)": RNNClassifier(cell="gru", **rnn),
}


def view(model, X):
    """The MLP reads each image's 8 rows of 8 pixels as one vector of 64."""
    return X.reshape(len(X), -1) if isinstance(model, MLPClassifier) else X


# %%
# Fit and score
# -------------
# For each model: the test accuracy, the epochs run (``n_iter_``), the best
# validation accuracy (``best_validation_score_``) and the seconds spent in ``fit``.
results = {}
print(
    f"{'model':<16} {'test accuracy':>13} {'epochs':>6} "
    f"{'best validation':>15} {'fit seconds':>11}"
)
for name, model in models.items():
    tic = time.perf_counter()
    model.fit(view(model, X_train), y_train)
    seconds = time.perf_counter() - tic
    results[name] = model.score(view(model, X_test), y_test)
    print(
        f"{name:<16} {results[name]:>13.4f} {model.n_iter_:>6d} "
        f"{model.best_validation_score_:>15.4f} {seconds:>11.1f}"
    )

mlp = results["MLP (64 pixels)"]
behind = [name for name in ("LSTM (8 x 8)", "GRU (8 x 8)") if results[name] < mlp]
print(
    f"below the MLP's test accuracy {mlp:.4f}: {', '.join(behind)}"
    if behind
    else f"LSTM and GRU reach at least the MLP's test accuracy {mlp:.4f}."
)

# %%
# Validation accuracy per epoch
# -----------------------------
# ``validation_scores_`` of every epoch; each curve ends 20 epochs after its best.
fig, ax = plt.subplots(figsize=(6, 4))
for name, model in models.items():
    scores = model.validation_scores_
    ax.plot(np.arange(1, len(scores) + 1), scores, label=name)
ax.set_ylim(0.5, 1.0)
ax.set_xlabel("epoch")
ax.set_ylabel("validation accuracy (validation_scores_)")
ax.set_title("Digits: early stopping on 10% of the training images")
ax.legend(loc="lower right")
fig.tight_layout()
plt.show()
