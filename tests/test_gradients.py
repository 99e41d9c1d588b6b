"""BPTT against central finite differences, in float64, for every parameter."""

import zlib
from types import SimpleNamespace

import numpy as np
import pytest

from skrnn import RNNClassifier, RNNRegressor
from skrnn._network import RNNNetwork, SequenceDropout
from skrnn._training import merge_duplicates

# (T, N, F, H, K): several random shapes, including T=1, N=1 and F=1
SHAPES = [(5, 4, 3, 6, 2), (1, 3, 2, 4, 3), (7, 1, 1, 3, 1), (4, 6, 5, 2, 4)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("out_activation", ["identity", "logistic", "softmax"])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("weighted", [False, True])
def test_gradient_matches_finite_differences(
    shape,
    out_activation,
    activation,
    weighted,
    finite_differences,
    random_targets,
):
    T, N, F, H, K = shape
    if out_activation == "softmax":
        K = max(K, 2)
    rng = np.random.RandomState(zlib.crc32(repr((shape, out_activation, activation)).encode()))
    net = RNNNetwork("rnn", F, H, K, out_activation, activation)
    # larger-than-default weights so that tanh saturates somewhat and relu
    # units are both on and off: a harder test than the small initial weights
    params = 2 * net.init_params(rng, np.float64)
    X = rng.normal(size=(T, N, F))
    y = random_targets(out_activation, rng, N, K)
    sw = rng.uniform(0.1, 3.0, size=N) if weighted else None
    kwargs = dict(sample_weight=sw, alpha=0.3)

    loss, grad = net.loss_and_grad(params, X, y, **kwargs)
    numeric = finite_differences(net, params, (X, y), kwargs)

    assert np.isfinite(loss)
    scale = np.abs(numeric).max()
    assert scale > 1e-3  # the check is not vacuous
    np.testing.assert_allclose(grad, numeric, rtol=0, atol=1e-6 * scale)
    # and per named array, so that a failure says which weight is wrong
    for name, g in net.unpack(grad).items():
        np.testing.assert_allclose(
            g, net.unpack(numeric)[name], rtol=0, atol=1e-6 * scale, err_msg=name
        )


ARCHITECTURES = [(1, False), (2, False), (1, True), (2, True)]


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("num_layers,bidirectional", ARCHITECTURES)
@pytest.mark.parametrize("return_sequences", [False, True])
def test_gradient_every_cell_depth_direction_and_output(
    cell,
    num_layers,
    bidirectional,
    return_sequences,
    finite_differences,
    random_targets,
):
    T, N, F, H = 5, 3, 3, 4
    seed = zlib.crc32(repr((cell, num_layers, bidirectional, return_sequences)).encode())
    rng = np.random.RandomState(seed)
    # each architecture with one of the three losses, in turn
    out_activation, K = [("identity", 2), ("logistic", 2), ("softmax", 3)][seed % 3]
    net = RNNNetwork(
        cell,
        F,
        H,
        K,
        out_activation,
        "tanh",
        num_layers,
        bidirectional,
        return_sequences,
    )
    params = 2 * net.init_params(rng, np.float64)
    y = random_targets(out_activation, rng, *((T, N, K) if return_sequences else (N, K)))
    args = (rng.normal(size=(T, N, F)), y)
    kwargs = dict(sample_weight=rng.uniform(0.5, 2, size=N), alpha=0.1)
    _, grad = net.loss_and_grad(params, *args, **kwargs)
    numeric = finite_differences(net, params, args, kwargs)
    scale = np.abs(numeric).max()
    for name, g in net.unpack(grad).items():
        np.testing.assert_allclose(
            g, net.unpack(numeric)[name], rtol=0, atol=1e-6 * scale, err_msg=name
        )


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("num_layers,bidirectional", [(1, False), (2, True)])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_gradient_with_padding_matches_finite_differences(
    cell, num_layers, bidirectional, return_sequences, finite_differences
):
    """Ragged sequences (lengths 4, 1, 6, 3, padded to 6 steps): padded steps
    neither update the state nor count in the loss, and BPTT agrees."""
    rng = np.random.RandomState(zlib.crc32(repr((cell, num_layers, bidirectional)).encode()))
    net = RNNNetwork(
        cell, 2, 3, 2, "identity", "tanh", num_layers, bidirectional, return_sequences
    )
    params = 2 * net.init_params(rng, np.float64)
    lengths = np.array([4, 1, 6, 3])
    X = rng.normal(size=(6, 4, 2))
    y = rng.normal(size=(6, 4, 2) if return_sequences else (4, 2))
    args = (X, y)
    kwargs = dict(sample_weight=rng.uniform(0.5, 2, size=4), alpha=0.1, lengths=lengths)
    _, grad = net.loss_and_grad(params, *args, **kwargs)
    numeric = finite_differences(net, params, args, kwargs)
    np.testing.assert_allclose(grad, numeric, rtol=0, atol=1e-6 * np.abs(numeric).max())


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_gradient_with_dropout_between_layers(cell, finite_differences):
    """With the dropout masks held fixed (same seed), BPTT is exact."""
    rng = np.random.RandomState(3)
    net = RNNNetwork(cell, 2, 4, 2, "identity", "tanh", 3, True, dropout=0.4)
    params = 2 * net.init_params(rng, np.float64)
    X, y = rng.normal(size=(4, 3, 2)), rng.normal(size=(3, 2))

    def loss_and_grad(p):
        dropout = SequenceDropout(np.arange(3), np.random.RandomState(11))
        return net.loss_and_grad(p, X, y, dropout=dropout)

    _, grad = loss_and_grad(params)
    numeric = finite_differences(SimpleNamespace(loss_and_grad=loss_and_grad), params, ())
    np.testing.assert_allclose(grad, numeric, rtol=0, atol=1e-6 * np.abs(numeric).max())
    # the masks do something, and prediction uses none
    no_drop, _ = net.loss_and_grad(params, X, y)
    drop, _ = loss_and_grad(params)
    assert no_drop != drop
    assert net.predict(params, X) == pytest.approx(
        RNNNetwork(cell, 2, 4, 2, "identity", "tanh", 3, True).predict(params, X)
    )


def test_loss_values_match_mlp_definitions(random_targets):
    """The loss is MLP's: half the mean squared error, and the mean log-loss."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(4, 6, 2))
    for out_activation, K in [("identity", 3), ("logistic", 2), ("softmax", 3)]:
        net = RNNNetwork("rnn", 2, 5, K, out_activation)
        params = net.init_params(rng, np.float64)
        y = random_targets(out_activation, rng, 6, K)
        sw = rng.uniform(0.5, 2, size=6)
        loss, _ = net.loss_and_grad(params, X, y, sample_weight=sw)
        p = net.predict(params, X)
        if out_activation == "identity":
            expected = 0.5 * np.average(((y - p) ** 2).mean(axis=1), weights=sw)
        elif out_activation == "logistic":
            ll = y * np.log(p) + (1 - y) * np.log(1 - p)
            expected = -np.average(ll.sum(axis=1), weights=sw)
        else:
            expected = -np.average(np.log((p * y).sum(axis=1)), weights=sw)
        assert loss == pytest.approx(expected, rel=1e-12)
        # the penalty: alpha / (2 sum(sw)) * squared norm of the weight matrices
        loss_a, _ = net.loss_and_grad(params, X, y, sample_weight=sw, alpha=0.7)
        W = net.unpack(params)
        sq = sum((v**2).sum() for name, v in W.items() if "weight" in name)
        assert loss_a - loss == pytest.approx(0.7 * sq / (2 * sw.sum()), rel=1e-10)


@pytest.mark.parametrize("Estimator", [RNNRegressor, RNNClassifier])
def test_reported_loss_is_loss_and_grad(Estimator):
    """loss_ of an L-BFGS fit is the loss of the fitted weights on the
    standardised problem (inputs and regression targets), as documented."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 5, 2)) * 7 + 2
    y = X[:, :, 0].sum(axis=1) if Estimator is RNNRegressor else X[:, -1, 0] > 2
    est = Estimator(
        hidden_size=4, solver="lbfgs", max_iter=20, standardize="global", random_state=0
    ).fit(X, y)
    Y = est._prepare_targets(y, 30, np.float64, reset=False)
    Xs = (X - est.input_mean_) / est.input_scale_
    if Estimator is RNNRegressor:
        Y = (Y - est.target_mean_) / est.target_scale_
    params = est._standardization.from_raw(est._net, est._params)
    loss, _ = est._net.loss_and_grad(params, Xs.transpose(1, 0, 2).copy(), Y, alpha=est.alpha)
    assert est.loss_ == pytest.approx(loss, rel=1e-9)


def test_dropout_masks_follow_the_sequence_not_its_position():
    rng = np.random.RandomState(0)
    keys = rng.randint(2**63, size=50, dtype=np.uint64)
    u = SequenceDropout(keys, np.random.RandomState(1)).uniform((6, 50, 40))
    assert u.shape == (6, 50, 40) and 0 <= u.min() and u.max() < 1
    assert abs(u.mean() - 0.5) < 0.01 and abs((u < 0.3).mean() - 0.3) < 0.01
    # uncorrelated across neighbouring steps, units and sequences
    for a, b in [(u[1:], u[:-1]), (u[:, 1:], u[:, :-1]), (u[:, :, 1:], u[:, :, :-1])]:
        assert abs(np.corrcoef(a.ravel(), b.ravel())[0, 1]) < 0.03
    # a permuted batch, with a duplicate, gets the same numbers per sequence
    order = np.r_[rng.permutation(50), 7]
    v = SequenceDropout(keys[order], np.random.RandomState(1)).uniform((6, 51, 40))
    np.testing.assert_array_equal(v[:, :50], u[:, order[:50]])
    np.testing.assert_array_equal(v[:, 50], u[:, 7])


def test_duplicates_merge_into_weights_and_padding_is_not_content():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(5, 4, 2))
    Y = rng.normal(size=(5, 1))
    lengths = np.array([4, 2, 3, 4, 1])
    rep = np.array([0, 1, 1, 2, 3, 3, 3, 4])
    Xr = X[rep].copy()
    Xr[2, 2:] = 9.0  # padding differs between the copies of sequence 1
    data = dict(X=Xr, Y=Y[rep], lengths=lengths[rep], sw=None, step_w=None)
    merged = merge_duplicates(**data, keep_order=True)
    assert merged.X is Xr  # not copied: rows index the kept sequences
    np.testing.assert_array_equal(merged.rows, [0, 1, 3, 4, 7])
    np.testing.assert_array_equal(merged.sw, [1, 2, 1, 3, 1])
    weighted = dict(
        X=X[::-1],
        Y=Y[::-1],
        lengths=lengths[::-1],
        step_w=None,
        sw=np.array([1.0, 2, 1, 3, 1])[::-1],
    )
    a = merge_duplicates(**data, keep_order=False)
    b = merge_duplicates(**weighted, keep_order=False)
    for key in ("Y", "lengths", "sw", "keys"):
        np.testing.assert_array_equal(getattr(a, key), getattr(b, key))
    for x, y, L in zip(a.X[a.rows], b.X[b.rows], a.lengths):
        np.testing.assert_array_equal(x[:L], y[:L])
    zero = merge_duplicates(**dict(weighted, sw=np.array([1.0, 0, 1, 0, 1])), keep_order=False)
    assert len(zero.rows) == 3


