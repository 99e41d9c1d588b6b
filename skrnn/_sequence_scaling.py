"""Each sequence standardised by its own statistics (``standardize="sequence"``).

A sequence x of T steps and F features is read as

    z_t = (x_t - m) / s,   m, s: mean and standard deviation of x's valid steps
                           (per feature),

followed by its level m and log-scale log(s) as extra input channels, constant
over the sequence: the network sees every sequence's shape at unit scale, and
still sees the amplitude and offset that the normalisation removed (the map
x -> (z, m, log s) loses nothing). This is the z-normalisation of the UCR
archive (Dau et al. 2019) and the "standard normal variate" of spectroscopy
(Barnes et al. 1989), with the statistics kept as inputs as in RevIN (Kim et
al. 2022).

A level or scale channel is kept only when it varies across the training
sequences: data already z-normalised per series (level 0 and scale 1 to
float rounding) would otherwise gain a channel of rounding noise, which the
estimators' feature standardisation then blows up to unit variance.

``standardize="auto"`` maps only the features for which it matters, those
that a standardisation over the whole training set would show nearly flat
in most sequences:

- shapes riding on levels that differ more than the shapes do: less than
  ``WITHIN_SHARE`` (half) of the feature's training variance lies within
  sequences (the within-group share of a one-way analysis of variance);
- small series beside a few large ones: the median non-constant sequence
  varies by less than ``FLAT_SCALE`` (a tenth) of the feature's overall
  standard deviation.

The other features are left as they are for the global standardisation:
there, z-normalising every sequence only removes information that the
network must then relearn from the level and scale channels.
"""

import numpy as np

from ._validation import valid_steps

#: a level (scale) that varies across training sequences by less than this
#: fraction of the feature's spread (of itself) is rounding, not information
INFORMATIVE_RTOL = 1e-4
#: a sequence's scale is floored at this fraction of the feature's spread
SCALE_FLOOR = 1e-12
#: "auto" maps a feature when less than this share of its training variance
#: is within sequences (more than half of it between them) ...
WITHIN_SHARE = 0.5
#: ... or when its median non-constant sequence's standard deviation is below
#: this fraction of the feature's overall one
FLAT_SCALE = 0.1


def sequence_moments(X, lengths):
    """Per-sequence mean and standard deviation of every feature over the
    valid steps: two float64 arrays of shape (n_samples, n_features)."""
    n, T, _ = X.shape
    counts = np.full(n, T) if lengths is None else lengths
    mean = X.sum(axis=1, dtype=np.float64) / counts[:, None]
    dev = X - mean[:, None, :]
    if lengths is not None:
        dev[~valid_steps(lengths, n, T)] = 0.0
    var = np.einsum("ntf,ntf->nf", dev, dev) / counts[:, None]
    return mean, np.sqrt(var)


def _weights(n, sample_weight):
    """Each sequence's weight: ones, or ``sample_weight`` (an integer k
    counts as k copies; 0 as absent)."""
    return np.ones(n) if sample_weight is None else np.asarray(sample_weight, np.float64)


def _weighted_std(values, weights):
    """Population standard deviation of each column of ``values`` (n, F)."""
    w = weights / weights.sum()
    return np.sqrt(w @ (values - w @ values) ** 2)


def _lower_median(values, weights):
    """Per column of ``values`` (n, F), NaN meaning absent: the smallest value
    whose cumulative weight reaches half of the column's total (inf for a
    column with nothing present); k copies weigh as a weight of k."""
    out = np.full(values.shape[1], np.inf)
    for f in range(values.shape[1]):  # a loop over features, not sequences
        present = ~np.isnan(values[:, f]) & (weights > 0)
        if present.any():
            v, w = values[present, f], weights[present]
            order = np.argsort(v, kind="stable")
            cumulative = np.cumsum(w[order])
            out[f] = v[order][np.searchsorted(cumulative, cumulative[-1] / 2)]
    return out


