"""Windowing, RNNForecaster and backtest."""

import pickle
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import LastRow, unchanged, words  # noqa: E402
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from skrnn import RNNRegressor
from skrnn.datasets import load_airline
from skrnn.forecasting import RNNForecaster, backtest
from skrnn.preprocessing import make_windows


def monthly(values, start="2000-01-01", name="y"):
    return pd.Series(
        np.asarray(values, dtype=float),
        name=name,
        index=pd.date_range(start, periods=len(values), freq="MS"),
    )


def small_rnn(**kw):
    params = dict(hidden_size=8, solver="lbfgs", max_iter=60, random_state=0)
    params.update(kw)
    return RNNRegressor(**params)


# ------------------------------------------------------------------ windows
@pytest.mark.parametrize("horizon", [1, 3])
def test_windows_never_contain_the_future(horizon):
    n, w = 40, 5
    df = pd.DataFrame(
        {"y": np.arange(n, dtype=float), "x": 1000.0 + np.arange(n)}, index=pd.RangeIndex(n)
    )
    X, y, index = make_windows(df, w, horizon, target="y")
    assert X.shape == (n - w - horizon + 1, w, 1 + horizon)
    first_target = np.asarray(index)
    assert (y if horizon > 1 else y[:, None])[:, 0].tolist() == first_target.tolist()
    # targets in a window: the w periods right before its first target
    np.testing.assert_array_equal(X[:, :, 0], first_target[:, None] - w + np.arange(w))
    # exogenous leads: row s carries x at s+1 .. s+horizon, never past the
    # last period being forecast
    for k in range(1, horizon + 1):
        np.testing.assert_array_equal(X[:, :, k] - 1000, X[:, :, 0] + k)
    assert (X[:, :, 1:] - 1000 <= first_target[:, None, None] + horizon - 1).all()


def test_windows_shapes_multi_target_and_doc_layout():
    df = pd.DataFrame(
        {"a": np.arange(10.0), "b": -np.arange(10.0)},
        index=pd.period_range("2001-01", periods=10, freq="M"),
    )
    X, y, index = make_windows(df, 4, 2)
    assert X.shape == (5, 4, 2) and y.shape == (5, 2, 2)
    np.testing.assert_array_equal(y[0], [[4, -4], [5, -5]])
    assert str(index[0]) == "2001-05"
    X1, y1, _ = make_windows(df["a"], 4)
    assert X1.shape == (6, 4, 1) and y1.shape == (6,)


@pytest.mark.parametrize(
    "mutate, message",
    [
        (
            lambda y: y.drop(y.index[5]),
            "1 period(s) missing at frequency MS, the first 2000-06-01",
        ),
        (
            lambda y: y.set_axis(
                pd.Timestamp("2000-01-01")
                + pd.to_timedelta(np.cumsum(np.arange(20) * 37 + 60), unit="min")
            ),
            "no frequency pandas can infer",
        ),
        (lambda y: y.iloc[[0, 2, 1] + list(range(3, len(y)))], "not sorted in increasing order"),
        (
            lambda y: pd.concat([y, y.iloc[[4]]]).sort_index(),
            "duplicated labels: 2000-05-01 appears 2",
        ),
        (lambda y: y.where(y.index != y.index[7]), "NaN at 2000-08-01"),
        (
            lambda y: y.reset_index(drop=True).set_axis(list("abcdefghijklmnopqrst")),
            "DatetimeIndex, PeriodIndex or integer",
        ),
        (lambda y: y.reset_index(drop=True).drop(3), "1 period(s) missing at step 1, the first 3"),
        (
            lambda y: y.set_axis(y.index.where(y.index != y.index[6])),
            "index has a missing label (NaT) at position 6",
        ),
    ],
)
def test_windows_bad_index_or_values(mutate, message):
    y = monthly(np.arange(20))
    with pytest.raises((ValueError, TypeError), match=re.escape(message)):
        make_windows(mutate(y), 3)


