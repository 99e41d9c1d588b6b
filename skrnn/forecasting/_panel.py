"""Many series in one object, and back: the layouts a global model reads.

A *panel* is a set of series, each with its own index (they may differ in
length, start and end), given as

- a dict of Series (or of DataFrames, for several targets per series),
- a Series or DataFrame with a two-level MultiIndex (series, time), as
  ``groupby`` and sktime make,
- a long DataFrame with a series-id column (``series_id``), a time column
  (``time_column``, or the index) and the value column(s), as Nixtla's and
  many databases' exports are,
- a wide DataFrame whose columns are separate series (``series_id=
  "columns"``), each from its first to its last non-missing value.

``read_panel`` splits the input into one pandas object per series and
remembers the layout; ``write_panel`` puts per-series forecasts back into it.
"""

from collections.abc import Mapping
from typing import NamedTuple

import pandas as pd


class Layout(NamedTuple):
    """How a panel was given, to give forecasts back the same way."""

    kind: str  # 'dict', 'multiindex', 'long' or 'wide'
    id_name: object = None  # the series-id column or index level
    time_name: object = None  # the time column or index level


class Panel(NamedTuple):
    series: dict  # series id -> Series or DataFrame (its own regular index)
    layout: Layout


def is_panel(y, series_id):
    """Whether ``y`` holds many series (rather than one, possibly multivariate)."""
    if isinstance(y, Mapping):
        return True
    if not isinstance(y, (pd.Series, pd.DataFrame)):
        return False
    return series_id is not None or y.index.nlevels == 2


def read_panel(y, series_id=None, time_column=None, what="y"):
    """The ``Panel`` of ``y`` (see the module docstring for the layouts)."""
    if isinstance(y, Mapping):
        panel = Panel(dict(y), Layout("dict"))
        for key, s in panel.series.items():
            if not isinstance(s, (pd.Series, pd.DataFrame)):
                raise TypeError(
                    f"{what} is a dict of series: its values must be pandas Series "
                    f"or DataFrames; {what}[{key!r}] is a {type(s).__name__}."
                )
    elif series_id == "columns":
        panel = _read_wide(y, what)
    elif series_id is not None:
        panel = _read_long(y, series_id, time_column, what)
    elif y.index.nlevels == 2:
        names = y.index.names
        parts = {key: _one(part.droplevel(0)) for key, part in y.groupby(level=0, sort=False)}
        panel = Panel(parts, Layout("multiindex", names[0], names[1]))
    else:
        raise ValueError(f"{what} is one series, not a panel.")
    if not panel.series:
        raise ValueError(f"{what} holds no series.")
    return panel


def _one(frame):
    """A one-column DataFrame as a Series (named as the column)."""
    if isinstance(frame, pd.DataFrame) and frame.shape[1] == 1:
        return frame.iloc[:, 0]
    return frame


def _read_wide(y, what):
    if not isinstance(y, pd.DataFrame):
        raise TypeError(
            f"series_id='columns' reads {what} as a wide DataFrame, one series per "
            f"column; got a {type(y).__name__}."
        )
    parts = {}
    for column in y.columns:
        s = y[column]
        first, last = s.first_valid_index(), s.last_valid_index()
        if first is None:
            raise ValueError(f"{what}'s column {column!r} has no values.")
        parts[column] = s.loc[first:last]
    return Panel(parts, Layout("wide"))


def _read_long(y, series_id, time_column, what):
    if not isinstance(y, pd.DataFrame):
        raise TypeError(
            f"series_id={series_id!r} reads {what} as a long DataFrame (a series-id "
            f"column, a time column or index, value columns); got a {type(y).__name__}."
        )
    needed = [series_id] + ([] if time_column is None else [time_column])
    missing = [c for c in needed if c not in y.columns]
    if missing:
        raise ValueError(
            f"{what} has no column {missing[0]!r} (series_id={series_id!r}, "
            f"time_column={time_column!r}); its columns are {y.columns.tolist()}."
        )
    if y.shape[1] == len(needed):
        raise ValueError(
            f"{what} has only the columns {needed}: it needs at least one value column."
        )
    frame = y if time_column is None else y.set_index(time_column)
    time_name = frame.index.name
    parts = {
        key: _one(part.drop(columns=[series_id]).sort_index())
        for key, part in frame.groupby(series_id, sort=False)
    }
    return Panel(parts, Layout("long", series_id, time_name))


def write_panel(forecasts, layout):
    """Per-series forecasts (series id -> Series or DataFrame) in ``layout``."""
    if layout.kind == "dict":
        return dict(forecasts)
    if layout.kind == "wide":
        return pd.DataFrame(dict(forecasts))
    if layout.kind == "multiindex":
        return pd.concat(forecasts, names=[layout.id_name, layout.time_name])
    frames = []
    for key, f in forecasts.items():
        f = f.to_frame() if isinstance(f, pd.Series) else f.copy()
        f.index.name = layout.time_name
        f = f.reset_index()
        f.insert(0, layout.id_name, key)
        frames.append(f)
    return pd.concat(frames, ignore_index=True)
