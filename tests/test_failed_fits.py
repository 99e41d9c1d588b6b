"""A fit that fails, diverges or is interrupted loses nothing.

Bad input is refused before any state changes; an error during training
puts the estimator back exactly as it was; Ctrl-C during the epochs keeps the
best weights so far; divergence keeps weights whose loss is the one reported.
"""

import re

import numpy as np
import pytest
from conftest import sequences
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError

import skrnn._base as base
import skrnn._training as training
from skrnn import RNNClassifier, RNNRegressor
from skrnn.datasets import make_adding_problem


def data(n=40, T=5, F=2, dtype=np.float64, seed=0):
    """``sequences(...)`` and their labels: the sign of the target, 0 or 1."""
    X, y = sequences(n, T, F, seed, dtype)
    return X, y, (y > 0).astype(int)


def fitted(Estimator, solver="adam", dtype=np.float64, **params):
    X, y, labels = data(dtype=dtype)
    est = Estimator(hidden_size=4, max_iter=5, solver=solver, random_state=0, **params)
    return est.fit(X, labels if Estimator is RNNClassifier else y)


BAD_WEIGHTS = [  # (estimator, dtype, fit keywords, words of the message)
    (
        RNNClassifier,
        np.float64,
        dict(class_weight={0: 0.0, 1: 0.0}),
        "give every sequence (and step) a weight of 0",
    ),
    (
        RNNClassifier,
        np.float64,
        dict(class_weight={0: np.nan, 1: 1.0}),
        "finite weight >= 0; got 0: nan",
    ),
    (
        RNNClassifier,
        np.float64,
        dict(class_weight={0: -1.0, 1: 1.0}),
        "finite weight >= 0; got 0: -1.0",
    ),
    (RNNClassifier, np.float64, dict(class_weight=[{0: 1.0, 1: np.inf}]), "got 1: inf"),
    (
        RNNRegressor,
        np.float64,
        dict(sample_weight=np.full(40, 1e308)),
        "too large for a float64 model: their total is inf",
    ),
    (
        RNNRegressor,
        np.float64,
        dict(sample_weight=np.full(40, 1e-320)),
        "too small for a float64 model",
    ),
    (
        RNNRegressor,
        np.float32,
        dict(sample_weight=np.full(40, 1e37)),
        "too large for a float32 model: their total is 4e+38",
    ),
    (
        RNNRegressor,
        np.float32,
        dict(sample_weight=np.r_[np.ones(39), 1e-50]),
        "1e-50 becomes 0 in float32",
    ),
]


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
@pytest.mark.parametrize(
    "Estimator, dtype, bad, words", BAD_WEIGHTS, ids=[w for *_, w in BAD_WEIGHTS]
)
def test_unusable_weights_are_refused_before_anything_changes(
    Estimator, dtype, bad, words, solver, state
):
    X, y, labels = data(dtype=dtype)
    target = labels if Estimator is RNNClassifier else y
    params = {k: v for k, v in bad.items() if k == "class_weight"}
    fit_kw = {k: v for k, v in bad.items() if k == "sample_weight"}
    est = fitted(Estimator, solver, dtype)
    before, predictions = state(est), est.predict(X)
    est.set_params(**params)
    with pytest.raises(ValueError, match=re.escape(words)):
        est.fit(X, target, **fit_kw)
    est.set_params(**{k: None for k in params})
    assert state(est) == before
    np.testing.assert_array_equal(est.predict(X), predictions)
    # a fresh estimator stays unfitted: it cannot predict from random weights
    fresh = Estimator(hidden_size=4, max_iter=5, solver=solver, random_state=0, **params)
    with pytest.raises(ValueError, match=re.escape(words)):
        fresh.fit(X, target, **fit_kw)
    assert state(fresh) == state(clone(fresh))
    with pytest.raises(NotFittedError):
        fresh.predict(X)


@pytest.mark.parametrize("warm_start", [False, True])
def test_a_refused_refit_leaves_a_fitted_classifier_unchanged(warm_start, state):
    X, _, labels = data()
    clf = fitted(RNNClassifier, warm_start=warm_start)
    before, proba = state(clf), clf.predict_proba(X)
    bad = [  # (X, y, words of the message)
        # another feature count: refused only when the fit would continue
        (np.zeros((40, 5, 4)), labels, "X has 4 features per time step, but RNNClassifier was"),
        (X, np.full(40, 2), "[2] not seen in the first fit" if warm_start else "2 classes"),
        (np.full_like(X, np.nan), labels, "sequence 0 of X is all NaN"),
        (X, labels[:-1], "X has 40 sequences, y has 39 rows"),
    ]
    for Xb, yb, words in bad[int(not warm_start) :]:
        with pytest.raises(ValueError, match=re.escape(words)):
            clf.fit(Xb, yb)
        assert state(clf) == before
        np.testing.assert_array_equal(clf.predict_proba(X), proba)


