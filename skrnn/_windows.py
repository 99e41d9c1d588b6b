"""Regular time indexes and sliding windows over pandas time series.

A series is *regular* when its index is a ``DatetimeIndex`` with a frequency
(set, or inferable by pandas), a ``PeriodIndex``, or a ``RangeIndex`` (an
integer index with a constant step counts as one), with no duplicated,
unsorted or missing periods. Everything the forecaster does -- windows, the
forecast's index, backtest folds -- assumes it.

Window layout (``make_windows``): a window ending at period t has ``window``
rows, t - window + 1 .. t. Row s holds the targets at s and, for covariates
known in advance ("exogenous" columns: calendar, planned prices), their values
at s + 1 .. s + horizon, so that the last row carries the covariates of every
period being forecast. A target value after t is never in the window.
"""

import numbers
from typing import NamedTuple

import numpy as np
import pandas as pd

FILL_METHODS = ("ffill", "bfill", "interpolate", "zero")


class Regular(NamedTuple):
    """Data on a regular index, and its frequency."""

    data: pd.Series | pd.DataFrame
    freq: object  # a pandas offset, a PeriodIndex's frequency, or an integer step


class Windows(NamedTuple):
    """Sliding windows over aligned arrays (see ``window_arrays``)."""

    X: np.ndarray  # (n_windows, window, k + e * horizon)
    Y: np.ndarray  # (n_windows, horizon, k)


def is_count(value, minimum=1):
    """Whether ``value`` is an integer >= ``minimum``, and not a boolean
    (True is an integer to Python, but no count)."""
    return (
        isinstance(value, numbers.Integral)
        and not isinstance(value, (bool, np.bool_))
        and value >= minimum
    )


def check_count(value, name, minimum=1, meaning=""):
    """Refuse ``value`` unless ``is_count(value, minimum)``: "``name`` must
    be an integer >= ``minimum`` ``meaning``, got ``value``"."""
    if not is_count(value, minimum):
        raise ValueError(f"{name} must be an integer >= {minimum}{meaning}, got {value!r}.")


def _name(label):
    return "y" if label is None else str(label)


def _show(value):
    return (
        str(value.date())
        if isinstance(value, pd.Timestamp) and value == value.normalize()
        else str(value)
    )


def regularize(data, *, fill=None, freq=None, what="y"):
    """``data`` (Series or DataFrame) on a regular index, checked.

    Returns ``Regular(data, freq)`` where ``freq`` is a pandas offset (datetime),
    the PeriodIndex's frequency, or the integer step (integer index).
    Missing periods are an error unless ``fill`` names how to fill them
    (``FILL_METHODS``; ``fill`` also fills NaN values); ``freq`` is the
    frequency to hold the index to instead of the inferred one (see
    ``infer_frequency``): an offset or alias for a DatetimeIndex, the
    PeriodIndex's own frequency, an integer step for an integer index.
    """
    if not isinstance(data, (pd.Series, pd.DataFrame)):
        raise TypeError(
            f"{what} must be a pandas Series or DataFrame indexed by time, got "
            f"{type(data).__name__}."
        )
    if fill is not None and fill not in FILL_METHODS:
        raise ValueError(f"fill must be None or one of {FILL_METHODS}, got {fill!r}.")
    index = data.index
    check_labels(index, what)
    offset = _frequency(index, freq, what)
    full = grid(index, offset)
    if len(full) != len(index) or not full.equals(pd.Index(index)):
        off_grid = index.difference(full)
        if len(off_grid):
            raise ValueError(_off_grid_message(index, off_grid, offset, what))
        if fill is None:
            missing = full.difference(index)
            raise ValueError(
                f"{what}'s index has gaps: {len(missing)} period(s) missing at "
                f"{describe_freq(offset, isinstance(index, pd.PeriodIndex))}, the first "
                f"{_show(missing[0])}. Pass fill= (one of {FILL_METHODS}) to fill them"
                + (
                    ", or freq=pd.offsets.CustomBusinessDay(holidays=[...]) if they are holidays."
                    if isinstance(offset, pd.offsets.BusinessDay)
                    else "."
                )
            )
        data = data.reindex(full)
    else:
        data = data.set_axis(full)  # the same labels, with the frequency set
    if fill is not None:
        data = _fill(data, fill)
    return Regular(data, offset)


