"""skrnn.datasets.make_adding_problem: layout, markers, target, seeding, errors."""

import numpy as np
import pytest

from skrnn.datasets import make_adding_problem


@pytest.mark.parametrize("n_samples, n_timesteps", [(1, 2), (7, 3), (50, 10), (20, 101)])
def test_shapes_and_dtypes(n_samples, n_timesteps):
    X, y = make_adding_problem(n_samples, n_timesteps, random_state=0)
    assert X.shape == (n_samples, n_timesteps, 2)
    assert y.shape == (n_samples,)
    assert X.dtype == np.float64 and y.dtype == np.float64
    values = X[:, :, 0]
    assert values.min() >= 0.0 and values.max() < 1.0
    assert set(np.unique(X[:, :, 1])) <= {0.0, 1.0}


def test_defaults():
    X, y = make_adding_problem(random_state=0)
    assert X.shape == (1000, 50, 2) and y.shape == (1000,)


@pytest.mark.parametrize("n_timesteps", [2, 3, 4, 9, 50])
def test_two_markers_one_in_each_half(n_timesteps):
    X, _ = make_adding_problem(500, n_timesteps, random_state=1)
    markers = X[:, :, 1]
    assert (markers.sum(axis=1) == 2).all()
    half = n_timesteps // 2
    assert (markers[:, :half].sum(axis=1) == 1).all()
    assert (markers[:, half:].sum(axis=1) == 1).all()


def test_marker_positions_cover_each_half():
    X, _ = make_adding_problem(2000, 10, random_state=2)
    positions = np.nonzero(X[:, :, 1])[1].reshape(-1, 2)
    assert set(positions[:, 0]) == set(range(5))
    assert set(positions[:, 1]) == set(range(5, 10))


def test_target_is_the_sum_of_the_marked_values_exactly():
    X, y = make_adding_problem(300, 30, random_state=3)
    rows, steps = np.nonzero(X[:, :, 1])
    marked = X[rows, steps, 0].reshape(-1, 2)
    np.testing.assert_array_equal(y, marked[:, 0] + marked[:, 1])
    np.testing.assert_array_equal(y, (X[:, :, 0] * X[:, :, 1]).sum(axis=1))


def test_random_state():
    X1, y1 = make_adding_problem(100, 20, random_state=42)
    X2, y2 = make_adding_problem(100, 20, random_state=np.random.RandomState(42))
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    X3, y3 = make_adding_problem(100, 20, random_state=43)
    assert not np.array_equal(X1[:, :, 0], X3[:, :, 0])
    assert not np.array_equal(X1[:, :, 1], X3[:, :, 1])
    assert not np.array_equal(y1, y3)


def test_predicting_one_gives_mse_one_sixth():
    _, y = make_adding_problem(20000, 20, random_state=0)
    assert abs(np.mean((y - 1.0) ** 2) - 1 / 6) < 0.01
    assert abs(y.mean() - 1.0) < 0.01


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_timesteps": 1}, r"n_timesteps must be >= 2.*got n_timesteps=1\b"),
        ({"n_timesteps": 0}, r"n_timesteps must be >= 2.*got n_timesteps=0\b"),
        ({"n_timesteps": -5}, r"got n_timesteps=-5\b"),
        ({"n_samples": 0}, r"n_samples must be >= 1.*got n_samples=0\b"),
        ({"n_samples": -1}, r"got n_samples=-1\b"),
        ({"n_samples": 2.5}, r"n_samples must be an integer.*got 2\.5 of type float"),
        ({"n_timesteps": 10.0}, r"n_timesteps must be an integer.*got 10\.0 of type float"),
        ({"n_timesteps": "50"}, r"n_timesteps must be an integer.*got '50' of type str"),
        ({"n_samples": True}, r"n_samples must be an integer.*got True of type bool"),
        ({"n_samples": None}, r"n_samples must be an integer.*got None"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_adding_problem(**kwargs)


def test_numpy_integers_are_accepted():
    X, y = make_adding_problem(np.int64(5), np.int32(4), random_state=0)
    assert X.shape == (5, 4, 2) and y.shape == (5,)
