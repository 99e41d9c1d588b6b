"""Training users can trust: early stopping, schedules, partial_fit, weights,
progress, reproducibility, float32 and truncated BPTT (divergence and
interrupts: test_failed_fits.py)."""

import re

import numpy as np
import pytest
from conftest import ARCHITECTURES, architecture_id, ragged_sequences, sequences

import skrnn._base as base
import skrnn._training as training
from skrnn import RNNClassifier, RNNRegressor
from skrnn.datasets import make_adding_problem


def labelled(n=80, seed=0):
    """``sequences(n, F=2)``, labelled "up" where the mean exceeds 0.1."""
    X, y = sequences(n, F=2, seed=seed)
    return X, np.where(y > 0.1, "up", "down")


class Recorder:
    """Wraps ``_validation_score``: each epoch's score, weights and held-out set."""

    def __init__(self, monkeypatch):
        self.scores, self.params, self.parts = [], [], []
        original = base.BaseRNN._validation_score

        def spy(est, params, part):
            score = original(est, params, part)
            self.scores.append(score)
            # the weights as the fitted model will hold them (raw data)
            self.params.append(est._standardization.to_raw(est._net, params))
            self.parts.append(part)
            return score

        monkeypatch.setattr(base.BaseRNN, "_validation_score", spy)


# ----------------------------------------------------------- early stopping


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_early_stopping_restores_the_best_weights(cell, monkeypatch):
    rec = Recorder(monkeypatch)
    X, y = labelled(n=120)
    clf = RNNClassifier(
        cell=cell,
        hidden_size=4,
        early_stopping=True,
        standardize="global",
        validation_fraction=0.25,
        n_iter_no_change=3,
        learning_rate_init=0.05,
        max_iter=60,
        random_state=0,
    ).fit(X, y)
    assert clf.validation_scores_ == rec.scores
    assert len(clf.validation_scores_) == clf.n_iter_ == len(clf.loss_curve_)
    assert clf.n_iter_ < 60  # it stopped early
    best = int(np.argmax(rec.scores))
    assert clf.best_validation_score_ == rec.scores[best] == max(rec.scores)
    np.testing.assert_array_equal(clf._params, rec.params[best])
    assert clf.best_loss_ is None
    # the recorded score is the estimator's own score on the held-out sequences
    part = rec.parts[-1]
    labels = clf.classes_[part.Y[:, 0].astype(int)]
    assert clf.score(part.X[part.rows], labels) == pytest.approx(clf.best_validation_score_)
    assert len(part) == 30
    # stratified: the held-out share of each class is the data's
    assert abs(np.mean(labels == "up") - np.mean(y == "up")) <= 1 / 30


def test_early_stopping_on_ragged_sequences_and_sequence_outputs(monkeypatch):
    rec = Recorder(monkeypatch)
    seqs, y = ragged_sequences(n=60)
    reg = RNNRegressor(
        cell="gru",
        hidden_size=4,
        early_stopping=True,
        max_iter=15,
        standardize="global",
        learning_rate_init=0.02,
        random_state=0,
    ).fit(seqs, y)
    part = rec.parts[-1]
    assert part.lengths is not None and len(part) == 6
    valid = [x[:L] for x, L in zip(part.X[part.rows], part.lengths)]
    np.testing.assert_array_equal(reg._params, rec.params[int(np.argmax(rec.scores))])
    y_raw = part.Y[:, 0] * reg.target_scale_ + reg.target_mean_  # Y is standardised
    assert reg.score(valid, y_raw) == pytest.approx(reg.best_validation_score_)

    ys = [np.cumsum(s[:, 0]) for s in seqs]
    tagger = RNNRegressor(
        hidden_size=4, return_sequences=True, early_stopping=True, max_iter=5, random_state=0
    ).fit(seqs, ys)
    part = rec.parts[-1]
    L = part.lengths
    last = reg.__class__.score(
        tagger,
        [x[:n] for x, n in zip(part.X[part.rows], L)],
        [t[:n, 0] * tagger.target_scale_ + tagger.target_mean_ for t, n in zip(part.Y, L)],
    )
    assert last == pytest.approx(tagger.best_validation_score_)  # its weights


