"""The pandas side of the forecaster: checked frames, and errors in their terms.

Everything here reads or names pandas objects; the array-level code
(``_levels``, ``_strategies``, ``_conformal``) never sees one.
"""

import math
from typing import NamedTuple

import numpy as np
import pandas as pd

from .._windows import (
    _show,
    check_finite,
    check_labels,
    describe_freq,
    fits,
    grid,
    index_kind,
    infer_frequency,
    numeric_frame,
    regularize,
)


class Zoned(NamedTuple):
    """Data whose index is in the time zone of another index (``in_zone_of``)."""

    data: pd.Series | pd.DataFrame
    zone: str | None  # its original zone, if it was converted


class Frames(NamedTuple):
    """Checked observations: float64 frames on a regular index."""

    targets: pd.DataFrame
    exog: pd.DataFrame | None  # the covariates of the targets' periods (or of a window)
    freq: object  # the frequency (a pandas offset, or an integer step)


def read_exog(X, index, *, fill, freq, what="X", like="y", columns=None):
    """X's rows for the periods ``index`` (of the series ``like``, at
    frequency ``freq``), filled (``fill``) and checked (and its
    ``columns``, unless None)."""
    if not isinstance(X, (pd.Series, pd.DataFrame)):
        raise TypeError(
            f"{what} must be a pandas Series or DataFrame of exogenous variables "
            f"indexed like y, got {type(X).__name__}."
        )
    X, zone = in_zone_of(X, index, what, like)
    if fill is not None:  # fill its own gaps and NaN first
        X = regularize(X, fill=fill, freq=freq, what=what).data
    frame = numeric_frame(X, what)
    if columns is not None and frame.columns.tolist() != columns:
        raise ValueError(
            f"{what} has columns {frame.columns.tolist()}; the forecaster was "
            f"fitted with {columns}."
        )
    if frame.index.has_duplicates:
        raise ValueError(f"{what}'s index has duplicated labels.")
    missing = pd.Index(index).difference(frame.index)
    if len(missing):
        raise ValueError(
            f"{what} lacks exogenous values for {len(missing)} of the "
            f"{len(index)} periods needed ({_show(index[0])} to "
            f"{_show(index[-1])}); the first missing is {_show(missing[0])}"
            + (
                f" ({what}'s index was in time zone {zone}, {like}'s is in "
                f"{index.tz}: compared as the same instants)."
                if zone
                else "."
            )
        )
    frame = frame.loc[index]
    check_finite(frame, what)
    return frame


def conform(data, what, *, like, freq, fill=None):
    """``data`` (a last window, score's ``y``) as a float64 frame on an
    index like the training series' index ``like``: the same kind, time zone
    (an aware one is converted to it) and frequency ``freq``; else an error
    naming both."""
    if not isinstance(data, (pd.Series, pd.DataFrame)):
        raise TypeError(
            f"{what} must be a pandas Series or DataFrame indexed by time, got "
            f"{type(data).__name__}."
        )
    check_labels(data.index, what)
    data = in_zone_of(data, like, what, "the training series").data
    if not fits(data.index, freq):
        own = infer_frequency(data.index)
        period = isinstance(data.index, pd.PeriodIndex)
        expected = describe_freq(freq, period)
        raise ValueError(
            (
                f"{what} is at {describe_freq(own, period)}"
                if own is not None
                else f"{what}'s labels follow no regular frequency"
            )
            + f", but the forecaster was fitted at {expected}: pass observations "
            f"at {expected}"
            + (
                "."
                if period
                else f" ({_show(data.index.difference(grid(data.index, freq))[0])} "
                f"is not on its grid)."
            )
        )
    data = regularize(data, fill=fill, freq=freq, what=what).data
    return numeric_frame(data, what)


def periods_between(past, start, freq):
    """How many periods lie strictly between ``past[-1]`` and ``start`` on the
    grid of ``freq``; None if ``start`` is not after ``past[-1]`` on it."""
    if start <= past[-1]:
        return None
    if isinstance(past, pd.DatetimeIndex):
        dates = pd.date_range(past[-1], start, freq=freq)
        return len(dates) - 2 if dates[-1] == start else None
    if isinstance(past, pd.PeriodIndex):
        return (start - past[-1]).n - 1
    step, rest = divmod(int(start) - int(past[-1]), freq)
    return step - 1 if rest == 0 else None


def _zone(tz):
    return "timezone-naive" if tz is None else f"in time zone {tz}"


def _a(kind):
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def in_zone_of(data, index, what, like):
    """``data`` indexed like ``index`` (the periods of ``like``): the same kind
    of index, and time zone. A zone-aware index in another zone is converted
    to ``index``'s (the same instants); a naive one against an aware one (or
    the reverse) is refused. Returns ``Zoned(data, its original zone or None)``."""
    kind, expected = index_kind(data.index), index_kind(index)
    if kind is None:
        check_labels(data.index, what)  # the error that lists the index types
    if kind != expected:
        raise ValueError(
            f"{what} is indexed by {_a(kind)}, but {like} by {_a(expected)}: index "
            f"{what} by the same kind of labels as {like}."
        )
    if kind != "DatetimeIndex" or str(data.index.tz) == str(index.tz):
        return Zoned(data, None)
    tz, expected_tz = data.index.tz, index.tz
    if tz is None or expected_tz is None:
        fix = f"{what}.tz_localize('{expected_tz}')" if tz is None else f"{what}.tz_localize(None)"
        of_like = f"{like}'" if like.endswith("s") else f"{like}'s"
        raise ValueError(
            f"The time zones differ: {what}'s index is {_zone(tz)}, but {of_like} index "
            f"is {_zone(expected_tz)}. Put {what} in that zone first, e.g. {fix}."
        )
    return Zoned(data.tz_convert(expected_tz), str(tz))


def not_finite_message(err, y, X, what_y="y", what_x="X"):
    """The user's words for ``NotFinite`` ``err``, whose rows are those of
    the frames ``y`` (targets) and ``X`` (covariates)."""
    on_exog = err.stage.endswith("exog")
    frame, what = (X, what_x) if on_exog else (y, what_y)
    largest = float(np.nanmax(np.abs(frame.to_numpy())))
    rescale = f"Rescale {what} first"
    if np.isfinite(largest) and largest > 0:
        rescale += f" (e.g. divide it by {10.0 ** math.floor(math.log10(largest)):.0e})"
    if err.stage.startswith("transformer"):
        label, column = frame.index[err.row], frame.columns[err.column]
        of_column = f" (column {column!r})" if frame.shape[1] > 1 else ""
        return (
            f"{err.stage} maps {what}'s value {float(frame.iat[err.row, err.column])!r} "
            f"at {_show(label)}{of_column} to NaN or infinity: {what} must lie in the "
            f"transformation's domain (a log needs values > 0)."
        )
    if err.stage == "difference":
        label = frame.index[min(err.row, len(frame) - 1)]
        return (
            f"{what}'s differences overflow float64 at {_show(label)}: its values "
            f"reach {largest:.3g} in absolute value. {rescale}, or pass transformer_y."
        )
    where = (
        "their mean or variance overflows"
        if err.row is None
        else f"the standardised value at {_show(frame.index[min(err.row, len(frame) - 1)])} "
        f"overflows"
    )
    return (
        f"{what}'s values are too large for float64 arithmetic: {where} (the "
        f"largest absolute value is {largest:.3g}). {rescale}, or pass "
        f"transformer_{'exog' if on_exog else 'y'}."
    )
