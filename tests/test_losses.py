"""RNNRegressor's regression losses: squared error, absolute error, quantile (pinball).

PyTorch's formulas for the same losses are in ``test_torch_parity.py``.
"""

import pickle
import zlib
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import ragged_sequences, sequences
from sklearn.base import clone
from sklearn.metrics import mean_absolute_error, mean_pinball_loss
from sklearn.utils._param_validation import InvalidParameterError

from skrnn import RNNRegressor
from skrnn._network import (
    AbsoluteError,
    PinballLoss,
    RNNNetwork,
    SquaredError,
    regression_loss,
    weighted_quantile,
)

LOSSES = {
    "absolute_error": AbsoluteError,
    "quantile-0.1": PinballLoss(0.1),
    "quantile-0.9": PinballLoss(0.9),
}


def _noisy(n=300, T=8, seed=0, noise=0.5):
    """Sequences whose target is the mean of the first feature plus Gaussian noise."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, T, 2))
    return X, X[:, :, 0].mean(axis=1) + noise * rng.normal(size=n)


def _pinball(u, q):
    """rho_q(u), u = y - z, by its definition."""
    return np.where(u >= 0, q * u, (q - 1) * u)


# ------------------------------------------------------------ loss and gradient
def _away_from_kinks(net, params, X, shape, rng, lengths=None):
    """Targets at least 0.3 from the network's outputs (either side), so that
    finite differences never cross a kink of |u| or rho_q(u)."""
    p = net.predict(params, X, lengths)
    side = np.where(rng.uniform(size=shape) < 0.5, -1.0, 1.0)
    return p + side * rng.uniform(0.3, 1.5, size=shape)


@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize(
    "cell,num_layers,bidirectional", [("rnn", 1, False), ("lstm", 2, True), ("gru", 1, True)]
)
@pytest.mark.parametrize("return_sequences", [False, True])
def test_gradient_matches_finite_differences(
    loss, cell, num_layers, bidirectional, return_sequences, finite_differences
):
    """Ragged sequences, sample weights, two outputs and the L2 penalty."""
    T, N, F, H, K = 5, 4, 2, 3, 2
    rng = np.random.RandomState(zlib.crc32(repr((loss, cell, return_sequences)).encode()))
    net = RNNNetwork(
        cell,
        F,
        H,
        K,
        "identity",
        "tanh",
        num_layers,
        bidirectional,
        return_sequences,
        loss=LOSSES[loss],
    )
    params = 2 * net.init_params(rng, np.float64)
    lengths = np.array([5, 2, 4, 1])
    X = rng.normal(size=(T, N, F))
    y = _away_from_kinks(net, params, X, (T, N, K) if return_sequences else (N, K), rng, lengths)
    kwargs = dict(sample_weight=rng.uniform(0.5, 2, size=N), alpha=0.2, lengths=lengths)

    value, grad = net.loss_and_grad(params, X, y, **kwargs)
    numeric = finite_differences(net, params, (X, y), kwargs)

    assert np.isfinite(value) and value > 0
    scale = np.abs(numeric).max()
    assert scale > 1e-3  # not vacuous
    for name, g in net.unpack(grad).items():
        np.testing.assert_allclose(
            g, net.unpack(numeric)[name], rtol=0, atol=1e-6 * scale, err_msg=name
        )


@pytest.mark.parametrize("return_sequences", [False, True])
def test_loss_values_follow_the_squared_errors_normalisation(return_sequences):
    """Weighted by sequence, averaged over outputs, summed over valid steps,
    divided by the total weight S; the penalty alpha / (2 S) sum ||W||^2."""
    rng = np.random.RandomState(4)
    T, N, K = 6, 5, 3
    lengths = np.array([6, 3, 1, 5, 2])
    X = rng.normal(size=(T, N, 2))
    y = rng.normal(size=(T, N, K) if return_sequences else (N, K))
    sw = rng.uniform(0.5, 2.0, size=N)
    valid = np.arange(T)[:, None] < lengths  # (T, N)
    for name, per in [
        ("squared_error", lambda u: 0.5 * u**2),
        ("absolute_error", np.abs),
        ("quantile", lambda u: _pinball(u, 0.3)),
    ]:
        loss = None if name == "squared_error" else regression_loss(name, 0.3)
        net = RNNNetwork("gru", 2, 4, K, "identity", return_sequences=return_sequences, loss=loss)
        params = net.init_params(rng, np.float64)
        value, _ = net.loss_and_grad(params, X, y, sample_weight=sw, lengths=lengths)
        u = y - net.predict(params, X, lengths)
        if return_sequences:  # per sequence: the sum over its valid steps
            terms = (per(u).mean(axis=2) * valid).sum(axis=0)
        else:
            terms = per(u).mean(axis=1)
        assert value == pytest.approx(np.dot(sw, terms) / sw.sum(), rel=1e-12), name
        with_penalty, _ = net.loss_and_grad(
            params, X, y, sample_weight=sw, lengths=lengths, alpha=0.7
        )
        sq = sum((v**2).sum() for key, v in net.unpack(params).items() if "weight" in key)
        assert with_penalty - value == pytest.approx(0.7 * sq / (2 * sw.sum()), rel=1e-10)


def test_absolute_error_is_twice_the_median_pinball_loss():
    rng = np.random.RandomState(0)
    z, y, w = rng.normal(size=(7, 3)), rng.normal(size=(7, 3)), rng.uniform(0.5, 2, size=7)
    a, ga = AbsoluteError.loss_grad(z, y, w, w.sum())
    b, gb = PinballLoss(0.5).loss_grad(z, y, w, w.sum())
    assert a == pytest.approx(2 * b, rel=1e-14)
    np.testing.assert_allclose(ga, 2 * gb, rtol=1e-14)


def test_subgradient_at_the_kink_is_zero():
    z = np.array([[0.0, 1.0, 2.0]])
    y = np.array([[0.0, 0.0, 2.0]])  # kinks in columns 0 and 2
    w = np.array([2.0])
    _, g_abs = AbsoluteError.loss_grad(z, y, w, 4.0)
    _, g_q = PinballLoss(0.8).loss_grad(z, y, w, 4.0)
    np.testing.assert_array_equal(g_abs, [[0.0, 2 / 12, 0.0]])
    np.testing.assert_allclose(g_q, [[0.0, 0.2 * 2 / 12, 0.0]], rtol=1e-15)
    # below the target, the pinball loss pulls up with slope q
    _, g_below = PinballLoss(0.8).loss_grad(np.array([[-1.0]]), np.array([[0.0]]), w, 2.0)
    assert g_below[0, 0] == pytest.approx(-0.8)


def test_float32_gradients_stay_float32():
    rng = np.random.RandomState(0)
    z, y = rng.normal(size=(5, 2)).astype(np.float32), rng.normal(size=(5, 2)).astype(np.float32)
    w = np.ones(5, dtype=np.float32)
    for loss in (AbsoluteError, PinballLoss(0.25)):
        value, grad = loss.loss_grad(z, y, w, w.sum())
        assert grad.dtype == np.float32
        assert np.isfinite(value)


# --------------------------------------------------------- the best constant
@pytest.mark.parametrize("q", [0.1, 0.5, 0.9])
def test_best_constant_minimises_the_weighted_loss(q):
    """Weighted quantile: no other constant (every target, and points between) does
    better, and integer weights act as copies."""
    rng = np.random.RandomState(int(q * 10))
    y = rng.normal(size=(40, 2))
    w = rng.randint(1, 4, size=40).astype(float)
    loss = PinballLoss(q)
    best = loss.best_constant(y, w)
    at_best = loss.of_constant(best, y, w, w.sum())
    grid = np.linspace(-3, 3, 601)
    for k in range(2):
        for c in np.r_[y[:, k], grid]:
            p = best.copy()
            p[k] = c
            assert at_best <= loss.of_constant(p, y, w, w.sum()) + 1e-12
    copies = np.repeat(y, w.astype(int), axis=0)
    np.testing.assert_array_equal(best, loss.best_constant(copies, np.ones(len(copies))))


def test_weighted_quantile_ignores_zero_weights_and_matches_numpy():
    y = np.array([[5.0], [1.0], [3.0], [100.0], [2.0], [4.0]])
    w = np.array([1.0, 1.0, 1.0, 0.0, 1.0, 1.0])  # 100 is padding
    assert weighted_quantile(y, w, 0.5)[0] == 3.0
    assert weighted_quantile(y, w, 0.99)[0] == 5.0
    assert weighted_quantile(y, w, 0.01)[0] == 1.0
    # unit weights: numpy's "inverted_cdf" quantile
    z = np.random.RandomState(0).normal(size=(101, 3))
    for q in (0.1, 0.37, 0.5, 0.9):
        expected = np.quantile(z, q, axis=0, method="inverted_cdf")
        np.testing.assert_array_equal(weighted_quantile(z, np.ones(101), q), expected)
    # the squared error's best constant is still the weighted mean
    np.testing.assert_allclose(SquaredError.best_constant(y, w), [3.0])
    assert AbsoluteError.best_constant(y, w)[0] == 3.0


# ------------------------------------------------------------------ fitting
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
@pytest.mark.parametrize("loss,q", [("absolute_error", None), ("quantile", 0.75)])
def test_every_solver_fits_each_loss(solver, loss, q):
    """Training lowers the loss well below that of the best constant."""
    X, y = _noisy(n=150, noise=0.2)
    est = RNNRegressor(
        hidden_size=6, solver=solver, loss=loss, quantile=q, max_iter=60, random_state=0
    ).fit(X, y)
    p = est.predict(X)
    assert p.shape == y.shape and np.isfinite(p).all()
    level = 0.5 if q is None else q
    constant = np.quantile(y, level)
    fitted = mean_pinball_loss(y, p, alpha=level)
    assert fitted < 0.6 * mean_pinball_loss(y, np.full_like(y, constant), alpha=level)
    if solver != "lbfgs":
        assert len(est.loss_curve_) == est.n_iter_
        assert est.loss_curve_[-1] < 0.7 * est.loss_curve_[0]


def test_quantile_models_bracket_the_targets():
    """q=0.9 predicts above about 90% of the training targets, q=0.1 above about
    10%, and the 0.1 model lies below the 0.9 one; on new sequences too."""
    X, y = _noisy()
    X_new, y_new = _noisy(n=1000, seed=9)
    # alpha: without a penalty 8 units fit the noise of 300 targets, and the
    # band is right on them but half as wide as it should be on new ones
    params = dict(hidden_size=8, loss="quantile", alpha=0.3, max_iter=300, random_state=0)
    high = RNNRegressor(quantile=0.9, **params).fit(X, y)
    low = RNNRegressor(quantile=0.1, **params).fit(X, y)
    for X_, y_ in [(X, y), (X_new, y_new)]:
        h, lo = high.predict(X_), low.predict(X_)
        assert 0.82 <= (y_ < h).mean() <= 0.96
        assert 0.04 <= (y_ < lo).mean() <= 0.18
        assert (lo < h).mean() >= 0.97
        # the noise's 0.1..0.9 range: 2 * 1.2816 * 0.5 = 1.28
        assert 1.0 <= np.median(h - lo) <= 1.6


def test_quantiles_per_step_with_ragged_sequences_and_two_outputs():
    """return_sequences, variable lengths and multi-output y: every output's
    coverage of the valid steps is near its level."""
    rng = np.random.RandomState(1)
    seqs, _ = ragged_sequences(n=120, F=2, low=4, high=10, seed=1)
    y = [
        np.column_stack([np.cumsum(s[:, 0]), s[:, 1]]) + 0.4 * rng.normal(size=(len(s), 2))
        for s in seqs
    ]
    est = RNNRegressor(
        hidden_size=8,
        return_sequences=True,
        loss="quantile",
        quantile=0.8,
        max_iter=200,
        random_state=0,
    ).fit(seqs, y)
    pred = est.predict(seqs)  # (n, T, 2), NaN at padding
    below = np.concatenate([yi < pi[: len(yi)] for yi, pi in zip(y, pred)])
    coverage = below.mean(axis=0)
    assert coverage.shape == (2,)
    assert ((0.7 <= coverage) & (coverage <= 0.9)).all(), coverage


def test_absolute_error_resists_outlying_targets():
    """A tenth of the training targets shifted up by 20: the squared error's
    predictions on clean sequences are off by several units (pulled up, and
    fitting the outliers), the absolute error's by hundredths."""
    X, y = _noisy(n=300, noise=0.1, seed=2)
    X_test, y_test = _noisy(n=200, noise=0.0, seed=3)
    dirty = y.copy()
    dirty[np.random.RandomState(0).permutation(300)[:30]] += 20.0
    params = dict(hidden_size=8, solver="lbfgs", pooling="last", max_iter=300, random_state=0)
    squared = RNNRegressor(**params).fit(X, dirty).predict(X_test)
    absolute = RNNRegressor(loss="absolute_error", **params).fit(X, dirty).predict(X_test)
    assert np.median(squared - y_test) > 0.5  # pulled towards the outliers
    assert mean_absolute_error(y_test, squared) > 1.0
    assert abs(np.median(absolute - y_test)) < 0.05
    assert mean_absolute_error(y_test, absolute) < 0.1  # the targets' spread: 0.35
    assert np.corrcoef(absolute, y_test)[0, 1] > 0.98


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_integer_weights_are_copies(solver):
    X, y = sequences(n=40, F=2)
    w = np.random.RandomState(1).randint(0, 4, size=40)
    params = dict(
        hidden_size=4, solver=solver, loss="quantile", quantile=0.3, max_iter=8, random_state=0
    )
    weighted = RNNRegressor(**params).fit(X, y, sample_weight=w)
    copies = RNNRegressor(**params).fit(np.repeat(X, w, axis=0), np.repeat(y, w))
    np.testing.assert_array_equal(weighted._params, copies._params)
    assert weighted.loss_ == copies.loss_


