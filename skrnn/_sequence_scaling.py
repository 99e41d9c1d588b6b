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
"""

import numpy as np

from ._validation import valid_steps

#: a level (scale) that varies across training sequences by less than this
#: fraction of the feature's spread (of itself) is rounding, not information
INFORMATIVE_RTOL = 1e-4
#: a sequence's scale is floored at this fraction of the feature's spread
SCALE_FLOOR = 1e-12


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


class SequenceStandardization:
    """Which level/scale channels a fit keeps, and the scale floor per feature.

    ``level``, ``scale``: boolean masks of shape (n_features,); ``floor``:
    the smallest scale a sequence is divided by, per feature.
    """

    def __init__(self, level, scale, floor):
        self.level, self.scale, self.floor = level, scale, floor

    @classmethod
    def fit(cls, X, lengths):
        """Masks and floors from the training sequences (validated, padded)."""
        mean, std = sequence_moments(X, lengths)
        counts = np.full(len(X), X.shape[1]) if lengths is None else lengths
        w = counts / counts.sum()
        grand = w @ mean
        spread = np.sqrt(w @ (std**2 + (mean - grand) ** 2))  # all valid steps
        floor = np.where(spread > 0, SCALE_FLOOR * spread, 1.0)
        log_scale = np.log(np.maximum(std, floor))
        level = mean.std(axis=0) > INFORMATIVE_RTOL * spread
        scale = log_scale.std(axis=0) > INFORMATIVE_RTOL
        return cls(level, scale, floor)

    @property
    def n_channels(self):
        """Input channels the network reads per step (before patching)."""
        return self.level.size + int(self.level.sum()) + int(self.scale.sum())

    def transform(self, X, lengths):
        """(z, kept levels, kept log-scales) as one (n, T, n_channels) array of
        X's dtype; padded steps stay zero."""
        mean, std = sequence_moments(X, lengths)
        std = np.maximum(std, self.floor)
        n, T, F = X.shape
        out = np.empty((n, T, self.n_channels), X.dtype)
        np.subtract(X, mean[:, None, :], out=out[..., :F], casting="unsafe")
        out[..., :F] /= std[:, None, :].astype(X.dtype)
        k = F + int(self.level.sum())
        out[..., F:k] = mean[:, None, self.level]
        out[..., k:] = np.log(std[:, None, self.scale])
        if lengths is not None:
            out[~valid_steps(lengths, n, T)] = 0.0
        return out
