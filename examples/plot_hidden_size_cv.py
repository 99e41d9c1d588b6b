"""
Choosing an RNN's hidden size by cross-validation
=================================================

Each 8x8 handwritten digit is read by a GRU (the default cell) as a sequence
of 8 rows of 8 pixels, trained with the defaults for at most 30 epochs. ``GridSearchCV`` picks ``hidden_size`` by 3-fold cross-validation, as
for any scikit-learn estimator; the figure shows the CV accuracy against the
hidden size, and the training loss curve of each size refitted on the whole
training split.

Run it with ``python examples/plot_hidden_size_cv.py``; it saves
``hidden_size_cv.png`` next to the working directory (matplotlib needed:
``pip install -e ".[examples]"``).
"""

import warnings

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split

from skrnn import RNNClassifier
from skrnn.datasets import load_digits_sequences

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:  # the numbers are printed either way
    plt = None

warnings.simplefilter("ignore", ConvergenceWarning)

X, y = load_digits_sequences(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

sizes = [8, 16, 32, 64]
rnn = RNNClassifier(max_iter=30, random_state=0)
search = GridSearchCV(rnn, {"hidden_size": sizes}, cv=3, n_jobs=2).fit(X_train, y_train)

mean = search.cv_results_["mean_test_score"]
std = search.cv_results_["std_test_score"]
for size, m, s in zip(sizes, mean, std):
    print(f"hidden_size={size:3d}  CV accuracy {m:.3f} +/- {s:.3f}")
print(f"chosen: {search.best_params_}, test accuracy {search.score(X_test, y_test):.3f}")

curves = {
    size: clone(rnn).set_params(hidden_size=size).fit(X_train, y_train).loss_curve_
    for size in sizes
}

if plt is None:
    print("matplotlib is not installed: no figure.")
else:
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax1.errorbar(sizes, mean, yerr=std, marker="o", capsize=3)
    ax1.set_xscale("log", base=2)
    ax1.set_xlabel("hidden_size")
    ax1.set_ylabel("3-fold CV accuracy")
    ax1.set_title("Elman RNN on digits read row by row")
    for size, curve in curves.items():
        ax2.plot(np.arange(1, len(curve) + 1), curve, label=f"hidden_size={size}")
    ax2.set_yscale("log")
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("training log-loss (loss_curve_)")
    ax2.legend()
    fig.tight_layout()
    fig.savefig("hidden_size_cv.png", dpi=100)
    print("saved hidden_size_cv.png")
