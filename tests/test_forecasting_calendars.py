"""Calendars, frequencies and time zones of the series a forecaster reads.

A series is forecast on its own calendar: business days stay business days
(a missing holiday is a gap, not a switch to calendar days), a daily series is
daily in local time across a daylight-saving change (and named "D" on pandas
2 and 3), ``freq=`` names a calendar pandas cannot infer, and data at another
frequency or in another time zone than the training series is refused with
both named. A refused call leaves a fitted forecaster as it was.
"""

import pickle

import numpy as np
import pandas as pd
import pytest
from conftest import LastRow, unchanged, words  # noqa: E402
from sklearn.base import clone

from skrnn import RNNRegressor
from skrnn.forecasting import RNNForecaster, backtest
from skrnn.preprocessing import make_windows

PARIS = "Europe/Paris"  # summer time from 2024-03-31 02:00 (and 2024-10-27 03:00)


def series(index, name="y"):
    return pd.Series(np.sin(np.arange(len(index)) / 3.0) + 2.0, index=index, name=name)


# -------------------------------------------------------- daylight saving
@pytest.mark.parametrize("save", ["pickle", "skops"])
def test_daily_forecaster_across_a_daylight_saving_change_loads_bitwise(save):
    # the last window (12 days) spans the change of 2024-03-31: its UTC
    # instants are 23 hours apart there, its local dates one day
    index = pd.date_range("2024-03-01", "2024-04-05", freq="D", tz=PARIS, name="day")
    f = RNNForecaster(
        RNNRegressor(hidden_size=4, max_iter=10, random_state=0),
        window=12,
        differentiation=1,
        calibration_size=8,
    ).fit(series(index))
    if save == "pickle":
        g = pickle.loads(pickle.dumps(f))
    else:
        sio = pytest.importorskip("skops.io")
        blob = sio.dumps(f)
        untrusted = sio.get_untrusted_types(data=blob)
        assert all(t.startswith("skrnn.") for t in untrusted), untrusted
        g = sio.loads(blob, trusted=untrusted)
    pd.testing.assert_series_equal(g.last_window_, f.last_window_, check_freq=True)
    assert g.last_window_.index.freqstr == "D" and g.freq_ == f.freq_
    a, b = f.predict(5), g.predict(5)
    pd.testing.assert_index_equal(a.index, b.index)
    assert a.to_numpy().tobytes() == b.to_numpy().tobytes()
    pd.testing.assert_frame_equal(
        f.predict_interval(4, coverage=0.5), g.predict_interval(4, coverage=0.5)
    )


def test_daily_forecast_stays_at_local_midnight_across_daylight_saving():
    # the series ends on 2024-03-31, a day of 23 hours: the next period is
    # the next calendar day (pandas 2 adds a "D" as 24 hours: 01:00)
    y = series(pd.date_range("2024-03-01", "2024-03-31", freq="D", tz=PARIS))
    pred = RNNForecaster(LastRow(), window=4).fit(y).predict(4)
    expected = pd.date_range("2024-04-01", periods=4, freq="D", tz=PARIS)
    assert list(pred.index) == list(expected)
    assert (pred.index.hour == 0).all() and pred.index.freqstr == "D"


def test_zone_aware_daily_series_with_a_gap_is_filled_as_daily():
    index = pd.date_range("2024-03-20", "2024-04-10", freq="D", tz=PARIS)
    y = series(index).drop(index[5])  # a gap before the change
    with pytest.raises(
        ValueError, match=words("1 period(s) missing at frequency D", "the first 2024-03-25")
    ):
        RNNForecaster(LastRow(), window=4).fit(y)
    f = RNNForecaster(LastRow(), window=4, fill="interpolate").fit(y)
    assert f.freq_.freqstr == "D"
    assert f.predict(2).index[0] == pd.Timestamp("2024-04-11", tz=PARIS)
    X, target, _ = make_windows(y, 4, fill="interpolate")
    assert len(X) == len(index) - 4
    assert X[2, 3, 0] == pytest.approx((y.iloc[4] + y.iloc[5]) / 2)  # the missing day