def test_text_labels_are_refused_for_their_type_not_their_order():
    # "10" sorts before "9" as text: the index is of the wrong type, and the
    # message says which types are supported and how to convert dates
    y = pd.Series(np.arange(20.0), index=[str(i) for i in range(20)])
    expected = words(
        "must be indexed by a DatetimeIndex, PeriodIndex or integer (Range)Index",
        "got Index of dtype",
        "pd.to_datetime(y.index)",
    )
    with pytest.raises(TypeError, match=expected) as info:
        RNNForecaster(LastRow(), window=3).fit(y)
    assert "sorted" not in str(info.value)
    with pytest.raises(TypeError, match=words("data must be indexed by a DatetimeIndex")):
        make_windows(y, 3)


@pytest.mark.parametrize(
    "target, message",
    [
        ([], "target names no column: pass a column label or a non-empty list"),
        (["a", "a"], "target names column 'a' more than once: ['a', 'a']"),
        ("c", "target 'c' is not a column of data; columns: ['a', 'b']"),
    ],
)
def test_windows_target_must_name_columns(target, message):
    df = pd.DataFrame({"a": np.arange(10.0), "b": np.arange(10.0)}, index=pd.RangeIndex(10))
    with pytest.raises(ValueError, match=re.escape(message)):
        make_windows(df, 3, target=target)


def test_windows_daily_gap_named_and_filled_on_request():
    y = pd.Series(np.arange(10.0), index=pd.date_range("2024-01-01", periods=10, freq="D"))
    gap = y.drop(pd.Timestamp("2024-01-05"))
    with pytest.raises(ValueError, match="missing .* the first 2024-01-05"):
        make_windows(gap, 3)
    X, t, index = make_windows(gap, 3, fill="interpolate")
    assert len(X) == 7 and X[2, 2, 0] == 4.0  # the missing day, interpolated
    with pytest.raises(ValueError, match="fill must be None or one of"):
        make_windows(gap, 3, fill="mean")
    with pytest.raises(ValueError, match="need at least 13"):
        make_windows(y, 12)
    with pytest.raises(ValueError, match="window must be an integer >= 1, got 0"):
        make_windows(y, 0)


# ------------------------------------------------------- forecaster basics
@pytest.mark.parametrize(
    "index, expected",
    [
        (
            pd.date_range("2000-01-01", periods=30, freq="MS"),
            pd.date_range("2002-07-01", periods=4, freq="MS"),
        ),
        (
            pd.date_range("2021-03-01", periods=30, freq="D"),
            pd.date_range("2021-03-31", periods=4, freq="D"),
        ),
        (
            pd.period_range("1990Q1", periods=30, freq="Q"),
            pd.period_range("1997Q3", periods=4, freq="Q"),
        ),
        (pd.RangeIndex(0, 60, 2), pd.RangeIndex(60, 68, 2)),
        (pd.Index(np.arange(100, 130)), pd.RangeIndex(130, 134)),
    ],
)
def test_forecast_index_follows_the_training_frequency(index, expected):
    y = pd.Series(np.sin(np.arange(30) / 3.0), index=index, name="load")
    f = RNNForecaster(LastRow(), window=5).fit(y)
    pred = f.predict(4)
    assert isinstance(pred, pd.Series) and pred.name == "load"
    pd.testing.assert_index_equal(pred.index, expected, exact=False)
    assert list(pred.index) == list(expected)


class Wrapper(RegressorMixin, BaseEstimator):
    """A meta-estimator around one regressor, as users write them."""

    def __init__(self, estimator=None):
        self.estimator = estimator

    def fit(self, X, y):
        self.estimator_ = clone(self.estimator).fit(X, y)
        return self

    def predict(self, X):
        return self.estimator_.predict(X)


