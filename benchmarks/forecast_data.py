"""The series of ``bench_forecast.py``, as train/test groups.

Everything ships inside installed packages (aeon, statsmodels, sktime,
skrnn): nothing is downloaded. A ``Group`` holds pandas Series on a regular
index (the training part of each series and the ``horizon`` periods after
it), the forecast horizon and the seasonal period (1: none).
"""

import os
import warnings
from typing import NamedTuple

import numpy as np
import pandas as pd


class Group(NamedTuple):
    """Series scored together: one table of the benchmark."""

    name: str
    train: list  # pandas Series, each named
    test: list  # the ``horizon`` values after each training series (arrays)
    horizon: int
    period: int


def _split(name, series, horizon, period):
    """A one-series ``Group``: all but the last ``horizon`` values to train."""
    series = series.astype(float).rename(name)
    return Group(
        name, [series.iloc[:-horizon]], [series.iloc[-horizon:].to_numpy()], horizon, period
    )


def load_m1_yearly(n_series=None):
    """The 181 yearly series of the M1 competition (aeon's .tsf copy),
    horizon 6; the first ``n_series`` of them if given."""
    import aeon
    from aeon.datasets import load_from_tsf_file

    path = os.path.join(os.path.dirname(aeon.__file__), "datasets", "data", "m1_yearly_dataset")
    frame, meta = load_from_tsf_file(os.path.join(path, "m1_yearly_dataset.tsf"))
    horizon = int(meta["forecast_horizon"])
    rows = frame.iloc[:n_series] if n_series else frame
    train, test = [], []
    for name, start, values in zip(rows.series_name, rows.start_timestamp, rows.series_value):
        values = np.asarray(values, dtype=float)
        index = pd.date_range(pd.Timestamp(start), periods=len(values), freq="YS")
        series = pd.Series(values, index=index, name=str(name))
        train.append(series.iloc[:-horizon])
        test.append(values[-horizon:])
    return Group("M1 yearly", train, test, horizon, 1)


def load_airline_split():
    """Box & Jenkins' airline passengers: train 1949-01..1957-12, forecast
    1958-01..1960-12 (36 months), seasonal period 12."""
    from skrnn.datasets import load_airline

    return _split("airline", load_airline(), 36, 12)


def _co2_monthly():
    """statsmodels' Mauna Loa CO2 (weekly, 1958-2001) as monthly means; the
    five months without a single weekly reading are interpolated linearly."""
    import statsmodels.api as sm

    weekly = sm.datasets.co2.load_pandas().data["co2"]
    return weekly.resample("MS").mean().interpolate("linear")


def _yearly(frame, year, value):
    """A statsmodels yearly data frame as a Series on a year-start index."""
    start = pd.Timestamp(year=int(frame[year].iloc[0]), month=1, day=1)
    index = pd.date_range(start, periods=len(frame), freq="YS")
    return pd.Series(frame[value].to_numpy(), index=index)


def load_heldout():
    """Public series not used to choose any default, one ``Group`` each:
    CO2 monthly (horizon 24), sunspots yearly (11, one solar cycle), Nile
    yearly flow (10), lynx trappings yearly (10), shampoo sales monthly (6).
    The yearly series have cycles but no calendar season: period 1."""
    import statsmodels.api as sm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sktime's loaders' deprecation notes
        from sktime.datasets import load_lynx, load_shampoo_sales

        lynx, shampoo = load_lynx(), load_shampoo_sales()
    sunspots = _yearly(sm.datasets.sunspots.load_pandas().data, "YEAR", "SUNACTIVITY")
    nile = _yearly(sm.datasets.nile.load_pandas().data, "year", "volume")
    return [
        _split("co2", _co2_monthly(), 24, 12),
        _split("sunspots", sunspots, 11, 1),
        _split("nile", nile, 10, 1),
        _split("lynx", lynx, 10, 1),
        _split("shampoo", shampoo, 6, 12),
    ]
