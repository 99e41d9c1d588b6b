"""Many-to-one readouts (pooling over time) and the initialisation schemes.

Pooled readouts against central finite differences and against PyTorch's
autograd of the same formula; padding excluded; windowed predict; the
"orthogonal" (Keras) and "uniform" (PyTorch) initialisations.
"""

import zlib

import numpy as np
import pytest

from skrnn._network import RNNNetwork

CELLS = ["rnn", "lstm", "gru"]
POOLINGS = ["mean", "max", "attention"]
ARCHITECTURES = [(1, False), (2, False), (1, True), (2, True)]
OUTPUTS = [("identity", 2), ("logistic", 2), ("softmax", 3)]


def _case(pooling, cell, num_layers, bidirectional):
    """A network and its seed; the three losses in turn over the cases."""
    seed = zlib.crc32(repr((pooling, cell, num_layers, bidirectional)).encode())
    index = CELLS.index(cell) + ARCHITECTURES.index((num_layers, bidirectional))
    out_activation, K = OUTPUTS[index % 3]
    net = RNNNetwork(
        cell, 3, 3, K, out_activation, "tanh", num_layers, bidirectional, pooling=pooling
    )
    return net, seed


# ------------------------------------------------------------ gradients


@pytest.mark.parametrize("pooling", POOLINGS)
@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("num_layers,bidirectional", ARCHITECTURES)
def test_pooled_gradient_matches_finite_differences(
    pooling,
    cell,
    num_layers,
    bidirectional,
    padded_batch,
    finite_differences,
    random_targets,
):
    net, seed = _case(pooling, cell, num_layers, bidirectional)
    rng = np.random.RandomState(seed)
    params = 2 * net.init_params(rng, np.float64)  # tanh saturates somewhat
    batch = padded_batch(5, 4, 3, seed)
    y = random_targets(net.out_activation, rng, 4, net.n_outputs)
    args = (batch.X, y)
    kwargs = dict(sample_weight=batch.sample_weight, alpha=0.2, lengths=batch.lengths)

    _, grad = net.loss_and_grad(params, *args, **kwargs)
    numeric = finite_differences(net, params, args, kwargs)
    scale = np.abs(numeric).max()
    assert scale > 1e-3  # the check is not vacuous
    for name, g in net.unpack(grad).items():
        np.testing.assert_allclose(
            g, net.unpack(numeric)[name], rtol=0, atol=1e-6 * scale, err_msg=name
        )
    if pooling == "attention":  # the scores do move the loss
        assert np.abs(net.unpack(numeric)["pool.weight"]).max() > 1e-4 * scale


# ------------------------------------------------------------ PyTorch


def _torch_loss(net, params, X, y, w, lengths, alpha):
    """The pooled network's loss in torch (packed sequences, masked pooling)
    and the torch gradient of every layout array."""
    torch = pytest.importorskip("torch")
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    module = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
    rnn = module[net.cell_name](
        net.n_features,
        net.hidden_size,
        net.num_layers,
        batch_first=True,
        bidirectional=net.n_directions == 2,
    )
    rnn = rnn.double()
    # every layout array as a torch leaf: the module's own, then the rest
    tensors = dict(rnn.named_parameters())
    for name, value in net.unpack(params).items():
        if name in tensors:
            tensors[name].data.copy_(torch.tensor(value))
        else:
            tensors[name] = torch.tensor(value, requires_grad=True)
    T = X.shape[0]
    x = torch.tensor(X.transpose(1, 0, 2).copy())
    packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
    o, _ = pad_packed_sequence(rnn(packed)[0], batch_first=True, total_length=T)
    valid = (torch.arange(T)[None, :] < torch.tensor(lengths)[:, None])[:, :, None]
    if net.pooling == "mean":
        feat = (o * valid).sum(dim=1) / torch.tensor(lengths, dtype=o.dtype)[:, None]
    elif net.pooling == "max":
        feat = o.masked_fill(~valid, -np.inf).max(dim=1).values
    else:
        score = (o @ tensors["pool.weight"][0]).masked_fill(~valid[:, :, 0], -np.inf)
        feat = (torch.softmax(score, dim=1)[:, :, None] * o).sum(dim=1)
    z = feat @ tensors["head.weight"].T + tensors["head.bias"]
    yt, wt = torch.tensor(y), torch.tensor(w)
    F = torch.nn.functional
    if net.out_activation == "identity":
        per = 0.5 * ((z - yt) ** 2).mean(dim=1)
    elif net.out_activation == "logistic":
        per = F.binary_cross_entropy_with_logits(z, yt, reduction="none").sum(dim=1)
    else:
        per = F.cross_entropy(z, yt.argmax(dim=1), reduction="none")
    penalty = sum((t**2).sum() for name, t in tensors.items() if "weight" in name)
    loss = (wt * per).sum() / wt.sum() + 0.5 * alpha * penalty / wt.sum()
    loss.backward()
    grads = {name: t.grad.numpy() for name, t in tensors.items()}
    return loss.item(), grads