def index_kind(index):
    """What kind of time index ``index`` is, in words; None if unsupported."""
    if isinstance(index, pd.DatetimeIndex):
        return "DatetimeIndex"
    if isinstance(index, pd.PeriodIndex):
        return "PeriodIndex"
    if pd.api.types.is_integer_dtype(index.dtype):
        return "integer index"
    return None


def check_labels(index, what):
    """Refuse an index of an unsupported type, empty, with NaT, duplicated
    or unsorted labels (in this order: "unsorted" means nothing for text)."""
    if index_kind(index) is None:
        raise TypeError(
            f"{what} must be indexed by a DatetimeIndex, PeriodIndex or integer "
            f"(Range)Index, got {type(index).__name__} of dtype {index.dtype}. "
            f"Convert labels that are dates with {what}.index = "
            f"pd.to_datetime({what}.index)."
        )
    if len(index) == 0:
        raise ValueError(f"{what} is empty.")
    if index.hasnans:
        raise ValueError(
            f"{what}'s index has a missing label (NaT) at position "
            f"{int(np.flatnonzero(index.isna())[0])}; drop or fix it first."
        )
    dup = index.duplicated()
    if dup.any():
        first = index[dup][0]
        raise ValueError(
            f"{what}'s index has duplicated labels: {_show(first)} appears "
            f"{int((index == first).sum())} times. Aggregate them first, e.g. "
            f"{what}.groupby(level=0).mean()."
        )
    if not index.is_monotonic_increasing:
        pos = int(np.flatnonzero(~(index[1:] > index[:-1]))[0])
        raise ValueError(
            f"{what}'s index is not sorted in increasing order: {_show(index[pos + 1])} "
            f"comes after {_show(index[pos])}. Sort it with {what}.sort_index()."
        )


def _frequency(index, freq, what):
    """The frequency to hold ``index`` to: ``freq`` checked against the
    index's kind, else the inferred one."""
    kind = index_kind(index)
    if freq is not None:
        return as_frequency(freq, index, what)
    offset = infer_frequency(index)
    if offset is None:
        raise ValueError(
            f"{what}'s {kind} has no frequency pandas can infer: periods "
            f"are missing or irregular (from {_show(index[0])} to "
            f"{_show(index[-1])}, {len(index)} labels). Pass fill= (one of "
            f"{FILL_METHODS}) and freq= (e.g. 'D', 'B', 'MS') to fill the gaps."
        )
    return offset


def as_frequency(freq, index, what="y"):
    """``freq`` as the frequency of an index of ``index``'s kind: a pandas
    offset (DatetimeIndex), the PeriodIndex's frequency (which it must be),
    an integer step >= 1 (integer index); a clear error otherwise."""
    kind = index_kind(index)
    is_int = isinstance(freq, (numbers.Integral, np.integer)) and not isinstance(
        freq, (bool, np.bool_)
    )
    if kind == "integer index":
        if not is_int or freq < 1:
            raise ValueError(
                f"{what} has an integer index, whose frequency is a step: freq must "
                f"be an integer >= 1 (or None, to infer it), got {freq!r}."
            )
        return int(freq)
    if is_int or isinstance(freq, (bool, np.bool_)):
        raise ValueError(
            f"freq={freq!r} is an integer step, for an integer index; {what} has a "
            f"{kind}: pass a pandas frequency such as 'D', 'B' or 'MS'."
        )
    try:
        offset = (
            pd.PeriodDtype(freq).freq
            if kind == "PeriodIndex"
            else pd.tseries.frequencies.to_offset(freq)
        )
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f"freq must be a pandas frequency: an alias such as 'D', 'B', 'MS', "
            f"'h', or an offset such as pd.offsets.CustomBusinessDay(holidays=...); "
            f"got {freq!r} ({exc})."
        ) from None
    if kind == "PeriodIndex" and offset != index.freq:
        raise ValueError(
            f"{what}'s PeriodIndex is at frequency {index.freqstr}, but freq="
            f"{freq_name(offset, True)!r} was given; a PeriodIndex keeps its own frequency."
        )
    return offset