def _variance_parts(mean, std, lengths, T, sample_weight=None):
    """Per feature: the spread over all valid steps, and the share of the
    variance within sequences (1 for a constant feature), each step weighted
    by its sequence's ``sample_weight``."""
    counts = np.full(len(mean), T) if lengths is None else lengths
    w = counts * _weights(len(mean), sample_weight)
    w = w / w.sum()
    within = w @ std**2
    total = within + w @ (mean - w @ mean) ** 2
    share = np.divide(within, total, out=np.ones_like(total), where=total > 0)
    return np.sqrt(total), share


def _auto_features(std, spread, within_share, weights):
    """The "auto" rule on a fit's statistics: bool (n_features,)."""
    ratio = np.where(std > SCALE_FLOOR * spread, std, np.nan) / np.where(spread > 0, spread, 1)
    return (within_share < WITHIN_SHARE) | (_lower_median(ratio, weights) < FLAT_SCALE)


def auto_sequence_features(X, lengths, sample_weight=None):
    """The features "auto" maps (see the module's docstring): bool
    (n_features,)."""
    mean, std = sequence_moments(X, lengths)
    spread, within_share = _variance_parts(mean, std, lengths, X.shape[1], sample_weight)
    return _auto_features(std, spread, within_share, _weights(len(X), sample_weight))


class SequenceStandardization:
    """Which features a fit maps, which level/scale channels it keeps, and
    the scale floor per feature.

    ``features``: the features z-normalised per sequence (the others pass
    through unchanged); ``level``, ``scale``: the features whose level and
    log-scale channels are kept (a subset of ``features``); all boolean
    masks of shape (n_features,). ``floor``: the smallest scale a sequence
    is divided by, per feature.
    """

    def __init__(self, features, level, scale, floor):
        self.features, self.level, self.scale, self.floor = features, level, scale, floor

    @classmethod
    def fit(cls, X, lengths, features=None, sample_weight=None):
        """Masks and floors from the training sequences (validated, padded),
        weighted by ``sample_weight``; ``features`` are the features to map:
        None (all), "auto" (``auto_sequence_features``) or a boolean mask."""
        mean, std = sequence_moments(X, lengths)
        spread, within_share = _variance_parts(mean, std, lengths, X.shape[1], sample_weight)
        w = _weights(len(X), sample_weight)
        if features is None:
            features = np.ones(X.shape[2], bool)
        elif isinstance(features, str):  # "auto"
            features = _auto_features(std, spread, within_share, w)
        floor = np.where(spread > 0, SCALE_FLOOR * spread, 1.0)
        log_scale = np.log(np.maximum(std, floor))
        level = features & (_weighted_std(mean, w) > INFORMATIVE_RTOL * spread)
        scale = features & (_weighted_std(log_scale, w) > INFORMATIVE_RTOL)
        return cls(features, level, scale, floor)

    @property
    def n_channels(self):
        """Input channels the network reads per step (before patching)."""
        return self.level.size + int(self.level.sum()) + int(self.scale.sum())

    def transform(self, X, lengths):
        """(z, kept levels, kept log-scales) as one (n, T, n_channels) array of
        X's dtype, z the unmapped features as given; padded steps stay zero."""
        mean, std = sequence_moments(X, lengths)
        std = np.maximum(std, self.floor)
        n, T, F = X.shape
        # unmapped features: subtract 0 and divide by 1
        mean[:, ~self.features], std[:, ~self.features] = 0.0, 1.0
        out = np.empty((n, T, self.n_channels), X.dtype)
        np.subtract(X, mean[:, None, :], out=out[..., :F], casting="unsafe")
        out[..., :F] /= std[:, None, :].astype(X.dtype)
        k = F + int(self.level.sum())
        out[..., F:k] = mean[:, None, self.level]
        out[..., k:] = np.log(std[:, None, self.scale])
        if lengths is not None:
            out[~valid_steps(lengths, n, T)] = 0.0
        return out