@pytest.mark.parametrize("pooling", POOLINGS)
@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("num_layers,bidirectional", ARCHITECTURES)
def test_pooled_loss_and_gradient_equal_pytorch(
    pooling, cell, num_layers, bidirectional, padded_batch, random_targets
):
    net, seed = _case(pooling, cell, num_layers, bidirectional)
    rng = np.random.RandomState(seed)
    params = net.init_params(rng, np.float64)
    batch = padded_batch(8, 6, 3, seed)
    y = random_targets(net.out_activation, rng, 6, net.n_outputs)

    loss, grad = net.loss_and_grad(
        params, batch.X, y, sample_weight=batch.sample_weight, alpha=0.3, lengths=batch.lengths
    )
    ref_loss, ref = _torch_loss(net, params, batch.X, y, batch.sample_weight, batch.lengths, 0.3)
    assert loss == pytest.approx(ref_loss, rel=1e-9)
    ours = net.unpack(grad)
    assert set(ours) == set(ref)
    for name, g in ours.items():
        scale = np.abs(ref[name]).max()
        np.testing.assert_allclose(g, ref[name], rtol=0, atol=1e-9 * scale, err_msg=name)


# ------------------------------------------------------------ padding


@pytest.mark.parametrize("pooling", POOLINGS)
@pytest.mark.parametrize("cell", CELLS)
def test_padding_is_excluded_from_the_pooled_readout(pooling, cell, padded_batch):
    net = RNNNetwork(cell, 3, 4, 2, "identity", "tanh", 2, True, pooling=pooling)
    rng = np.random.RandomState(CELLS.index(cell))
    params = net.init_params(rng, np.float64)
    X, lengths, w = padded_batch(7, 5, 3, 1)
    y = rng.normal(size=(5, 2))
    batched = net.predict(params, X, lengths)
    for i, L in enumerate(lengths):  # each sequence alone, unpadded
        alone = net.predict(params, X[:L, i : i + 1])
        np.testing.assert_allclose(batched[i : i + 1], alone, rtol=0, atol=1e-10)

    other = X.copy()
    pad = np.arange(7)[:, None] >= lengths[None, :]
    other[pad] = 50 * rng.normal(size=(pad.sum(), 3))
    np.testing.assert_array_equal(net.predict(params, other, lengths), batched)
    kwargs = dict(sample_weight=w, alpha=0.1, lengths=lengths)
    loss, grad = net.loss_and_grad(params, X, y, **kwargs)
    loss_other, grad_other = net.loss_and_grad(params, other, y, **kwargs)
    assert loss_other == loss
    np.testing.assert_array_equal(grad_other, grad)