#: labels per stretch read by ``infer_frequency`` on an index with gaps:
#: enough that a stretch of business days spans a weekend
_STRETCH = 8
_MAX_STRETCHES = 64


def infer_frequency(index):
    """The frequency of a sorted, unique time index; None if none fits.

    The index's own (``freq``; a PeriodIndex's; a RangeIndex's step), else
    the one pandas infers; with gaps, the first one that pandas infers on a
    stretch of consecutive labels and on whose grid every label lies (so
    that business days missing a holiday are business days), else the
    commonest step, counted in calendar days when it is whole days at one
    time of day (so that a daily series is daily across a change of
    daylight-saving time, and named "D" on pandas 2 and 3 alike). An
    integer index: the largest step all differences share.
    """
    kind = index_kind(index)
    if kind == "PeriodIndex":
        return index.freq
    if kind == "integer index":
        if isinstance(index, pd.RangeIndex):
            return index.step
        steps = np.diff(index.to_numpy())
        return int(np.gcd.reduce(steps)) if len(steps) else 1
    if index.freq is not None:
        return index.freq
    inferred = pd.infer_freq(index) if len(index) >= 3 else None
    if inferred is not None:
        return pd.tseries.frequencies.to_offset(inferred)
    return next((c for c in _candidates(index) if fits(index, c)), None)


def _candidates(index):
    """Frequencies ``index`` may have, most telling first (see ``infer_frequency``)."""
    starts = range(0, max(len(index) - 2, 0), _STRETCH)[:_MAX_STRETCHES]
    for start in starts:
        stretch = index[start : start + _STRETCH]
        inferred = pd.infer_freq(stretch) if len(stretch) >= 3 else None
        if inferred is not None:
            yield pd.tseries.frequencies.to_offset(inferred)
    if len(index) >= 2:
        step = pd.Series(index[1:] - index[:-1]).mode()[0]
        wall = index.tz_localize(None) if index.tz is not None else index
        days, rest = divmod(step, pd.Timedelta(days=1))
        if days >= 1 and rest == pd.Timedelta(0) and (wall - wall.normalize()).nunique() == 1:
            yield pd.offsets.Day(int(days))
        else:
            yield pd.tseries.frequencies.to_offset(step)


def grid(index, freq):
    """Every period from ``index[0]`` to ``index[-1]`` at frequency ``freq``
    (an index of ``index``'s kind, with the frequency set)."""
    if isinstance(index, pd.DatetimeIndex):
        return pd.date_range(index[0], index[-1], freq=freq, name=index.name)
    if isinstance(index, pd.PeriodIndex):
        return pd.period_range(index[0], index[-1], freq=freq, name=index.name)
    return pd.RangeIndex(int(index[0]), int(index[-1]) + freq, freq, name=index.name)


def fits(index, freq):
    """Whether every label of ``index`` lies on the grid of ``freq`` from its
    first label (a PeriodIndex: whether ``freq`` is its frequency)."""
    if isinstance(index, pd.PeriodIndex):
        return index.freq == freq
    return bool(pd.Index(index).isin(grid(index, freq)).all())


def _off_grid_message(index, off_grid, offset, what):
    own = infer_frequency(index)
    seen = "" if own is None or own == offset else f" Its labels are at {describe_freq(own)}."
    return (
        f"{what}'s index has labels off the grid of {describe_freq(offset)}, "
        f"e.g. {_show(off_grid[0])}.{seen}"
    )


def _fill(data, fill):
    if fill == "ffill":
        return data.ffill().bfill()
    if fill == "bfill":
        return data.bfill().ffill()
    if fill == "zero":
        return data.fillna(0)
    return data.interpolate(method="linear", limit_direction="both")


def describe_freq(freq, period=False):
    """'frequency D' (``freq_name``), or 'step 2' for an integer index."""
    if isinstance(freq, numbers.Integral):
        return f"step {freq}"
    return f"frequency {freq_name(freq, period)}"


