"""skrnn's networks against PyTorch's nn.RNN/LSTM/GRU + nn.Linear, to rounding error.

Runs when torch is installed (`.ci/run` installs torch==2.13.0, CPU build).
"""

import numpy as np
import pytest

from skrnn import RNNClassifier, RNNRegressor
from skrnn._network import RNNNetwork, regression_loss

torch = pytest.importorskip("torch")


def _torch_model(net, weights, dtype):
    common = dict(num_layers=net.num_layers, batch_first=True, bidirectional=net.n_directions == 2)
    if net.cell_name == "rnn":
        rnn = torch.nn.RNN(
            net.n_features, net.hidden_size, nonlinearity=net.cell.activation, **common
        )
    else:
        module = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[net.cell_name]
        rnn = module(net.n_features, net.hidden_size, **common)
    head = torch.nn.Linear(net.n_directions * net.hidden_size, net.n_outputs)
    rnn, head = rnn.to(dtype), head.to(dtype)  # before loading: no rounding
    rnn.load_state_dict({k: torch.tensor(v) for k, v in weights.items() if "head" not in k})
    head.load_state_dict({k[5:]: torch.tensor(v) for k, v in weights.items() if "head" in k})
    return rnn, head


ARCHITECTURES = [(1, False), (2, False), (1, True), (2, True)]
# each configuration with one of the losses (and the relu Elman cell once)
OUTPUTS = [
    ("identity", 2, "tanh"),
    ("logistic", 3, "tanh"),
    ("softmax", 4, "tanh"),
    ("identity", 1, "relu"),
]


@pytest.mark.parametrize("dtype,rtol", [(np.float64, 1e-9), (np.float32, 1e-5)])
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("num_layers,bidirectional", ARCHITECTURES)
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_states_outputs_loss_and_gradients_equal_pytorch(
    cell, num_layers, bidirectional, return_sequences, dtype, rtol, random_targets
):
    T, N, F, H = 9, 5, 3, 6
    case = (
        ["rnn", "lstm", "gru"].index(cell) + 2 * num_layers + bidirectional + 3 * return_sequences
    )
    out_activation, K, activation = OUTPUTS[case % 4]
    if cell != "rnn":
        activation = "tanh"
    rng = np.random.RandomState(case)
    net = RNNNetwork(
        cell, F, H, K, out_activation, activation, num_layers, bidirectional, return_sequences
    )
    params = net.init_params(rng, dtype)
    X = rng.normal(size=(N, T, F)).astype(dtype)
    shape = (N, T, K) if return_sequences else (N, K)
    y = random_targets(out_activation, rng, *shape).astype(dtype)
    w = rng.uniform(0.5, 2.0, size=N).astype(dtype)
    X_tm = np.ascontiguousarray(X.transpose(1, 0, 2))
    y_ours = np.ascontiguousarray(y.transpose(1, 0, 2)) if return_sequences else y

    loss, grad = net.loss_and_grad(params, X_tm, y_ours, sample_weight=w)
    p = net.predict(params, X_tm)
    feat, _, _ = net._forward(params, X_tm)

    tdtype = torch.float64 if dtype == np.float64 else torch.float32
    rnn, head = _torch_model(net, net.unpack(params), tdtype)
    seq, h_n = rnn(torch.tensor(X))
    if cell == "lstm":
        h_n = h_n[0]
    D = net.n_directions
    if return_sequences:
        z = head(seq)  # (N, T, K)
        # the per-step loss of every sequence is summed over its steps
        zt, yt = z.reshape(N * T, K), torch.tensor(y).reshape(N * T, K)
        wt = torch.tensor(w).repeat_interleave(T)
        per = _per_sample_loss(zt, yt, out_activation)
        tloss = (wt * per).sum() / torch.tensor(w).sum()
        np.testing.assert_allclose(
            feat.transpose(1, 0, 2), seq.detach().numpy(), rtol=rtol, atol=rtol
        )
    else:
        # PyTorch's h_n: the last state of each direction (after reading the
        # whole sequence, for the backward one), what our head reads
        top = h_n.view(num_layers, D, N, H)[-1]
        z = head(torch.cat(list(top), dim=1))
        per = _per_sample_loss(z, torch.tensor(y), out_activation)
        tloss = (torch.tensor(w) * per).sum() / torch.tensor(w).sum()
        np.testing.assert_allclose(
            feat[:, :H], seq[:, -1, :H].detach().numpy(), rtol=rtol, atol=rtol
        )
        if bidirectional:
            np.testing.assert_allclose(
                feat[:, H:], seq[:, 0, H:].detach().numpy(), rtol=rtol, atol=rtol
            )
    tloss.backward()

    tp = {
        "identity": lambda v: v,
        "logistic": torch.sigmoid,
        "softmax": lambda v: torch.softmax(v, dim=-1),
    }[out_activation](z)
    tp = tp.detach().numpy()
    if return_sequences:
        tp = tp.transpose(1, 0, 2)
    np.testing.assert_allclose(p, tp, rtol=rtol, atol=rtol)
    assert loss == pytest.approx(tloss.item(), rel=rtol)

    torch_grads = {name: prm.grad.numpy() for name, prm in rnn.named_parameters()}
    torch_grads.update({"head." + n: prm.grad.numpy() for n, prm in head.named_parameters()})
    ours = net.unpack(grad)
    assert list(ours) == list(torch_grads)  # same names, same order
    for name, g in ours.items():
        scale = np.abs(torch_grads[name]).max()
        np.testing.assert_allclose(g, torch_grads[name], rtol=0, atol=rtol * scale, err_msg=name)