def test_early_stopping_scores_with_the_class_weights(monkeypatch):
    rec = Recorder(monkeypatch)
    X, y = labelled(n=120)
    clf = RNNClassifier(
        hidden_size=3,
        early_stopping=True,
        validation_fraction=0.25,
        class_weight={"up": 4.0},
        standardize="global",
        max_iter=2,
        random_state=0,
    ).fit(X, y)
    part = rec.parts[-1]
    labels = clf.classes_[part.Y[:, 0].astype(int)]
    w = np.where(labels == "up", 4.0, 1.0)
    assert clf.best_validation_score_ == pytest.approx(
        np.average(clf.predict(part.X[part.rows]) == labels, weights=w)
    )


def test_early_stopping_errors():
    X, y = sequences(n=10, F=2)
    with pytest.raises(ValueError, match="validation set is too small"):
        RNNRegressor(early_stopping=True, validation_fraction=0.1).fit(X, y)
    est = RNNRegressor(early_stopping=True)
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping"):
        est.partial_fit(X, y)
    assert not hasattr(est, "n_iter_")


def test_without_early_stopping_the_attributes_are_none():
    X, y = sequences(n=80, F=2)
    est = RNNRegressor(hidden_size=3, max_iter=3, early_stopping=False, random_state=0).fit(X, y)
    assert est.validation_scores_ is None and est.best_validation_score_ is None
    assert est.best_loss_ == min(est.loss_curve_)