def test_windows_are_not_scaled_by_their_own_statistics():
    """ "auto" would scale each window by itself; a forecast needs the level."""
    y = monthly(np.arange(40.0) % 7)
    f = RNNForecaster(small_rnn(max_iter=2), window=4).fit(y)
    assert f.estimator_.standardize == "global" and f.estimator_.level_inputs_ is None
    wrapped = RNNForecaster(Wrapper(small_rnn(max_iter=2)), window=4).fit(y)
    assert wrapped.estimator_.estimator_.standardize == "global"
    chosen = RNNForecaster(small_rnn(max_iter=2, standardize="sequence"), window=4).fit(y)
    assert chosen.estimator_.level_inputs_ is not None  # asked for: kept


def test_windows_are_not_held_out_at_random(auto_holds_out_small_sets):
    """Overlapping windows held out at random are no unseen future: "auto"
    early stopping is off inside the forecaster, an explicit True is kept."""
    y = monthly(np.random.RandomState(0).normal(size=40))
    auto = small_rnn(solver="adam", max_iter=2, early_stopping="auto")
    f = RNNForecaster(auto, window=4).fit(y)
    assert f.estimator_.early_stopping is False and f.estimator_.validation_scores_ is None
    X, target, _ = make_windows(y, 4)
    assert len(clone(auto).fit(X, target).validation_scores_) == 2  # outside it holds out
    wrapped = RNNForecaster(Wrapper(auto), window=4).fit(y)
    assert wrapped.estimator_.estimator_.early_stopping is False
    chosen = RNNForecaster(
        small_rnn(solver="adam", max_iter=2, early_stopping=True), window=4
    ).fit(y)
    assert len(chosen.estimator_.validation_scores_) == 2


def test_recursive_feeds_predictions_back_and_direct_predicts_at_once():
    y = monthly(np.arange(30) % 7)
    # LastRow repeats the last value: recursive forecasts stay flat
    rec = RNNForecaster(LastRow(), window=4, standardize=False).fit(y)
    np.testing.assert_array_equal(rec.predict(5).to_numpy(), [y.iloc[-1]] * 5)

    class LastRowMulti(LastRow):
        def predict(self, X):  # 'direct' with horizon 3: three outputs
            return np.repeat(X[:, -1, :1], 3, axis=1) + np.arange(3)

    dire = RNNForecaster(
        LastRowMulti(), window=4, strategy="direct", horizon=3, standardize=False
    ).fit(y)
    np.testing.assert_array_equal(dire.predict(2).to_numpy(), y.iloc[-1] + np.arange(2))
    with pytest.raises(ValueError, match="steps=4 is more than horizon=3"):
        dire.predict(4)


@pytest.mark.parametrize(
    "d, series",
    [
        (1, lambda t: 5.0 + 2.0 * t),
        (2, lambda t: 1.0 + 0.5 * t + 0.25 * t**2),
    ],
)
def test_differencing_is_integrated_back_exactly(d, series):
    # the d-th difference is constant: repeating it must continue the series
    t = np.arange(40.0)
    y = monthly(series(t))
    f = RNNForecaster(LastRow(), window=3, differentiation=d).fit(y)
    np.testing.assert_allclose(f.predict(6).to_numpy(), series(np.arange(40.0, 46.0)), rtol=1e-12)


