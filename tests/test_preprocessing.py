"""SequenceScaler: statistics over valid steps, forms and NaN kept, errors,
scikit-learn; to_padded_array, the NaN-padded form the transformers read."""

import copy

import numpy as np
import pandas as pd
import pytest
from conftest import sequences_of_lengths
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from skrnn import RNNRegressor
from skrnn.preprocessing import SequenceScaler
from skrnn.utils import to_padded_array

LENGTHS = (7, 1, 12, 4, 9)


def ragged(lengths=LENGTHS, n_features=3, seed=0, dtype=np.float64):
    """Sequences whose features have very different means and spreads."""
    loc = np.array([1000.0, -3.0, 0.0])[:n_features]
    spread = np.array([100.0, 0.01, 1.0])[:n_features]
    return sequences_of_lengths(lengths, n_features, seed, loc, spread, dtype)


def concat_stats(seqs):
    steps = np.concatenate([np.asarray(s, dtype=np.float64).reshape(len(s), -1) for s in seqs])
    return steps.mean(axis=0), steps.var(axis=0), len(steps)


def valid_steps(Z):
    """Concatenated valid steps of a list or of a NaN-padded 3-D array."""
    if isinstance(Z, list):
        return np.concatenate([z.reshape(len(z), -1) for z in Z])
    return Z[~np.isnan(Z).all(axis=2)]


# -- statistics ----------------------------------------------------------------


