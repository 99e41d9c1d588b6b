"""Fixtures shared by the test modules."""

import contextlib
import pickle
import re
from typing import NamedTuple

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from threadpoolctl import threadpool_limits

from skrnn import RNNClassifier, RNNRegressor


@pytest.fixture(autouse=True, scope="session")
def _one_blas_thread_per_worker():
    """The suite runs in as many processes as cores (``pytest -n 2``): a
    second BLAS thread per process would only contend for them (the small
    products of a recurrent step run several times slower oversubscribed)."""
    with threadpool_limits(1):
        yield


# ----------------------------------------------------------------------- data
# Plain helpers the test modules import (``from conftest import ...``).
def sequences(n=60, T=6, F=3, seed=0, dtype=np.float64):
    """``n`` equal-length sequences ``X`` of shape (n, T, F), standard normal
    (``RandomState(seed)``), and ``y``: the mean of each one's first feature
    (its sign makes two classes)."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, T, F)).astype(dtype)
    return X, X[:, :, 0].mean(axis=1)


def ragged_sequences(n=40, F=2, low=2, high=9, seed=0):
    """``n`` sequences of random lengths ``low .. high - 1`` (a list of
    (T_i, F) arrays, ``RandomState(seed)``) and ``y``: the mean of each one's
    first feature."""
    rng = np.random.RandomState(seed)
    seqs = [rng.normal(size=(rng.randint(low, high), F)) for _ in range(n)]
    return seqs, np.array([s[:, 0].mean() for s in seqs])


def sequences_of_lengths(
    lengths=(7, 1, 12, 4, 9), n_features=2, seed=0, loc=0.0, scale=1.0, dtype=np.float64
):
    """A list of sequences of the given lengths (shortest: one step), each
    step ``loc + scale * z`` with z standard normal (``default_rng(seed)``);
    ``loc`` and ``scale`` may be one value per feature."""
    rng = np.random.default_rng(seed)
    return [(loc + scale * rng.normal(size=(T, n_features))).astype(dtype) for T in lengths]


# Every cell, shallow and one-way or stacked and bidirectional.
ARCHITECTURES = [
    dict(cell=cell, num_layers=layers, bidirectional=bidirectional)
    for cell in ("rnn", "lstm", "gru")
    for layers, bidirectional in ((1, False), (2, True))
]


def architecture_id(architecture):
    """A test id for one of ``ARCHITECTURES``, e.g. "lstm-2-True"."""
    return "-".join(map(str, architecture.values()))


def fit_small(kind, architecture, **params):
    """A small model (``kind`` "reg" or "clf") of an architecture, fitted for a
    few epochs on ``sequences()`` (labels: the sign of the target); returns
    the model and X."""
    X, y = sequences()
    params = dict(hidden_size=5, max_iter=5, random_state=0, **architecture, **params)
    if kind == "reg":
        return RNNRegressor(**params).fit(X, y), X
    return RNNClassifier(**params).fit(X, (y > 0).astype(int)), X


def outputs(est, X):
    """What a fitted model answers: predict, and predict_proba if it has one."""
    out = [est.predict(X)]
    if hasattr(est, "predict_proba"):
        out.append(est.predict_proba(X))
    return out


class PaddedBatch(NamedTuple):
    """A time-major batch of ragged sequences, padded at the end."""

    X: np.ndarray  # (T, N, F); padded steps hold random values, not zeros
    lengths: np.ndarray  # (N,), the longest is T
    sample_weight: np.ndarray  # (N,)


@pytest.fixture
def padded_batch():
    """``make(T, N, F, seed)`` -> a ``PaddedBatch`` of lengths 1 .. T."""

    def make(T, N, F, seed):
        rng = np.random.RandomState(seed)
        lengths = rng.randint(1, T + 1, size=N)
        lengths[0] = T
        if N > 1:
            lengths[1] = 1
        X = rng.normal(size=(T, N, F))
        return PaddedBatch(X, lengths, rng.uniform(0.5, 2.0, size=N))

    return make


def _central_differences(net, params, args, kwargs=None, eps=1e-6):
    """d loss / d params by central differences, one parameter at a time."""
    grad = np.empty_like(params)
    for i in range(params.size):
        p = params.copy()
        p[i] += eps
        up, _ = net.loss_and_grad(p, *args, **(kwargs or {}))
        p[i] -= 2 * eps
        down, _ = net.loss_and_grad(p, *args, **(kwargs or {}))
        grad[i] = (up - down) / (2 * eps)
    return grad


@pytest.fixture
def finite_differences():
    """``finite_differences(net, params, args, kwargs)``: the numerical
    gradient of ``net.loss_and_grad(params, *args, **kwargs)``'s loss."""
    return _central_differences


