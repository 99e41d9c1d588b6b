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

import numpy as np
import pandas as pd

FILL_METHODS = ("ffill", "bfill", "interpolate", "zero")


def _name(label):
    return "y" if label is None else str(label)


def _show(value):
    return str(value.date()) if isinstance(value, pd.Timestamp) and value == value.normalize() \
        else str(value)


def regularize(data, *, fill=None, freq=None, what="y"):
    """``data`` (Series or DataFrame) on a regular index, checked.

    Returns ``(data, freq)`` where ``freq`` is a pandas offset (datetime),
    the PeriodIndex's frequency, or the integer step (RangeIndex). Missing
    periods are an error unless ``fill`` names how to fill them
    (``FILL_METHODS``; ``fill`` also fills NaN values); ``freq`` overrides
    the inferred frequency of a DatetimeIndex.
    """
    if not isinstance(data, (pd.Series, pd.DataFrame)):
        raise TypeError(
            f"{what} must be a pandas Series or DataFrame indexed by time, got "
            f"{type(data).__name__}."
        )
    if fill is not None and fill not in FILL_METHODS:
        raise ValueError(f"fill must be None or one of {FILL_METHODS}, got {fill!r}.")
    index = data.index
    if len(index) == 0:
        raise ValueError(f"{what} is empty.")
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
    if isinstance(index, pd.DatetimeIndex):
        offset = pd.tseries.frequencies.to_offset(freq) if freq is not None else (
            index.freq if index.freq is not None else (
                pd.tseries.frequencies.to_offset(pd.infer_freq(index))
                if len(index) >= 3 and pd.infer_freq(index) is not None else None))
        if offset is None and len(index) >= 2:
            # the commonest step, if every label is on its grid (gaps are
            # then reported as such below)
            step = pd.tseries.frequencies.to_offset(
                pd.Series(index[1:] - index[:-1]).mode()[0])
            grid = pd.date_range(index[0], index[-1], freq=step)
            offset = step if index.isin(grid).all() else None
        if offset is None:
            raise ValueError(
                f"{what}'s DatetimeIndex has no frequency pandas can infer: periods "
                f"are missing or irregular (from {_show(index[0])} to "
                f"{_show(index[-1])}, {len(index)} labels). Pass fill= (one of "
                f"{FILL_METHODS}) and freq= (e.g. 'D', 'MS') to fill the gaps."
            )
        full = pd.date_range(index[0], index[-1], freq=offset, name=index.name)
    elif isinstance(index, pd.PeriodIndex):
        offset = index.freq
        full = pd.period_range(index[0], index[-1], freq=offset, name=index.name)
    elif pd.api.types.is_integer_dtype(index.dtype):
        # a RangeIndex's step; else the largest step all differences share,
        # so that missing labels show up as gaps below
        steps = np.diff(index.to_numpy())
        offset = index.step if isinstance(index, pd.RangeIndex) else (
            int(np.gcd.reduce(steps)) if len(steps) else 1)
        full = pd.RangeIndex(int(index[0]), int(index[-1]) + offset, offset, name=index.name)
    else:
        raise TypeError(
            f"{what} must be indexed by a DatetimeIndex, PeriodIndex or integer "
            f"(Range)Index, got {type(index).__name__} of dtype {index.dtype}."
        )
    if len(full) != len(index) or not full.equals(pd.Index(index)):
        missing = full.difference(index)
        if fill is None:
            raise ValueError(
                f"{what}'s index has gaps: {len(missing)} period(s) missing at "
                f"frequency {_freq_name(offset)}, the first {_show(missing[0])}. "
                f"Pass fill= (one of {FILL_METHODS}) to fill them."
                if len(missing) else
                f"{what}'s index does not follow its frequency {_freq_name(offset)} "
                f"(e.g. {_show(index.difference(full)[0])} is off the grid)."
            )
        if len(index.difference(full)):
            raise ValueError(
                f"{what}'s index has labels off the grid of frequency "
                f"{_freq_name(offset)}, e.g. {_show(index.difference(full)[0])}."
            )
        data = data.reindex(full)
    else:
        data = data.set_axis(full)  # the same labels, with the frequency set
    if fill is not None:
        data = _fill(data, fill)
    return data, offset