@pytest.mark.parametrize("form", ["list", "padded"])
def test_statistics_equal_numpy_over_valid_steps(form):
    seqs = ragged()
    X = seqs if form == "list" else to_padded_array(seqs)[0]
    scaler = SequenceScaler().fit(X)
    mean, var, n = concat_stats(seqs)
    np.testing.assert_allclose(scaler.mean_, mean, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(scaler.var_, var, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(scaler.scale_, np.sqrt(var), rtol=1e-12)
    assert scaler.n_samples_seen_ == n == sum(LENGTHS)
    assert scaler.n_features_in_ == 3
    Z = valid_steps(scaler.transform(X))
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1, atol=1e-12)


def test_univariate_list_of_1d_arrays():
    seqs = [s[:, 0] for s in ragged()]
    scaler = SequenceScaler().fit(seqs)
    mean, var, n = concat_stats(seqs)
    np.testing.assert_allclose(scaler.mean_, mean, rtol=1e-12)
    np.testing.assert_allclose(scaler.var_, var, rtol=1e-12)
    assert scaler.n_features_in_ == 1 and scaler.n_samples_seen_ == n
    Z = scaler.transform(seqs)
    assert [z.shape for z in Z] == [s.shape for s in seqs]


def test_2d_scales_one_feature_over_all_entries_nan_as_missing():
    rng = np.random.default_rng(1)
    X = 50 + 5 * rng.normal(size=(6, 8))
    X[0, 5:] = np.nan  # trailing: padding of a univariate sequence
    X[3, 2] = np.nan  # inside a row: a missing value, as in StandardScaler
    scaler = SequenceScaler().fit(X)
    assert scaler.n_features_in_ == 8  # columns, as for the estimators
    assert scaler.mean_.shape == scaler.scale_.shape == (1,)
    np.testing.assert_allclose(scaler.mean_, [np.nanmean(X)], rtol=1e-12)
    np.testing.assert_allclose(scaler.var_, [np.nanvar(X)], rtol=1e-12)
    assert scaler.n_samples_seen_ == 48 - 4
    Z = scaler.transform(X)
    assert Z.shape == X.shape
    np.testing.assert_array_equal(np.isnan(Z), np.isnan(X))
    assert abs(np.nanmean(Z)) < 1e-12 and abs(np.nanstd(Z) - 1) < 1e-12
    np.testing.assert_allclose(scaler.inverse_transform(Z), X, rtol=1e-12)
    with pytest.raises(
        ValueError, match="X has 7 features, but SequenceScaler is expecting 8 features as input"
    ):
        scaler.transform(X[:, :7])
    # univariate sequences in another form: any length
    Z3 = scaler.transform(X[:, :3, None])
    np.testing.assert_allclose(Z3[:, :, 0], Z[:, :3], rtol=1e-12)


def test_with_mean_with_std_and_constant_feature():
    seqs = ragged()
    for s in seqs:
        s[:, 1] = 1000.0 + 1e-9  # constant: scale 1, as in StandardScaler
    mean, var, _ = concat_stats(seqs)
    full = SequenceScaler().fit(seqs)
    assert full.scale_[1] == 1.0
    np.testing.assert_allclose(valid_steps(full.transform(seqs))[:, 1], 0, atol=1e-9)

    no_mean = SequenceScaler(with_mean=False).fit(seqs)
    np.testing.assert_allclose(
        valid_steps(no_mean.transform(seqs)), valid_steps(seqs) / full.scale_, rtol=1e-12
    )
    no_std = SequenceScaler(with_std=False).fit(seqs)
    assert no_std.var_ is None and no_std.scale_ is None
    np.testing.assert_allclose(
        valid_steps(no_std.transform(seqs)), valid_steps(seqs) - mean, rtol=1e-12, atol=1e-9
    )
    neither = SequenceScaler(with_mean=False, with_std=False).fit(seqs)
    assert neither.mean_ is None and neither.n_samples_seen_ == sum(LENGTHS)
    np.testing.assert_array_equal(valid_steps(neither.transform(seqs)), valid_steps(seqs))


# -- forms kept ----------------------------------------------------------------


def test_list_stays_list_padding_stays_padding_and_forms_agree():
    seqs = ragged()
    X_padded, lengths = to_padded_array(seqs)
    scaler = SequenceScaler().fit(seqs)
    Z_list = scaler.transform(seqs)
    assert isinstance(Z_list, list)
    assert [z.shape for z in Z_list] == [s.shape for s in seqs]
    Z_padded = scaler.transform(X_padded)
    assert Z_padded.shape == X_padded.shape
    np.testing.assert_array_equal(np.isnan(Z_padded), np.isnan(X_padded))
    for i, T in enumerate(lengths):
        np.testing.assert_allclose(Z_padded[i, :T], Z_list[i], rtol=1e-12)
    assert isinstance(scaler.transform(tuple(seqs)), tuple)
    # fitted on the padded array: the same statistics
    other = SequenceScaler().fit(X_padded)
    np.testing.assert_allclose(other.mean_, scaler.mean_, rtol=1e-12)
    np.testing.assert_allclose(other.scale_, scaler.scale_, rtol=1e-12)


def with_trailing_nan_steps(univariate=False):
    """Sequences of which two end with NaN steps, and the same sequences
    without those steps; 1-D sequences if ``univariate`` (a NaN step is then
    one NaN value)."""
    trimmed = ragged(lengths=(5, 3, 6, 2))
    if univariate:
        trimmed = [t[:, 0] for t in trimmed]
    nan_steps = [2, 0, 0, 3]
    seqs = [
        np.concatenate([t, np.full((k,) + t.shape[1:], np.nan)])
        for t, k in zip(trimmed, nan_steps)
    ]
    return seqs, trimmed


@pytest.mark.parametrize("univariate", [False, True])
def test_list_keeps_trailing_nan_steps_as_nan_and_leaves_them_out(univariate):
    seqs, trimmed = with_trailing_nan_steps(univariate)
    scaler = SequenceScaler().fit(seqs)
    reference = SequenceScaler().fit(trimmed)
    np.testing.assert_array_equal(scaler.mean_, reference.mean_)  # not counted
    np.testing.assert_array_equal(scaler.scale_, reference.scale_)
    assert scaler.n_samples_seen_ == 5 + 3 + 6 + 2
    for X in (seqs, tuple(seqs)):
        Z = scaler.transform(X)
        assert type(Z) is type(X)
        assert [z.shape for z in Z] == [s.shape for s in seqs]  # same shapes
        for z, s, t in zip(Z, seqs, reference.transform(trimmed)):
            np.testing.assert_array_equal(np.isnan(z), np.isnan(s))  # NaN in place
            np.testing.assert_array_equal(z[: len(t)], t)
        back = scaler.inverse_transform(Z)
        assert [b.shape for b in back] == [s.shape for s in seqs]
        for b, s in zip(back, seqs):
            np.testing.assert_allclose(b, s, rtol=1e-12)  # NaN where s is NaN


def test_estimator_after_the_scaler_reads_kept_nan_steps_as_padding():
    seqs, trimmed = with_trailing_nan_steps()
    y = np.array([0.5, -1.0, 2.0, 0.0])
    model = make_pipeline(
        SequenceScaler(), RNNRegressor(hidden_size=2, solver="lbfgs", max_iter=5, random_state=0)
    ).fit(trimmed, y)
    assert [len(z) for z in model[0].transform(seqs)] == [7, 3, 6, 5]
    np.testing.assert_allclose(model.predict(seqs), model.predict(trimmed), rtol=1e-12, atol=1e-12)


def test_list_keeps_each_sequence_shape():
    seqs = [np.arange(4.0), np.arange(3.0)[:, None] * 2, [5.0, 6.0]]
    Z = SequenceScaler().fit_transform(seqs)
    assert isinstance(Z, list)
    assert [z.shape for z in Z] == [(4,), (3, 1), (2,)]


@pytest.mark.parametrize("form", ["list", "padded", "2d"])
def test_round_trip(form):
    seqs = ragged()
    if form == "list":
        X = seqs
    elif form == "padded":
        X = to_padded_array(seqs)[0]
    else:
        X = np.stack([s[:4, 0] for s in ragged(lengths=(4,) * 5)])
    scaler = SequenceScaler().fit(X)
    back = scaler.inverse_transform(scaler.transform(X))
    if form == "list":
        assert isinstance(back, list)
        for b, s in zip(back, seqs):
            assert b.shape == s.shape
            np.testing.assert_allclose(b, s, rtol=1e-12)
    else:
        assert back.shape == X.shape
        np.testing.assert_allclose(back, X, rtol=1e-12)  # NaN where X is NaN


@pytest.mark.parametrize("form", ["list", "list1d", "padded", "2d"])
def test_float32_stays_float32(form):
    seqs = ragged(dtype=np.float32)
    X = {
        "list": seqs,
        "list1d": [s[:, 0] for s in seqs],
        "padded": to_padded_array(seqs, dtype=np.float32)[0],
        "2d": np.stack([s[0] for s in seqs]),
    }[form]
    scaler = SequenceScaler().fit(X)
    Z = scaler.transform(X)
    back = scaler.inverse_transform(Z)
    for out in (Z, back):
        arrays = out if isinstance(out, list) else [out]
        assert all(a.dtype == np.float32 for a in arrays)
    assert scaler.mean_.dtype == np.float64  # statistics in float64
    if form == "list":
        mean, _, _ = concat_stats(seqs)
        np.testing.assert_allclose(scaler.mean_, mean, rtol=1e-12)
    # anything else numeric gives float64
    mixed = [s.astype(np.float64) if i == 0 else s for i, s in enumerate(seqs)]
    assert all(z.dtype == np.float64 for z in SequenceScaler().fit_transform(mixed))


def test_copy():
    X = to_padded_array(ragged())[0]
    X0 = X.copy()
    Z = SequenceScaler().fit(X).transform(X)
    np.testing.assert_array_equal(X, X0)  # copy=True: X untouched
    Z_inplace = SequenceScaler(copy=False).fit(X).transform(X)
    assert Z_inplace is X  # padded float array scaled in place
    np.testing.assert_allclose(X, Z, rtol=1e-12)
    X = X0.copy()
    assert SequenceScaler().fit(X).transform(X, copy=False) is X


def test_feature_names():
    df = pd.DataFrame(np.random.default_rng(0).normal(size=(5, 4)), columns=list("abcd"))
    scaler = SequenceScaler().fit(df)
    assert list(scaler.get_feature_names_out()) == list("abcd")
    scaler.fit(ragged())
    assert not hasattr(scaler, "feature_names_in_")
    assert list(scaler.get_feature_names_out()) == ["x0", "x1", "x2"]


# -- errors ----------------------------------------------------------------------


def nan_inside():
    X = to_padded_array(ragged())[0]
    X[2, 3, 1] = np.nan
    return X


def all_nan_sequence():
    X = to_padded_array(ragged())[0]
    X[1] = np.nan
    return X


def with_inf():
    X = to_padded_array(ragged())[0]
    X[0, 2, 0] = np.inf
    return X


def list_nan_inside():
    seqs = ragged()
    seqs[3][1, 2] = np.nan  # step 1 of 4: not padding
    return seqs


def list_partial_nan_step():
    seqs = ragged()
    seqs[0][-1, 0] = np.nan  # only some features of the last step
    return seqs


def list_all_nan_sequence():
    seqs = ragged()
    seqs[1][:] = np.nan
    return seqs


BAD_X = [
    (nan_inside, ValueError, "NaN inside sequence 2 at time step 3 \\(feature 1\\)"),
    (
        list_nan_inside,
        ValueError,
        "NaN inside sequence 3 at time step 1 \\(feature 2\\).*only accepted as padding",
    ),
    (list_partial_nan_step, ValueError, "NaN inside sequence 0 at time step 6 \\(feature 0\\)"),
    (list_all_nan_sequence, ValueError, "sequence 1 of X is all NaN"),
    (all_nan_sequence, ValueError, "sequence 1 of X is all NaN"),
    (with_inf, ValueError, "infinity in sequence 0 at time step 2"),
    (
        lambda: [np.ones((3, 2)), np.ones((4, 3))],
        ValueError,
        "sequence 1 has 3 features per time step, but sequence 0 has 2",
    ),
    (lambda: [], ValueError, "SequenceScaler received an empty list"),
    (lambda: [np.ones((2, 2)), np.ones((0, 2))], ValueError, "sequence 1 is empty"),
    (lambda: [np.ones((3, 2)) * 1j, np.ones((2, 2))], TypeError, "sequence 0 has complex values"),
    (lambda: np.ones((3, 2, 2)) * 1j, ValueError, "Complex data not supported"),
    (
        lambda: [np.ones((3, 2), dtype=object), np.ones((2, 2))],
        TypeError,
        "sequence 0 has object values",
    ),
    (
        lambda: [np.ones((3, 2), dtype=bool), np.ones((2, 2))],
        TypeError,
        "sequence 0 has boolean values",
    ),
    (
        lambda: np.ones((3, 2, 2), dtype=bool),
        TypeError,
        "SequenceScaler expects real numbers in X, got boolean values",
    ),
    (lambda: np.ones((2, 3, 2, 1)), ValueError, "got a 4-D array"),
    (lambda: np.full((3, 4), np.nan), ValueError, "every value of X is NaN"),
    (lambda: np.full((3, 4), np.inf), ValueError, "Input X contains infinity"),
]


@pytest.mark.parametrize("make_X, error, match", BAD_X)
def test_errors_leave_fitted_scaler_unchanged(make_X, error, match, state):
    X = ragged()
    scaler = SequenceScaler().fit(X)
    before = state(scaler)
    Z = scaler.transform(X)
    with pytest.raises(error, match=match):
        scaler.fit(make_X())
    assert state(scaler) == before  # bitwise
    for a, b in zip(scaler.transform(X), Z):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "make_X, match",
    [
        (list_nan_inside, "NaN inside sequence 3 at time step 1"),
        (list_partial_nan_step, "NaN inside sequence 0 at time step 6"),
        (list_all_nan_sequence, "sequence 1 of X is all NaN"),
    ],
)
@pytest.mark.parametrize("method", ["transform", "inverse_transform"])
def test_nan_that_is_not_padding_fails_transform_and_changes_nothing(make_X, match, method, state):
    scaler = SequenceScaler().fit(ragged())
    before, X = state(scaler), make_X()
    X_before = copy.deepcopy(X)
    with pytest.raises(ValueError, match=match):
        getattr(scaler, method)(X, copy=False)
    assert state(scaler) == before
    for x, x0 in zip(X, X_before):  # the sequences are untouched too
        np.testing.assert_array_equal(x, x0)