@pytest.mark.parametrize("strategy", ["recursive", "direct"])
def test_exogenous_values_of_the_forecast_periods_reach_the_model(strategy):
    # y_t = x_t: a model reading the last row's exogenous lead (+1) is exact
    rng = np.random.default_rng(0)
    x = pd.Series(
        rng.normal(size=60), name="x", index=pd.date_range("2020-01-01", periods=60, freq="D")
    )
    y = x.rename("y").iloc[:50]
    H = 1 if strategy == "recursive" else 4
    # columns: y, then x at +1 .. +H; the lead k is column k
    est = LastRow(cols=tuple(range(1, H + 1))) if H > 1 else LastRow(cols=(1,))
    f = RNNForecaster(
        est, window=6, strategy=strategy, horizon=H if H > 1 else None, standardize=False
    )
    f.fit(y, x.to_frame())
    steps = 4
    pred = f.predict(steps, x.to_frame())
    np.testing.assert_allclose(pred.to_numpy(), x.iloc[50:54].to_numpy(), rtol=1e-12)
    with pytest.raises(
        ValueError, match="lacks exogenous values for .* first missing is 2020-02-2"
    ):
        f.predict(steps, x.iloc[:52].to_frame())
    with pytest.raises(ValueError, match="pass X with their values"):
        f.predict(steps)
    g = RNNForecaster(LastRow(), window=6).fit(y)
    with pytest.raises(ValueError, match="fitted without exogenous variables; X must be None"):
        g.predict(2, x.to_frame())


def test_rnn_learns_a_seasonal_series():
    t = np.arange(96)
    y = monthly(10 + np.sin(2 * np.pi * t / 12) + 0.05 * t)
    f = RNNForecaster(small_rnn(max_iter=200), window=12, differentiation=1).fit(y.iloc[:84])
    err = np.abs(f.predict(12).to_numpy() - y.iloc[84:].to_numpy())
    assert err.mean() < 0.15, err


def test_several_targets_give_a_dataframe_with_their_columns():
    t = np.arange(40.0)
    df = pd.DataFrame(
        {"a": np.sin(t / 2), "b": np.cos(t / 2)},
        index=pd.date_range("2000-01-01", periods=40, freq="W"),
    )
    f = RNNForecaster(small_rnn(max_iter=30), window=6, calibration_size=12).fit(df)
    pred = f.predict(3)
    assert list(pred.columns) == ["a", "b"] and pred.shape == (3, 2)
    inter = f.predict_interval(3, coverage=0.5)
    assert inter.columns.tolist() == [(c, p) for c in "ab" for p in ("pred", "lower", "upper")]
    np.testing.assert_allclose(inter.xs("pred", axis=1, level=1).to_numpy(), pred.to_numpy())
    assert (inter[("a", "lower")] <= inter[("a", "upper")]).all()


# ------------------------------------------------------------- intervals
def test_conformal_interval_covers_at_the_nominal_rate():
    # AR(1) with unit shocks; 90% intervals 1-3 steps ahead from 133 origins
    # after the training data, without refitting
    rng = np.random.default_rng(0)
    n, n0 = 900, 500
    e = rng.normal(size=n)
    z = np.zeros(n)
    for i in range(1, n):
        z[i] = 0.7 * z[i - 1] + e[i]
    y = pd.Series(z, index=pd.RangeIndex(n))
    f = RNNForecaster(small_rnn(hidden_size=4, max_iter=30), window=5, calibration_size=200).fit(
        y.iloc[:n0]
    )
    hits = []
    for origin in range(n0, n - 3, 3):
        band = f.predict_interval(3, coverage=0.9, last_window=y.iloc[:origin])
        truth = y.iloc[origin : origin + 3].to_numpy()
        hits.extend((band["lower"].to_numpy() <= truth) & (truth <= band["upper"].to_numpy()))
    coverage = np.mean(hits)
    assert 0.85 <= coverage <= 0.95, coverage
    assert f.calibration_residuals_.shape == (200, 200, 1)
    # the interval widens with the horizon (errors accumulate)
    band = f.predict_interval(3, coverage=0.9)
    width = (band["upper"] - band["lower"]).to_numpy()
    assert width[0] < width[2]


