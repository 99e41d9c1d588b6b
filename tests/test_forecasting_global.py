"""One network for many series: the layouts fit reads and predict returns,
each series scaled by its own statistics, and refusals naming the series."""

import pickle

import numpy as np
import pandas as pd
import pytest

from skrnn import RNNRegressor
from skrnn.forecasting import RNNForecaster


def small(**params):
    net = RNNRegressor(hidden_size=4, solver="lbfgs", max_iter=30, random_state=0)
    return RNNForecaster(net, window=6, **params)


def panel_series():
    """Three series of different lengths, starts and scales."""
    t = np.arange(60)
    a = pd.Series(10 + np.sin(t / 3), index=pd.date_range("2020-01", periods=60, freq="MS"))
    b = pd.Series(
        np.cos(t[:45] / 4) * 50 + 200, index=pd.date_range("2021-06", periods=45, freq="MS")
    )
    c = pd.Series(np.sin(t[:50] / 5) * 0.01, index=pd.date_range("2019-03", periods=50, freq="MS"))
    return {"a": a.rename("v"), "b": b.rename("v"), "c": c.rename("v")}


def as_long(series):
    return pd.concat(
        [
            s.rename_axis("t").reset_index().assign(id=k)[["id", "t", "v"]]
            for k, s in series.items()
        ],
        ignore_index=True,
    )


def test_every_layout_gives_the_same_forecasts_in_its_own_layout():
    series = panel_series()
    by_dict = small().fit(series).predict(4)
    assert list(by_dict) == ["a", "b", "c"]
    for key, s in series.items():  # each starts after its own last period
        assert by_dict[key].index[0] == s.index[-1] + s.index.freq
        assert len(by_dict[key]) == 4

    long = small(series_id="id", time_column="t").fit(as_long(series)).predict(4)
    assert long.columns.tolist() == ["id", "t", "v"]
    for key, f in by_dict.items():
        part = long[long["id"] == key]
        np.testing.assert_array_equal(part["v"].to_numpy(), f.to_numpy())
        assert (pd.DatetimeIndex(part["t"]) == f.index).all()

    wide = small(series_id="columns").fit(pd.DataFrame(series)).predict(4)
    assert wide.columns.tolist() == ["a", "b", "c"]
    for key, f in by_dict.items():
        np.testing.assert_array_equal(wide[key].dropna().to_numpy(), f.to_numpy())

    stacked = pd.concat(series, names=["id", "t"])
    multi = small().fit(stacked).predict(4)
    assert multi.index.names == ["id", "t"]
    for key, f in by_dict.items():
        np.testing.assert_array_equal(multi.loc[key].to_numpy(), f.to_numpy())


def test_each_series_is_scaled_by_its_own_statistics():
    """A series 1000 times larger and shifted is standardised to the same
    values, so the shared network forecasts it 1000 times larger."""
    s = panel_series()["a"]
    f = small().fit({"x": s, "y": 1000 * s + 5})
    assert f.n_windows_ == 2 * (len(s) - 6)
    pred = f.predict(5)
    np.testing.assert_allclose(pred["y"].to_numpy(), 1000 * pred["x"].to_numpy() + 5, rtol=1e-9)
    assert f.series_forecasters_["y"].scaler_y_.mean_[0] == pytest.approx(1000 * s.mean() + 5)
    assert f.series_forecasters_["x"].estimator_ is f.estimator_