def test_sample_weights_move_the_quantile():
    """Weighting the sequences with high targets raises the median model."""
    X, y = _noisy(n=200, noise=1.0, seed=5)
    params = dict(hidden_size=4, loss="absolute_error", max_iter=100, random_state=0)
    plain = RNNRegressor(**params).fit(X, y).predict(X)
    heavy = RNNRegressor(**params).fit(X, y, sample_weight=np.where(y > 0, 5.0, 1.0)).predict(X)
    assert np.median(heavy - plain) > 0.3


def test_warm_start_may_change_the_loss_and_partial_fit_uses_it():
    X, y = _noisy(n=200)
    est = RNNRegressor(hidden_size=6, max_iter=60, random_state=0).fit(X, y)
    middle = (y < est.predict(X)).mean()
    est.set_params(warm_start=True, loss="quantile", quantile=0.95).fit(X, y)
    assert (y < est.predict(X)).mean() > middle + 0.3
    online = RNNRegressor(hidden_size=6, loss="quantile", quantile=0.95, random_state=0)
    for _ in range(60):
        online.partial_fit(X, y)
    assert (y < online.predict(X)).mean() > 0.85


def test_early_stopping_scores_the_negated_loss():
    """The held-out sequences are scored by minus the pinball loss (never
    positive), not by R^2 (positive for a model this good)."""
    X, y = _noisy(n=300, noise=0.3)
    est = RNNRegressor(
        hidden_size=6,
        loss="quantile",
        quantile=0.6,
        early_stopping=True,
        max_iter=40,
        random_state=0,
    ).fit(X, y)
    assert est.score(X, y) > 0.3
    scores = np.array(est.validation_scores_)
    assert (scores < 0).all()
    assert est.best_validation_score_ == scores.max()
    assert scores.max() > scores[0]  # it improved
    metric = est._validation_metric()
    p = est.predict(X)
    assert metric(y, p) == pytest.approx(-mean_pinball_loss(y, p, alpha=0.6))
    mae = RNNRegressor(loss="absolute_error")._validation_metric()
    assert mae(y, p) == pytest.approx(-mean_absolute_error(y, p))