def test_transform_errors():
    scaler = SequenceScaler().fit(ragged())
    msg = "X has 2 features per time step, but SequenceScaler was fitted with 3"
    with pytest.raises(ValueError, match=msg):
        scaler.transform([np.ones((4, 2))])
    with pytest.raises(ValueError, match=msg):
        scaler.inverse_transform(np.ones((2, 4, 2)))
    with pytest.raises(
        ValueError, match="X is 2-D, which SequenceScaler reads as univariate sequences"
    ):
        scaler.transform(np.ones((2, 4)))
    with pytest.raises(ValueError, match="NaN inside sequence 2"):
        scaler.transform(nan_inside())
    univariate = SequenceScaler().fit(np.ones((3, 4)))
    with pytest.raises(ValueError, match="fitted on 2-D X, i.e. univariate"):
        univariate.transform(np.ones((3, 4, 2)))


# -- scikit-learn ------------------------------------------------------------------


@parametrize_with_checks(
    [SequenceScaler(), SequenceScaler(with_mean=False), SequenceScaler(with_std=False)]
)
def test_sklearn_compatible_transformer(estimator, check):
    check(estimator)


def regression_data(n=24, seed=0):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(3, 13, size=n)
    X = [np.column_stack([rng.normal(1000, 100, T), rng.normal(0, 0.01, T)]) for T in lengths]
    y = np.array([(x[:, 0].mean() - 1000) / 100 + 100 * x[-1, 1] for x in X])
    return X, y