@pytest.mark.parametrize("warm_start", [False, True])
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_an_error_during_training_changes_nothing(solver, warm_start, monkeypatch, state):
    """E.g. a MemoryError in the third loss evaluation: the model, and views
    of its weights taken before, are as they were."""
    X, y, _ = data()
    est = fitted(RNNRegressor, solver, warm_start=warm_start)
    before, predictions = state(est), est.predict(X)
    view = est.weights_["head.weight"]
    head = view.copy()
    real, calls = base.RNNNetwork.loss_and_grad, {"n": 0}

    def failing(net, *args, **kw):
        calls["n"] += 1
        if calls["n"] == 3:
            raise MemoryError("no room")
        return real(net, *args, **kw)

    monkeypatch.setattr(base.RNNNetwork, "loss_and_grad", failing)
    with pytest.raises(MemoryError, match="no room"):
        est.fit(X, y)
    assert state(est) == before
    np.testing.assert_array_equal(est.predict(X), predictions)
    np.testing.assert_array_equal(view, head)
    assert np.shares_memory(view, est._params)  # still a view of the model
    calls["n"] = 0
    fresh = RNNRegressor(hidden_size=4, max_iter=5, solver=solver, random_state=0)
    with pytest.raises(MemoryError):
        fresh.fit(X, y)
    with pytest.raises(NotFittedError):
        fresh.predict(X)