def freq_name(offset, period=False):
    """A frequency as users write it: 'D', 'B', 'MS', or an integer step; a
    PeriodIndex's (``period``) by its period alias, 'M' or 'Q-DEC' (its
    offset is called 'ME' or 'QE-DEC' on pandas 3)."""
    if period:
        return pd.period_range("2000-01-01", periods=1, freq=offset).freqstr
    return getattr(offset, "freqstr", offset)


def future_index(index, steps, freq):
    """The ``steps`` periods after ``index[-1]`` at frequency ``freq``."""
    last = index[-1]
    if isinstance(index, pd.DatetimeIndex):
        # from the last label, not ``last + freq``: pandas 2 adds a "D" as 24
        # hours, which leaves midnight across a daylight-saving change
        return pd.date_range(last, periods=steps + 1, freq=freq, name=index.name)[1:]
    if isinstance(index, pd.PeriodIndex):
        return pd.period_range(last + 1, periods=steps, freq=freq, name=index.name)
    return pd.RangeIndex(int(last) + freq, int(last) + freq * (steps + 1), freq, name=index.name)


def numeric_frame(data, what):
    """``data`` as a float64 DataFrame (a Series becomes one column)."""
    frame = data.to_frame() if isinstance(data, pd.Series) else data
    bad = [
        c
        for c in frame.columns
        if not (pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c]))
    ]
    if bad:
        raise ValueError(
            f"{what} must be numeric; column {bad[0]!r} has dtype {frame[bad[0]].dtype}."
        )
    if frame.shape[1] == 0:
        raise ValueError(f"{what} has no columns.")
    return frame.astype(np.float64)


def check_finite(frame, what):
    values = frame.to_numpy()
    bad = ~np.isfinite(values)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise ValueError(
            f"{what} contains {'NaN' if np.isnan(values[row, col]) else 'infinity'} "
            f"at {_show(frame.index[row])} (column {frame.columns[col]!r}). Fill or "
            f"drop missing values first, or pass fill=."
        )


def checked_frame(data, *, fill=None, freq=None, what="y"):
    """``Regular(frame, freq)``: ``data`` regularized (``regularize``), as a
    float64 DataFrame without NaN or infinity."""
    data, offset = regularize(data, fill=fill, freq=freq, what=what)
    frame = numeric_frame(data, what)
    check_finite(frame, what)
    return Regular(frame, offset)


def window_arrays(targets, exog, window, horizon):
    """Windows over aligned arrays ``targets`` (n, k) and ``exog`` (n, e) or None.

    Returns ``Windows(X, Y)``: ``X`` (n_windows, window, k + e * horizon)
    and ``Y`` (n_windows, horizon, k); window i ends at row ``window - 1 +
    i`` and its targets are the ``horizon`` rows after it.
    """
    n = len(targets)
    n_windows = n - window - horizon + 1
    feats = _features(targets, exog, horizon)
    X = np.lib.stride_tricks.sliding_window_view(feats, window, axis=0)[:n_windows]
    X = np.ascontiguousarray(X.transpose(0, 2, 1))
    Y = np.lib.stride_tricks.sliding_window_view(targets[window:], horizon, axis=0)
    return Windows(X, np.ascontiguousarray(Y.transpose(0, 2, 1)))


def _features(targets, exog, horizon):
    """Per-row features: targets at s, exogenous values at s+1 .. s+horizon
    (rows whose leads run past the data get NaN: no window uses them)."""
    if exog is None or exog.shape[1] == 0:
        return targets
    n = len(targets)
    leads = np.full((n, exog.shape[1] * horizon), np.nan)
    for k in range(1, horizon + 1):
        leads[: n - k, (k - 1) * exog.shape[1] : k * exog.shape[1]] = exog[k:]
    return np.hstack([targets, leads])


