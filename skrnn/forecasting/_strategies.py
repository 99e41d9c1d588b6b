"""How a network fitted on windows forecasts several periods.

Both strategies take the network, the ``NetworkInputs`` of B histories and
return the network-scale forecasts (B, steps, k); ``LevelPipeline.inverse``
maps them back. ``STRATEGIES`` names them as the ``strategy`` parameter does.
"""

import numpy as np
from sklearn.base import clone

from .._regressor import RNNRegressor

#: what an estimator's "auto" parameters mean on windows of one series:
#: a window's next values are not scaled by that window's statistics, and a
#: random tenth of overlapping windows is no held-out future
_WINDOW_DEFAULTS = {"standardize": "global", "early_stopping": False}


def network_for_windows(estimator):
    """A clone of ``estimator`` (None: ``RNNRegressor()``) whose "auto"
    parameters (also inside a meta-estimator) take ``_WINDOW_DEFAULTS``."""
    est = RNNRegressor() if estimator is None else clone(estimator)
    est.set_params(
        **{
            key: _WINDOW_DEFAULTS[key.split("__")[-1]]
            for key, value in est.get_params().items()
            if key.split("__")[-1] in _WINDOW_DEFAULTS
            and isinstance(value, str)
            and value == "auto"
        }
    )
    return est


def recursive(estimator, inputs, *, window, steps_out, steps):
    """One period per call; each prediction is fed back as the newest value.

    ``steps_out`` is 1 (the network predicts one period); any ``steps``.
    """
    z, E = inputs.targets, inputs.exog
    B, _, k = z.shape
    out = np.empty((B, steps, k))
    hist = z
    for s in range(steps):
        feats = hist[:, -window:]
        if E is not None:  # row j (period t-w+1+j+s) carries exog at +1
            feats = np.concatenate([feats, E[:, s + 1 : s + 1 + window]], axis=2)
        pred = np.asarray(estimator.predict(feats), dtype=np.float64).reshape(B, k)
        out[:, s] = pred
        hist = np.concatenate([hist[:, 1:], pred[:, None]], axis=1)
    return out


def direct(estimator, inputs, *, window, steps_out, steps):
    """All ``steps_out`` (the horizon) periods in one call; the first ``steps``."""
    z, E = inputs.targets, inputs.exog
    B, _, k = z.shape
    feats = z
    if E is not None:  # leads 1..H, as in window_arrays
        leads = [E[:, j : j + window] for j in range(1, steps_out + 1)]
        feats = np.concatenate([z] + leads, axis=2)
    out = np.asarray(estimator.predict(feats), dtype=np.float64)
    return out.reshape(B, steps_out, k)[:, :steps]


STRATEGIES = {"recursive": recursive, "direct": direct}