def test_ctrl_c_while_the_input_is_prepared_changes_nothing(monkeypatch, state):
    """A refit from 3-D to 2-D X interrupted while its sequences are merged
    keeps the old features and weights; a fresh estimator stays unfitted."""
    X, y, _ = data()
    est = fitted(RNNRegressor)
    before, predictions = state(est), est.predict(X)

    def interrupted(*args, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(base, "merge_duplicates", interrupted)
    with pytest.raises(KeyboardInterrupt):
        est.fit(X[:, :, 0], y)
    assert state(est) == before and est.n_features_in_ == 2
    np.testing.assert_array_equal(est.predict(X), predictions)
    fresh = RNNRegressor(hidden_size=4, max_iter=5)
    with pytest.raises(KeyboardInterrupt):
        fresh.fit(X, y)
    assert not hasattr(fresh, "n_features_in_") and not hasattr(fresh, "_params")


STAGES = [  # (solver, early_stopping, which call is interrupted)
    ("adam", False, ("loss_and_grad", 1)),  # the first minibatch of the first epoch
    ("adam", False, ("loss_and_grad", 9)),  # a later epoch (4 minibatches per epoch)
    ("adam", True, ("_validation_score", 3)),  # scoring the held-out part
    ("lbfgs", False, ("loss_and_grad", 6)),
]


@pytest.mark.parametrize(
    "solver, early, where", STAGES, ids=["first-epoch", "later-epoch", "validation", "lbfgs"]
)
def test_ctrl_c_during_training_keeps_weights_that_predict(solver, early, where, monkeypatch):
    X, y, _ = data()
    name, at = where
    owner = base.RNNNetwork if name == "loss_and_grad" else RNNRegressor
    real, calls = getattr(owner, name), {"n": 0}

    def interrupted(self, *args, **kw):
        calls["n"] += 1
        if calls["n"] == at:
            raise KeyboardInterrupt
        return real(self, *args, **kw)

    monkeypatch.setattr(owner, name, interrupted)
    est = RNNRegressor(
        hidden_size=4,
        solver=solver,
        early_stopping=early,
        batch_size=10,
        max_iter=20,
        random_state=0,
    )
    with pytest.warns(UserWarning, match="interrupted by the user"):
        est.fit(X, y)
    assert np.isfinite(est.predict(X)).all() and np.isfinite(est.loss_)
    if solver == "adam" and not early:
        assert est.n_iter_ == (at - 1) // 4  # the epochs that completed


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_keyboard_interrupt_keeps_a_usable_model(solver, monkeypatch):
    X, y = sequences(n=80, F=2)
    y = np.where(y > 0.1, "up", "down")
    real = base.RNNNetwork.loss_and_grad
    calls = {"n": 0}

    def interrupted(net, *args, **kw):
        calls["n"] += 1
        if calls["n"] == 7:
            raise KeyboardInterrupt
        return real(net, *args, **kw)

    monkeypatch.setattr(base.RNNNetwork, "loss_and_grad", interrupted)
    params = dict(hidden_size=4, solver=solver, batch_size=40, max_iter=50, random_state=0)
    clf = RNNClassifier(**params)
    with pytest.warns(UserWarning, match="interrupted by the user"):
        clf.fit(X, y)
    assert clf.predict(X).shape == (80,) and set(clf.predict(X)) <= {"up", "down"}
    if solver == "adam":
        assert clf.n_iter_ == 3 and len(clf.loss_curve_) == 3  # epoch 4 cut
    # a second fit starts clean: the same as a fresh estimator's fit
    monkeypatch.setattr(base.RNNNetwork, "loss_and_grad", real)
    clf.set_params(max_iter=5).fit(X, y)
    fresh = RNNClassifier(**{**params, "max_iter": 5}).fit(X, y)
    np.testing.assert_array_equal(clf._params, fresh._params)
    assert getattr(clf, "loss_curve_", None) == getattr(fresh, "loss_curve_", None)


def diverging_fit(seed):
    """Plain SGD at rate 1 on an unclipped, unscaled ReLU network: it
    diverges within two epochs."""
    rng = np.random.RandomState(seed)
    X, y = rng.normal(size=(32, 40, 3)), rng.normal(size=32)
    est = RNNRegressor(
        hidden_size=8,
        cell="rnn",
        activation="relu",
        solver="sgd",
        learning_rate_init=1.0,
        max_iter=5,
        max_grad_norm=None,
        standardize=False,
        random_state=seed,
    )
    with pytest.warns(ConvergenceWarning, match="Training diverged") as record:
        est.fit(X, y)
    return est, X, y, str(record[0].message)


@pytest.mark.parametrize("seed", [0, 2])
def test_divergence_keeps_the_weights_an_epoch_started_from(seed):
    """An epoch whose last updates blow the weights up has a finite loss
    (summed while they moved) but end weights far worse: the guard keeps the
    weights the best epoch started from, and loss_ is theirs. (It kept the
    end weights: half-MSE 6e92 and 1e76 on these two.)"""
    est, X, y, _ = diverging_fit(seed)
    assert est.n_iter_ == 1
    half_mse = 0.5 * np.mean((est.predict(X) - y) ** 2)
    assert half_mse < 1.0  # the initial weights' level: y is N(0, 1)
    assert est.loss_ == pytest.approx(half_mse, rel=1e-3)  # plus the small penalty


def test_divergence_in_the_first_epoch_leaves_a_loss():
    """No epoch completed: loss_ is the kept (initial) weights' loss, and the
    warning says it."""
    est, X, y, message = diverging_fit(1)
    assert est.n_iter_ == 0 and np.isfinite(est.loss_)
    assert est.loss_ == pytest.approx(0.5 * np.mean((est.predict(X) - y) ** 2), rel=1e-3)
    assert f"(training loss {est.loss_:.6g})" in message


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_absurd_learning_rate_stops_with_finite_weights(solver):
    X, y = make_adding_problem(n_samples=100, n_timesteps=30, random_state=0)
    est = RNNRegressor(
        cell="rnn",
        hidden_size=16,
        activation="relu",
        solver=solver,
        learning_rate_init=1e8,
        max_grad_norm=None,
        max_iter=30,
        random_state=0,
    )
    with pytest.warns(
        ConvergenceWarning,
        match=r"Training diverged .* Lower "
        r"learning_rate_init \(now 100000000.0\) or clip gradients",
    ):
        est.fit(X, y)
    assert est.n_iter_ < 30
    assert np.isfinite(est._params).all() and np.isfinite(est.predict(X)).all()


def test_divergence_restores_the_best_epoch(monkeypatch):
    X, y = sequences(n=80, F=2)
    snapshots = []
    update = training.StoppingRule.update

    def record(rule, value, params):  # each epoch's loss and weights
        snapshots.append((value, params.copy()))
        update(rule, value, params)

    monkeypatch.setattr(training.StoppingRule, "update", record)
    calls = {"n": 0}
    real = base.RNNNetwork.loss_and_grad

    def poisoned(net, *args, **kw):
        calls["n"] += 1
        loss, grad = real(net, *args, **kw)
        if calls["n"] == 9:  # epoch 5 of 2 batches
            grad[3] = np.nan
        return loss, grad

    monkeypatch.setattr(base.RNNNetwork, "loss_and_grad", poisoned)
    est = RNNRegressor(
        hidden_size=3,
        batch_size=40,
        max_iter=10,
        early_stopping=False,
        learning_rate_init=0.01,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning, match=r"epoch 5: the loss or its gradient"):
        est.fit(X, y)
    assert est.n_iter_ == 4 and len(snapshots) == 4
    best = min(range(4), key=lambda i: snapshots[i][0])
    kept = est._standardization.to_raw(est._net, snapshots[best][1])
    np.testing.assert_array_equal(est._params, kept)


def test_lbfgs_backs_off_non_finite_losses(monkeypatch):
    X, y = sequences(n=80, F=2)
    real = base.RNNNetwork.loss_and_grad
    calls = {"n": 0}

    def poisoned(net, *args, **kw):
        calls["n"] += 1
        loss, grad = real(net, *args, **kw)
        return (np.inf if calls["n"] == 3 else loss), grad

    monkeypatch.setattr(base.RNNNetwork, "loss_and_grad", poisoned)
    est = RNNRegressor(hidden_size=3, solver="lbfgs", max_iter=20, random_state=0)
    with pytest.warns(ConvergenceWarning, match=r"Training diverged \(lbfgs"):
        est.fit(X, y)
    assert np.isfinite(est.loss_) and np.isfinite(est.predict(X)).all()