def _fill(data, fill):
    if fill == "ffill":
        return data.ffill().bfill()
    if fill == "bfill":
        return data.bfill().ffill()
    if fill == "zero":
        return data.fillna(0)
    return data.interpolate(method="linear", limit_direction="both")


def _freq_name(offset):
    return getattr(offset, "freqstr", offset)


def future_index(index, steps, freq):
    """The ``steps`` periods after ``index[-1]`` at frequency ``freq``."""
    last = index[-1]
    if isinstance(index, pd.DatetimeIndex):
        return pd.date_range(last + freq, periods=steps, freq=freq, name=index.name)
    if isinstance(index, pd.PeriodIndex):
        return pd.period_range(last + 1, periods=steps, freq=freq, name=index.name)
    return pd.RangeIndex(int(last) + freq, int(last) + freq * (steps + 1), freq,
                         name=index.name)


def numeric_frame(data, what):
    """``data`` as a float64 DataFrame (a Series becomes one column)."""
    frame = data.to_frame() if isinstance(data, pd.Series) else data
    bad = [c for c in frame.columns if not (pd.api.types.is_numeric_dtype(frame[c])
                                            or pd.api.types.is_bool_dtype(frame[c]))]
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
    """``(frame, freq)``: ``data`` regularized (``regularize``), as a float64
    DataFrame without NaN or infinity."""
    data, offset = regularize(data, fill=fill, freq=freq, what=what)
    frame = numeric_frame(data, what)
    check_finite(frame, what)
    return frame, offset


def window_arrays(targets, exog, window, horizon):
    """Windows over aligned arrays ``targets`` (n, k) and ``exog`` (n, e) or None.

    Returns ``X`` (n_windows, window, k + e * horizon) and ``Y`` (n_windows,
    horizon, k): window i ends at row ``window - 1 + i`` and its targets are
    the ``horizon`` rows after it.
    """
    n = len(targets)
    n_windows = n - window - horizon + 1
    feats = _features(targets, exog, horizon)
    X = np.lib.stride_tricks.sliding_window_view(feats, window, axis=0)[:n_windows]
    X = np.ascontiguousarray(X.transpose(0, 2, 1))
    Y = np.lib.stride_tricks.sliding_window_view(targets[window:], horizon, axis=0)
    return X, np.ascontiguousarray(Y.transpose(0, 2, 1))


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
    freq : str or pandas offset, default=None
        The frequency of a DatetimeIndex, when it cannot be inferred (gaps).

    Returns
    -------
    X : ndarray of shape (n_windows, window, n_features)
    y : ndarray of shape (n_windows,), (n_windows, horizon) or (n_windows, horizon, n_targets)
        ``(n_windows,)`` for one target and ``horizon=1``; ``(n_windows,
        horizon)`` for one target; else one column per target on the last axis.
    index : pandas Index of length n_windows
        The period of each window's first target (``y[i, k]`` is ``k``
        periods later).

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
    for name, value in (("window", window), ("horizon", horizon)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) \
                or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}.")
    data, _ = regularize(data, fill=fill, freq=freq, what="data")
    frame = numeric_frame(data, "data")
    targets = frame.columns.tolist() if target is None else (
        list(target) if isinstance(target, (list, tuple, pd.Index)) else [target])
    missing = [t for t in targets if t not in frame.columns]
    if missing:
        raise ValueError(
            f"target {missing[0]!r} is not a column of data; columns: "
            f"{frame.columns.tolist()}."
        )
    check_finite(frame, "data")
    exog = [c for c in frame.columns if c not in targets]
    n = len(frame)
    if n < window + horizon:
        raise ValueError(
            f"data has {n} periods; window={window} and horizon={horizon} need at "
            f"least {window + horizon}."
        )
    X, Y = window_arrays(frame[targets].to_numpy(), frame[exog].to_numpy() if exog else None,
                         window, horizon)
    if len(targets) == 1:
        Y = Y[:, :, 0] if horizon > 1 else Y[:, 0, 0]
    return X, Y, frame.index[window : window + len(X)]