def make_windows(data, window, horizon=1, *, target=None, fill=None, freq=None):
    """Sliding windows over a time series, for a sequence model.

    Turns a Series (one target) or a DataFrame (target columns, plus
    exogenous columns) on a regular time index into training sequences: each
    window of ``window`` consecutive periods predicts the ``horizon`` periods
    after it. A window never contains a target value from after its last
    period.

    Parameters
    ----------
    data : pandas Series or DataFrame
        Indexed by a ``DatetimeIndex`` with a frequency pandas can infer, a
        ``PeriodIndex`` or an integer index with a constant step, sorted,
        without duplicates or gaps (unless ``fill``).
    window : int >= 1
        Number of periods in each input sequence.
    horizon : int >= 1, default=1
        Number of periods each window predicts.
    target : label or list of labels, default=None
        DataFrame columns to forecast (default: all of them). The other
        columns are exogenous: covariates known in advance. Row s of a window
        holds the targets at s and the exogenous values at s + 1 .. s +
        horizon (columns ``target..., exog@+1..., exog@+horizon...``), so the
        last row carries the covariates of every forecast period.
    fill : {'ffill', 'bfill', 'interpolate', 'zero'} or None, default=None
        How to fill missing periods (and NaN values); None refuses both.
    freq : str, pandas offset, int or None, default=None
        The frequency of the index, to use instead of the inferred one: for a
        DatetimeIndex a pandas alias or offset ('D', 'B', 'MS', 'h',
        ``pd.offsets.CustomBusinessDay(holidays=...)``), for an integer
        index the step; a PeriodIndex has its own. None infers it: the
        index's ``freq``, or what pandas infers, or (with gaps) the frequency
        of its gap-free stretches, e.g. 'B' for business days missing a
        holiday. Missing periods are those of this frequency.

    Returns
    -------
    X : ndarray of shape (n_windows, window, n_features)
        The windows: per row, the targets, then the exogenous leads.
    y : ndarray of shape (n_windows,), (n_windows, horizon) or (n_windows, horizon, n_targets)
        ``(n_windows,)`` for one target and ``horizon=1``; ``(n_windows,
        horizon)`` for one target; else one column per target on the last axis.
    index : pandas Index of length n_windows
        The period of each window's first target (``y[i, k]`` is ``k``
        periods later).

    See Also
    --------
    skrnn.forecasting.RNNForecaster : Fits a network on these windows and forecasts.

    Examples
    --------
    >>> import pandas as pd
    >>> from skrnn.preprocessing import make_windows
    >>> y = pd.Series(range(6), index=pd.date_range("2024-01-01", periods=6, freq="D"))
    >>> X, target, index = make_windows(y, window=3)
    >>> X.shape, target.tolist()
    ((3, 3, 1), [3.0, 4.0, 5.0])
    >>> X[0, :, 0].tolist(), str(index[0].date())
    ([0.0, 1.0, 2.0], '2024-01-04')
    """
    check_count(window, "window")
    check_count(horizon, "horizon")
    data, _ = regularize(data, fill=fill, freq=freq, what="data")
    frame = numeric_frame(data, "data")
    targets = _targets(target, frame.columns)
    check_finite(frame, "data")
    exog = [c for c in frame.columns if c not in targets]
    n = len(frame)
    if n < window + horizon:
        raise ValueError(
            f"data has {n} periods; window={window} and horizon={horizon} need at "
            f"least {window + horizon}."
        )
    X, Y = window_arrays(
        frame[targets].to_numpy(), frame[exog].to_numpy() if exog else None, window, horizon
    )
    if len(targets) == 1:
        Y = Y[:, :, 0] if horizon > 1 else Y[:, 0, 0]
    return X, Y, frame.index[window : window + len(X)]


def _targets(target, columns):
    """The target columns named by ``target`` (None: all), checked."""
    targets = (
        columns.tolist()
        if target is None
        else (
            list(target) if isinstance(target, (list, tuple, pd.Index, np.ndarray)) else [target]
        )
    )
    if not targets:
        raise ValueError(
            f"target names no column: pass a column label or a non-empty list of "
            f"them (None: all columns); columns: {columns.tolist()}."
        )
    missing = [t for t in targets if t not in columns]
    if missing:
        raise ValueError(
            f"target {missing[0]!r} is not a column of data; columns: {columns.tolist()}."
        )
    repeated = pd.Index(targets)[pd.Index(targets).duplicated()]
    if len(repeated):
        raise ValueError(f"target names column {repeated[0]!r} more than once: {targets}.")
    return targets