def _per_sample_loss(z, y, out_activation):
    if out_activation == "identity":
        return 0.5 * ((z - y) ** 2).mean(dim=1)
    if out_activation == "logistic":
        return torch.nn.functional.binary_cross_entropy_with_logits(z, y, reduction="none").sum(
            dim=1
        )
    return torch.nn.functional.cross_entropy(z, y.argmax(dim=1), reduction="none")


def _torch_regression_loss(z, y, loss):
    """Per-row loss in PyTorch's formulas: L1Loss's |y - z| and the pinball
    loss max(q (y - z), (q - 1) (y - z)), each averaged over the outputs."""
    if loss == "absolute_error":
        return torch.nn.functional.l1_loss(z, y, reduction="none").mean(dim=-1)
    q = float(loss.split("-")[1])
    return torch.maximum(q * (y - z), (q - 1) * (y - z)).mean(dim=-1)


@pytest.mark.parametrize("loss", ["absolute_error", "quantile-0.2", "quantile-0.9"])
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("cell,bidirectional", [("rnn", False), ("lstm", True), ("gru", True)])
@pytest.mark.parametrize("dtype,rtol", [(np.float64, 1e-9), (np.float32, 1e-5)])
def test_absolute_and_pinball_losses_equal_pytorch(
    loss, return_sequences, cell, bidirectional, dtype, rtol
):
    """Loss and gradients of the weighted loss, with the L2 penalty: PyTorch's
    autograd on the same formulas, normalised as the squared error is (mean over
    outputs, sum over steps, weighted mean over sequences, alpha / (2 S))."""
    T, N, F, H, K, alpha = 7, 5, 3, 4, 2, 0.3
    rng = np.random.RandomState(len(loss) + 2 * return_sequences + bidirectional)
    name, _, q = loss.partition("-")
    net = RNNNetwork(
        cell,
        F,
        H,
        K,
        "identity",
        "tanh",
        2,
        bidirectional,
        return_sequences,
        loss=regression_loss(name, float(q) if q else None),
    )
    params = net.init_params(rng, dtype)
    X = rng.normal(size=(N, T, F)).astype(dtype)
    y = rng.normal(size=(N, T, K) if return_sequences else (N, K)).astype(dtype)
    w = rng.uniform(0.5, 2.0, size=N).astype(dtype)
    X_tm = np.ascontiguousarray(X.transpose(1, 0, 2))
    y_ours = np.ascontiguousarray(y.transpose(1, 0, 2)) if return_sequences else y
    value, grad = net.loss_and_grad(params, X_tm, y_ours, sample_weight=w, alpha=alpha)

    tdtype = torch.float64 if dtype == np.float64 else torch.float32
    rnn, head = _torch_model(net, net.unpack(params), tdtype)
    seq, h_n = rnn(torch.tensor(X))
    if cell == "lstm":
        h_n = h_n[0]
    if return_sequences:  # (N, T): summed over each sequence's steps
        per = _torch_regression_loss(head(seq), torch.tensor(y), loss).sum(dim=1)
    else:
        D = net.n_directions
        top = h_n.view(2, D, N, H)[-1]
        per = _torch_regression_loss(head(torch.cat(list(top), dim=1)), torch.tensor(y), loss)
    tw = torch.tensor(w)
    tloss = (tw * per).sum() / tw.sum()
    weights = [p for n, p in [*rnn.named_parameters(), *head.named_parameters()] if "weight" in n]
    tloss = tloss + alpha / (2 * tw.sum()) * sum((p**2).sum() for p in weights)
    tloss.backward()

    assert value == pytest.approx(tloss.item(), rel=rtol)
    torch_grads = {n: p.grad.numpy() for n, p in rnn.named_parameters()}
    torch_grads.update({"head." + n: p.grad.numpy() for n, p in head.named_parameters()})
    for key, g in net.unpack(grad).items():
        scale = np.abs(torch_grads[key]).max()
        np.testing.assert_allclose(g, torch_grads[key], rtol=0, atol=rtol * scale, err_msg=key)


