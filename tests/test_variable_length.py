"""Variable-length sequences: lists and NaN padding, in every cell and layout."""

import numpy as np
import pytest
from conftest import ARCHITECTURES, ragged_sequences
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score

from skrnn import RNNClassifier, RNNRegressor
from skrnn.utils import to_padded_array

ARCHS = [tuple(architecture.values()) for architecture in ARCHITECTURES]


@pytest.mark.parametrize("cell,num_layers,bidirectional", ARCHS)
def test_prediction_same_alone_padded_or_in_a_list(cell, num_layers, bidirectional):
    seqs, y = ragged_sequences()
    est = RNNRegressor(
        cell=cell,
        num_layers=num_layers,
        bidirectional=bidirectional,
        hidden_size=5,
        max_iter=3,
        random_state=0,
    ).fit(seqs, y)
    from_list = est.predict(seqs)
    padded, lengths = to_padded_array(seqs)
    from_padded = est.predict(padded)
    alone = np.array([est.predict(s[None])[0] for s in seqs])
    np.testing.assert_allclose(from_list, alone, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(from_padded, alone, rtol=1e-10, atol=1e-14)
    # NaN padding is not read: any extra padding changes nothing
    wider = np.concatenate([padded, np.full((len(seqs), 4, 2), np.nan)], axis=1)
    np.testing.assert_allclose(est.predict(wider), alone, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("cell,num_layers,bidirectional", ARCHS)
def test_sequence_outputs_with_padding(cell, num_layers, bidirectional):
    seqs, _ = ragged_sequences(n=30)
    ys = [np.cumsum(s[:, 0]) / 3 for s in seqs]  # one target per valid step
    est = RNNRegressor(
        cell=cell,
        num_layers=num_layers,
        bidirectional=bidirectional,
        return_sequences=True,
        hidden_size=5,
        max_iter=3,
        random_state=0,
    ).fit(seqs, ys)
    Y_padded, lengths = to_padded_array(ys)
    P = est.predict(seqs)
    assert P.shape == Y_padded.shape[:2]
    valid = np.arange(P.shape[1])[None, :] < lengths[:, None]
    assert np.isnan(P[~valid]).all() and np.isfinite(P[valid]).all()
    for s, p, L in zip(seqs, P, lengths):
        np.testing.assert_allclose(p[:L], est.predict(s[None])[0], rtol=1e-10, atol=1e-14)
    # the same fit from NaN-padded arrays for X and y
    est2 = RNNRegressor(
        cell=cell,
        num_layers=num_layers,
        bidirectional=bidirectional,
        return_sequences=True,
        hidden_size=5,
        max_iter=3,
        random_state=0,
    ).fit(to_padded_array(seqs)[0], Y_padded[:, :, 0])
    np.testing.assert_allclose(est2._params, est._params, rtol=1e-12, atol=1e-15)


def test_padded_steps_do_not_change_training():
    """Fitting a NaN-padded array equals fitting the list: padding is inert."""
    seqs, y = ragged_sequences(n=25)
    a = RNNRegressor(hidden_size=4, solver="lbfgs", max_iter=10, random_state=0).fit(seqs, y)
    X, _ = to_padded_array(seqs)
    X = np.concatenate([X, np.full((25, 3, 2), np.nan)], axis=1)
    b = RNNRegressor(hidden_size=4, solver="lbfgs", max_iter=10, random_state=0).fit(X, y)
    np.testing.assert_allclose(a._params, b._params, rtol=1e-10, atol=1e-13)


def test_grid_search_and_cross_val_score_on_a_list_of_sequences():
    seqs, y = ragged_sequences(n=60)
    labels = np.where(y > 0, "up", "down")
    search = GridSearchCV(
        RNNClassifier(solver="lbfgs", max_iter=60, random_state=0),
        {"hidden_size": [2, 6]},
        cv=3,
    ).fit(seqs, labels)
    # every candidate learns in every fold: its sequences kept with their labels
    assert search.cv_results_["mean_test_score"].min() > 0.75
    # the refit reads the whole list: the model a fit of the chosen size gives
    chosen = RNNClassifier(solver="lbfgs", max_iter=60, random_state=0, **search.best_params_)
    np.testing.assert_array_equal(
        search.predict_proba(seqs), chosen.fit(seqs, labels).predict_proba(seqs)
    )
    scores = cross_val_score(
        RNNRegressor(hidden_size=4, solver="lbfgs", max_iter=60, random_state=0),
        seqs,
        y,
        cv=KFold(3),
    )
    assert scores.shape == (3,) and np.isfinite(scores).all()
    assert scores.mean() > 0.5


def test_univariate_sequences_and_n_features_in():
    rng = np.random.RandomState(0)
    seqs = [rng.normal(size=L) for L in (3, 5, 4)]
    est = RNNRegressor(hidden_size=3, max_iter=2, random_state=0).fit(seqs, [1.0, 2.0, 3.0])
    assert est.n_features_in_ == 1
    assert est.predict([rng.normal(size=7)]).shape == (1,)


def test_bad_per_step_targets():
    seqs, _ = ragged_sequences(n=5)
    ys = [np.cumsum(s[:, 0]) for s in seqs]
    ys[2] = ys[2].copy()
    ys[2][1] = np.nan
    with pytest.raises(ValueError, match="y contains NaN at sequence 2, time step 1"):
        RNNRegressor(return_sequences=True, max_iter=1).fit(seqs, ys)
    labels = [np.array(["a", "b"] * 5)[: len(s)] for s in seqs]
    clf = RNNClassifier(return_sequences=True, max_iter=1)
    short = labels[:3] + [labels[3][:-1]] + labels[4:]
    with pytest.raises(
        ValueError,
        match=r"y for sequence 3 has shape \(\d+,\), but "
        r"sequence 3 of X has \d+ time steps",
    ):
        clf.fit(seqs, short)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        clf.fit(seqs, labels[:4])
    X, lengths = to_padded_array(seqs)
    Y = np.zeros(X.shape[:2])
    Y[4, lengths[4] - 1] = np.nan  # NaN at a valid step, not padding
    with pytest.raises(
        ValueError,
        match=f"y contains nan at sequence 4, time step {lengths[4] - 1}, which is a valid step",
    ):
        clf.fit(X, Y)
    Y = np.full(X.shape[:2], "a", dtype=object)
    Y[1, 0] = None
    with pytest.raises(ValueError, match="y contains None at sequence 1, time step 0"):
        clf.fit(X, Y)
    assert not hasattr(clf, "classes_")


@pytest.mark.parametrize("cell,num_layers,bidirectional", ARCHS)
def test_sequence_tagging_with_padding(cell, num_layers, bidirectional):
    """Per-step labels of ragged sequences: lists or padded arrays, same fit."""
    seqs, _ = ragged_sequences(n=50)
    ys = [np.where(np.cumsum(s[:, 0]) > 0, "up", "down") for s in seqs]
    params = dict(
        cell=cell,
        num_layers=num_layers,
        bidirectional=bidirectional,
        return_sequences=True,
        hidden_size=6,
        solver="lbfgs",
        max_iter=30,
        random_state=0,
    )
    clf = RNNClassifier(**params).fit(seqs, ys)
    X, lengths = to_padded_array(seqs)
    Y = np.full(X.shape[:2], None, dtype=object)  # padding: anything, never read
    for i, y in enumerate(ys):
        Y[i, : len(y)] = y
    padded = RNNClassifier(**params).fit(X, Y)
    np.testing.assert_allclose(padded._params, clf._params, rtol=1e-10, atol=1e-14)

    proba = clf.predict_proba(seqs)
    valid = np.arange(X.shape[1])[None, :] < lengths[:, None]
    assert proba.shape == X.shape[:2] + (2,)
    assert np.isnan(proba[~valid]).all()
    np.testing.assert_allclose(proba[valid].sum(axis=1), 1.0)
    pred = clf.predict(seqs)
    assert pred.shape == X.shape[:2] and pred.dtype == object
    assert all(v is None for v in pred[~valid])
    np.testing.assert_array_equal(pred[valid], clf.classes_[proba[valid].argmax(axis=1)])
    for s, p, L in zip(seqs, proba, lengths):  # alone = in a padded batch
        np.testing.assert_allclose(p[:L], clf.predict_proba(s[None])[0], rtol=1e-10, atol=1e-14)
    truth = np.concatenate(ys)
    accuracy = (pred[valid] == truth).mean()
    assert clf.score(seqs, ys) == pytest.approx(accuracy)
    assert clf.score(X, Y) == pytest.approx(accuracy)
    # sequence weights weight each of their steps
    w = np.arange(1, 51)
    steps = np.repeat(w, lengths)
    assert clf.score(seqs, ys, sample_weight=w) == pytest.approx(
        np.average(pred[valid] == truth, weights=steps)
    )


def test_sequence_tagging_numeric_labels_pad_with_nan():
    seqs, _ = ragged_sequences(n=30)
    ys = [(np.cumsum(s[:, 0]) > 0).astype(int) for s in seqs]
    clf = RNNClassifier(return_sequences=True, hidden_size=4, max_iter=3, random_state=0).fit(
        seqs, ys
    )
    pred = clf.predict(seqs)
    lengths = np.array([len(s) for s in seqs])
    valid = np.arange(pred.shape[1])[None, :] < lengths[:, None]
    assert pred.dtype == np.float64
    assert np.isnan(pred[~valid]).all() and np.isin(pred[valid], [0, 1]).all()


def test_grid_search_on_ragged_sequence_tagging():
    seqs, _ = ragged_sequences(n=45)
    ys = [np.where(np.cumsum(s[:, 0]) > 0, "up", "down") for s in seqs]
    search = GridSearchCV(
        RNNClassifier(return_sequences=True, solver="lbfgs", max_iter=40, random_state=0),
        {"hidden_size": [2, 6]},
        cv=3,
    ).fit(seqs, ys)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_score_ > 0.8
    reg_scores = cross_val_score(
        RNNRegressor(
            return_sequences=True, hidden_size=4, solver="lbfgs", max_iter=40, random_state=0
        ),
        seqs,
        [np.cumsum(s[:, 0]) for s in seqs],
        cv=KFold(3),
    )
    assert np.isfinite(reg_scores).all() and reg_scores.mean() > 0.5


def test_failed_fit_on_ragged_data_leaves_the_model_unchanged():
    seqs, y = ragged_sequences()
    est = RNNRegressor(hidden_size=3, max_iter=2, random_state=0).fit(seqs, y)
    before = est.predict(seqs)
    bad = list(seqs)
    bad[3] = np.zeros((4, 5))
    with pytest.raises(ValueError, match="sequence 3 has 5 features"):
        est.fit(bad, y)
    np.testing.assert_array_equal(est.predict(seqs), before)


@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_predict_in_time_windows_equals_one_pass(cell, return_sequences, monkeypatch):
    """Long sequences predict in windows of steps carrying the state: same numbers."""
    import skrnn._base as base

    seqs, y = ragged_sequences(n=30)
    target = [np.cumsum(s[:, 0]) for s in seqs] if return_sequences else y
    est = RNNRegressor(
        cell=cell,
        num_layers=2,
        hidden_size=4,
        max_iter=2,
        return_sequences=return_sequences,
        random_state=0,
    ).fit(seqs, target)
    whole = est.predict(seqs)
    calls = []
    real = est._net.predict

    def spy(params, X, lengths=None, window=None, logits=False):
        calls.append(window)
        return real(params, X, lengths, window, logits)

    monkeypatch.setattr(est._net, "predict", spy)
    monkeypatch.setattr(base, "PREDICT_ELEMENTS", 40)  # < 1 sequence of 8 steps
    monkeypatch.setattr(base, "PREDICT_MIN_CHUNK", 7)
    windowed = est.predict(seqs)
    assert calls and all(w is not None and w < 8 for w in calls)  # windows were used
    np.testing.assert_allclose(windowed, whole, rtol=1e-12, atol=1e-14)