def test_score_is_r2_whatever_the_loss():
    X, y = _noisy(n=100, noise=0.2)
    est = RNNRegressor(hidden_size=4, loss="absolute_error", max_iter=30, random_state=0)
    est.fit(X, y)
    p = est.predict(X)
    r2 = 1 - ((y - p) ** 2).sum() / ((y - y.mean()) ** 2).sum()
    assert est.score(X, y) == pytest.approx(r2, rel=1e-10)


# ---------------------------------------------------------------- parameters
def test_quantile_is_required_by_the_quantile_loss():
    X, y = sequences()
    est = RNNRegressor(loss="quantile", max_iter=2)
    with pytest.raises(InvalidParameterError, match="The 'quantile' parameter of RNNRegressor"):
        est.fit(X, y)
    assert not hasattr(est, "n_features_in_")  # the failed fit changed nothing


@pytest.mark.parametrize("value", [0, 0.0, 1, 1.0, -0.2, 1.5, np.inf, "0.5"])
def test_quantile_outside_zero_one_is_refused(value):
    X, y = sequences()
    with pytest.raises(
        InvalidParameterError,
        match=r"The 'quantile' parameter of RNNRegressor must be a float in the range "
        r"\(0.0, 1.0\) or None",
    ):
        RNNRegressor(loss="quantile", quantile=value, max_iter=2).fit(X, y)


