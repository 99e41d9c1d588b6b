"""
Variable-length sequences
=========================

Sessions of a sensor rarely have one length. Here each sequence is a noisy sine
wave of 20 to 120 steps whose frequency is the class (slow, medium, fast), plus a
second channel on a scale of thousands. The list of sequences goes straight into a
``Pipeline(SequenceScaler(), RNNClassifier())`` and into ``GridSearchCV``; no padding
code is written. Internally, padded steps neither update the state nor count in the
loss, and minibatches group sequences of similar length (see the user guide's
section on variable-length sequences).
"""

# %%
# A list of sequences of different lengths
# ----------------------------------------
# ``--fast`` (used by the tests) makes fewer sequences.
import sys
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline

from skrnn import RNNClassifier
from skrnn.preprocessing import SequenceScaler

FAST = "--fast" in sys.argv
rng = np.random.RandomState(0)
n = 90 if FAST else 600
y = rng.randint(3, size=n)  # 0 slow, 1 medium, 2 fast
frequency = np.array([0.05, 0.1, 0.2])[y]
lengths = rng.randint(20, 121, size=n)
X = []
for f, L in zip(frequency, lengths):
    t = np.arange(L)
    wave = np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi)) + 0.3 * rng.normal(size=L)
    temperature = 1000 + 50 * rng.normal(size=L)  # an uninformative channel, large scale
    X.append(np.c_[wave, temperature])
print(f"{len(X)} sequences of shapes {X[0].shape}, {X[1].shape}, {X[2].shape}, ...")

X_train, X_test, y_train, y_test, len_train, len_test = train_test_split(
    X, y, lengths, test_size=0.3, stratify=y, random_state=0
)

# %%
# A pipeline and a grid search on the list
# ----------------------------------------
# :class:`~skrnn.preprocessing.SequenceScaler` standardises each channel over the
# valid steps of all sequences and keeps a list a list; scikit-learn's
# cross-validation indexes the list as it would an array.
model = make_pipeline(
    SequenceScaler(),
    RNNClassifier(
        cell="gru", learning_rate_init=0.01, max_iter=10 if FAST else 40, random_state=0
    ),
)
sizes = [4] if FAST else [4, 16]
search = GridSearchCV(model, {"rnnclassifier__hidden_size": sizes}, cv=3, n_jobs=1 if FAST else 2)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X_train, y_train)  # a list of (T_i, 2) arrays

for size, m in zip(sizes, search.cv_results_["mean_test_score"]):
    print(f"hidden_size={size:2d}  CV accuracy {m:.3f}")
pred = search.predict(X_test)
print(f"test accuracy {np.mean(pred == y_test):.3f} on {len(y_test)} sequences")

# %%
# Accuracy by length
# ------------------
# The test sequences, grouped by length: short sequences hold fewer periods of the
# slow wave.
bins = [20, 45, 70, 95, 121]
acc = []
for lo, hi in zip(bins[:-1], bins[1:]):
    sel = (len_test >= lo) & (len_test < hi)
    acc.append(np.mean(pred[sel] == y_test[sel]))
    print(f"  length {lo:3d}-{hi - 1:3d}: accuracy {acc[-1]:.3f} ({sel.sum()} sequences)")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
for c, name in enumerate(["slow", "medium", "fast"]):
    i = np.flatnonzero(y_train == c)[0]
    ax1.plot(X_train[i][:, 0], label=f"{name} ({len(X_train[i])} steps)")
ax1.set_xlabel("time step")
ax1.set_ylabel("signal")
ax1.set_title("one training sequence per class")
ax1.legend()
ax2.bar([(lo + hi - 1) / 2 for lo, hi in zip(bins[:-1], bins[1:])], acc, width=20)
ax2.set_ylim(0, 1)
ax2.set_xlabel("sequence length")
ax2.set_ylabel("test accuracy")
ax2.set_title("GRU on variable-length sequences")
fig.tight_layout()
plt.show()