def test_pipeline_before_rnn_on_ragged_list():
    X, y = regression_data()
    model = make_pipeline(
        SequenceScaler(),
        RNNRegressor(hidden_size=4, solver="lbfgs", max_iter=20, random_state=0),
    ).fit(X, y)
    scaler = model.named_steps["sequencescaler"]
    np.testing.assert_allclose(scaler.mean_[0], 1000, rtol=0.05)
    pred = model.predict(X)
    assert pred.shape == (len(X),) and np.isfinite(pred).all()
    X_padded, _ = to_padded_array(X)
    np.testing.assert_allclose(model.predict(X_padded), pred, rtol=1e-10, atol=1e-10)


class RecordingRegressor(RNNRegressor):
    """RNNRegressor that keeps the X each fit receives (in SEEN)."""

    def fit(self, X, y):
        SEEN.append(X)
        return super().fit(X, y)


SEEN = []


def test_grid_search_over_pipeline_on_ragged_list():
    X, y = regression_data()
    pipe = Pipeline(
        [
            ("scaler", SequenceScaler()),
            (
                "rnnregressor",
                RecordingRegressor(hidden_size=2, solver="lbfgs", max_iter=10, random_state=0),
            ),
        ]
    )
    SEEN.clear()
    search = GridSearchCV(pipe, {"rnnregressor__hidden_size": [2, 4]}, cv=2)
    search.fit(X, y)
    assert len(SEEN) == 2 * 2 + 1  # folds x candidates, then the refit
    for X_fit in SEEN:  # each fit got the scaled sequences of its training set
        assert isinstance(X_fit, list)
        steps = valid_steps(X_fit)
        np.testing.assert_allclose(steps.mean(axis=0), 0, atol=1e-10)
        np.testing.assert_allclose(steps.std(axis=0), 1, atol=1e-10)
    assert [len(x) for x in SEEN[-1]] == [len(x) for x in X]
    assert np.isfinite(search.predict(X[:5])).all()