def test_auto_early_stopping_holds_out_only_above_ten_thousand_sequences():
    """As HistGradientBoosting's "auto": 10,000 sequences train on the
    training loss, 10,001 hold out a tenth, exactly as True does."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(10_001, 2, 1))
    y = X[:, :, 0].sum(axis=1)
    params = dict(hidden_size=2, max_iter=1, batch_size=1000, random_state=0)
    at = RNNRegressor(early_stopping="auto", **params).fit(X[:-1], y[:-1])
    assert at.validation_scores_ is None and at.best_loss_ == min(at.loss_curve_)
    above = RNNRegressor(early_stopping="auto", **params).fit(X, y)
    assert len(above.validation_scores_) == 1 and above.best_loss_ is None
    explicit = RNNRegressor(early_stopping=True, **params).fit(X, y)
    np.testing.assert_array_equal(above.predict(X[:50]), explicit.predict(X[:50]))


def test_auto_early_stopping_holds_out_when_the_split_is_possible(auto_holds_out_small_sets):
    X, y = sequences(n=40, F=2)
    est = RNNRegressor(hidden_size=3, max_iter=3, early_stopping="auto", random_state=0)
    est.fit(X, y)
    assert len(est.validation_scores_) == est.n_iter_ == 3 and est.best_loss_ is None
    explicit = RNNRegressor(hidden_size=3, max_iter=3, random_state=0, early_stopping=True).fit(
        X, y
    )
    np.testing.assert_array_equal(est.predict(X), explicit.predict(X))
    # 10 sequences: a tenth is 1 sequence, too few to score -- no error, no split
    small = RNNRegressor(hidden_size=3, max_iter=3, early_stopping="auto", random_state=0).fit(
        X[:10], y[:10]
    )
    assert small.validation_scores_ is None and small.best_loss_ == min(small.loss_curve_)
    # partial_fit and lbfgs train on everything
    est.partial_fit(X, y)
    assert est.validation_scores_ is None
    lbfgs = RNNRegressor(hidden_size=3, solver="lbfgs", max_iter=3).fit(X, y)
    assert not hasattr(lbfgs, "validation_scores_")


def test_auto_early_stopping_of_a_classifier_needs_a_stratified_split(auto_holds_out_small_sets):
    X, _ = sequences(n=40, F=2)
    two = np.arange(40) % 2
    clf = RNNClassifier(hidden_size=3, max_iter=2, early_stopping="auto", random_state=0)
    assert len(clf.fit(X, two).validation_scores_) == 2
    # 8 classes: a tenth (4 sequences) cannot hold one of each
    assert clf.fit(X, np.arange(40) % 8).validation_scores_ is None
    # a class of one sequence cannot be split
    assert clf.fit(X, np.r_[two[:-1], 2]).validation_scores_ is None


# ------------------------------------------------------ schedules, clipping


def test_adam_follows_the_schedules_too():
    X, y = sequences(n=80, F=2)
    inv = RNNRegressor(
        hidden_size=3,
        learning_rate="invscaling",
        learning_rate_init=0.01,
        max_iter=4,
        random_state=0,
    ).fit(X, y)
    assert inv._optimizer.learning_rate == pytest.approx(
        inv.learning_rate_init / (inv.t_ + 1) ** inv.power_t
    )
    ada = RNNRegressor(
        hidden_size=3,
        learning_rate="adaptive",
        tol=10.0,
        n_iter_no_change=2,
        max_iter=7,
        random_state=0,
    ).fit(X, y)
    assert ada._optimizer.learning_rate == pytest.approx(0.01 / 25)  # "auto" for adam
    sgd = RNNRegressor(hidden_size=3, solver="sgd", max_iter=1, random_state=0).fit(X, y)
    assert sgd._optimizer.learning_rate == 0.1  # "auto" for sgd


def test_clipping_tames_an_exploding_fit():
    X, y = make_adding_problem(n_samples=200, n_timesteps=40, random_state=0)
    params = dict(
        hidden_size=16,
        activation="relu",
        solver="sgd",
        learning_rate_init=1.0,
        batch_size=20,
        max_iter=15,
        random_state=0,
    )
    params.update(
        cell="rnn",
        pooling="last",
        init="uniform",
        learning_rate="constant",
        standardize=False,
        early_stopping=False,
    )
    wild = RNNRegressor(max_grad_norm=None, **params).fit(X, y)
    tamed = RNNRegressor(max_grad_norm=1.0, **params).fit(X, y)
    assert max(wild.loss_curve_) > 1e3  # the unclipped gradients explode
    assert max(tamed.loss_curve_) < 1.0 and tamed.loss_ < 0.1


# -------------------------------------------------------------- partial_fit


def test_partial_fit_only_for_stochastic_solvers():
    assert hasattr(RNNRegressor(solver="adam"), "partial_fit")
    assert hasattr(RNNClassifier(solver="sgd"), "partial_fit")
    assert not hasattr(RNNRegressor(solver="lbfgs"), "partial_fit")
    with pytest.raises(AttributeError, match="has no attribute 'partial_fit'") as info:
        _ = RNNClassifier(solver="lbfgs").partial_fit
    assert "only available for the stochastic solvers" in str(info.value.__cause__)
    X, y = sequences(n=80, F=2)
    est = RNNRegressor(hidden_size=3, random_state=0).partial_fit(X, y)
    assert est.n_iter_ == 1 and len(est.loss_curve_) == 1
    est.partial_fit(X, y)
    assert len(est.loss_curve_) == 2 and est.t_ == 2 * len(X)


def test_partial_fit_in_chunks_reaches_the_loss_of_fit():
    X, y = sequences(n=400, F=2)
    fit = RNNRegressor(
        hidden_size=8, learning_rate_init=0.01, batch_size=50, max_iter=20, tol=0, random_state=0
    ).fit(X, y)
    chunked = RNNRegressor(hidden_size=8, learning_rate_init=0.01, batch_size=50, random_state=0)
    for _ in range(20):
        for chunk in np.array_split(np.arange(400), 4):
            chunked.partial_fit(X[chunk], y[chunk])
    baseline = np.mean((y - y.mean()) ** 2) / 2
    assert fit.score(X, y) > 0.9
    assert chunked.score(X, y) > fit.score(X, y) - 0.03
    assert chunked.loss_ < 0.2 * baseline


def test_classifier_partial_fit_needs_classes_first():
    X, y = labelled()
    clf = RNNClassifier(hidden_size=3, random_state=0)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[:10], np.full(10, "up"), classes=["down", "up"])  # one class seen
    assert clf.classes_.tolist() == ["down", "up"]
    clf.partial_fit(X, y)
    with pytest.raises(ValueError, match=r"classes=\['a', 'b'\] differs"):
        clf.partial_fit(X, y, classes=["a", "b"])
    with pytest.raises(ValueError, match=r"classes \['left'\] not seen"):
        clf.partial_fit(X[:2], ["up", "left"])
    with pytest.raises(ValueError, match=r"classes \['left'\] not seen in the classes"):
        RNNClassifier().partial_fit(X[:2], ["up", "left"], classes=["up", "down"])
    with pytest.raises(ValueError, match="'balanced' is not supported by partial_fit"):
        RNNClassifier(class_weight="balanced").partial_fit(X, y, classes=["up", "down"])


# ------------------------------------------------------------------ weights


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_integer_weights_are_copies_and_zero_weights_are_removal(solver):
    X, y = sequences(n=40, F=2)
    w = np.random.RandomState(1).randint(0, 4, size=40)
    params = dict(hidden_size=4, solver=solver, max_iter=8, random_state=0)
    weighted = RNNRegressor(**params).fit(X, y, sample_weight=w)
    copies = RNNRegressor(**params).fit(np.repeat(X, w, axis=0), np.repeat(y, w))
    np.testing.assert_array_equal(weighted._params, copies._params)
    assert weighted.t_ == copies.t_
    if solver != "lbfgs":  # partial_fit takes weights the same way
        a = RNNRegressor(**params).partial_fit(X, y, sample_weight=w)
        b = RNNRegressor(**params).partial_fit(np.repeat(X, w, axis=0), np.repeat(y, w))
        np.testing.assert_array_equal(a._params, b._params)
    with pytest.raises(ValueError, match="at least one non-zero"):
        RNNRegressor().fit(X, y, sample_weight=np.zeros(40))
    with pytest.raises(ValueError, match="Negative values in data passed to `sample_weight`"):
        RNNRegressor().fit(X, y, sample_weight=-np.ones(40))


def test_row_order_does_not_matter():
    X, y = labelled()
    perm = np.random.RandomState(3).permutation(len(X))
    for params in [dict(solver="adam", dropout=0.3, num_layers=2), dict(solver="lbfgs")]:
        a = RNNClassifier(hidden_size=4, max_iter=5, random_state=0, **params).fit(X, y)
        b = RNNClassifier(hidden_size=4, max_iter=5, random_state=0, **params).fit(
            X[perm], y[perm]
        )
        np.testing.assert_array_equal(a._params, b._params)


def test_class_weight_is_a_weight_on_each_sequence_of_the_class():
    X, y = labelled()
    params = dict(hidden_size=4, max_iter=5, random_state=0)
    by_dict = RNNClassifier(class_weight={"up": 3}, **params).fit(X, y)
    by_weight = RNNClassifier(**params).fit(X, y, sample_weight=np.where(y == "up", 3, 1))
    np.testing.assert_array_equal(by_dict._params, by_weight._params)
    n_up = (y == "up").sum()
    balanced = RNNClassifier(class_weight="balanced", **params).fit(X, y)
    manual = np.where(y == "up", len(y) / (2 * n_up), len(y) / (2 * (len(y) - n_up)))
    by_weight = RNNClassifier(**params).fit(X, y, sample_weight=manual)
    np.testing.assert_allclose(balanced._params, by_weight._params, rtol=1e-12)
    with pytest.raises(ValueError, match="not in class"):
        RNNClassifier(class_weight={"sideways": 2}).fit(X, y)


def test_balanced_class_weight_lifts_a_rare_class():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 5, 1))
    noisy = X[:, :, 0].sum(axis=1) + rng.normal(scale=1.5, size=300)
    y = np.where(noisy > 3, "rare", "common")  # 15% rare
    params = dict(
        cell="rnn",
        pooling="last",
        init="uniform",
        standardize="global",
        hidden_size=8,
        solver="lbfgs",
        max_iter=60,
        alpha=1.0,
        random_state=0,
    )
    plain = RNNClassifier(**params).fit(X, y)
    balanced = RNNClassifier(class_weight="balanced", **params).fit(X, y)
    recall = [np.mean(m.predict(X)[y == "rare"] == "rare") for m in (plain, balanced)]
    assert recall[0] < 0.8 and recall[1] > 0.95


def test_per_step_class_weights():
    X, _ = sequences(n=40, F=2)
    y = np.where(np.cumsum(X[:, :, 0], axis=1) > 1.0, "hi", "lo")
    params = dict(hidden_size=4, return_sequences=True, solver="lbfgs", max_iter=5, random_state=0)
    clf = RNNClassifier(class_weight={"hi": 2.0}, **params).fit(X, y)
    # the same loss written by hand: each step weighs its class's weight
    # (on the standardised inputs the network trained on)
    Xs = (X - clf.input_mean_) / clf.input_scale_
    X_tm = np.ascontiguousarray(Xs.transpose(1, 0, 2))
    Y = (y == "lo").astype(float).T[:, :, None]  # classes_ ["hi", "lo"]: "lo" is 1
    params = clf._standardization.from_raw(clf._net, clf._params)
    loss, _ = clf._net.loss_and_grad(
        params, X_tm, Y, alpha=clf.alpha, step_weight=np.where(y == "hi", 2.0, 1.0).T
    )
    assert clf.loss_ == pytest.approx(loss, rel=1e-9)
    unweighted, _ = clf._net.loss_and_grad(params, X_tm, Y, alpha=clf.alpha)
    assert unweighted != pytest.approx(loss)


# ----------------------------------------------------------------- progress


def test_verbose_lines_carry_validation_score_time_and_eta(capsys, monkeypatch):
    X, y = labelled()
    RNNClassifier(
        hidden_size=3, early_stopping=True, max_iter=3, tol=0, verbose=1, random_state=0
    ).fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3
    pattern = (
        r"Iteration (\d), loss = \d+\.\d{8}, validation score = \d\.\d{6}, "
        r"\d+\.\d\ds(, at most \d+s left)?$"
    )
    assert all(re.match(pattern, line) for line in lines)
    assert "left" in lines[0] and "left" not in lines[-1]
    # a long epoch prints its progress (every HEARTBEAT seconds)
    monkeypatch.setattr(training, "HEARTBEAT", 0.0)
    RNNRegressor(hidden_size=3, batch_size=20, max_iter=1, verbose=True, random_state=0).fit(
        *sequences(n=80, F=2)
    )
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(",")[0] for line in lines[:4]] == [
        f"  epoch 1: batch {b}/4" for b in range(1, 5)
    ]
    assert re.search(r"about \d+s left in this epoch", lines[0])
    RNNRegressor(hidden_size=3, solver="lbfgs", max_iter=2, verbose=True, random_state=0).fit(
        *sequences(n=80, F=2)
    )
    assert re.match(r"Iteration 1, loss = \d+\.\d{8}, \d+\.\d\ds", capsys.readouterr().out)
    RNNRegressor(hidden_size=3, max_iter=2, verbose=0, random_state=0).fit(*sequences(n=80, F=2))
    assert capsys.readouterr().out == ""


def test_duration_format():
    assert [training._duration(s) for s in (4.4, 65, 3725)] == ["4s", "1m05s", "1h02m"]


# ---------------------------------------------------------- reproducibility

TRAINING = [
    dict(solver="lbfgs"),
    dict(solver="sgd"),
    dict(solver="adam"),
    dict(solver="adam", early_stopping=True),
    dict(solver="sgd", dropout=0.3),
]


@pytest.mark.parametrize("arch", ARCHITECTURES, ids=architecture_id)
@pytest.mark.parametrize("training", TRAINING, ids=lambda t: "-".join(map(str, t.values())))
def test_same_seed_is_bitwise_identical(arch, training):
    if training.get("dropout") and arch["num_layers"] == 1:
        arch = dict(arch, num_layers=2)  # dropout acts between layers
    X, y = labelled(n=40)
    params = dict(hidden_size=3, max_iter=4, batch_size=16, **arch, **training)
    a = RNNClassifier(random_state=7, **params).fit(X, y)
    b = RNNClassifier(random_state=7, **params).fit(X, y)
    np.testing.assert_array_equal(a._params, b._params)
    assert getattr(a, "loss_curve_", None) == getattr(b, "loss_curve_", None)
    assert getattr(a, "validation_scores_", None) == getattr(b, "validation_scores_", None)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    c = RNNClassifier(random_state=None, **params).fit(X, y)
    d = RNNClassifier(random_state=None, **params).fit(X, y)
    assert not np.array_equal(c._params, d._params)


# ------------------------------------------------------------------ float32


def _arrays(obj):
    if isinstance(obj, np.ndarray):
        yield obj
    elif isinstance(obj, (list, tuple)):
        for item in obj:
            yield from _arrays(item)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_float32_end_to_end(cell, monkeypatch):
    """float32 X: weights, every forward/backward buffer, gradients and outputs."""
    seen = []
    forward, backward = base.RNNNetwork._forward, base.RNNNetwork.loss_and_grad

    def spy_forward(net, *args, **kw):
        result = forward(net, *args, **kw)
        seen.extend(a.dtype for a in _arrays(result))
        return result

    def spy_grad(net, *args, **kw):
        loss, grad = backward(net, *args, **kw)
        seen.append(grad.dtype)
        return loss, grad

    monkeypatch.setattr(base.RNNNetwork, "_forward", spy_forward)
    monkeypatch.setattr(base.RNNNetwork, "loss_and_grad", spy_grad)
    seqs, y = ragged_sequences(n=60)
    X32 = [s.astype(np.float32) for s in seqs]
    for est in (
        RNNRegressor(
            cell=cell, num_layers=2, bidirectional=True, hidden_size=4, max_iter=2, random_state=0
        ),
        RNNClassifier(cell=cell, return_sequences=True, hidden_size=4, max_iter=2, random_state=0),
    ):
        target = y if isinstance(est, RNNRegressor) else [s[:, 0] > 0 for s in seqs]
        est.fit(X32, target)
        assert est._params.dtype == np.float32
        out = est.predict(X32) if isinstance(est, RNNRegressor) else est.predict_proba(X32)
        assert out.dtype == np.float32
    assert len(seen) > 20 and set(seen) == {np.dtype(np.float32)}
    # float64 stays the default for float64 input
    assert (
        RNNRegressor(cell=cell, hidden_size=3, max_iter=1).fit(seqs, y)._params.dtype == np.float64
    )


# ----------------------------------------------------------- truncated BPTT


def test_bptt_steps_at_least_the_length_is_full_bptt():
    seqs, y = ragged_sequences(n=60)
    params = dict(
        cell="lstm", num_layers=2, hidden_size=4, max_iter=3, pooling="last", random_state=0
    )
    full = RNNRegressor(**params).fit(seqs, y)
    same = RNNRegressor(bptt_steps=8, **params).fit(seqs, y)
    np.testing.assert_array_equal(full._params, same._params)
    cut = RNNRegressor(bptt_steps=3, **params).fit(seqs, y)
    assert not np.array_equal(full._params, cut._params)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_truncated_bptt_learns_long_sequences(solver):
    """Next-value prediction of a noisy sine, T = 400, windows of 25 steps."""
    rng = np.random.RandomState(0)
    t = np.arange(401)
    phase = rng.uniform(0, 2 * np.pi, size=(40, 1))
    wave = np.sin(0.3 * t + phase) + 0.05 * rng.normal(size=(40, 401))
    X, Y = wave[:, :-1, None], wave[:, 1:]
    est = RNNRegressor(
        cell="gru",
        hidden_size=8,
        return_sequences=True,
        bptt_steps=25,
        solver=solver,
        learning_rate_init=0.02,
        max_iter=40,
        random_state=0,
    ).fit(X, Y)
    assert est.score(X, Y) > 0.9
    if solver == "adam":
        assert est.loss_curve_[-1] < 0.2 * est.loss_curve_[0]


def test_bptt_steps_needs_one_direction():
    X, y = sequences(n=80, F=2)
    est = RNNRegressor(hidden_size=3, max_iter=2, random_state=0).fit(X, y)
    before = est.predict(X)
    est.set_params(bidirectional=True, bptt_steps=3, warm_start=True)
    with pytest.raises(
        ValueError,
        match=r"bptt_steps=3 \(truncated BPTT\) needs "
        "bidirectional=False",
    ):
        est.fit(X, y)
    np.testing.assert_array_equal(est.predict(X), before)
