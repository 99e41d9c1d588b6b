"""Tests for skrnn.datasets.load_airline (Box & Jenkins Series G)."""

import numpy as np
import pandas as pd
import pytest

from skrnn.datasets import load_airline


@pytest.fixture
def y():
    return load_airline()


def test_shape_name_dtype(y):
    assert isinstance(y, pd.Series)
    assert y.shape == (144,)
    assert y.name == "passengers"
    assert y.dtype == np.float64


def test_index_is_monthly_without_gaps(y):
    index = y.index
    assert isinstance(index, pd.DatetimeIndex)
    assert index.name == "month"
    assert index.freqstr == "MS"
    assert index[0] == pd.Timestamp("1949-01-01")
    assert index[-1] == pd.Timestamp("1960-12-01")
    expected = pd.date_range("1949-01-01", "1960-12-01", freq="MS", name="month")
    pd.testing.assert_index_equal(index, expected)
    assert index.is_monotonic_increasing and index.is_unique


def test_known_values(y):
    np.testing.assert_array_equal(y.iloc[:4].to_numpy(), [112, 118, 132, 129])
    np.testing.assert_array_equal(y.iloc[-4:].to_numpy(), [508, 461, 390, 432])
    assert y.sum() == 40363
    assert y.max() == 622
    assert y.idxmax() == pd.Timestamp("1960-07-01")
    assert y.index[int(np.argmax(y.to_numpy()))] == pd.Timestamp("1960-07-01")


def test_values_are_positive_integers(y):
    values = y.to_numpy()
    assert not np.isnan(values).any()
    assert (values > 0).all()
    np.testing.assert_array_equal(values, np.round(values))


def test_calls_return_equal_independent_objects():
    first = load_airline()
    second = load_airline()
    pd.testing.assert_series_equal(first, second)
    assert first is not second
    assert not np.shares_memory(first.to_numpy(), second.to_numpy())

    first.iloc[0] = -1.0
    first.iloc[-1] = np.nan
    third = load_airline()
    assert third.iloc[0] == 112
    assert third.iloc[-1] == 432
    pd.testing.assert_series_equal(second, third)