@pytest.mark.parametrize("Estimator", [RNNRegressor, RNNClassifier])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("standardize", ["global", "sequence", "auto"])
def test_fitted_weights_load_into_pytorch(
    Estimator, cell, bidirectional, standardize, by_own_statistics
):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 7, 2)) * rng.uniform(0.1, 10, size=(40, 1, 2))
    X[:, :, 0] += 20 * rng.normal(size=(40, 1))  # feature 0: levels differ most
    y = X[:, :, 0].sum(axis=1)
    if Estimator is RNNClassifier:
        y = y > 0
    # the feature (and target) standardisation is folded into weights_
    est = Estimator(
        hidden_size=5,
        cell=cell,
        num_layers=2,
        bidirectional=bidirectional,
        pooling="last",
        standardize=standardize,
        max_iter=5,
        random_state=0,
    ).fit(X * 50 + 3, y)
    X = X * 50 + 3
    seen = X  # what the network reads: X, or X by each sequence's statistics
    if standardize == "sequence":
        seen = by_own_statistics(X, est.level_inputs_, est.scale_inputs_)
        assert seen.shape[2] == 6
    if standardize == "auto":  # feature 0 mapped, feature 1 as it is
        assert est.sequence_features_.tolist() == [True, False]
        seen = by_own_statistics(
            X, est.level_inputs_, est.scale_inputs_, features=est.sequence_features_
        )
        assert seen.shape[2] == 4
    rnn, head = _torch_model(est._net, est.weights_, torch.float64)
    with torch.no_grad():
        _, h_n = rnn(torch.tensor(seen))
        if cell == "lstm":
            h_n = h_n[0]
        top = torch.cat([h_n[-2], h_n[-1]], dim=1) if bidirectional else h_n[-1]
        z = head(top).numpy()
    if Estimator is RNNRegressor:
        np.testing.assert_allclose(est.predict(X), z.ravel(), rtol=1e-10)
    else:
        p = 1 / (1 + np.exp(-z.ravel()))
        np.testing.assert_allclose(est.predict_proba(X)[:, 1], p, rtol=1e-10)


def test_pytorch_weights_as_weights_init_reproduce_pytorch():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 6, 3))
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(3, 4, num_layers=2, batch_first=True, bidirectional=True).double()
    head = torch.nn.Linear(8, 1).double()
    weights = {**lstm.state_dict(), "head.weight": head.weight, "head.bias": head.bias}
    # a step of 1e-12 leaves the weights as given (to 1e-12): the fit only
    # sets up n_features_in_ etc.
    est = RNNRegressor(
        cell="lstm",
        hidden_size=4,
        num_layers=2,
        bidirectional=True,
        pooling="last",
        standardize="global",
        weights_init=weights,
        solver="sgd",
        momentum=0.0,
        learning_rate_init=1e-12,
        max_iter=1,
    ).fit(X, np.zeros(30))
    with torch.no_grad():
        _, (h_n, _) = lstm(torch.tensor(X))
        z = head(torch.cat([h_n[-2], h_n[-1]], dim=1)).numpy().ravel()
    np.testing.assert_allclose(est.predict(X), z, rtol=1e-9, atol=1e-11)


# ------------------------------------------------------------ truncated BPTT