def test_unknown_loss_is_refused():
    X, y = sequences()
    with pytest.raises(InvalidParameterError, match="The 'loss' parameter of RNNRegressor"):
        RNNRegressor(loss="huber", max_iter=2).fit(X, y)
    with pytest.raises(InvalidParameterError, match="The 'loss' parameter of RNNRegressor"):
        RNNRegressor(loss="squared_loss", max_iter=2).fit(X, y)


def test_quantile_is_ignored_by_the_other_losses():
    """As in HistGradientBoostingRegressor: bitwise the fit without it."""
    X, y = sequences()
    for loss in ("squared_error", "absolute_error"):
        params = dict(hidden_size=3, loss=loss, max_iter=3, random_state=0)
        with_q = RNNRegressor(quantile=0.9, **params).fit(X, y)
        without = RNNRegressor(**params).fit(X, y)
        np.testing.assert_array_equal(with_q._params, without._params)


def test_the_classifier_has_no_loss_parameter():
    from skrnn import RNNClassifier

    assert "loss" not in RNNClassifier().get_params()
    assert RNNRegressor().get_params()["loss"] == "squared_error"
    assert RNNRegressor().get_params()["quantile"] is None


# ---------------------------------------------------------------- persistence
@pytest.mark.parametrize("loss,q", [("absolute_error", None), ("quantile", 0.2)])
def test_pickle_roundtrip_is_equal(loss, q, state):
    X, y = sequences()
    est = RNNRegressor(hidden_size=4, loss=loss, quantile=q, max_iter=5, random_state=0)
    est.fit(X, y)
    back = pickle.loads(pickle.dumps(est))
    assert state(back) == state(est)
    assert back.get_params() == est.get_params()
    np.testing.assert_array_equal(back.predict(X), est.predict(X))
    assert back._net.loss_function().__class__ is est._net.loss_function().__class__
    # and it trains on with the same loss: continued fits agree bitwise
    more = dict(warm_start=True, max_iter=3)
    a = est.set_params(**more).fit(X, y)
    b = back.set_params(**more).fit(X, y)
    np.testing.assert_array_equal(a._params, b._params)
    assert clone(est).get_params()["loss"] == loss


