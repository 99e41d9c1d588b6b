"""The Elman RNN against PyTorch's nn.RNN + nn.Linear, to rounding error.

Runs when torch is installed (`.ci/run` installs torch==2.13.0, CPU build).
"""

import numpy as np
import pytest

from skrnn import RNNClassifier, RNNRegressor
from skrnn._network import RNNNetwork

torch = pytest.importorskip("torch")


def _torch_model(net, weights, dtype):
    rnn = torch.nn.RNN(
        net.n_features, net.hidden_size, num_layers=net.num_layers,
        nonlinearity=net.cell.activation, batch_first=True,
        bidirectional=net.n_directions == 2,
    )
    head = torch.nn.Linear(net.n_directions * net.hidden_size, net.n_outputs)
    rnn, head = rnn.to(dtype), head.to(dtype)  # before loading: no rounding
    rnn.load_state_dict({k: torch.tensor(v) for k, v in weights.items() if "head" not in k})
    head.load_state_dict({k[5:]: torch.tensor(v) for k, v in weights.items() if "head" in k})
    return rnn, head


def _torch_loss(z, y, w, out_activation, n_outputs):
    if out_activation == "identity":
        per = 0.5 * ((z - y) ** 2).mean(dim=1)
    elif out_activation == "logistic":
        per = torch.nn.functional.binary_cross_entropy_with_logits(
            z, y, reduction="none"
        ).sum(dim=1)
    else:
        per = torch.nn.functional.cross_entropy(z, y.argmax(dim=1), reduction="none")
    return (w * per).sum() / w.sum()


CASES = [
    # (activation, out_activation, K, num_layers, bidirectional)
    ("tanh", "identity", 2, 1, False),
    ("relu", "identity", 1, 1, False),
    ("tanh", "logistic", 3, 1, False),
    ("tanh", "softmax", 4, 1, False),
    ("tanh", "identity", 2, 2, True),  # the network's stacked/bidirectional path
]


@pytest.mark.parametrize("dtype,rtol", [(np.float64, 1e-9), (np.float32, 1e-5)])
@pytest.mark.parametrize("activation,out_activation,K,num_layers,bidirectional", CASES)
def test_forward_loss_and_gradients_equal_pytorch(
    dtype, rtol, activation, out_activation, K, num_layers, bidirectional
):
    T, N, F, H = 9, 5, 3, 6
    rng = np.random.RandomState(0)
    net = RNNNetwork("rnn", F, H, K, out_activation, activation, num_layers, bidirectional)
    params = net.init_params(rng, dtype)
    X = rng.normal(size=(N, T, F)).astype(dtype)
    if out_activation == "identity":
        y = rng.normal(size=(N, K))
    elif out_activation == "logistic":
        y = (rng.uniform(size=(N, K)) > 0.5).astype(float)
    else:
        y = np.eye(K)[rng.randint(K, size=N)]
    y = y.astype(dtype)
    w = rng.uniform(0.5, 2.0, size=N).astype(dtype)

    loss, grad = net.loss_and_grad(params, np.ascontiguousarray(X.transpose(1, 0, 2)), y, w, 0.0)
    p = net.predict(params, np.ascontiguousarray(X.transpose(1, 0, 2)))

    tdtype = torch.float64 if dtype == np.float64 else torch.float32
    rnn, head = _torch_model(net, net.unpack(params), tdtype)
    seq, h_n = rnn(torch.tensor(X))
    # PyTorch's h_n: the last state of each direction (after reading the
    # whole sequence, for the backward one), what our head reads
    top = h_n.view(num_layers, net.n_directions, N, H)[-1]
    z = head(torch.cat(list(top), dim=1))
    tloss = _torch_loss(z, torch.tensor(y), torch.tensor(w), out_activation, K)
    tloss.backward()

    # hidden states: our top-layer features equal PyTorch's output sequence
    last, _, _ = net._forward(params, np.ascontiguousarray(X.transpose(1, 0, 2)))
    np.testing.assert_allclose(last[:, :H], seq[:, -1, :H].detach().numpy(), rtol=rtol, atol=rtol)
    if bidirectional:
        np.testing.assert_allclose(last[:, H:], seq[:, 0, H:].detach().numpy(), rtol=rtol, atol=rtol)
    if out_activation == "identity":
        tp = z
    elif out_activation == "logistic":
        tp = torch.sigmoid(z)
    else:
        tp = torch.softmax(z, dim=1)
    np.testing.assert_allclose(p, tp.detach().numpy(), rtol=rtol, atol=rtol)
    assert loss == pytest.approx(tloss.item(), rel=rtol)

    torch_grads = {name: prm.grad.numpy() for name, prm in rnn.named_parameters()}
    torch_grads.update({"head." + n: prm.grad.numpy() for n, prm in head.named_parameters()})
    ours = net.unpack(grad)
    assert list(ours) == list(torch_grads)  # same names, same order
    for name, g in ours.items():
        scale = np.abs(torch_grads[name]).max()
        np.testing.assert_allclose(g, torch_grads[name], rtol=0, atol=rtol * scale, err_msg=name)


@pytest.mark.parametrize("Estimator", [RNNRegressor, RNNClassifier])
def test_fitted_weights_load_into_pytorch(Estimator):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 7, 2))
    y = X[:, :, 0].sum(axis=1)
    if Estimator is RNNClassifier:
        y = y > 0
    est = Estimator(hidden_size=5, max_iter=20, random_state=0).fit(X, y)
    rnn, head = _torch_model(est._net, est.weights_, torch.float64)
    with torch.no_grad():
        _, h_n = rnn(torch.tensor(X))
        z = head(h_n[-1]).numpy()
    if Estimator is RNNRegressor:
        np.testing.assert_allclose(est.predict(X), z.ravel(), rtol=1e-10)
    else:
        p = 1 / (1 + np.exp(-z.ravel()))
        np.testing.assert_allclose(est.predict_proba(X)[:, 1], p, rtol=1e-10)