@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_truncated_bptt_with_one_window_is_full_bptt(cell, return_sequences):
    """The window machinery (states, S, penalty) with k >= T is exact BPTT."""
    rng = np.random.RandomState(2)
    net = RNNNetwork(cell, 2, 3, 2, "softmax", "tanh", 2, False, return_sequences, dropout=0.3)
    params = net.init_params(rng, np.float64)
    X = rng.normal(size=(7, 5, 2))
    y = np.eye(2)[rng.randint(2, size=(7, 5) if return_sequences else 5)]
    lengths = np.array([7, 2, 5, 7, 1])
    w = rng.uniform(0.5, 2, size=5)
    kwargs = dict(sample_weight=w, alpha=0.3, lengths=lengths)
    drop = SequenceDropout(np.arange(5), np.random.RandomState(0))
    full = net.loss_and_grad(params, X, y, dropout=drop, **kwargs)
    drop = SequenceDropout(np.arange(5), np.random.RandomState(0))
    window = net._truncated(params, X, y, dropout=drop, step_weight=None, k=7, **kwargs)
    assert window[0] == pytest.approx(full[0], rel=1e-12)
    np.testing.assert_allclose(window[1], full[1], rtol=1e-10, atol=1e-14)
    # and bptt_steps >= T leaves loss_and_grad on its full path
    drop = SequenceDropout(np.arange(5), np.random.RandomState(0))
    same = net.loss_and_grad(params, X, y, dropout=drop, bptt_steps=7, **kwargs)
    np.testing.assert_array_equal(same[1], full[1])
