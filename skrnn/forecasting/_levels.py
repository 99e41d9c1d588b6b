"""The levels of a series as the network reads them, and back.

Targets go through the user's transformation (e.g. a log), then the
differencing (skforecast's order), then standardisation; covariates through
their transformation, then standardisation. :class:`LevelPipeline` holds
the fitted steps: ``fit`` learns them on the training arrays, ``forward``
applies them to forecast histories, ``inverse`` maps the network's outputs
back to the original scale. Each step refuses NaN or infinity it makes
(:class:`NotFinite` says which step and where); the forecaster turns that
into a message in the series' terms.
"""

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from sklearn.base import clone
from sklearn.preprocessing import StandardScaler


class NotFinite(ValueError):
    """A step of the array-level pipeline made NaN or infinity: which step
    (``stage``) and where (``row``, ``column`` of its input, or None)."""

    def __init__(self, stage, row=None, column=None):
        super().__init__(f"{stage} made NaN or infinity")
        self.stage, self.row, self.column = stage, row, column


class History(NamedTuple):
    """Where B forecasts start, on the original scale (one per origin)."""

    targets: np.ndarray  # (B, window + differentiation, k): the last observations
    exog: np.ndarray | None  # (B, window, e): covariates of the window's periods
    future_exog: np.ndarray | None  # (B, future, e): covariates of the periods after it


class NetworkInputs(NamedTuple):
    """A ``History`` as the network reads it."""

    targets: np.ndarray  # (B, window, k): standardised differences
    tails: tuple  # per differencing level, its last value (B, k): to integrate back
    exog: np.ndarray | None  # (B, window + future, e): standardised covariates


class TrainingSeries(NamedTuple):
    """The training arrays as the network learns from them, on aligned rows."""

    targets: np.ndarray  # (n - differentiation, k)
    exog: np.ndarray | None  # (n - differentiation, e)


class FittedLevels(NamedTuple):
    """What ``LevelPipeline.fit`` returns."""

    pipeline: "LevelPipeline"
    series: TrainingSeries


def unfitted(spec):
    """A fresh copy of a transformer parameter (None, 'passthrough': None)."""
    return None if spec is None or isinstance(spec, str) else clone(spec)


@dataclass(frozen=True)
class LevelPipeline:
    """Fitted transformation, differencing and standardisation of a series.

    ``transformer_y``, ``transformer_exog``: the user's fitted transformers
    (None: identity); ``scaler_y``, ``scaler_exog``: fitted StandardScalers
    (None: not standardised); ``differentiation``: how many times the
    targets are differenced.
    """

    transformer_y: object
    transformer_exog: object
    scaler_y: StandardScaler | None
    scaler_exog: StandardScaler | None
    differentiation: int

    @classmethod
    def fit(cls, targets, exog, *, transformer_y, transformer_exog, differentiation, standardize):
        """Fit the steps on aligned arrays ``targets`` (n, k) and ``exog`` (n,
        e) or None, with unfitted transformers (or None); returns the fitted
        pipeline and the training series it makes (``FittedLevels``)."""
        d = differentiation
        z = targets
        if transformer_y is not None:
            z = finite(call_float(transformer_y.fit_transform, targets), "transformer_y")
        with np.errstate(over="ignore", invalid="ignore"):
            for _ in range(d):
                z = np.diff(z, axis=0)
        z = finite(z, "difference", first_row=d)
        scaler_y = fit_scaler(z, "scale_y", standardize)
        z = apply(scaler_y, z)
        scaler_exog = None
        if exog is None:
            transformer_exog = None
        else:
            exog = exog[d:]
            if transformer_exog is not None:
                exog = finite(
                    call_float(transformer_exog.fit_transform, exog),
                    "transformer_exog",
                    first_row=d,
                )
            scaler_exog = fit_scaler(exog, "scale_exog", standardize)
            exog = apply(scaler_exog, exog)
        pipeline = cls(transformer_y, transformer_exog, scaler_y, scaler_exog, d)
        return FittedLevels(pipeline, TrainingSeries(z, exog))

    def forward(self, history):
        """The ``NetworkInputs`` of a ``History``; ``NotFinite`` if a step
        makes NaN or infinity (a history outside transformer_y's domain, or
        too large)."""
        d = self.differentiation
        z = finite(call_float(apply, self.transformer_y, history.targets), "transformer_y")
        tails = []
        with np.errstate(over="ignore", invalid="ignore"):
            for _ in range(d):
                tails.append(z[:, -1])
                z = np.diff(z, axis=1)
        z = finite(z, "difference", first_row=d)
        z = finite(call_float(apply, self.scaler_y, z), "scale_y", first_row=d)
        E = None
        if history.exog is not None:
            E = np.concatenate([history.exog, history.future_exog], axis=1)
            E = finite(call_float(apply, self.transformer_exog, E), "transformer_exog")
            E = finite(call_float(apply, self.scaler_exog, E), "scale_exog")
        return NetworkInputs(z, tuple(tails), E)

    def inverse(self, out, tails):
        """The network's outputs ``out`` (B, steps, k) on the original scale:
        unstandardised, integrated from ``tails`` (``NetworkInputs.tails``),
        transformed back."""
        out = apply(self.scaler_y, out, inverse=True)
        for level in reversed(range(self.differentiation)):
            out = tails[level][:, None, :] + np.cumsum(out, axis=1)
        return apply(self.transformer_y, out, inverse=True)


def call_float(f, *args):
    """``f(*args)`` as float64, without NumPy's floating-point warnings (NaN
    and infinity it makes are refused by ``finite``, with a clearer word)."""
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        return np.asarray(f(*args), dtype=np.float64)


def finite(A, stage, first_row=0):
    """``A`` (rows on its next-to-last axis), or ``NotFinite`` at its first
    bad value; ``first_row``: the input row of ``A``'s row 0."""
    bad = ~np.isfinite(A)
    if bad.any():
        *_, row, column = np.argwhere(bad)[0]
        raise NotFinite(stage, int(row) + first_row, int(column))
    return A


def fit_scaler(A, stage, standardize=True):
    """A StandardScaler fitted on ``A`` (None unless ``standardize``);
    ``NotFinite`` if the mean or variance of ``A`` overflows float64 (then
    no squared-error model can fit it, standardised or not)."""
    with np.errstate(over="ignore", invalid="ignore"):
        scaler = StandardScaler().fit(A)
    if not standardize:
        if not np.isfinite(scaler.var_).all():
            raise NotFinite(stage)
        return None
    # an overflowing variance can come back with scale_ 1 (scikit-learn's
    # guard for constant features): check the variance itself
    if not all(np.isfinite(a).all() for a in (scaler.mean_, scaler.var_, scaler.scale_)):
        raise NotFinite(stage)
    return scaler


def apply(transformer, A, inverse=False):
    """A fitted transformer (or None: identity) on the last axis of A."""
    if transformer is None:
        return A
    f = transformer.inverse_transform if inverse else transformer.transform
    return np.asarray(f(A.reshape(-1, A.shape[-1])), dtype=np.float64).reshape(A.shape)