def test_a_network_pickled_without_a_loss_trains_its_outputs_own():
    """Networks pickled before ``loss`` existed have no such attribute: they
    train the squared error, as they did."""
    X, y = sequences()
    est = RNNRegressor(hidden_size=3, max_iter=3, random_state=0).fit(X, y)
    old = pickle.loads(pickle.dumps(est))
    del old._net.__dict__["loss"]
    assert old._net.loss_function() is SquaredError
    more = dict(warm_start=True, max_iter=2)
    a = est.set_params(**more).fit(X, y)
    b = old.set_params(**more).fit(X, y)
    np.testing.assert_array_equal(a._params, b._params)


@pytest.mark.parametrize("loss", ["absolute_error", "quantile"])
def test_the_learned_nothing_baseline_is_the_loss_own_best_constant(loss):
    """The warning compares the training loss with the best constant of the
    loss trained (the median or the quantile), not with the mean's squared
    error."""
    from skrnn._network import regression_loss
    from skrnn._training import constant_loss

    rng = np.random.default_rng(0)
    y = rng.exponential(size=(200, 1))
    data = SimpleNamespace(Y=y, sw=None, lengths=None, step_w=None)
    q = 0.8 if loss == "quantile" else 0.5
    best = np.quantile(y[:, 0], q, method="inverted_cdf")
    r = y[:, 0] - best
    expected = np.mean(np.maximum(q * r, (q - 1) * r))
    got = constant_loss(data, regression_loss(loss, q if loss == "quantile" else None))
    assert got == pytest.approx(expected * (2 if loss == "absolute_error" else 1))