@pytest.mark.parametrize("tz", [None, PARIS])
def test_daily_series_with_gaps_everywhere_is_daily_not_24_hours(tz):
    # no stretch of 8 days without a gap (pandas infers nothing on any):
    # the commonest step, one day at one time of day, is "D" in local time
    index = pd.date_range("2024-03-15", periods=30, freq="D", tz=tz)
    y = series(index).drop(index[[4, 11, 17, 23]])
    with pytest.raises(
        ValueError, match=words("4 period(s) missing at frequency D,", "the first 2024-03-19")
    ):
        RNNForecaster(LastRow(), window=3).fit(y)
    f = RNNForecaster(LastRow(), window=3, fill="ffill").fit(y)
    assert f.freq_.freqstr == "D"
    pred = f.predict(3)
    assert pred.index.freqstr == "D" and list(pred.index) == list(
        pd.date_range("2024-04-14", periods=3, freq="D", tz=tz)
    )


# ---------------------------------------------------------- business days
def test_business_days_missing_a_holiday_stay_business_days():
    index = pd.bdate_range("2024-01-01", periods=40)  # Mondays to Fridays
    holiday = pd.Timestamp("2024-01-15")
    y = series(index).drop(holiday)
    for fit in (lambda: make_windows(y, 3), lambda: RNNForecaster(LastRow(), window=3).fit(y)):
        with pytest.raises(
            ValueError,
            match=words(
                "1 period(s) missing at frequency B, the first 2024-01-15",
                "CustomBusinessDay(holidays=",
            ),
        ):
            fit()
    f = RNNForecaster(LastRow(), window=3, fill="ffill").fit(y)
    assert f.freq_ == pd.offsets.BusinessDay()
    pred = f.predict(6)  # from Friday 2024-02-23: no Saturday, no Sunday
    assert list(pred.index) == list(pd.bdate_range("2024-02-26", periods=6))
    assert f.last_window_.index[-1] == index[-1]
    X, _, starts = make_windows(y, 3, fill="ffill")
    assert len(X) == len(index) - 3 and (starts.dayofweek < 5).all()


def test_freq_names_a_calendar_pandas_cannot_infer():
    holidays = ["2024-01-15", "2024-02-19", "2024-02-20"]
    calendar = pd.offsets.CustomBusinessDay(holidays=holidays)
    index = pd.date_range("2024-01-02", "2024-02-16", freq=calendar)
    y = series(index)
    y = y.set_axis(pd.DatetimeIndex(list(y.index)))  # as read from a file: no freq
    with pytest.raises(ValueError, match="missing at frequency B, the first 2024-01-15"):
        RNNForecaster(LastRow(), window=3).fit(y)
    f = RNNForecaster(LastRow(), window=3, freq=calendar)
    assert f.get_params()["freq"] is calendar and clone(f).get_params()["freq"] == calendar
    f.fit(y)
    # after Friday 2024-02-16: the holidays of 19 and 20 February are skipped
    assert [str(d.date()) for d in f.predict(3).index] == [
        "2024-02-21",
        "2024-02-22",
        "2024-02-23",
    ]
    g = pickle.loads(pickle.dumps(f))
    assert g.freq == calendar and g.freq_ == calendar
    pd.testing.assert_series_equal(g.predict(3), f.predict(3))
    assert g.last_window_.index.freq == calendar
    sio = pytest.importorskip("skops.io")
    blob = sio.dumps(f)
    untrusted = sio.get_untrusted_types(data=blob)  # no pandas offset among them
    assert all(t.startswith(("skrnn.", "conftest.")) for t in untrusted), untrusted
    pd.testing.assert_series_equal(sio.loads(blob, trusted=untrusted).predict(3), f.predict(3))


def test_freq_overrides_the_inferred_frequency():
    # weekdays only, but declared daily: the weekends are gaps to fill
    index = pd.bdate_range("2024-01-01", periods=15)
    y = series(index)
    assert RNNForecaster(LastRow(), window=3).fit(y).freq_ == pd.offsets.BusinessDay()
    with pytest.raises(
        ValueError, match=words("gaps: 4 period(s) missing at frequency D", "the first 2024-01-06")
    ):
        RNNForecaster(LastRow(), window=3, freq="D").fit(y)
    f = RNNForecaster(LastRow(), window=3, freq="D", fill="ffill").fit(y)
    assert f.predict(2).index[0] == pd.Timestamp("2024-01-20")  # a Saturday, as asked
    with pytest.raises(
        ValueError, match=words("off the grid of frequency B", "2024-01-06", "at frequency D")
    ):
        make_windows(series(pd.date_range("2024-01-01", periods=15)), 3, freq="B")
    # an integer index: freq is the step
    r = series(pd.RangeIndex(0, 30, 3)).drop(9)
    f = RNNForecaster(LastRow(), window=3, freq=3, fill="ffill").fit(r)
    assert f.freq_ == 3 and list(f.predict(2).index) == [30, 33]