def _detach(state):
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def _torch_truncated(net, params, X, y, w, lengths, k):
    """Loss and gradients of truncated BPTT in torch: each sequence alone, in
    windows of k steps, the state detached between windows (squared error)."""
    rnn, head = _torch_model(net, net.unpack(params), torch.float64)
    S, K = w.sum(), net.n_outputs
    total = 0.0
    for i, L in enumerate(lengths):
        x = torch.tensor(X[i : i + 1, :L])
        state = None
        for s in range(0, L, k):
            out, state = rnn(x[:, s : s + k], state)
            z = head(out)
            if net.return_sequences:
                target = torch.tensor(y[i : i + 1, s : min(s + k, L)])
                total = total + w[i] * ((z - target) ** 2).sum() / (2 * S * K)
            elif s + k >= L:  # the window with the sequence's last step
                target = torch.tensor(y[i])
                total = total + w[i] * ((z[0, -1] - target) ** 2).sum() / (2 * S * K)
            state = _detach(state)
    total.backward()
    grads = {name: p.grad.numpy() for name, p in rnn.named_parameters()}
    grads.update({"head." + name: p.grad.numpy() for name, p in head.named_parameters()})
    return total.item(), grads


@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_truncated_bptt_equals_pytorch_with_detached_states(cell, return_sequences):
    T, N, F, H, K = 11, 6, 2, 4, 2
    rng = np.random.RandomState(5)
    net = RNNNetwork(cell, F, H, K, "identity", "tanh", 2, False, return_sequences)
    params = net.init_params(rng, np.float64)
    X = rng.normal(size=(N, T, F))
    y = rng.normal(size=(N, T, K) if return_sequences else (N, K))
    w = rng.uniform(0.5, 2.0, size=N)
    X_tm = np.ascontiguousarray(X.transpose(1, 0, 2))
    y_ours = np.ascontiguousarray(y.transpose(1, 0, 2)) if return_sequences else y
    for lengths in (np.full(N, T), np.array([11, 3, 7, 4, 9, 1])):
        for k in (1, 3, 4):
            loss, grad = net.loss_and_grad(
                params, X_tm, y_ours, sample_weight=w, lengths=lengths, bptt_steps=k
            )
            ref_loss, ref = _torch_truncated(net, params, X, y, w, lengths, k)
            assert loss == pytest.approx(ref_loss, rel=1e-10)
            for name, g in net.unpack(grad).items():
                np.testing.assert_allclose(
                    g, ref[name], rtol=1e-8, atol=1e-12, err_msg=f"{name}, k={k}"
                )


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_padding_matches_pytorch_pack_padded_sequence(cell, bidirectional):
    """Ragged sequences: the last valid states, loss and gradients of
    pack_padded_sequence."""
    rng = np.random.RandomState(0)
    net = RNNNetwork(cell, 2, 4, 1, "identity", "tanh", 2, bidirectional)
    params = net.init_params(rng, np.float64)
    lengths = np.array([5, 2, 7, 3])
    X = rng.normal(size=(4, 7, 2))
    y = rng.normal(size=(4, 1))
    loss, grad = net.loss_and_grad(
        params, np.ascontiguousarray(X.transpose(1, 0, 2)), y, lengths=lengths
    )
    module = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]
    rnn = module(2, 4, num_layers=2, batch_first=True, bidirectional=bidirectional).double()
    head = torch.nn.Linear(4 * (1 + bidirectional), 1).double()
    W = net.unpack(params)
    rnn.load_state_dict({k: torch.tensor(v) for k, v in W.items() if "head" not in k})
    head.load_state_dict({k[5:]: torch.tensor(v) for k, v in W.items() if "head" in k})
    packed = torch.nn.utils.rnn.pack_padded_sequence(
        torch.tensor(X), torch.tensor(lengths), batch_first=True, enforce_sorted=False
    )
    _, h_n = rnn(packed)
    if cell == "lstm":
        h_n = h_n[0]
    top = torch.cat([h_n[-2], h_n[-1]], dim=1) if bidirectional else h_n[-1]
    z = head(top)
    tloss = 0.5 * ((z - torch.tensor(y)) ** 2).mean(dim=1).mean()
    tloss.backward()
    assert loss == pytest.approx(tloss.item(), rel=1e-9)
    ours = net.unpack(grad)
    grads = {k: p.grad.numpy() for k, p in rnn.named_parameters()}
    grads.update({"head." + k: p.grad.numpy() for k, p in head.named_parameters()})
    for name, g in grads.items():
        np.testing.assert_allclose(
            ours[name], g, rtol=0, atol=1e-9 * np.abs(g).max(), err_msg=name
        )
