"""Forecast accuracy as the M4 competition defines it, and interval coverage.

M4 (Makridakis, Spiliotis and Assimakopoulos, 2020, "The M4 Competition:
100,000 time series and 61 forecasting methods", IJF 36(1), section 2.3),
for a forecast F of the h values Y after a training series y_1..y_n:

    sMAPE = (2 / h) * sum_t |Y_t - F_t| / (|Y_t| + |F_t|) * 100
    MASE  = (1 / h) * sum_t |Y_t - F_t| / scale,
    scale = 1 / (n - m) * sum_{t=m+1..n} |y_t - y_{t-m}|

with m the seasonal period (1 for yearly data: the in-sample one-step naive
error). Each is computed per series, then summarised over series.
"""

import numpy as np


def smape(truth, forecast):
    """M4 sMAPE in percent of one series' forecast; a period where truth and
    forecast are both 0 counts as no error (the M4 formula is 0/0 there)."""
    y, f = np.asarray(truth, float), np.asarray(forecast, float)
    denom = np.abs(y) + np.abs(f)
    terms = np.divide(2 * np.abs(y - f), denom, out=np.zeros_like(y), where=denom > 0)
    return 100 * terms.mean()


def mase_scale(train, period):
    """The MASE denominator: the mean absolute seasonal difference (lag
    ``period``) of the training series; NaN if it has no such difference."""
    y = np.asarray(train, float)
    if len(y) <= period:
        return np.nan
    return np.abs(y[period:] - y[:-period]).mean()


def mase(truth, forecast, scale):
    """M4 MASE of one series' forecast, given its ``mase_scale``; NaN for a
    zero scale (a training series constant at lag ``period``)."""
    err = np.abs(np.asarray(truth, float) - np.asarray(forecast, float)).mean()
    return err / scale if scale > 0 else np.nan


def mae(truth, forecast):
    return float(np.abs(np.asarray(truth, float) - np.asarray(forecast, float)).mean())


def rmse(truth, forecast):
    return float(np.sqrt(((np.asarray(truth, float) - np.asarray(forecast, float)) ** 2).mean()))


def interval_coverage(lower, upper, truth):
    """Empirical coverage and mean width of prediction intervals.

    ``lower``, ``upper`` and ``truth`` are arrays of one shape (any: one
    series' steps, or series x steps, pooled); returns ``(coverage, width)``:
    the fraction of truths inside ``[lower, upper]`` (ends included) and the
    mean of ``upper - lower``, ignoring NaN entries.
    """
    lo, hi, y = (np.asarray(a, float) for a in (lower, upper, truth))
    if not lo.shape == hi.shape == y.shape:
        raise ValueError(f"shapes differ: lower {lo.shape}, upper {hi.shape}, truth {y.shape}")
    keep = ~(np.isnan(lo) | np.isnan(hi) | np.isnan(y))
    inside = (lo[keep] <= y[keep]) & (y[keep] <= hi[keep])
    return float(inside.mean()), float((hi[keep] - lo[keep]).mean())


def summary(smapes, mases, naive_mases):
    """Mean and median sMAPE and MASE over series, and the fraction of series
    whose MASE is strictly below naive's (ties, e.g. a fallback to naive, do
    not count) with the fraction of ties. Series with a NaN MASE (zero scale)
    are left out of the MASE figures."""
    s, m, n = (np.asarray(a, float) for a in (smapes, mases, naive_mases))
    ok = ~(np.isnan(m) | np.isnan(n))
    return {
        "smape_mean": float(np.mean(s)),
        "smape_median": float(np.median(s)),
        "mase_mean": float(np.mean(m[ok])),
        "mase_median": float(np.median(m[ok])),
        "beats_naive": float(np.mean(m[ok] < n[ok] - 1e-12)),
        "ties_naive": float(np.mean(np.abs(m[ok] - n[ok]) <= 1e-12)),
    }
