"""Other libraries' layouts and the transformers that turn them into skrnn's.

skforecast and sktime hand a regressor lag matrices (in their own column
order), sktime and aeon hold panels channels first, tslearn pads ragged
datasets with NaN. Each library's layout is checked here as the library
produces it (a test fails if a release changes it), then the recipes of
doc/user_guide/interop.rst are run. The tests of a library skip without it
(``pip install -e ".[interop]"``); the transformers' own tests always run.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import LastRow
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.metrics import mean_absolute_error
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from skrnn import RNNClassifier, RNNRegressor
from skrnn.preprocessing import ChannelsFirstToLast, LagsToSequences

# sktime's notice of a future default, and skforecast's of the bins of its
# residuals (a few training rows), unrelated to the recipes
pytestmark = [
    pytest.mark.filterwarnings("ignore:The default of config:FutureWarning"),
    pytest.mark.filterwarnings("ignore:The number of bins has been reduced"),
]


class Recorder(RegressorMixin, BaseEstimator):
    """Keeps the X and y of its fit; predicts zeros: what a library hands
    its regressor, as it hands it."""

    def fit(self, X, y):
        self.X_, self.y_ = np.array(X), np.array(y)
        return self

    def predict(self, X):
        return np.zeros(len(X))


def monthly(values, start="2000-01"):
    """A monthly pandas Series of ``values``."""
    index = pd.date_range(start, periods=len(values), freq="MS")
    return pd.Series(np.asarray(values, dtype=float), index=index, name="y")


# -- the transformers ----------------------------------------------------------


@parametrize_with_checks(
    [
        ChannelsFirstToLast(),
        LagsToSequences(),
        LagsToSequences(n_lags=1, order="oldest_first"),
    ]
)
def test_sklearn_compatible_transformer(estimator, check):
    check(estimator)


def test_channels_first_to_last_swaps_the_channel_and_time_axes():
    X = np.arange(2 * 3 * 5, dtype=np.float32).reshape(2, 3, 5)  # (n, C, T)
    Xt = ChannelsFirstToLast().transform(X)  # no fit needed
    assert Xt.shape == (2, 5, 3) and Xt.dtype == np.float32
    assert Xt[1, 4, 2] == X[1, 2, 4] and Xt.flags.c_contiguous
    np.testing.assert_array_equal(Xt, X.transpose(0, 2, 1))


def test_channels_first_to_last_keeps_nan_padding_at_the_end_of_time():
    X = np.ones((2, 2, 4))
    X[1, :, 2:] = np.nan  # sequence 1: 2 steps of 2 channels
    Xt = ChannelsFirstToLast().fit_transform(X)
    assert np.isnan(Xt[1, 2:]).all() and not np.isnan(Xt[1, :2]).any()
    model = RNNRegressor(hidden_size=2, max_iter=2, random_state=0).fit(Xt, [0.0, 1.0])
    assert np.isfinite(model.predict(Xt)).all()


def test_channels_first_to_last_reads_lists_of_unequal_length():
    X = [np.arange(6.0).reshape(2, 3), np.arange(8.0).reshape(2, 4)]  # (C, T_i)
    Xt = ChannelsFirstToLast().fit_transform(X)
    assert [x.shape for x in Xt] == [(3, 2), (4, 2)]
    assert Xt[1][:, 1].tolist() == [4.0, 5.0, 6.0, 7.0]
    assert [x.shape for x in ChannelsFirstToLast().transform([np.ones(3)])] == [(3, 1)]


def test_channels_first_to_last_unflattens_blocks_of_columns():
    # y at t-3, t-2, t-1, then x at t-3, t-2, t-1
    X = np.array([[1.0, 2.0, 3.0, 10.0, 20.0, 30.0]])
    assert ChannelsFirstToLast(n_channels=2).transform(X)[0].tolist() == [
        [1.0, 10.0],
        [2.0, 20.0],
        [3.0, 30.0],
    ]
    assert ChannelsFirstToLast().transform(X).shape == (1, 6, 1)


@pytest.mark.parametrize(
    "X, params, message",
    [
        (np.ones((2, 3, 4)), dict(n_channels=2), r"received X of shape \(2, 3, 4\), with 3"),
        (np.ones((2, 5)), dict(n_channels=2), r"has 5 columns, which cannot be n_channels=2"),
        (np.ones((2, 3, 4, 5)), {}, r"got a 4-D array of shape \(2, 3, 4, 5\)"),
        ([np.ones((2, 3)), np.ones((3, 3))], {}, r"different channel counts \[2, 3\]"),
    ],
)
def test_channels_first_to_last_refuses_what_it_cannot_read(X, params, message):
    with pytest.raises(ValueError, match=message):
        ChannelsFirstToLast(**params).fit_transform(X)


def test_channels_first_to_last_checks_the_channels_seen_in_fit():
    fitted = ChannelsFirstToLast().fit(np.ones((2, 3, 4)))
    assert fitted.n_features_in_ == 3
    with pytest.raises(ValueError, match="X has 2 features, but ChannelsFirstToLast"):
        fitted.transform(np.ones((2, 2, 4)))
    fitted = ChannelsFirstToLast().fit([np.ones((3, 4))])
    with pytest.raises(ValueError, match="X has 2 channels, but .* fitted with 3"):
        fitted.transform([np.ones((2, 4))])


def test_lags_to_sequences_reverses_the_lags_and_repeats_the_extras():
    X = np.array([[3.0, 2.0, 1.0, 7.0, 9.0], [4.0, 3.0, 2.0, 8.0, 9.5]], dtype=np.float32)
    Xt = LagsToSequences(n_lags=3).transform(X)
    assert Xt.shape == (2, 3, 3) and Xt.dtype == np.float32
    assert Xt[1].tolist() == [[2.0, 8.0, 9.5], [3.0, 8.0, 9.5], [4.0, 8.0, 9.5]]
    assert LagsToSequences().transform(X)[0, :, 0].tolist() == [9.0, 7.0, 1.0, 2.0, 3.0]
    kept = LagsToSequences(n_lags=3, order="oldest_first").transform(X)
    assert kept[0].tolist() == [[3.0, 7.0, 9.0], [2.0, 7.0, 9.0], [1.0, 7.0, 9.0]]


def test_lags_to_sequences_refuses_what_it_cannot_read():
    with pytest.raises(ValueError, match=r"3-D array of shape \(2, 3, 1\): that is sequences"):
        LagsToSequences().fit(np.ones((2, 3, 1)))
    with pytest.raises(ValueError, match=r"n_lags=4\) received X with 3 columns"):
        LagsToSequences(n_lags=4).fit(np.ones((2, 3)))
    with pytest.raises(ValueError, match="X has 2 features, but LagsToSequences"):
        LagsToSequences().fit(np.ones((2, 3))).transform(np.ones((2, 2)))


def test_transformers_output_arrays_in_a_pandas_configured_pipeline():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 2, 6)), np.arange(20) % 2
    model = make_pipeline(ChannelsFirstToLast(), RNNClassifier(hidden_size=2, max_iter=2))
    model.set_output(transform="pandas")
    assert model.fit(X, y).predict(X).shape == (20,)
    assert LagsToSequences().set_output(transform="pandas").fit_transform(X[:, 0]).ndim == 3


# -- the warning for X that looks transposed -------------------------------------


def _fit_warnings(shape):
    """Messages of the UserWarnings a small fit on X of ``shape`` gives, and
    the files they name."""
    X = np.random.default_rng(0).normal(size=shape)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        RNNRegressor(hidden_size=2, max_iter=1).fit(X, X[:, 0, 0])
    return [(str(w.message), w.filename) for w in caught if w.category is UserWarning]


def test_x_that_looks_channels_first_warns_at_the_users_line():
    [(message, filename)] = _fit_warnings((10, 6, 100))
    assert "received X of shape (10, 6, 100)" in message
    assert "(n_samples, n_timesteps, n_features): 6 time step(s) of 100 features" in message
    assert "skrnn.preprocessing.ChannelsFirstToLast" in message
    assert filename == __file__


@pytest.mark.parametrize(
    "shape, warns",
    [((5, 2, 32), True), ((5, 1, 16), True), ((5, 2, 31), False), ((5, 100, 6), False)],
)
def test_the_transposed_warning_fires_from_16_features_per_step(shape, warns):
    assert any("looks transposed" in m for m, _ in _fit_warnings(shape)) == warns


# -- skforecast ------------------------------------------------------------------


def test_skforecast_hands_the_lags_newest_first_then_window_features_then_exog():
    pytest.importorskip("skforecast")
    from skforecast.preprocessing import RollingFeatures
    from skforecast.recursive import ForecasterRecursive

    y, exog = monthly(np.arange(12.0)), monthly(100 + np.arange(12.0)).rename("x")
    forecaster = ForecasterRecursive(
        Recorder(), lags=3, window_features=RollingFeatures(stats="mean", window_sizes=2)
    )
    forecaster.fit(y, exog=exog)
    X = forecaster.estimator.X_
    # the row whose target is y[3]: lag_1 = y[2], lag_2, lag_3, mean(y[1:3]), x[3]
    assert X[0].tolist() == [2.0, 1.0, 0.0, 1.5, 103.0]
    assert forecaster.estimator.y_[0] == 3.0


def test_lags_to_sequences_in_forecaster_recursive_ends_on_the_newest_value():
    """With LastRow (the last step's columns: the value, the window feature,
    the exogenous value), the forecast of each step is exactly what the
    network reads last."""
    pytest.importorskip("skforecast")
    from skforecast.preprocessing import RollingFeatures
    from skforecast.recursive import ForecasterRecursive

    y = monthly([5.0, 1.0, 4.0, 2.0, 8.0, 3.0, 9.0, 6.0])
    exog = monthly(100 + np.arange(11.0)).rename("x")
    forecasts = {}
    for col in (0, 1, 2):
        forecaster = ForecasterRecursive(
            make_pipeline(LagsToSequences(n_lags=3), LastRow(cols=(col,))),
            lags=3,
            window_features=RollingFeatures(stats="mean", window_sizes=2),
        )
        forecaster.fit(y, exog=exog.iloc[:8])
        forecasts[col] = forecaster.predict(3, exog=exog.iloc[8:]).tolist()
    assert forecasts[0] == [6.0, 6.0, 6.0]  # the last value, carried forward
    assert forecasts[1] == [7.5, 6.75, 7.125]  # mean of the last two, recursively
    assert forecasts[2] == [108.0, 109.0, 110.0]  # exog at each target time


def test_lags_to_sequences_in_forecaster_direct():
    pytest.importorskip("skforecast")
    from skforecast.direct import ForecasterDirect

    y = monthly([5.0, 1.0, 4.0, 2.0, 8.0, 3.0, 9.0, 6.0, 7.0, 2.0])
    model = make_pipeline(LagsToSequences(n_lags=4), LastRow())
    forecaster = ForecasterDirect(model, lags=4, steps=2)
    forecaster.fit(y)  # skforecast's fit returns None
    assert forecaster.predict().tolist() == [2.0, 2.0]


def test_reversed_lags_forecast_co2_better_in_forecaster_recursive():
    """Monthly CO2 (Mauna Loa, 1958-2001), the last 36 months held out: an
    RNN given the lags newest first (read backwards, ending on the oldest)
    forecasts worse than the same RNN after LagsToSequences. Three seeds
    (1 s a fit): reversed 0.49, 0.31, 0.47 ppm; as given 0.75, 1.16, 0.68."""
    pytest.importorskip("skforecast")
    co2 = pytest.importorskip("statsmodels.datasets.co2")
    from skforecast.recursive import ForecasterRecursive

    y = co2.load_pandas().data["co2"].resample("MS").mean().interpolate()
    train, test = y.iloc[:-36], y.iloc[-36:]
    errors = {True: [], False: []}
    for seed in range(3):
        for reverse in (True, False):
            rnn = RNNRegressor(hidden_size=16, pooling="last", max_iter=100, random_state=seed)
            model = make_pipeline(LagsToSequences(n_lags=12), rnn) if reverse else rnn
            forecaster = ForecasterRecursive(model, lags=12, differentiation=1)
            forecaster.fit(train)
            errors[reverse].append(mean_absolute_error(test, forecaster.predict(36)))
    reversed_mae, given_mae = np.mean(errors[True]), np.mean(errors[False])
    assert reversed_mae < 0.6, errors  # seasonal naive: 2.87
    assert reversed_mae < 0.8 * given_mae, errors


# -- sktime's reduction ----------------------------------------------------------


def test_sktime_reduction_orders_lags_oldest_first_locally_newest_first_globally():
    pytest.importorskip("sktime")
    from sktime.forecasting.compose import make_reduction

    y, X = pd.Series(np.arange(10.0)), pd.DataFrame({"x": 100 + np.arange(10.0)})
    seen = {}
    for key, params in {
        "local": {},
        "global": dict(pooling="global"),
        "panel": dict(scitype="time-series-regressor"),
    }.items():
        forecaster = make_reduction(Recorder(), window_length=3, **params)
        seen[key] = forecaster.fit(y, X=X, fh=[1]).estimator_.X_[0].tolist()
    # the row whose target is y[3]
    assert seen["local"] == [0.0, 1.0, 2.0, 100.0, 101.0, 102.0]  # y lags, then x lags
    assert seen["global"] == [2.0, 1.0, 0.0, 103.0]  # newest first, then x at the target
    assert seen["panel"] == [[0.0, 1.0, 2.0], [100.0, 101.0, 102.0]]  # (channels, T)


@pytest.mark.parametrize(
    "params, first, col, expected",
    [
        # univariate lags, oldest first: ChannelsFirstToLast() on 2-D X gives
        # (n, T, 1), exactly how a skrnn estimator reads 2-D X on its own
        ({}, ChannelsFirstToLast(), 0, 6.0),
        ({}, ChannelsFirstToLast(n_channels=2), 1, 109.0),  # y's lags, then x's
        (dict(pooling="global"), LagsToSequences(n_lags=3), 0, 6.0),
        (dict(pooling="global"), LagsToSequences(n_lags=3), 1, 110.0),
        (dict(scitype="time-series-regressor"), ChannelsFirstToLast(), 0, 6.0),
    ],
)
def test_recipes_for_sktime_reduction_end_on_the_newest_value(params, first, col, expected):
    """LastRow forecasts what the network would read last: y's last value
    (col 0), or x's (col 1): lagged like y in the local reduction, at the
    target time in the global one."""
    pytest.importorskip("sktime")
    from sktime.forecasting.compose import make_reduction

    y = pd.Series([5.0, 1.0, 4.0, 2.0, 8.0, 3.0, 9.0, 6.0, 7.0, 6.0])
    X = pd.DataFrame({"x": 100 + np.arange(12.0)}) if col else None
    model = make_pipeline(first, LastRow(cols=(col,)))
    forecaster = make_reduction(model, window_length=3, **params)
    forecaster.fit(y, X=None if X is None else X.iloc[:10], fh=[1])
    forecast = forecaster.predict(fh=[1], X=None if X is None else X.iloc[10:11])
    assert forecast.tolist() == [expected]


def test_rnn_in_sktime_reduction_forecasts_the_same_by_every_recipe():
    """A seasonal series: the three correct recipes hand the network the same
    sequences, so they forecast alike; the global lag matrix given as it is
    (newest first) forecasts far worse (MAE 0.27 against 0.013)."""
    pytest.importorskip("sktime")
    from sktime.forecasting.compose import make_reduction

    y = pd.Series(np.sin(np.arange(200) * np.pi / 6) + 0.01 * np.arange(200))
    train, test = y.iloc[:-24], y.iloc[-24:]

    def mae(wrap, **params):
        rnn = RNNRegressor(hidden_size=8, solver="lbfgs", max_iter=50, random_state=0)
        forecaster = make_reduction(wrap(rnn), window_length=12, **params).fit(train)
        return mean_absolute_error(test, forecaster.predict(fh=np.arange(1, 25)))

    local = mae(lambda rnn: rnn)
    panel = mae(
        lambda rnn: make_pipeline(ChannelsFirstToLast(), rnn), scitype="time-series-regressor"
    )
    pooled = mae(lambda rnn: make_pipeline(LagsToSequences(n_lags=12), rnn), pooling="global")
    np.testing.assert_allclose([panel, pooled], local, rtol=1e-6)
    assert local < 0.05
    assert mae(lambda rnn: rnn, pooling="global") > 5 * local


# -- sktime and aeon classification data -----------------------------------------


def test_basic_motions_channels_first_in_a_pipeline():
    """aeon's BasicMotions (6 channels of 100 steps): read through
    ChannelsFirstToLast the network is near perfect on the test split; read as
    given (6 steps of 100 features, with a warning) far worse."""
    datasets = pytest.importorskip("aeon.datasets")
    X, y = datasets.load_basic_motions(split="train")
    X_test, y_test = datasets.load_basic_motions(split="test")
    assert X.shape == (40, 6, 100)
    scores = {True: [], False: []}
    for seed in (0, 1):
        for convert in (True, False):
            rnn = RNNClassifier(hidden_size=16, solver="lbfgs", max_iter=50, random_state=seed)
            model = make_pipeline(ChannelsFirstToLast(), rnn) if convert else rnn
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                scores[convert].append(model.fit(X, y).score(X_test, y_test))
            assert any("looks transposed" in str(w.message) for w in caught) != convert
    assert min(scores[True]) >= 0.9, scores  # 1.0, 1.0
    assert np.mean(scores[True]) - np.mean(scores[False]) >= 0.15, scores  # 0.675, 0.75


def test_italy_power_demand_from_sktime_in_a_pipeline():
    datasets = pytest.importorskip("sktime.datasets")
    X, y = datasets.load_italy_power_demand(split="train", return_type="numpy3D")
    X_test, y_test = datasets.load_italy_power_demand(split="test", return_type="numpy3D")
    assert X.shape == (67, 1, 24)  # one channel of 24 hours
    rnn = RNNClassifier(hidden_size=16, max_iter=50, random_state=0)
    model = make_pipeline(ChannelsFirstToLast(), rnn).fit(X, y)
    assert rnn.n_features_in_ == 1 and model.score(X_test, y_test) >= 0.9  # 0.96


# -- tslearn ---------------------------------------------------------------------


def test_tslearn_datasets_are_already_in_skrnns_layout():
    pytest.importorskip("tslearn")
    from tslearn.datasets import CachedDatasets

    X, y, X_test, y_test = CachedDatasets().load_dataset("Trace")
    assert X.shape == (100, 275, 1)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*looks transposed")
        model = RNNClassifier(hidden_size=16, max_iter=30, random_state=0).fit(X, y)
    assert model.score(X_test, y_test) >= 0.6  # 0.72; chance 0.25


def test_tslearn_nan_padded_ragged_dataset_reads_as_the_list():
    pytest.importorskip("tslearn")
    from tslearn.utils import to_time_series_dataset

    rng = np.random.default_rng(0)
    seqs = [rng.normal(size=(T, 2)) for T in rng.integers(3, 12, size=30)]
    y = np.array([s[-1, 0] > 0 for s in seqs])
    padded = to_time_series_dataset(seqs)  # (30, T_max, 2), NaN after each end
    assert padded.shape == (30, max(len(s) for s in seqs), 2)
    assert np.isnan(padded[np.argmin([len(s) for s in seqs]), -1]).all()
    params = dict(hidden_size=4, solver="lbfgs", max_iter=20, random_state=0)
    from_padded = RNNClassifier(**params).fit(padded, y).predict_proba(padded)
    from_list = RNNClassifier(**params).fit(seqs, y).predict_proba(seqs)
    np.testing.assert_allclose(from_padded, from_list, rtol=1e-10, atol=1e-12)
    assert np.mean((from_padded[:, 1] > 0.5) == y) >= 0.8  # it learned
