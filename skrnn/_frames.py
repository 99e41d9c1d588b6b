"""pandas objects in a pickled estimator, as plain values.

skops loads an estimator trusting only the types it is told to trust; a
pandas Series or offset inside it would have to be trusted too. An estimator
that keeps pandas attributes (the forecaster's last window, its frequency)
mixes in :class:`PandasStateMixin`, which stores them as NumPy arrays,
strings and numbers, and rebuilds them on loading.

The stored values are plain dicts (the types below name their keys): the
layout is what pickles and skops files hold, and loading must keep reading
the files written so far.
"""

import datetime
import numbers
from collections.abc import Hashable
from typing import TypedDict

import numpy as np
import pandas as pd


class PackedIndex(TypedDict, total=False):
    """A regular index as plain values; the keys after ``values`` depend on ``kind``."""

    kind: str  # "datetime", "period" or "range"
    values: np.ndarray  # int64: instants (UTC), period ordinals or labels
    unit: str  # datetime: the resolution of the instants
    tz: str | None  # datetime: the time zone
    freq: object  # datetime: a PackedOffset or None; period: its alias
    step: int | None  # range: a RangeIndex's step
    name: Hashable


class PackedFrame(TypedDict):
    """A Series or DataFrame on a regular index as plain values."""

    series: bool
    name: Hashable  # a Series' name (None for a DataFrame)
    columns: list | None  # a DataFrame's columns
    values: np.ndarray
    index: PackedIndex


class PackedOffset(TypedDict, total=False):
    """A pandas offset: its alias (``freqstr``) or its class and parameters."""

    freqstr: str
    offset: str  # the class name in ``pd.offsets``
    n: int
    normalize: bool
    kwds: dict  # its parameters, each as plain values (see ``_pack_value``)


class PandasStateMixin:
    """Pickles the pandas frames named in ``_PANDAS_FRAMES`` and the offsets
    named in ``_PANDAS_OFFSETS`` as plain values (see the module docstring);
    goes before ``VersionedStateMixin`` and ``BaseEstimator`` in the bases."""

    _PANDAS_FRAMES = ()
    _PANDAS_OFFSETS = ()

    def __getstate__(self):
        state = super().__getstate__()
        for name in self._PANDAS_FRAMES:
            if state.get(name) is not None:
                state[name] = pack_frame(state[name])
        for name in self._PANDAS_OFFSETS:
            if isinstance(state.get(name), pd.DateOffset):
                state[name] = pack_offset(state[name])
        return state

    def __setstate__(self, state):
        state = dict(state)
        for name in self._PANDAS_FRAMES:
            if isinstance(state.get(name), dict):
                state[name] = unpack_frame(state[name])
        for name in self._PANDAS_OFFSETS:
            if isinstance(state.get(name), dict):
                state[name] = unpack_offset(state[name])
        super().__setstate__(state)


def pack_frame(obj):
    """A Series/DataFrame on a regular index as a ``PackedFrame``."""
    return PackedFrame(
        series=isinstance(obj, pd.Series),
        name=obj.name if isinstance(obj, pd.Series) else None,
        columns=None if isinstance(obj, pd.Series) else list(obj.columns),
        values=obj.to_numpy(),
        index=_pack_index(obj.index),
    )


def _pack_index(idx):
    if isinstance(idx, pd.DatetimeIndex):
        # the instants (UTC), the zone, and the frequency, set again after
        # conversion: a daily index across a daylight-saving change is daily
        # in local time only
        index = PackedIndex(
            kind="datetime",
            values=idx.asi8,
            unit=idx.unit,
            tz=None if idx.tz is None else str(idx.tz),
            freq=None if idx.freq is None else pack_offset(idx.freq),
        )
    elif isinstance(idx, pd.PeriodIndex):
        index = PackedIndex(kind="period", values=idx.asi8, freq=idx.freqstr)
    else:
        index = PackedIndex(
            kind="range",
            values=np.asarray(idx, dtype=np.int64),
            step=idx.step if isinstance(idx, pd.RangeIndex) else None,
        )
    index["name"] = idx.name
    return index