def test_interval_errors():
    y = monthly(np.sin(np.arange(60) / 2.0))
    f = RNNForecaster(LastRow(), window=4).fit(y)
    with pytest.raises(ValueError, match="fit with calibration_size"):
        f.predict_interval(3)
    g = RNNForecaster(LastRow(), window=4, calibration_size=10).fit(y)
    with pytest.raises(
        ValueError, match=r"step 3 needs at least 9 calibration errors; there are 8"
    ):
        g.predict_interval(3, coverage=0.9)
    with pytest.raises(ValueError, match="calibration errors go 10 steps ahead"):
        g.predict_interval(11, coverage=0.5)
    with pytest.raises(ValueError, match="coverage must be a number in"):
        g.predict_interval(2, coverage=90)


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        (("3",), {}, "steps must be an integer >= 1 (the number of periods to forecast), got '3'"),
        (
            (2,),
            dict(coverage="3"),
            "coverage must be a number in (0, 1), the probability that "
            "the interval holds the truth (e.g. 0.9), got '3'",
        ),
        ((2,), dict(coverage=True), "coverage must be a number in (0, 1)"),
        ((0,), {}, "steps must be an integer >= 1"),
    ],
)
def test_interval_arguments_are_checked_first(args, kwargs, message):
    y = monthly(np.sin(np.arange(60) / 2.0))
    g = RNNForecaster(LastRow(), window=4, calibration_size=20).fit(y)
    with unchanged(g), pytest.raises(ValueError, match=re.escape(message)):
        g.predict_interval(*args, **kwargs)


# -------------------------------------------------------------- backtest
def test_backtest_folds_metrics_and_refit_modes():
    y = monthly(np.sin(np.arange(50) / 2.0) + 3)
    base = RNNForecaster(LastRow(), window=4)
    forecasts, metrics = backtest(base, y, initial=30, steps=8)
    assert not hasattr(base, "estimator_")  # cloned, not fitted in place
    assert metrics["fold"].tolist() == [0, 1, 2]
    assert metrics["n_steps"].tolist() == [8, 8, 4]
    assert forecasts.index.equals(y.index[30:])
    fold1 = forecasts[forecasts["fold"] == 1]
    np.testing.assert_allclose(
        metrics.loc[1, "MAE"], np.abs(fold1["y_true"] - fold1["y_pred"]).mean()
    )
    np.testing.assert_allclose(
        metrics.loc[1, "RMSE"], np.sqrt(((fold1["y_true"] - fold1["y_pred"]) ** 2).mean())
    )
    np.testing.assert_allclose(
        metrics.loc[1, "MAPE"],
        (np.abs(fold1["y_true"] - fold1["y_pred"]) / fold1["y_true"]).mean(),
    )
    # refit=False: one model, later folds forecast from their own last window
    f2, _ = backtest(RNNForecaster(small_rnn(max_iter=20), window=4), y, 30, 8, refit=False)
    one = RNNForecaster(small_rnn(max_iter=20), window=4).fit(y.iloc[:30])
    np.testing.assert_allclose(
        f2[f2["fold"] == 2]["y_pred"].to_numpy(),
        one.predict(4, last_window=y.iloc[:46]).to_numpy(),
    )
    with pytest.raises(ValueError, match="initial=50 leaves no period"):
        backtest(base, y, 50, 8)
    for refit in (-1, 0, 1.5, "yes"):  # 0 would refit never, as False: say False
        with pytest.raises(
            ValueError,
            match=re.escape(
                f"refit must be True, False or an integer >= 1 (refit every that many "
                f"folds), got {refit!r}"
            ),
        ):
            backtest(base, y, 30, 8, refit=refit)
    once, _ = backtest(base, y, 30, 8, refit=np.False_)
    pd.testing.assert_frame_equal(once, backtest(base, y, 30, 8, refit=False)[0])
    every_other, _ = backtest(base, y, 30, 8, refit=2)
    assert every_other["fold"].tolist() == forecasts["fold"].tolist()