@pytest.mark.parametrize(
    "index, freq, error, parts",
    [
        (
            pd.date_range("2024-01-01", periods=20, freq="D"),
            "xyz",
            ValueError,
            ["freq must be a pandas frequency", "got 'xyz'"],
        ),
        (
            pd.date_range("2024-01-01", periods=20, freq="D"),
            3,
            ValueError,
            ["freq=3 is an integer step, for an integer index", "DatetimeIndex", "'D', 'B'"],
        ),
        (
            pd.RangeIndex(20),
            "D",
            ValueError,
            ["integer index, whose frequency is a step", "got 'D'"],
        ),
        (
            pd.period_range("2024-01", periods=20, freq="M"),
            "Q",
            ValueError,
            ["PeriodIndex is at frequency M, but freq='Q", "keeps its own frequency"],
        ),
        (
            pd.RangeIndex(20),
            2.5,
            ValueError,
            [
                "The 'freq' parameter of RNNForecaster must be an int in the range [1, inf), "
                "an instance of 'str'",
                "Got 2.5 instead",
            ],
        ),
    ],
)
def test_freq_is_checked_at_fit_and_a_refused_fit_changes_nothing(index, freq, error, parts):
    y = series(index)
    f = RNNForecaster(LastRow(), window=3).fit(y)
    f.set_params(freq=freq)
    assert f.get_params()["freq"] is freq  # stored as given
    with unchanged(f), pytest.raises(error, match=words(*parts)):
        f.fit(y)


# ------------------------------------------------- data at another frequency
@pytest.mark.parametrize(
    "train, window, parts",
    [
        (
            pd.date_range("2024-01-01", periods=40, freq="D"),
            pd.date_range("2024-03-01", periods=10, freq="h"),
            [
                "last_window is at frequency h, but the forecaster was fitted at frequency D",
                "2024-03-01 01:00:00 is not on its grid",
            ],
        ),
        (
            pd.bdate_range("2024-01-01", periods=40),
            pd.date_range("2024-03-01", periods=10, freq="D"),
            [
                "last_window is at frequency D, but the forecaster was fitted at frequency B",
                "2024-03-02 is not on its grid",
            ],
        ),
        (
            pd.RangeIndex(0, 80, 2),
            pd.RangeIndex(100, 110),
            ["last_window is at step 1, but the forecaster was fitted at step 2", "101 is not"],
        ),
        (
            pd.period_range("2000Q1", periods=40, freq="Q"),
            pd.period_range("2011-01", periods=10, freq="M"),
            ["last_window is at frequency M, but the forecaster was fitted at frequency Q-DEC"],
        ),
        (
            pd.date_range("2024-01-01", periods=40, freq="D"),
            pd.RangeIndex(10),
            [
                "last_window is indexed by an integer index, but the training series by a "
                "DatetimeIndex"
            ],
        ),
        (
            pd.date_range("2024-01-01", periods=40, freq="D", tz=PARIS),
            pd.date_range("2024-03-01", periods=10, freq="D"),
            [
                "time zones differ: last_window's index is timezone-naive, but the training series' "
                "index is in time zone Europe/Paris",
                "last_window.tz_localize('Europe/Paris')",
            ],
        ),
    ],
)
def test_last_window_unlike_the_training_series_is_refused(train, window, parts):
    f = RNNForecaster(LastRow(), window=4).fit(series(train))
    with unchanged(f), pytest.raises(ValueError, match=words(*parts)):
        f.predict(3, last_window=series(window))


