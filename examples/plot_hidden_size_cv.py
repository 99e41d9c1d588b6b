"""
Choosing an RNN's hidden size by cross-validation
=================================================

An :class:`~skrnn.RNNClassifier` is a scikit-learn estimator, so
``GridSearchCV`` chooses its ``hidden_size`` as it would any parameter. Here each
8x8 handwritten digit is read as a sequence of 8 rows of 8 pixels
(:func:`skrnn.datasets.load_digits_sequences`) by a GRU, the default cell, and
3-fold cross-validation picks the number of hidden units. ``python -m skrnn`` runs
a longer version of this search (up to 100 epochs per fit) as a demo.
"""

# %%
# The data
# --------
# 1797 images, each 8 time steps of 8 pixels scaled to [0, 1]; a quarter of them is
# held out for the final score. ``--fast`` (used by the tests) runs a smoke test on
# a subset.
import sys
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split

from skrnn import RNNClassifier
from skrnn.datasets import load_digits_sequences

FAST = "--fast" in sys.argv
X, y = load_digits_sequences(return_X_y=True)
if FAST:
    X, y = X[:400], y[:400]
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
print(f"X_train: {X_train.shape}, X_test: {X_test.shape}")

# %%
# The search
# ----------
# Four sizes, each trained with the defaults for at most 20 epochs (fewer than the
# default ``max_iter=200``, to keep this page quick: the fits stop before they
# converge, hence the silenced ``ConvergenceWarning``). ``n_jobs=2`` fits two
# candidates at a time.
sizes = [4, 8] if FAST else [8, 16, 32, 64]
rnn = RNNClassifier(max_iter=3 if FAST else 20, random_state=0)
search = GridSearchCV(rnn, {"hidden_size": sizes}, cv=3, n_jobs=1 if FAST else 2)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X_train, y_train)

res = search.cv_results_
for size, m, s, t in zip(
    sizes, res["mean_test_score"], res["std_test_score"], res["mean_fit_time"]
):
    print(f"hidden_size={size:3d}  CV accuracy {m:.3f} +/- {s:.3f}  ({t:.1f} s per fit)")
print(f"chosen: {search.best_params_}, test accuracy {search.score(X_test, y_test):.3f}")

# %%
# Accuracy and cost
# -----------------
# More hidden units learn more in the same number of epochs, and each fit costs more.
# The refitted best model's ``loss_curve_`` shows its training loss per epoch.
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
ax1.errorbar(sizes, res["mean_test_score"], yerr=res["std_test_score"], marker="o", capsize=3)
ax1.set_xscale("log", base=2)
ax1.set_xticks(sizes, [str(s) for s in sizes])
ax1.set_xlabel("hidden_size")
ax1.set_ylabel("3-fold CV accuracy")
ax1.set_title("GRU on digits read row by row")
twin = ax1.twinx()
twin.plot(sizes, res["mean_fit_time"], color="grey", linestyle="--", marker=".")
twin.set_ylabel("seconds per fit (dashed)")
curve = search.best_estimator_.loss_curve_
ax2.plot(np.arange(1, len(curve) + 1), curve)
ax2.set_yscale("log")
ax2.set_xlabel("epoch")
ax2.set_ylabel("training log-loss (loss_curve_)")
ax2.set_title(f"refitted hidden_size={search.best_params_['hidden_size']}")
fig.tight_layout()
plt.show()