def test_a_global_model_learns_what_no_single_short_series_shows():
    """Forty short noisy seasonal series: pooled, their windows teach the
    season; the forecast beats repeating the last value."""
    rng = np.random.default_rng(0)
    series, truth = {}, {}
    for i in range(40):
        t = np.arange(30 + 6)
        level, phase = rng.uniform(5, 50), rng.integers(0, 6)
        full = level * (1 + 0.3 * np.sin(2 * np.pi * (t + phase) / 6)) + rng.normal(0, 0.1, len(t))
        index = pd.RangeIndex(0, len(t))
        series[i] = pd.Series(full[:30], index=index[:30])
        truth[i] = full[30:]
    net = RNNRegressor(hidden_size=8, solver="lbfgs", max_iter=200, random_state=0)
    f = RNNForecaster(net, window=6).fit(series)
    pred = f.predict(6)
    mae = np.mean([np.abs(pred[i].to_numpy() - truth[i]).mean() for i in series])
    naive = np.mean([np.abs(series[i].iloc[-1] - truth[i]).mean() for i in series])
    assert mae < 0.3 * naive


def test_series_and_last_window_choose_what_to_forecast():
    series = panel_series()
    f = small().fit(series)
    assert list(f.predict(2, series=["c", "a"])) == ["c", "a"]
    assert list(f.predict(2, series="b")) == ["b"]
    newer = series["a"].iloc[:-5]
    moved = f.predict(2, last_window={"a": newer})
    assert list(moved) == ["a"]
    assert moved["a"].index[0] == newer.index[-1] + newer.index.freq
    with pytest.raises(ValueError, match=r"Unknown series 'z': .* 3 series \('a', 'b', 'c'\)"):
        f.predict(2, series="z")


def test_pickle_round_trip_keeps_the_shared_network():
    f = small().fit(panel_series())
    g = pickle.loads(pickle.dumps(f))
    assert g.series_forecasters_["a"].estimator_ is g.estimator_
    before, after = f.predict(3), g.predict(3)
    for key in before:
        pd.testing.assert_series_equal(before[key], after[key])


def test_a_bad_series_is_refused_by_name_and_nothing_changes():
    series = panel_series()
    irregular = series["b"].drop(series["b"].index[[3, 9]])
    f = small().fit({"ok": series["a"]})
    before = f.predict(2)["ok"]
    with pytest.raises(ValueError, match="Series 'b': "):
        f.fit({"a": series["a"], "b": irregular})
    with pytest.raises(ValueError, match="Series 'short': y has 5 periods"):
        f.fit({"a": series["a"], "short": series["c"].iloc[:5]})
    with pytest.raises(TypeError, match=r"y\['n'\] is a list"):
        f.fit({"a": series["a"], "n": [1, 2, 3]})
    with pytest.raises(ValueError, match="no column 'id'"):
        small(series_id="id").fit(as_long(series).drop(columns="id"))
    pd.testing.assert_series_equal(f.predict(2)["ok"], before)


def test_what_global_models_do_not_do_yet_is_refused_clearly():
    series = panel_series()
    f = small().fit(series)
    with pytest.raises(ValueError, match="fitted on many series; intervals and score"):
        f.predict_interval(2)
    with pytest.raises(ValueError, match="Exogenous variables with many series"):
        small().fit(series, X={"a": series["a"]})
    with pytest.raises(ValueError, match="calibration_size with many series"):
        small(calibration_size=10).fit(series)
    with pytest.raises(ValueError, match="fitted on one series"):
        small().fit(series["a"]).predict(2, series="a")


def test_refitting_on_one_series_clears_the_panel():
    series = panel_series()
    f = small().fit(series).fit(series["a"])
    assert f.series_ids_ is None and f.series_forecasters_ is None
    assert isinstance(f.predict(2), pd.Series)


def test_skops_round_trip_trusts_only_skrnn_types():
    sio = pytest.importorskip("skops.io")
    f = small(series_id="id", time_column="t").fit(as_long(panel_series()))
    blob = sio.dumps(f)
    untrusted = sio.get_untrusted_types(data=blob)
    assert all(t.startswith("skrnn.") for t in untrusted), untrusted
    loaded = sio.loads(blob, trusted=untrusted)
    pd.testing.assert_frame_equal(loaded.predict(3), f.predict(3))
    assert loaded.series_ids_ == ["a", "b", "c"]