# ------------------------------------------------- scikit-learn contract
def test_clone_pickle_and_refit_keep_predictions():
    y = load_airline().iloc[:60]
    f = RNNForecaster(small_rnn(max_iter=30), window=12, differentiation=1, calibration_size=20)
    assert clone(f).get_params()["estimator__hidden_size"] == 8
    f.fit(y)
    g = pickle.loads(pickle.dumps(f))
    pd.testing.assert_series_equal(f.predict(6), g.predict(6))
    pd.testing.assert_frame_equal(
        f.predict_interval(6, coverage=0.8), g.predict_interval(6, coverage=0.8)
    )
    h = clone(f).fit(y)
    pd.testing.assert_series_equal(f.predict(6), h.predict(6))


def test_grid_search_with_time_series_split():
    y = load_airline().iloc[:90]
    search = GridSearchCV(
        RNNForecaster(small_rnn(max_iter=20), differentiation=1),
        {"window": [6, 12], "estimator__hidden_size": [4, 8]},
        cv=TimeSeriesSplit(n_splits=2, test_size=12, gap=2),
    )
    search.fit(y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_estimator_.predict(3).index[0] == pd.Timestamp("1956-07-01")


def test_score_needs_the_periods_after_training():
    y = monthly(np.sin(np.arange(40) / 2.0))
    f = RNNForecaster(LastRow(), window=4).fit(y.iloc[:30])
    assert np.isfinite(f.score(y.iloc[30:]))
    # a TimeSeriesSplit gap: forecast through it, score what follows
    manual = f.predict(10).iloc[2:]
    from sklearn.metrics import r2_score

    assert f.score(y.iloc[32:]) == pytest.approx(r2_score(y.iloc[32:], manual))
    with pytest.raises(ValueError, match="from 2002-07-01; y starts at 2002-06-01"):
        f.score(y.iloc[29:])
    with pytest.raises(ValueError, match=re.escape("y contains NaN at 2002-09-01 (column 'y')")):
        f.score(y.iloc[30:].where(y.index[30:] != "2002-09-01"))


def parameter(name, *expected):
    """The words of scikit-learn's InvalidParameterError for ``name``."""
    return (f"The {name!r} parameter of RNNForecaster must be", *expected)


@pytest.mark.parametrize(
    "params, message",
    [
        (
            dict(strategy="dirct"),
            parameter("strategy", "a str among {", "'recursive'", "Got 'dirct'"),
        ),
        (dict(strategy="direct"), ["strategy='direct' needs horizon"]),
        (dict(window=0), parameter("window", "an int in the range [1, inf). Got 0 instead.")),
        (dict(window=True), parameter("window", "an int in the range [1, inf). Got True")),
        (
            dict(differentiation=-1),
            parameter("differentiation", "an int in the range [0, inf) or None. Got -1"),
        ),
        (
            dict(calibration_size=1.5),
            parameter(
                "calibration_size",
                "an int in the range [1, inf), a float in the range (0.0, 1.0) or None",
                "Got 1.5",
            ),
        ),
        (
            dict(transformer_y="none"),
            parameter(
                "transformer_y",
                "an object implementing 'fit_transform' and 'inverse_transform'",
                "'passthrough'} or None. Got 'none'",
            ),
        ),
        (dict(standardize="yes"), parameter("standardize", "an instance of 'bool'", "Got 'yes'")),
        (dict(window=39), ["y has 40 periods; window=39"]),
    ],
)
def test_bad_parameters_and_a_failed_fit_leaves_the_forecaster_unchanged(params, message):
    y = monthly(np.sin(np.arange(40) / 2.0))
    f = RNNForecaster(LastRow(), window=4).fit(y)
    before = f.predict(3)
    f.set_params(**params)
    with pytest.raises(ValueError, match=words(*message)):
        f.fit(y)
    f.set_params(**RNNForecaster(LastRow(), window=4).get_params())
    pd.testing.assert_series_equal(f.predict(3), before)
    assert f.last_window_.index[-1] == y.index[-1]


def test_input_errors():
    y = monthly(np.arange(30.0))
    f = RNNForecaster(LastRow(), window=4)
    with pytest.raises(NotFittedError):
        f.predict(3)
    with pytest.raises(TypeError, match="must be a pandas Series or DataFrame indexed by time"):
        f.fit(np.arange(30.0))
    with pytest.raises(ValueError, match="NaN at 2000-03-01"):
        f.fit(y.where(y.index != "2000-03-01"))
    f.fit(y)
    with pytest.raises(ValueError, match="steps must be an integer >= 1"):
        f.predict(0)
    with pytest.raises(ValueError, match="last_window has 3 periods"):
        f.predict(2, last_window=y.iloc[:3])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f.predict(2, last_window=y.iloc[:10])


def test_last_window_has_the_targets_of_the_fit():
    y = monthly(np.arange(30.0))
    f = RNNForecaster(LastRow(), window=4).fit(y)
    two = pd.DataFrame({"a": y, "b": y})
    with (
        unchanged(f),
        pytest.raises(
            ValueError,
            match=re.escape(
                "last_window has 2 columns ['a', 'b']; the forecaster was fitted on a Series "
                "(one target): pass a Series or a one-column DataFrame."
            ),
        ),
    ):
        f.predict(2, last_window=two)
    # one column, or a Series of another name: the same forecast
    pd.testing.assert_series_equal(f.predict(3, last_window=two[["b"]]), f.predict(3))
    pd.testing.assert_series_equal(f.predict(3, last_window=y.rename("z")), f.predict(3))
    g = RNNForecaster(LastRow(), window=4).fit(two)
    with pytest.raises(
        ValueError,
        match=re.escape(
            "last_window has columns ['b', 'a']; the forecaster was fitted on ['a', 'b']"
        ),
    ):
        g.predict(2, last_window=two[["b", "a"]])


# ----------------------------------------- values the network cannot read
def _log():
    from sklearn.preprocessing import FunctionTransformer

    return FunctionTransformer(np.log, inverse_func=np.exp)


@pytest.mark.parametrize(
    "params, spoil, message",
    [
        (
            dict(),
            lambda y: y * 1e308,
            [
                "y's values are too large for float64 arithmetic: their mean or variance overflows",
                "the largest absolute value is 1.79e+308",
                "Rescale y first (e.g. divide it by 1e+308)",
            ],
        ),
        (
            dict(standardize=False),
            lambda y: y * 1e308,
            ["y's values are too large for float64 arithmetic", "Rescale y first"],
        ),
        # a variance of 1e+321: scikit-learn's scaler reports scale_ 1, not infinity
        (
            dict(),
            lambda y: y * 1e160,
            ["y's values are too large for float64 arithmetic", "divide it by 1e+160"],
        ),
        (
            dict(differentiation=1),
            lambda y: y * 1e308 * (-1.0) ** np.arange(len(y)),
            ["y's differences overflow float64 at 2000-02-01: its values reach 1.79e+308"],
        ),
        (
            dict(transformer_y=_log()),
            lambda y: y - 1.5,
            [
                "transformer_y maps y's value -0.5 at 2000-01-01 to NaN or infinity",
                "y must lie in the transformation's domain (a log needs values > 0)",
            ],
        ),
    ],
)
def test_values_the_network_cannot_read_are_refused_in_the_series_terms(params, spoil, message):
    y = monthly(1.0 + (np.arange(40) % 2) * 0.79)  # 1.0 and 1.79, by turns
    f = RNNForecaster(small_rnn(max_iter=5), window=4, **params).fit(y)
    with unchanged(f), warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no NumPy overflow noise either
        # (scikit-learn's FunctionTransformer warns itself that log and exp
        # are not inverse on negative values: its word, not ours)
        warnings.filterwarnings("ignore", "The provided functions are not strictly inverse")
        with pytest.raises(ValueError, match=words(*message)) as info:
            f.fit(spoil(y))
    assert "sequence" not in str(info.value)


def test_histories_outside_the_transformation_domain_are_refused_at_predict():
    y = monthly(2.0 + np.sin(np.arange(40) / 2.0))
    x = pd.DataFrame(
        {"x": 1.0 + np.arange(50.0)}, index=pd.date_range("2000-01-01", periods=50, freq="MS")
    )
    f = RNNForecaster(LastRow(), window=4, transformer_y=_log(), transformer_exog=_log()).fit(y, x)
    with (
        unchanged(f, X=x),
        pytest.raises(
            ValueError,
            match=words(
                "transformer_y maps last_window's value -1.0 at 2003-04-01 to NaN or infinity"
            ),
        ),
    ):
        f.predict(3, x, last_window=y.where(y.index != "2003-04-01", -1.0), last_window_exog=x)
    zero = x.copy()
    zero.loc["2003-06-01", "x"] = 0.0  # the second forecast period
    with (
        unchanged(f, X=x),
        pytest.raises(
            ValueError,
            match=words("transformer_exog maps X's value 0.0 at 2003-06-01 to NaN or infinity"),
        ),
    ):
        f.predict(3, zero)


def test_fill_on_request_fills_target_and_exogenous_gaps():
    idx = pd.date_range("2020-01-01", periods=40, freq="D")
    x = pd.Series(np.arange(40.0), index=idx, name="x").to_frame()
    y = pd.Series(np.arange(30.0), index=idx[:30], name="y")
    f = RNNForecaster(LastRow(cols=(1,)), window=3, standardize=False)
    with pytest.raises(ValueError, match="missing .* the first 2020-01-11"):
        f.fit(y.drop(idx[10]), x)
    f.set_params(fill="interpolate").fit(y.drop(idx[10]), x.drop(idx[12]))
    assert f.last_window_.index.equals(idx[27:30])
    # the forecast periods' covariates, one of them interpolated
    assert f.predict(3, x.drop(idx[31])).tolist() == [30.0, 31.0, 32.0]


def test_transformer_y_comes_before_the_differencing():
    # log, then differences: exp growth becomes a constant log-difference,
    # which a model repeating the last value continues exactly
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    t = np.arange(50.0)
    y = monthly(100 * np.exp(0.03 * t))
    log = make_pipeline(FunctionTransformer(np.log, inverse_func=np.exp), StandardScaler())
    f = RNNForecaster(LastRow(), window=3, differentiation=1, transformer_y=log).fit(y)
    np.testing.assert_allclose(
        f.predict(5).to_numpy(), 100 * np.exp(0.03 * np.arange(50, 55)), rtol=1e-12
    )
    assert f.transformer_y_ is not log and hasattr(f.transformer_y_, "steps")


def test_the_network_sees_standardized_differences():
    class Recording(LastRow):
        def fit(self, X, y):
            self.X_, self.y_ = X, y
            return super().fit(X, y)

    rng = np.random.default_rng(0)
    y = monthly(100 + np.cumsum(rng.normal(2, 5, size=80)))
    x = pd.DataFrame({"x": rng.normal(50, 10, size=80)}, index=y.index)
    f = RNNForecaster(Recording(), window=5, differentiation=1).fit(y, x)
    d = np.diff(y.to_numpy())
    np.testing.assert_allclose(f.scaler_y_.mean_, [d.mean()])
    np.testing.assert_allclose(f.scaler_y_.scale_, [d.std()])
    np.testing.assert_allclose(f.estimator_.y_, (d[5:] - d.mean()) / d.std())
    np.testing.assert_allclose(f.scaler_exog_.mean_, [x["x"].iloc[1:].mean()])
    raw = RNNForecaster(Recording(), window=5, differentiation=1, standardize=False).fit(y, x)
    assert raw.scaler_y_ is None and raw.scaler_exog_ is None
    np.testing.assert_allclose(raw.estimator_.y_, d[5:])
