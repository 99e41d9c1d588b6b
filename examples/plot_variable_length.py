"""
Variable-length sequences: a list in, GridSearchCV on it, padding handled
==========================================================================

Sessions of a sensor rarely have one length. Here each sequence is a noisy
sine wave of 20 to 120 steps whose frequency is the class (slow, medium,
fast), plus a second channel on a scale of thousands. The list of
sequences goes straight into a ``Pipeline(SequenceScaler(), RNNClassifier())``
and into ``GridSearchCV``; no padding code is written. Internally, padded
steps neither update the state nor count in the loss, and minibatches group
sequences of similar length.

Run ``python examples/plot_variable_length.py``; it prints the CV table and
the test accuracy by length, and saves ``variable_length.png`` (matplotlib
needed: ``pip install -e ".[examples]"``).
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline

from skrnn import RNNClassifier
from skrnn.preprocessing import SequenceScaler

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:  # the numbers are printed either way
    plt = None

warnings.simplefilter("ignore", ConvergenceWarning)
rng = np.random.RandomState(0)

n = 600
y = rng.randint(3, size=n)  # 0 slow, 1 medium, 2 fast
frequency = np.array([0.05, 0.1, 0.2])[y]
lengths = rng.randint(20, 121, size=n)
X = []
for f, L in zip(frequency, lengths):
    t = np.arange(L)
    wave = np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi)) + 0.3 * rng.normal(size=L)
    temperature = 1000 + 50 * rng.normal(size=L)  # an uninformative channel, large scale
    X.append(np.c_[wave, temperature])

X_train, X_test, y_train, y_test, len_train, len_test = train_test_split(
    X, y, lengths, test_size=0.3, stratify=y, random_state=0
)
model = make_pipeline(
    SequenceScaler(),
    RNNClassifier(cell="gru", learning_rate_init=0.01, max_iter=40, random_state=0),
)
search = GridSearchCV(model, {"rnnclassifier__hidden_size": [4, 16]}, cv=3, n_jobs=2)
search.fit(X_train, y_train)  # a list of (T_i, 2) arrays

for size, m in zip([4, 16], search.cv_results_["mean_test_score"]):
    print(f"hidden_size={size:2d}  CV accuracy {m:.3f}")
pred = search.predict(X_test)
print(f"test accuracy {np.mean(pred == y_test):.3f} on {len(y_test)} sequences")
bins = [20, 45, 70, 95, 121]
for lo, hi in zip(bins[:-1], bins[1:]):
    sel = (len_test >= lo) & (len_test < hi)
    print(
        f"  length {lo:3d}-{hi - 1:3d}: accuracy {np.mean(pred[sel] == y_test[sel]):.3f}"
        f" ({sel.sum()} sequences)"
    )

if plt is None:
    print("matplotlib is not installed: no figure.")
else:
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    for c, name in enumerate(["slow", "medium", "fast"]):
        i = np.flatnonzero(y_train == c)[0]
        ax1.plot(X_train[i][:, 0], label=f"{name} ({len(X_train[i])} steps)")
    ax1.set_xlabel("time step")
    ax1.set_ylabel("signal")
    ax1.set_title("one training sequence per class")
    ax1.legend()
    mids = [(lo + hi - 1) / 2 for lo, hi in zip(bins[:-1], bins[1:])]
    acc = [
        np.mean(
            pred[(len_test >= lo) & (len_test < hi)] == y_test[(len_test >= lo) & (len_test < hi)]
        )
        for lo, hi in zip(bins[:-1], bins[1:])
    ]
    ax2.bar(mids, acc, width=20)
    ax2.set_ylim(0, 1)
    ax2.set_xlabel("sequence length")
    ax2.set_ylabel("test accuracy")
    ax2.set_title("GRU on variable-length sequences")
    fig.tight_layout()
    fig.savefig("variable_length.png", dpi=100)
    print("saved variable_length.png")
