"""Split-conformal calibration of forecast intervals.

A copy of the forecaster fitted without the last ``m`` periods forecasts
from every origin in that held-out stretch; its absolute errors per forecast
step are the conformity scores. The interval of step s is the forecast plus
or minus the ``ceil((n_s + 1) * coverage)``-th smallest of the ``n_s``
scores of step s.
"""

import math
import numbers
from typing import NamedTuple

import numpy as np

from ._levels import History


class CalibrationPlan(NamedTuple):
    """Where the calibration copy forecasts from, and how far."""

    origins: np.ndarray  # row of each origin's last observation
    max_steps: int  # periods forecast from each origin


def calibration_periods(calibration_size, n):
    """Periods held out of ``n`` by ``calibration_size`` (None: 0)."""
    c = calibration_size
    if c is None:
        return 0
    return int(c) if isinstance(c, numbers.Integral) else max(1, int(math.floor(c * n)))


def calibration_plan(n, m, *, strategy, steps_out, has_exog, calibration_size):
    """The origins and steps of a calibration on the last ``m`` of ``n`` periods."""
    max_steps = min(m, steps_out) if strategy == "direct" else m
    last = n - 2  # the last origin with a truth after it
    if strategy == "direct" and has_exog:
        last = n - 1 - steps_out  # its horizon's covariates all known
    origins = np.arange(n - m - 1, last + 1)
    if len(origins) == 0:
        raise ValueError(
            f"calibration_size={calibration_size} leaves no forecast origin "
            f"with covariates for the whole horizon; increase it."
        )
    return CalibrationPlan(origins, max_steps)


def origin_histories(targets, exog, origins, *, window, differentiation, future):
    """The ``History`` of each origin: its last ``window + differentiation``
    targets, the window's covariates and the next ``future`` periods'
    covariates (repeating the last row past the data; calibration discards
    those forecasts)."""
    w, d = window, differentiation
    Yh = np.stack([targets[o - w - d + 1 : o + 1] for o in origins])
    if exog is None:
        return History(Yh, None, None)
    pad = np.vstack([exog, np.repeat(exog[-1:], future, axis=0)])
    Eh = np.stack([exog[o - w + 1 : o + 1] for o in origins])
    Ef = np.stack([pad[o + 1 : o + 1 + future] for o in origins])
    return History(Yh, Eh, Ef)


def out_of_sample_errors(targets, pred, origins):
    """Truth minus forecast ``pred`` (n_origins, max_steps, k) from each
    origin, NaN where the truth is past the data."""
    n, max_steps = len(targets), pred.shape[1]
    res = np.full(pred.shape, np.nan)
    for i, o in enumerate(origins):
        k = min(max_steps, n - 1 - o)
        res[i, :k] = targets[o + 1 : o + 1 + k] - pred[i, :k]
    return res


def check_coverage(coverage):
    """Refuse a coverage that is not a probability strictly inside (0, 1)."""
    if isinstance(coverage, (bool, np.bool_)) or not (
        isinstance(coverage, numbers.Real) and 0 < coverage < 1
    ):
        raise ValueError(
            f"coverage must be a number in (0, 1), the probability that the "
            f"interval holds the truth (e.g. 0.9), got {coverage!r}."
        )


def conformal_rank(n, coverage):
    """Rank of the conformal quantile among n scores: ceil((n + 1) coverage)
    (less a rounding margin, so that 10 * 0.9 is 9)."""
    return math.ceil((n + 1) * coverage - 1e-9)


def half_widths(residuals, steps, coverage):
    """The interval's half-width (steps, k) per step and target, from the
    calibration ``residuals`` (n_origins, max_steps, k)."""
    q = np.empty((steps, residuals.shape[2]))
    for s in range(steps):
        err = np.abs(residuals[:, s])  # (n_origins, k)
        err = err[~np.isnan(err[:, 0])]
        rank = conformal_rank(len(err), coverage)
        if rank > len(err):
            need = next(n for n in range(1, 10**7) if conformal_rank(n, coverage) <= n)
            raise ValueError(
                f"coverage={coverage} at step {s + 1} needs at least "
                f"{need} calibration errors; "
                f"there are {len(err)}. Increase calibration_size or lower "
                f"coverage."
            )
        q[s] = np.sort(err, axis=0)[rank - 1]
    return q