def test_last_window_in_another_zone_is_the_same_instants():
    index = pd.date_range("2024-01-01", periods=40, freq="h", tz=PARIS)
    y = series(index)
    f = RNNForecaster(LastRow(), window=4).fit(y.iloc[:30])
    in_utc = f.predict(3, last_window=y.tz_convert("UTC"))
    pd.testing.assert_series_equal(in_utc, f.predict(3, last_window=y))
    assert str(in_utc.index.tz) == PARIS


def test_score_needs_the_training_frequency():
    y = series(pd.date_range("2024-01-01", periods=60, freq="D"))
    f = RNNForecaster(LastRow(), window=4).fit(y.iloc[:40])
    hourly = series(pd.date_range("2024-02-10", periods=20, freq="h"))
    with (
        unchanged(f),
        pytest.raises(
            ValueError,
            match=words("y is at frequency h, but the forecaster was fitted at frequency D"),
        ),
    ):
        f.score(hourly)


# ------------------------------------------------------------ time zones
@pytest.fixture
def paris_days():
    index = pd.date_range("2024-03-01", periods=50, freq="D", tz=PARIS)
    x = pd.DataFrame({"x": np.cos(np.arange(50.0))}, index=index)
    return series(index[:40]), x


def test_exogenous_values_in_another_zone(paris_days):
    y, x = paris_days
    with pytest.raises(
        ValueError,
        match=words(
            "The time zones differ: X's index is timezone-naive, but y's index is in time "
            "zone Europe/Paris",
            "X.tz_localize('Europe/Paris')",
        ),
    ):
        RNNForecaster(LastRow(), window=4).fit(y, x.tz_localize(None))
    f = RNNForecaster(LastRow(), window=4).fit(y, x)
    with (
        unchanged(f, X=x),
        pytest.raises(
            ValueError,
            match=words(
                "time zones differ: X's index is timezone-naive", "in time zone Europe/Paris"
            ),
        ),
    ):
        f.predict(3, x.tz_localize(None))
    # zone-aware in another zone: the same instants, converted
    pd.testing.assert_series_equal(f.predict(3, x.tz_convert("UTC")), f.predict(3, x))
    # other instants: the message says the zones differed
    shifted = x.tz_localize(None).tz_localize("UTC")
    with pytest.raises(
        ValueError,
        match=words(
            "lacks exogenous values for 3 of the 3",
            "X's index was in time zone UTC, y's is in Europe/Paris",
        ),
    ):
        f.predict(3, shifted)


def test_exogenous_values_on_another_kind_of_index(paris_days):
    y, x = paris_days
    periods = x.tz_localize(None).to_period("D")
    with pytest.raises(
        ValueError, match=words("X is indexed by a PeriodIndex, but y by a DatetimeIndex")
    ):
        RNNForecaster(LastRow(), window=4).fit(y, periods)


def test_exogenous_gaps_are_filled_at_the_frequency_of_y():
    # y and X on business days without Monday 15 January; X misses Tuesday
    # 16 too. On y's calendar Tuesday lies between Friday 12 and Wednesday
    # 17: interpolated, it is the value dropped (X counts the days).
    calendar = pd.offsets.CustomBusinessDay(holidays=["2024-01-15"])
    index = pd.date_range("2024-01-02", periods=15, freq=calendar)
    x = pd.DataFrame({"x": np.arange(15.0)}, index=index)
    y = series(index[:9])  # to Friday 12
    f = RNNForecaster(
        LastRow(cols=(1,)), window=3, standardize=False, fill="interpolate", freq=calendar
    ).fit(y, x)
    pred = f.predict(3, x.drop(pd.Timestamp("2024-01-16")))
    assert pred.index.equals(index[9:12])
    np.testing.assert_array_equal(pred.to_numpy(), [9.0, 10.0, 11.0])


def test_backtest_folds_follow_the_declared_calendar():
    calendar = pd.offsets.CustomBusinessDay(holidays=["2024-01-15"])
    index = pd.DatetimeIndex(list(pd.date_range("2024-01-02", periods=30, freq=calendar)))
    forecasts, metrics = backtest(
        RNNForecaster(LastRow(), window=3, freq=calendar), series(index), initial=20, steps=5
    )
    assert forecasts.index.equals(index[20:]) and metrics["n_steps"].tolist() == [5, 5]
