"""Patching: patch(), auto_patch_size() and the SequencePatcher transformer."""

import copy
import pickle

import numpy as np
import pytest
from conftest import sequences_of_lengths
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from skrnn import RNNClassifier, _patching
from skrnn._patching import AUTO_TARGET_STEPS, auto_patch_size, patch
from skrnn.preprocessing import SequencePatcher
from skrnn.utils import to_padded_array


def reference_patch(X, lengths, p):
    """patch() element by element, from its documented layout."""
    n, T, F = X.shape
    lengths = np.full(n, T) if lengths is None else lengths
    n_patches = -(-T // p)
    out = np.zeros((n, n_patches, p * F), dtype=X.dtype)
    for i in range(n):
        for j in range(n_patches):
            for k in range(p):
                t = j * p + k
                if t < lengths[i]:
                    for f in range(F):
                        out[i, j, k * F + f] = X[i, t, f]
    return out


# -- patch(): exact values -------------------------------------------------------


def test_patch_univariate_equal_lengths_t_not_multiple_of_p():
    X = np.array([[1.0, 2.0, 3.0, 4.0, 5.0], [6.0, 7.0, 8.0, 9.0, 10.0]])[:, :, None]  # (2, 5, 1)
    Xp, lengths_p = patch(X, None, 2)
    assert lengths_p is None
    np.testing.assert_array_equal(
        Xp,
        [
            [[1, 2], [3, 4], [5, 0]],
            [[6, 7], [8, 9], [10, 0]],
        ],
    )
    Xp, lengths_p = patch(X, None, 5)
    np.testing.assert_array_equal(Xp, [[[1, 2, 3, 4, 5]], [[6, 7, 8, 9, 10]]])
    Xp, _ = patch(X, None, 7)  # longer than T: one zero-filled patch
    np.testing.assert_array_equal(Xp[0], [[1, 2, 3, 4, 5, 0, 0]])


def test_patch_two_features_ragged_lengths():
    # sequence 0: 5 steps; sequence 1: 3 steps, then padding (-1 here)
    X = np.array(
        [
            [[1, 10], [2, 20], [3, 30], [4, 40], [5, 50]],
            [[6, 60], [7, 70], [8, 80], [-1, -1], [-1, -1]],
        ],
        dtype=np.float64,
    )
    Xp, lengths_p = patch(X, np.array([5, 3]), 2)
    assert Xp.shape == (2, 3, 4)
    np.testing.assert_array_equal(lengths_p, [3, 2])
    np.testing.assert_array_equal(
        Xp,
        [
            [[1, 10, 2, 20], [3, 30, 4, 40], [5, 50, 0, 0]],
            [[6, 60, 7, 70], [8, 80, 0, 0], [0, 0, 0, 0]],
        ],
    )
    Xp, lengths_p = patch(X, np.array([5, 3]), 3)
    np.testing.assert_array_equal(lengths_p, [2, 1])
    np.testing.assert_array_equal(
        Xp,
        [
            [[1, 10, 2, 20, 3, 30], [4, 40, 5, 50, 0, 0]],
            [[6, 60, 7, 70, 8, 80], [0, 0, 0, 0, 0, 0]],
        ],
    )


def test_patch_is_a_reshape_for_equal_lengths_and_multiple_of_p():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4, 12, 3))
    for p in (1, 2, 3, 4, 6, 12):
        Xp, lengths_p = patch(X, None, p)
        np.testing.assert_array_equal(Xp, X.reshape(4, 12 // p, p * 3))
        assert lengths_p is None
    # T not a multiple of p: the reshape of X zero-padded to a multiple
    Xp, _ = patch(X[:, :11], None, 4)
    padded = np.concatenate([X[:, :11], np.zeros((4, 1, 3))], axis=1)
    np.testing.assert_array_equal(Xp, padded.reshape(4, 3, 12))


@pytest.mark.parametrize("p", [1, 2, 3, 5, 8, 20])
@pytest.mark.parametrize("F", [1, 2])
def test_patch_equals_elementwise_reference(p, F):
    rng = np.random.default_rng(p * 10 + F)
    lengths = np.array([13, 1, 7, 12, 13, 4])
    X = rng.normal(size=(6, 13, F))
    for given in (lengths, None):
        Xp, lengths_p = patch(X, given, p)
        np.testing.assert_array_equal(Xp, reference_patch(X, given, p))
        if given is None:
            assert lengths_p is None
        else:
            np.testing.assert_array_equal(lengths_p, np.ceil(lengths / p))


def test_lengths_p_is_ceil_of_lengths():
    X = np.zeros((6, 9, 1))
    lengths = np.array([0, 1, 2, 3, 4, 9])
    _, lengths_p = patch(X, lengths, 3)
    assert lengths_p.dtype.kind == "i"
    assert lengths_p.tolist() == [0, 1, 1, 1, 2, 3]
    _, lengths_p = patch(X, lengths.astype(np.int32), 1)
    assert lengths_p.tolist() == lengths.tolist()
    _, lengths_p = patch(X, lengths.astype(np.uint8), 4)
    assert lengths_p.tolist() == [0, 1, 1, 1, 1, 3]


def test_padding_values_never_leak():
    rng = np.random.default_rng(1)
    lengths = np.array([7, 2, 10, 5])
    X = rng.normal(size=(4, 10, 2))
    pad = np.arange(10)[None, :] >= lengths[:, None]
    expected, _ = patch(np.where(pad[:, :, None], 0.0, X), lengths, 4)
    for fill in (np.nan, np.inf, -np.inf, 1e300, 7.0):
        Xf = X.copy()
        Xf[pad] = fill
        Xp, _ = patch(Xf, lengths, 4)
        np.testing.assert_array_equal(Xp, expected)
    Xr = X.copy()
    Xr[pad] = rng.normal(size=(pad.sum(), 2))
    np.testing.assert_array_equal(patch(Xr, lengths, 4)[0], expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_patch_keeps_dtype_and_leaves_x_alone(dtype):
    X = np.random.default_rng(2).normal(size=(3, 7, 2)).astype(dtype)
    X[1, 5:] = np.nan
    X0 = X.copy()
    for lengths in (None, np.array([7, 5, 7])):
        Xp, _ = patch(X, lengths, 3)
        assert Xp.dtype == dtype and Xp.flags.c_contiguous
        assert not np.may_share_memory(Xp, X)
        np.testing.assert_array_equal(X, X0)  # NaN where X0 is NaN


@pytest.mark.parametrize("p", [0, -1, 2.5, "x", True, None])
def test_patch_bad_p(p):
    with pytest.raises(
        ValueError,
        match=f"patch size p must be an int >= 1 .*got {p!r} of type {type(p).__name__}",
    ):
        patch(np.zeros((2, 4, 1)), None, p)


def test_patch_bad_x_and_lengths():
    with pytest.raises(ValueError, match="3-D array .*got \\(2, 4\\)"):
        patch(np.zeros((2, 4)), None, 2)
    X = np.zeros((2, 4, 1))
    with pytest.raises(
        ValueError, match="shape \\(2,\\).*got an array of dtype int64 and shape \\(3,\\)"
    ):
        patch(X, np.array([1, 2, 3]), 2)
    with pytest.raises(ValueError, match="int array .*got an array of dtype float64"):
        patch(X, np.array([1.0, 2.0]), 2)
    with pytest.raises(ValueError, match="lengths must be in 0..4 .*from 1 to 5"):
        patch(X, np.array([1, 5]), 2)
    with pytest.raises(ValueError, match="lengths must be in 0..4 .*from -1 to 2"):
        patch(X, np.array([-1, 2]), 2)


# -- auto_patch_size ----------------------------------------------------------------


def test_auto_patch_size_values():
    assert AUTO_TARGET_STEPS == 64
    got = {T: auto_patch_size(T) for T in (1, 10, 63, 64, 65, 128, 129, 500, 1000)}
    assert got == {1: 1, 10: 1, 63: 1, 64: 1, 65: 2, 128: 2, 129: 3, 500: 8, 1000: 16}
    assert auto_patch_size(1000, target_steps=100) == 10
    assert auto_patch_size(1001, target_steps=100) == 11
    assert auto_patch_size(5, target_steps=1) == 5
    assert auto_patch_size(np.int64(200)) == 4


def test_auto_patch_size_runs_at_most_target_steps():
    for target in (1, 7, 64):
        for T in range(1, 600):
            p = auto_patch_size(T, target_steps=target)
            assert -(-T // p) <= target
            # and it is the smallest such p
            assert p == 1 or -(-T // (p - 1)) > target


def test_auto_patch_size_reads_the_module_constant(monkeypatch):
    monkeypatch.setattr(_patching, "AUTO_TARGET_STEPS", 10)
    assert auto_patch_size(100) == 10
    assert auto_patch_size(100, target_steps=50) == 2


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n_timesteps=0), "n_timesteps must be an int >= 1 .*got 0"),
        (dict(n_timesteps=12.0), "n_timesteps must be an int >= 1 .*got 12.0 of type float"),
        (dict(n_timesteps=10, target_steps=0), "target_steps must be an int >= 1 .*got 0"),
        (dict(n_timesteps=10, target_steps="x"), "target_steps must be .*got 'x'"),
    ],
)
def test_auto_patch_size_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        auto_patch_size(**kwargs)


# -- SequencePatcher: forms ------------------------------------------------------------


def test_3d_array():
    X = np.random.default_rng(0).normal(size=(5, 10, 3))
    Z = SequencePatcher(patch_size=4).fit_transform(X)
    assert Z.shape == (5, 3, 12)
    np.testing.assert_array_equal(Z, patch(X, None, 4)[0])
    assert not np.isnan(Z).any()  # the partial last patch is zero-filled


def test_2d_gives_3d_univariate_patches():
    X = np.arange(14.0).reshape(2, 7)
    patcher = SequencePatcher(patch_size=3).fit(X)
    assert patcher.n_features_in_ == 7
    Z = patcher.transform(X)
    np.testing.assert_array_equal(
        Z,
        [
            [[0, 1, 2], [3, 4, 5], [6, 0, 0]],
            [[7, 8, 9], [10, 11, 12], [13, 0, 0]],
        ],
    )
    with pytest.raises(
        ValueError, match="X has 6 features, but SequencePatcher is expecting 7 features"
    ):
        patcher.transform(X[:, :6])
    # fitted on 3-D univariate data, 2-D X of any length is accepted
    patcher.fit(X[:, :, None])
    assert patcher.transform(X[:, :5]).shape == (2, 2, 3)


def test_list_stays_list_of_patched_sequences():
    seqs = sequences_of_lengths()
    patcher = SequencePatcher(patch_size=4).fit(seqs)
    assert patcher.n_features_in_ == 2
    Z = patcher.transform(seqs)
    assert isinstance(Z, list)
    assert [z.shape for z in Z] == [(2, 8), (1, 8), (3, 8), (1, 8), (3, 8)]
    for z, s in zip(Z, seqs):  # each as if patched alone
        np.testing.assert_array_equal(z, patch(s[None], None, 4)[0][0])
    assert isinstance(patcher.transform(tuple(seqs)), tuple)
    # 1-D sequences are univariate; the output is 2-D
    Z1 = SequencePatcher(patch_size=2).fit_transform([np.arange(5.0), [7.0, 8.0]])
    assert [z.tolist() for z in Z1] == [[[0, 1], [2, 3], [4, 0]], [[7, 8]]]


def test_padded_array_stays_padded_and_agrees_with_list():
    seqs = sequences_of_lengths()
    X, lengths = to_padded_array(seqs)  # (5, 12, 2)
    patcher = SequencePatcher(patch_size=5).fit(X)
    Z = patcher.transform(X)
    assert Z.shape == (5, 3, 10)
    n_patches = -(-lengths // 5)
    expected_nan = np.arange(3)[None, :] >= n_patches[:, None]
    np.testing.assert_array_equal(np.isnan(Z).all(axis=2), expected_nan)
    np.testing.assert_array_equal(np.isnan(Z).any(axis=2), expected_nan)
    for z, zl, L in zip(Z, patcher.transform(seqs), n_patches):
        np.testing.assert_array_equal(z[:L], zl)


def test_padded_lengths_with_equal_patch_counts_give_no_nan():
    X = np.arange(16.0).reshape(2, 8, 1)
    X[0, 7] = np.nan  # lengths 7 and 8: two patches of 4 each
    Z = SequencePatcher(patch_size=4).fit_transform(X)
    np.testing.assert_array_equal(
        Z[:, :, :],
        [
            [[0, 1, 2, 3], [4, 5, 6, 0]],
            [[8, 9, 10, 11], [12, 13, 14, 15]],
        ],
    )


def test_trailing_nan_steps_of_a_list_are_padding_and_keep_their_rows():
    # 5 valid steps, then 3 NaN steps: ceil(8 / 3) = 3 rows, 2 of them patches
    s0 = np.vstack([np.arange(10.0).reshape(5, 2), np.full((3, 2), np.nan)])
    s1 = 100 + np.arange(4.0).reshape(2, 2)
    patcher = SequencePatcher(patch_size=3)
    Z = patcher.fit_transform([s0, s1])
    assert [z.shape for z in Z] == [(3, 6), (1, 6)]
    np.testing.assert_array_equal(
        Z[0],
        [
            [0, 1, 2, 3, 4, 5],
            [6, 7, 8, 9, 0, 0],  # the partial patch: zeros, not the NaN steps
            [np.nan] * 6,  # wholly past the last valid step: padding
        ],
    )
    np.testing.assert_array_equal(Z[1], [[100, 101, 102, 103, 0, 0]])
    # the same as the NaN-padded array, sequence by sequence
    Z3 = patcher.transform(to_padded_array([s0, s1])[0])
    np.testing.assert_array_equal(Z3[0], Z[0])
    np.testing.assert_array_equal(Z3[1, :1], Z[1])
    # 1-D sequences: a NaN step is one NaN value
    Z1 = SequencePatcher(patch_size=2).fit_transform([np.r_[0.0:5.0, np.nan, np.nan], [7.0, 8.0]])
    np.testing.assert_array_equal(Z1[0], [[0, 1], [2, 3], [4, 0], [np.nan, np.nan]])
    np.testing.assert_array_equal(Z1[1], [[7, 8]])


def test_estimator_after_the_patcher_reads_the_nan_rows_as_padding():
    X, y = classification_data(n=12)
    with_nan = [np.r_[x, [np.nan] * 5] for x in X]
    model = make_pipeline(SequencePatcher(patch_size=4), small_classifier()).fit(X, y)
    np.testing.assert_allclose(
        model.predict_proba(with_nan), model.predict_proba(X), rtol=1e-12, atol=1e-12
    )


def list_with_nan_inside():
    seqs = sequences_of_lengths()
    seqs[2][4, 1] = np.nan  # step 4 of 12: not padding
    return seqs


@pytest.mark.parametrize("method", ["fit", "transform", "fit_transform"])
def test_nan_inside_a_list_sequence_fails_and_changes_nothing(method, state):
    patcher = SequencePatcher(patch_size=2).fit(sequences_of_lengths())
    before, Z = state(patcher), patcher.transform(sequences_of_lengths())
    with pytest.raises(
        ValueError,
        match="NaN inside sequence 2 at time step 4 \\(feature 1\\).*only accepted as padding",
    ):
        getattr(patcher, method)(list_with_nan_inside())
    assert state(patcher) == before  # bitwise
    for a, b in zip(patcher.transform(sequences_of_lengths()), Z):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("form", ["list", "list1d", "padded", "3d", "2d"])
def test_float32_stays_float32(form):
    seqs = sequences_of_lengths(dtype=np.float32)
    X = {
        "list": seqs,
        "list1d": [s[:, 0] for s in seqs],
        "padded": to_padded_array(seqs, dtype=np.float32)[0],
        "3d": np.stack([s[:3] for s in seqs[2:]]),
        "2d": np.stack([s[:3, 0] for s in seqs[2:]]),
    }[form]
    Z = SequencePatcher(patch_size=2).fit_transform(X)
    for z in Z if isinstance(Z, list) else [Z]:
        assert z.dtype == np.float32
    mixed = [s.astype(np.float64) if i == 0 else s for i, s in enumerate(seqs)]
    assert all(z.dtype == np.float64 for z in SequencePatcher(patch_size=2).fit_transform(mixed))


def test_patch_size_one_only_changes_the_form():
    seqs = sequences_of_lengths()
    X, _ = to_padded_array(seqs)
    Z = SequencePatcher(patch_size=1).fit_transform(X)
    np.testing.assert_array_equal(Z, X)  # NaN where X is NaN
    Z2 = SequencePatcher(patch_size=1).fit_transform(np.ones((2, 3)))
    assert Z2.shape == (2, 3, 1)


def test_transform_other_lengths_and_feature_count_checked():
    patcher = SequencePatcher(patch_size=3).fit(sequences_of_lengths())
    assert patcher.transform(np.ones((2, 20, 2))).shape == (2, 7, 6)
    msg = "X has 3 features per time step, but SequencePatcher was fitted with 2"
    with pytest.raises(ValueError, match=msg):
        patcher.transform([np.ones((4, 3))])
    with pytest.raises(ValueError, match="NaN inside sequence 0 at time step 1"):
        patcher.transform(np.array([[[1.0, 1.0], [np.nan, 1.0], [1.0, 1.0]]]))


def test_failed_fit_leaves_the_patcher_unchanged():
    patcher = SequencePatcher(patch_size=2).fit(sequences_of_lengths())
    before = copy.deepcopy(patcher.__dict__)
    with pytest.raises(ValueError, match="sequence 1 of X is all NaN"):
        patcher.fit(np.array([[[1.0]], [[np.nan]]]))
    assert patcher.__dict__ == before


@pytest.mark.parametrize(
    "bad, shown",
    [
        (0, "0"),
        (-1, "-1"),
        (2.5, "2.5"),
        ("x", "'x'"),
        (None, "None"),
    ],
)
def test_bad_patch_size(bad, shown):
    patcher = SequencePatcher(patch_size=bad)
    msg = (
        f"The 'patch_size' parameter of SequencePatcher must be an int in the "
        f"range \\[1, inf\\). Got {shown} instead."
    )
    with pytest.raises(ValueError, match=msg):
        patcher.fit(sequences_of_lengths())
    with pytest.raises(ValueError, match=msg):
        patcher.fit_transform(sequences_of_lengths())


# -- scikit-learn ------------------------------------------------------------------


@parametrize_with_checks(
    [SequencePatcher(), SequencePatcher(patch_size=1), SequencePatcher(patch_size=3)]
)
def test_sklearn_compatible_transformer(estimator, check):
    check(estimator)


def test_clone_and_pickle():
    patcher = SequencePatcher(patch_size=3)
    assert clone(patcher).get_params() == {"patch_size": 3}
    seqs = sequences_of_lengths()
    fitted = patcher.fit(seqs)
    again = pickle.loads(pickle.dumps(fitted))
    assert again.n_features_in_ == 2 and again.patch_size == 3
    for a, b in zip(again.transform(seqs), fitted.transform(seqs)):
        np.testing.assert_array_equal(a, b)
    unfitted = clone(fitted)
    assert not hasattr(unfitted, "n_features_in_")


def classification_data(n=40, seed=0):
    """Ragged univariate sequences; the label is the sign of the first 8 steps."""
    rng = np.random.default_rng(seed)
    X = [rng.normal(size=T) for T in rng.integers(24, 49, size=n)]
    y = np.array([int(x[:8].sum() > 0) for x in X])
    return X, y


def small_classifier():
    return RNNClassifier(hidden_size=4, solver="lbfgs", max_iter=15, random_state=0)


def test_pipeline_with_rnn_classifier_list_and_padded_agree():
    X, y = classification_data()
    model = make_pipeline(SequencePatcher(patch_size=8), small_classifier()).fit(X, y)
    assert model[-1].n_features_in_ == 8
    proba = model.predict_proba(X)
    assert proba.shape == (len(X), 2) and np.isfinite(proba).all()
    X_padded, _ = to_padded_array(X)  # (40, 48, 1)
    np.testing.assert_allclose(model.predict_proba(X_padded), proba, rtol=1e-10, atol=1e-10)
    assert set(model.predict(X)) <= {0, 1}


def test_grid_search_over_patch_size():
    X, y = classification_data()
    pipe = make_pipeline(SequencePatcher(), small_classifier())
    search = GridSearchCV(pipe, {"sequencepatcher__patch_size": [4, 16]}, cv=2)
    search.fit(X, y)
    # each candidate's score is that of a pipeline built with its patch size
    results = search.cv_results_
    for params, score in zip(results["params"], results["mean_test_score"]):
        direct = make_pipeline(
            SequencePatcher(params["sequencepatcher__patch_size"]), small_classifier()
        )
        assert cross_val_score(direct, X, y, cv=2).mean() == score
    best = search.best_estimator_
    chosen = search.best_params_["sequencepatcher__patch_size"]
    assert best[0].patch_size == chosen and best[-1].n_features_in_ == chosen
    assert search.predict(X[:5]).shape == (5,)