# -- to_padded_array: the NaN-padded form --------------------------------------------


@pytest.mark.parametrize(
    "dtype",
    [
        np.float64,
        np.float32,
        np.float16,
        "float32",
        float,
    ],
)
def test_padded_array_in_a_floating_dtype_pads_with_nan(dtype):
    X, lengths = to_padded_array([[1, 2, 3], [4]], dtype=dtype)
    assert X.dtype == np.dtype(dtype) and lengths.tolist() == [3, 1]
    np.testing.assert_array_equal(X[:, :, 0], [[1, 2, 3], [4, np.nan, np.nan]])


@pytest.mark.parametrize(
    "dtype, shown",
    [
        (int, "int64"),
        (np.int32, "int32"),
        ("uint8", "uint8"),
        (bool, "bool"),
        (complex, "complex128"),
        (object, "object"),
    ],
)
def test_padded_array_refuses_a_dtype_that_cannot_hold_nan(dtype, shown):
    seqs = [np.array([1, 2, 3]), np.array([4])]
    msg = (
        f"dtype must be a floating dtype \\(float64, float32, ...\\), got {shown}: "
        "the padding is NaN, which only floating dtypes hold"
    )
    with pytest.raises(ValueError, match=msg):
        to_padded_array(seqs, dtype=dtype)
    np.testing.assert_array_equal(seqs[0], [1, 2, 3])  # the input is untouched


def test_padded_array_refuses_what_is_not_a_dtype():
    with pytest.raises(
        TypeError,
        match="dtype must be a floating dtype such as np.float64 or np.float32, got 'floaty'",
    ):
        to_padded_array([[1.0], [2.0, 3.0]], dtype="floaty")


def test_padded_array_keeps_trailing_nan_steps_and_counts_them():
    seqs, trimmed = with_trailing_nan_steps()
    X, lengths = to_padded_array(seqs)
    assert lengths.tolist() == [len(s) for s in seqs] == [7, 3, 6, 5]
    for x, s in zip(X, seqs):
        np.testing.assert_array_equal(x[: len(s)], s)  # NaN steps as given
        assert np.isnan(x[len(s) :]).all()
    # read by a transformer, they are padding like the rest
    np.testing.assert_array_equal(
        SequenceScaler().fit(X).mean_, SequenceScaler().fit(trimmed).mean_
    )