def _random_targets(out_activation, rng, *shape):
    """Targets of ``shape`` (``n, k`` or ``T, n, k``: the last axis holds the
    k outputs) for an output activation: normal values, 0/1 indicators
    (logistic) or one-hot rows (softmax)."""
    if out_activation == "identity":
        return rng.normal(size=shape)
    if out_activation == "logistic":
        return (rng.uniform(size=shape) > 0.5).astype(float)
    k = shape[-1]
    return np.eye(k)[rng.randint(k, size=shape[:-1])]


@pytest.fixture
def random_targets():
    """``random_targets(out_activation, rng, *shape)``: targets of the loss,
    e.g. ``(rng, n, k)``."""
    return _random_targets


def _by_own_statistics(seqs, level, scale, features=None):
    """standardize="sequence"'s map, by hand: each sequence's steps
    z-normalised (only ``features``, a mask, if given: the others as they
    are), then its kept levels and log-scales as channels constant over the
    sequence. A list of (T_i, F) arrays in, a list out (an array for an
    array)."""
    out = []
    for s in seqs:
        m, sd = s.mean(axis=0), s.std(axis=0)
        extra = np.concatenate([m[level], np.log(sd[scale])])
        z = (s - m) / sd
        if features is not None:
            z = np.where(features, z, s)
        out.append(np.hstack([z, np.tile(extra, (len(s), 1))]))
    return np.stack(out) if isinstance(seqs, np.ndarray) else out


@pytest.fixture
def by_own_statistics():
    """``by_own_statistics(seqs, level, scale, features=None)``: what the
    network reads with standardize="sequence" (or "auto" mapping
    ``features``), computed by hand."""
    return _by_own_statistics


@pytest.fixture
def auto_holds_out_small_sets(monkeypatch):
    """early_stopping="auto" applies its split rules to sets small enough for
    a test (it holds out only above 10,000 sequences)."""
    import skrnn._base

    monkeypatch.setattr(skrnn._base, "AUTO_EARLY_STOPPING_MIN_SAMPLES", 0)


def _state(est):
    """Every attribute of ``est``, pickled: equal states are bitwise equal."""
    return {key: pickle.dumps(value) for key, value in est.__dict__.items()}


@pytest.fixture
def state():
    """``state(est)``: a bitwise-comparable snapshot of every attribute."""
    return _state


# ---------------------------------------------------------------- forecasting
# Plain helpers the forecasting tests import (``from conftest import ...``).
def words(*parts):
    """A pattern matching ``parts`` in this order in one message."""
    return ".*".join(re.escape(p) for p in parts)


class LastRow(RegressorMixin, BaseEstimator):
    """Predicts columns ``cols`` of each window's last row (0: the last value;
    1: the first exogenous lead): a transparent model, so that the
    forecaster's plumbing is checked exactly."""

    def __init__(self, cols=(0,)):
        self.cols = cols

    def fit(self, X, y):
        self.n_features_in_ = X.shape[2]
        return self

    def predict(self, X):
        out = X[:, -1, list(self.cols)]
        return out[:, 0] if out.shape[1] == 1 else out


def forecaster_state(forecaster):
    """Every attribute as the forecaster saves it (pandas objects as arrays:
    caches pandas fills when it reads them do not count), pickled: equal
    states are bitwise equal."""
    return {key: pickle.dumps(value) for key, value in forecaster.__getstate__().items()}


@contextlib.contextmanager
def unchanged(forecaster, **predict_args):
    """The block (a refused call) leaves ``forecaster``'s fitted state and
    forecast as they were."""
    before, forecast = forecaster_state(forecaster), forecaster.predict(3, **predict_args)
    yield
    assert forecaster_state(forecaster) == before
    pd.testing.assert_series_equal(forecaster.predict(3, **predict_args), forecast)