def unpack_frame(packed):
    """The Series/DataFrame ``pack_frame`` stored."""
    index = _unpack_index(packed["index"])
    if packed["series"]:
        return pd.Series(packed["values"], index=index, name=packed["name"])
    return pd.DataFrame(packed["values"], index=index, columns=packed["columns"])


def _unpack_index(ix):
    if ix["kind"] == "datetime":
        index = pd.DatetimeIndex(ix["values"].astype(f"datetime64[{ix['unit']}]"), name=ix["name"])
        if ix["tz"] is not None:
            index = index.tz_localize("UTC").tz_convert(ix["tz"])
        if ix["freq"] is not None:
            index = pd.DatetimeIndex(index, freq=unpack_offset(ix["freq"]))
        return index
    if ix["kind"] == "period":
        return pd.PeriodIndex.from_ordinals(ix["values"], freq=ix["freq"], name=ix["name"])
    v = ix["values"]
    step = ix.get("step") or (int(v[1] - v[0]) if len(v) > 1 else 1)
    return pd.RangeIndex(int(v[0]), int(v[-1]) + step, step, name=ix["name"])


def pack_offset(offset):
    """A pandas offset as a ``PackedOffset``, so that skops trusts it: its
    alias when that names it exactly ('D', 'B', 'W-SUN'), else its class in
    ``pd.offsets`` and parameters (a CustomBusinessDay's holidays and
    weekmask, a BusinessHour's opening hours). An offset with parameters of
    other types is kept as it is (pickle saves it; skops then lists it)."""
    try:
        if pd.tseries.frequencies.to_offset(offset.freqstr) == offset:
            return PackedOffset(freqstr=offset.freqstr)
    except (ValueError, TypeError):
        pass
    try:
        kwds = {
            key: _pack_value(value) for key, value in offset.kwds.items() if key != "calendar"
        }  # a CustomBusinessDay's, from its holidays
    except TypeError:
        return offset
    packed = PackedOffset(
        offset=type(offset).__name__,
        n=int(offset.n),
        normalize=bool(offset.normalize),
        kwds=kwds,
    )
    return packed if unpack_offset(packed) == offset else offset


def unpack_offset(packed):
    """The offset ``pack_offset`` stored (an alias: older pickles)."""
    if isinstance(packed, str):
        return pd.tseries.frequencies.to_offset(packed)
    if not isinstance(packed, dict):
        return packed
    if "freqstr" in packed:
        return pd.tseries.frequencies.to_offset(packed["freqstr"])
    cls = getattr(pd.offsets, packed["offset"], None)
    if not (isinstance(cls, type) and issubclass(cls, pd.offsets.BaseOffset)):
        raise ValueError(f"{packed['offset']!r} is not a pandas offset.")
    kwds = {key: _unpack_value(value) for key, value in packed["kwds"].items()}
    return cls(n=packed["n"], normalize=packed["normalize"], **kwds)


def _pack_value(value):
    """An offset's parameter as plain values: a timedelta in microseconds,
    opening hours as ISO times, holidays as day numbers."""
    if value is None or isinstance(value, (bool, numbers.Integral, float, str)):
        return value
    if isinstance(value, datetime.timedelta):
        return {"microseconds": int(pd.Timedelta(value) // pd.Timedelta(microseconds=1))}
    items = list(value) if isinstance(value, (tuple, list)) else None
    if items is not None and all(isinstance(v, datetime.time) for v in items):
        return {"times": [v.isoformat() for v in items]}
    if items is not None and all(isinstance(v, np.datetime64) for v in items):
        return {"days": np.asarray(items, dtype="datetime64[D]").astype(np.int64)}
    raise TypeError(f"cannot store {value!r} as plain values")


def _unpack_value(value):
    if not isinstance(value, dict):
        return value
    if "microseconds" in value:
        return datetime.timedelta(microseconds=value["microseconds"])
    if "times" in value:
        return tuple(datetime.time.fromisoformat(v) for v in value["times"])
    return tuple(np.asarray(value["days"], dtype=np.int64).astype("datetime64[D]"))