@pytest.mark.parametrize("cell", CELLS)
def test_pooling_one_step_reads_that_step(cell):
    """A one-step sequence pools to its only state, which "last" reads too."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(1, 4, 2))
    nets = {p: RNNNetwork(cell, 2, 3, 2, "identity", pooling=p) for p in ["last", *POOLINGS]}
    params = nets["attention"].init_params(rng, np.float64)
    shared = np.delete(params, slice(*_span(nets["attention"], "pool.weight")))
    feats = {
        p: net._forward(params if p == "attention" else shared, X)[0] for p, net in nets.items()
    }
    for p in POOLINGS:
        np.testing.assert_allclose(feats[p], feats["last"], rtol=1e-15, atol=0)


def _span(net, name):
    off, shape = next((o, s) for n, o, s in net.layout if n == name)
    return off, off + int(np.prod(shape))


# ------------------------------------------------------------ windowed predict


@pytest.mark.parametrize("pooling", ["last", *POOLINGS])
@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("num_layers", [1, 2])
def test_windowed_predict_equals_whole_sequences(pooling, cell, num_layers, padded_batch):
    net = RNNNetwork(cell, 3, 4, 3, "softmax", "tanh", num_layers, pooling=pooling)
    params = 2 * net.init_params(np.random.RandomState(num_layers), np.float64)
    X, lengths, _ = padded_batch(10, 6, 3, 2)
    for L in (None, lengths):
        whole = net.predict(params, X, L)
        for window in (1, 3, 4, 9):
            windowed = net.predict(params, X, L, window=window)
            if pooling in ("last", "max"):  # no arithmetic across windows
                np.testing.assert_array_equal(windowed, whole)
            else:
                np.testing.assert_allclose(windowed, whole, rtol=1e-12, atol=1e-15)


# ------------------------------------------------------------ layout, errors


def test_attention_adds_pool_weight_before_the_head():
    last = RNNNetwork("gru", 2, 3, 2, "softmax", bidirectional=True)
    for pooling in ("mean", "max"):
        net = RNNNetwork("gru", 2, 3, 2, "softmax", bidirectional=True, pooling=pooling)
        assert net.layout == last.layout
    net = RNNNetwork("gru", 2, 3, 2, "softmax", bidirectional=True, pooling="attention")
    names = [name for name, _, _ in net.layout]
    assert names[-3:] == ["pool.weight", "head.weight", "head.bias"]
    assert net.unpack(np.zeros(net.size))["pool.weight"].shape == (1, 6)
    assert net.size == last.size + 6
    assert net.unpack(net.penalised)["pool.weight"].all()  # L2-penalised: a weight


def test_pooling_errors(padded_batch):
    with pytest.raises(ValueError, match="pooling='mean' needs return_sequences=False"):
        RNNNetwork("lstm", 2, 3, 1, "identity", return_sequences=True, pooling="mean")
    with pytest.raises(ValueError, match=r"pooling must be one of \['last', 'mean'"):
        RNNNetwork("lstm", 2, 3, 1, "identity", pooling="sum")
    X, lengths, w = padded_batch(6, 3, 2, 0)
    for pooling in POOLINGS:
        net = RNNNetwork("lstm", 2, 3, 1, "identity", pooling=pooling)
        params = net.init_params(np.random.RandomState(0), np.float64)
        for k in (2, 6):  # also when the window holds the whole batch
            with pytest.raises(ValueError, match="bptt_steps needs pooling='last'"):
                net.loss_and_grad(
                    params, X, np.zeros((3, 1)), sample_weight=w, lengths=lengths, bptt_steps=k
                )


# ------------------------------------------------------------ initialisation


def test_uniform_init_is_pytorch_and_unchanged():
    # a draw stored from the implementation before schemes existed
    stored = [
        0.06903271928097499,
        0.30432372040234834,
        0.14532936015576559,
        0.06347440611668509,
        -0.1079684181970163,
        0.2063254333692588,
        -0.08826501229782702,
        0.5540506910776224,
        0.6557181642679037,
        -0.16483858488619418,
        0.4125615053403118,
        0.0408635873982397,
        0.09622954114476368,
    ]
    net = RNNNetwork("rnn", 1, 2, 1, "identity")
    assert net.init_params(np.random.RandomState(0), np.float64).tolist() == stored
    assert net.init_params(np.random.RandomState(0), np.float64, "uniform").tolist() == stored
    # PyTorch's formula, for every cell and architecture: U(-1/sqrt(fan), ...)
    for cell in CELLS:
        for pooling in ("last", "attention"):
            net = RNNNetwork(cell, 3, 4, 2, "softmax", "tanh", 2, True, pooling=pooling)
            expected = np.empty(net.size, dtype=np.float32)
            rng = np.random.RandomState(5)
            for name, view in net.unpack(expected).items():
                k = 1 / np.sqrt(8 if name.startswith(("head.", "pool.")) else 4)
                view[...] = rng.uniform(-k, k, size=view.shape)
            got = net.init_params(np.random.RandomState(5), np.float32)
            assert got.dtype == np.float32
            np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("pooling", ["last", "attention"])
def test_orthogonal_init_is_keras(cell, pooling):
    H, F, K = 8, 3, 2
    net = RNNNetwork(cell, F, H, K, "softmax", "tanh", 2, True, pooling=pooling)
    G = net.cell.n_gates
    params = net.init_params(np.random.RandomState(0), np.float64, scheme="orthogonal")
    W = net.unpack(params)
    for layer in range(2):
        n_in = F if layer == 0 else 2 * H
        for sfx in (f"_l{layer}", f"_l{layer}_reverse"):
            W_hh = W["weight_hh" + sfx]  # (G*H, H): Keras's (H, G*H) kernel, transposed
            np.testing.assert_allclose(W_hh.T @ W_hh, np.eye(H), rtol=0, atol=1e-13)
            if G == 1:  # square: orthogonal both ways
                np.testing.assert_allclose(W_hh @ W_hh.T, np.eye(H), rtol=0, atol=1e-13)
            limit = np.sqrt(6 / (n_in + G * H))  # Glorot on the (n_in, G*H) kernel
            W_ih = W["weight_ih" + sfx]
            assert np.abs(W_ih).max() <= limit and np.abs(W_ih).max() > 0.9 * limit
            forget = np.zeros(G * H)
            if cell == "lstm":  # gates i, f, g, o: unit_forget_bias on b_ih only
                forget[H : 2 * H] = 1
            np.testing.assert_array_equal(W["bias_ih" + sfx], forget)
            np.testing.assert_array_equal(W["bias_hh" + sfx], np.zeros(G * H))
    assert np.abs(W["head.weight"]).max() <= np.sqrt(6 / (2 * H + K))
    np.testing.assert_array_equal(W["head.bias"], np.zeros(K))
    if pooling == "attention":
        assert 0 < np.abs(W["pool.weight"]).max() <= np.sqrt(6 / (2 * H + 1))
    # reproducible from the rng, and the rng matters
    again = net.init_params(np.random.RandomState(0), np.float64, scheme="orthogonal")
    np.testing.assert_array_equal(again, params)
    other = net.init_params(np.random.RandomState(1), np.float64, scheme="orthogonal")
    assert not np.array_equal(other, params)
    p32 = net.init_params(np.random.RandomState(0), np.float32, scheme="orthogonal")
    assert p32.dtype == np.float32
    np.testing.assert_allclose(p32, params, rtol=0, atol=1e-7)


def test_unknown_init_scheme():
    net = RNNNetwork("gru", 2, 3, 1, "identity")
    with pytest.raises(ValueError, match=r"scheme must be one of \('uniform', 'orth"):
        net.init_params(np.random.RandomState(0), np.float64, scheme="xavier")
