"""The defaults learn: small data trains, units do not matter, failure is said."""

import warnings

import numpy as np
import pytest
from conftest import ragged_sequences, sequences
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline

from skrnn import RNNClassifier, RNNRegressor
from skrnn._sequence_scaling import (
    FLAT_SCALE,
    WITHIN_SHARE,
    SequenceStandardization,
    _variance_parts,
    auto_sequence_features,
    sequence_moments,
)
from skrnn._training import Standardization, auto_batch_size
from skrnn.preprocessing import SequencePatcher


def two_shapes(n=20, T=30, seed=0):
    """n univariate sequences: a rising or a falling ramp, plus noise."""
    rng = np.random.RandomState(seed)
    y = np.arange(n) % 2
    ramp = np.linspace(-1, 1, T)
    X = np.where(y[:, None] == 1, ramp, -ramp) + rng.normal(scale=0.3, size=(n, T))
    return X[:, :, None], np.where(y == 1, "rise", "fall")


def regression(n=120, T=8, F=2, seed=0):
    """``sequences(...)``; y: the sum of feature 0 less the last step of feature 1."""
    X, _ = sequences(n, T, F, seed)
    return X, X[:, :, 0].sum(axis=1) - X[:, -1, 1]


def no_warning_matching(record, text):
    return not any(text in str(w.message) for w in record)


# ------------------------------------------------------------ small data
def test_defaults_fit_twenty_sequences():
    X, y = two_shapes()
    clf = RNNClassifier(random_state=0).fit(X, y)
    assert clf.score(X, y) == 1.0
    # about ten updates an epoch, and more than a handful of epochs
    assert clf._optimizer.t == clf.n_iter_ * 10 and clf.n_iter_ > 20


@pytest.mark.parametrize("n, expected", [(5, 1), (20, 2), (100, 10), (320, 32), (5000, 32)])
def test_auto_batch_size_gives_about_ten_updates_an_epoch(n, expected):
    assert auto_batch_size(n) == expected


# ------------------------------------------------------------ scale invariance
@pytest.mark.parametrize("standardize", ["sequence", "global"])
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_regression_does_not_depend_on_units(solver, standardize):
    X, y = regression()
    # shuffle=False: shuffled, the minibatches follow a digest of the data's
    # bytes (so that the order of the sequences does not matter), which the
    # units change -- the same fit as under another random_state
    params = dict(
        hidden_size=8,
        solver=solver,
        max_iter=40,
        standardize=standardize,
        shuffle=False,
        random_state=0,
    )
    plain = RNNRegressor(**params).fit(X[:80], y[:80])
    scaled = RNNRegressor(**params).fit(X[:80] * 1000, y[:80] * 1000 + 500)
    r2 = plain.score(X[80:], y[80:])
    assert r2 > 0.7
    assert scaled.score(X[80:] * 1000, y[80:] * 1000 + 500) == pytest.approx(r2, abs=0.01)
    np.testing.assert_allclose(scaled.target_mean_, plain.target_mean_ * 1000 + 500)
    if standardize == "global":
        np.testing.assert_allclose(scaled.input_scale_, plain.input_scale_ * 1000)
    else:  # the shapes are unit-free; only the level channels carry the units
        F = X.shape[2]
        np.testing.assert_allclose(scaled.input_scale_[:F], plain.input_scale_[:F])
        np.testing.assert_allclose(
            scaled.input_scale_[F : 2 * F], plain.input_scale_[F : 2 * F] * 1000
        )
        np.testing.assert_allclose(scaled.input_scale_[2 * F :], plain.input_scale_[2 * F :])


def test_classification_does_not_depend_on_units():
    X, y = two_shapes(n=60)
    plain = RNNClassifier(hidden_size=8, max_iter=30, random_state=0).fit(X, y)
    scaled = RNNClassifier(hidden_size=8, max_iter=30, random_state=0).fit(X * 1e3 - 7, y)
    assert np.mean(plain.predict(X) == scaled.predict(X * 1e3 - 7)) >= 0.98
    assert not hasattr(plain, "target_mean_")


def test_standardisation_is_folded_exactly_into_the_weights():
    """A standardising fit equals a fit on standardised data, mapped back."""
    X, y = regression(n=60)
    X = X * [3.0, 0.1] + [5.0, -2.0]
    y = 40 * y + 7
    ours = RNNRegressor(
        hidden_size=4, solver="lbfgs", max_iter=15, standardize="global", random_state=0
    )
    ours.fit(X, y)
    assert ours.level_inputs_ is None and ours.scale_inputs_ is None
    mean, std = X.reshape(-1, 2).mean(axis=0), X.reshape(-1, 2).std(axis=0)
    np.testing.assert_allclose(ours.input_mean_, mean, rtol=1e-12)
    np.testing.assert_allclose(ours.input_scale_, std, rtol=1e-12)
    by_hand = RNNRegressor(
        hidden_size=4, solver="lbfgs", max_iter=15, standardize=False, random_state=0
    )
    by_hand.fit((X - mean) / std, (y - y.mean()) / y.std())
    assert by_hand.input_mean_ is None and by_hand.target_scale_ is None
    np.testing.assert_allclose(
        ours.predict(X), by_hand.predict((X - mean) / std) * y.std() + y.mean(), rtol=1e-7
    )


def test_to_raw_and_from_raw_are_inverse():
    X, y = regression(n=30)
    est = RNNRegressor(
        hidden_size=3, num_layers=2, bidirectional=True, max_iter=1, random_state=0
    ).fit(X * 9 + 1, y * 3)
    std = est._standardization
    assert isinstance(std, Standardization) and std.y_mean is not None
    back = std.to_raw(est._net, std.from_raw(est._net, est._params))
    np.testing.assert_allclose(back, est._params, rtol=1e-12, atol=1e-12)


# ------------------------------------------------- each sequence by its own statistics
def amplitudes(n=40, seed=0):
    """Ragged 2-feature sequences whose amplitudes span six orders of magnitude."""
    rng = np.random.RandomState(seed)
    size = 10.0 ** rng.uniform(-3, 3, n)
    seqs = [rng.normal(size=(rng.randint(4, 15), 2)) * a + 5 * rng.normal() for a in size]
    return seqs, np.where(size > 1, "big", "small")


def test_sequence_standardisation_is_the_documented_map(by_own_statistics):
    seqs, y = amplitudes()
    params = dict(hidden_size=4, solver="lbfgs", max_iter=10, random_state=0)
    inside = RNNClassifier(patch_size=2, **params).fit(seqs, y)  # "auto": many-to-one
    # the amplitudes differ far more between sequences than within: both mapped
    assert inside.sequence_features_.tolist() == [True, True]
    assert inside.level_inputs_.tolist() == inside.scale_inputs_.tolist() == [True, True]
    assert inside.weights_["weight_ih_l0"].shape[1] == 2 * 6  # what the network reads
    # the map, then the patches, then the features standardised
    mapped = by_own_statistics(seqs, [True, True], [True, True])
    outside = make_pipeline(
        SequencePatcher(2), RNNClassifier(standardize="global", patch_size=None, **params)
    ).fit(mapped, y)
    np.testing.assert_allclose(
        inside.predict_proba(seqs), outside.predict_proba(mapped), rtol=1e-9
    )


def levels_and_noise(n=60, seed=0):
    """Feature 0: a level per sequence far larger than its steps' noise
    (mostly between-sequence variance); feature 1: noise alone (all within)."""
    rng = np.random.RandomState(seed)
    level = 10 * rng.normal(size=(n, 1))
    X = np.stack([level + rng.normal(size=(n, 12)), rng.normal(size=(n, 12))], axis=2)
    return X, np.where(X[:, :, 1].mean(axis=1) + level[:, 0] / 10 > 0, "a", "b")


def test_auto_maps_only_the_features_whose_variance_is_between_sequences(by_own_statistics):
    X, y = levels_and_noise()
    params = dict(hidden_size=4, solver="lbfgs", max_iter=10, random_state=0)
    auto = RNNClassifier(**params).fit(X, y)
    assert auto.sequence_features_.tolist() == [True, False]
    assert auto.level_inputs_.tolist() == auto.scale_inputs_.tolist() == [True, False]
    mapped = by_own_statistics(X, [True, False], [True, False], features=[True, False])
    outside = RNNClassifier(standardize="global", **params).fit(mapped, y)
    np.testing.assert_allclose(auto.predict_proba(X), outside.predict_proba(mapped), rtol=1e-9)
    # every feature mapped, asked for
    every = RNNClassifier(standardize="sequence", **params).fit(X, y)
    assert every.sequence_features_.tolist() == [True, True]
    # no feature mostly between sequences: "auto" is "global", bitwise
    noise = X[:, :, 1:]
    auto = RNNClassifier(**params).fit(noise, y)
    assert auto.sequence_features_ is None and auto.level_inputs_ is None
    glob = RNNClassifier(standardize="global", **params).fit(noise, y)
    np.testing.assert_array_equal(auto.predict_proba(noise), glob.predict_proba(noise))


def test_auto_maps_by_the_within_share_or_the_typical_scale():
    # small series beside large ones: most variance is within the large ones,
    # but the median sequence varies by far less than the feature overall
    seqs, _ = amplitudes(n=30)
    lengths = np.array([len(s) for s in seqs])
    padded = np.zeros((30, lengths.max(), 2))
    for i, s in enumerate(seqs):
        padded[i, : len(s)] = s
    steps = np.concatenate(seqs)
    within = sum(((s - s.mean(axis=0)) ** 2).sum(axis=0) for s in seqs)
    share = within / ((steps - steps.mean(axis=0)) ** 2).sum(axis=0)
    mean, std = sequence_moments(padded, lengths)
    spread, ours = _variance_parts(mean, std, lengths, padded.shape[1])
    np.testing.assert_allclose(ours, share, rtol=1e-12)
    np.testing.assert_allclose(spread, steps.std(axis=0), rtol=1e-12)
    typical = np.median([s.std(axis=0) for s in seqs], axis=0) / steps.std(axis=0)
    assert (share >= WITHIN_SHARE).all() and (typical < FLAT_SCALE).all()
    assert auto_sequence_features(padded, lengths).tolist() == [True, True]
    # levels that differ more than the steps do: the within share decides
    X, _ = levels_and_noise()
    share = X.var(axis=1).mean(axis=0) / X.reshape(-1, 2).var(axis=0)
    assert share[0] < WITHIN_SHARE < share[1]
    assert auto_sequence_features(X, None).tolist() == [True, False]


def test_the_map_weighs_sequences_as_copies():
    """An integer weight k chooses features, channels and floors as k copies
    of the sequence do, and a weight of 0 as its absence."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(20, 12, 2))
    X -= X.mean(axis=1, keepdims=True)  # every level 0 ...
    X[10:, :, 0] += np.tile([2.0, -2.0], 5)[:, None]  # ... but 10 at +-2
    # unweighted, a third of feature 0's variance is within sequences;
    # weighted, the 10 sequences at level 0 count five times: 60%
    k = np.r_[np.full(10, 5), np.ones(10, int)]
    copies = np.repeat(X, k, axis=0)
    fits = {}
    for name, (data, weight) in {"weights": (X, k), "copies": (copies, None)}.items():
        features = auto_sequence_features(data, None, weight)
        fits[name] = (features, SequenceStandardization.fit(data, None, features, weight))
    np.testing.assert_array_equal(fits["weights"][0], fits["copies"][0])
    for a, b in zip(vars(fits["weights"][1]).values(), vars(fits["copies"][1]).values()):
        np.testing.assert_array_equal(a, b)
    # the weights matter
    assert auto_sequence_features(X, None).tolist() == [True, False]
    assert fits["weights"][0].tolist() == [False, False]
    zero = np.r_[np.zeros(10), np.ones(10)]
    np.testing.assert_array_equal(
        auto_sequence_features(X, None, zero), auto_sequence_features(X[10:], None)
    )
    # and so does the estimator, given sample_weight
    y = X[:, :, 1].sum(axis=1)
    params = dict(hidden_size=3, solver="lbfgs", max_iter=5, random_state=0)
    weighted = RNNRegressor(**params).fit(X, y, sample_weight=k)
    copied = RNNRegressor(**params).fit(copies, np.repeat(y, k))
    assert weighted.sequence_features_ is None and copied.sequence_features_ is None
    np.testing.assert_allclose(weighted.predict(X), copied.predict(X), rtol=1e-7)


@pytest.mark.parametrize(
    "weight, match", [(0.0, "at least one non-zero"), (-1.0, "Negative values")]
)
def test_bad_weights_are_refused_before_the_map_changes(weight, match):
    seqs, y = amplitudes(n=30)
    fitted = RNNClassifier(hidden_size=3, max_iter=2, random_state=0).fit(seqs, y)
    before = fitted.predict_proba(seqs)
    masks = (fitted.sequence_features_.copy(), fitted.level_inputs_.copy())
    other = [s[:, :1] for s in seqs]  # another feature count too
    with pytest.raises(ValueError, match=match):
        fitted.fit(other, y, sample_weight=np.full(30, weight))
    np.testing.assert_array_equal(fitted.predict_proba(seqs), before)
    np.testing.assert_array_equal(fitted.sequence_features_, masks[0])
    np.testing.assert_array_equal(fitted.level_inputs_, masks[1])


def test_the_amplitude_is_not_lost():
    seqs, y = amplitudes(n=200)
    est = RNNClassifier(hidden_size=8, random_state=0).fit(seqs[:150], y[:150])
    assert est.score(seqs[150:], y[150:]) >= 0.95  # read off the scale channels


def test_series_already_normalised_gain_no_channels():
    X, y = two_shapes(n=30)
    X = (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)
    X = X.astype(np.float32).astype(np.float64)  # rounded, as archives store them
    est = RNNClassifier(hidden_size=4, max_iter=2, standardize="sequence", random_state=0).fit(
        X, y
    )
    assert est.level_inputs_.tolist() == est.scale_inputs_.tolist() == [False]
    assert est.weights_["weight_ih_l0"].shape[1] == 1
    auto = RNNClassifier(hidden_size=4, max_iter=2, random_state=0).fit(X, y)
    assert auto.sequence_features_ is None  # all of their variance is within


def test_constant_and_one_step_sequences_stay_finite():
    X, y = regression(n=30)
    X[:5] = 3.0  # constant: z is 0, the scale is floored
    params = dict(hidden_size=4, max_iter=5, standardize="sequence", random_state=0)
    est = RNNRegressor(**params).fit(X, y)
    assert np.isfinite(est.predict(X)).all()
    assert np.isfinite(est.predict(np.full((2, 8, 2), -1.0))).all()
    one_step = RNNRegressor(**params).fit(X[:, :1], y)
    assert one_step.scale_inputs_.tolist() == [False, False]  # every scale is the floor
    assert np.isfinite(one_step.predict(X[:, :1])).all()


@pytest.mark.parametrize(
    "flag, mode", [(True, "global"), (np.True_, "global"), (False, None), (np.False_, None)]
)
def test_boolean_standardize_means_global_or_nothing(flag, mode):
    X, y = regression(n=20)
    est = RNNRegressor(standardize=flag, hidden_size=3, max_iter=1, random_state=0)
    est.fit(X, y)
    assert est.level_inputs_ is None
    assert (est.input_mean_ is None) == (mode is None)


def test_sequence_standardisation_needs_one_output_per_sequence():
    X, y = regression(n=20)
    Y = np.cumsum(X[:, :, 0], axis=1)
    est = RNNRegressor(return_sequences=True, standardize="sequence")
    with pytest.raises(
        ValueError,
        match=r'standardize="sequence" needs '
        r"return_sequences=False",
    ):
        est.fit(X, Y)
    assert not hasattr(est, "n_features_in_")  # nothing changed
    tagger = RNNRegressor(return_sequences=True, hidden_size=3, max_iter=2, random_state=0).fit(
        X, Y
    )  # "auto" is "global" here
    assert tagger.level_inputs_ is None and tagger.input_mean_.shape == (2,)
    # a fitted model refused the same way keeps its channels and predictions
    fitted = RNNRegressor(hidden_size=3, max_iter=2, standardize="sequence", random_state=0).fit(
        X * 7, y
    )
    before, level = fitted.predict(X), fitted.level_inputs_.copy()
    with pytest.raises(ValueError, match=r'standardize="sequence" needs'):
        fitted.set_params(return_sequences=True, standardize="sequence").fit(X, Y)
    fitted.set_params(return_sequences=False, standardize="sequence")
    np.testing.assert_array_equal(fitted.level_inputs_, level)
    np.testing.assert_array_equal(fitted.predict(X), before)


# ------------------------------------------------------------ saying so
def test_a_fit_that_learns_nothing_warns():
    rng = np.random.RandomState(0)
    X = np.ones((40, 6, 1))  # carries nothing about y
    y = rng.randint(0, 2, 40)
    for est, target in (
        (RNNClassifier(hidden_size=4, max_iter=15, random_state=0), y),
        (RNNRegressor(hidden_size=4, max_iter=15, random_state=0), rng.normal(size=40)),
    ):
        with pytest.warns(
            ConvergenceWarning,
            match=r"learned nothing: its training "
            r"loss .* is no lower than that of a constant prediction",
        ):
            est.fit(X, target)
    with pytest.warns(ConvergenceWarning, match=r"learned nothing.*lbfgs stopped"):
        RNNClassifier(hidden_size=4, solver="lbfgs", random_state=0).fit(X, y)


def test_a_fit_that_learns_does_not_warn():
    X, y = two_shapes(n=40)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        RNNClassifier(hidden_size=8, max_iter=20, random_state=0).fit(X, y)
    assert no_warning_matching(record, "learned nothing")


# ------------------------------------------------------------ patches, pooling
def test_auto_patches_read_long_sequences_in_64_steps_or_fewer():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 200, 2))
    y = X[:, :, 0].mean(axis=1)
    est = RNNRegressor(hidden_size=4, max_iter=2, random_state=0).fit(X, y)
    assert est.patch_size_ == 4 and est.n_features_in_ == 2
    # 4 steps of 2 features (iid noise: nothing standardised per sequence)
    assert est.sequence_features_ is None
    assert est.weights_["weight_ih_l0"].shape == (3 * 4, 4 * 2)
    assert est.predict(X[:, :150]).shape == (30,)  # other lengths at predict
    short = RNNRegressor(hidden_size=4, max_iter=2, random_state=0).fit(X[:, :64], y)
    assert short.patch_size_ == 1
    assert (
        RNNRegressor(hidden_size=4, max_iter=2, patch_size=None, random_state=0)
        .fit(X, y)
        .patch_size_
        == 1
    )


def test_patch_size_is_a_patcher_in_front():
    X, y = two_shapes(n=30, T=23)
    params = dict(hidden_size=4, solver="lbfgs", max_iter=10, standardize="global", random_state=0)
    inside = RNNClassifier(patch_size=5, **params).fit(X, y)
    outside = make_pipeline(SequencePatcher(5), RNNClassifier(patch_size=None, **params))
    outside.fit(X, y)
    np.testing.assert_allclose(inside.predict_proba(X), outside.predict_proba(X), rtol=1e-10)


def test_patches_and_pooling_refuse_what_they_cannot_do():
    X, y = regression(n=20)
    Y = np.cumsum(X[:, :, 0], axis=1)
    est = RNNRegressor(return_sequences=True, patch_size=2)
    with pytest.raises(ValueError, match=r"patch_size=2 needs return_sequences=False"):
        est.fit(X, Y)
    assert not hasattr(est, "n_features_in_")  # nothing changed
    with pytest.raises(
        ValueError,
        match=r"bptt_steps=3 .* needs pooling='last', got "
        r"pooling='attention'",
    ):
        RNNRegressor(bptt_steps=3).fit(X, y)
    # one output per step: pooling does not apply, "auto" patches are 1
    tagger = RNNRegressor(
        return_sequences=True, pooling="max", hidden_size=3, max_iter=2, random_state=0
    ).fit(X, Y)
    assert tagger.patch_size_ == 1 and tagger._net.pooling == "last"
    assert tagger.predict(X).shape == Y.shape


@pytest.mark.parametrize("pooling", ["last", "mean", "max", "attention"])
def test_every_pooling_fits_ragged_sequences(pooling):
    seqs, _ = ragged_sequences(n=40, low=3, high=12)
    y = np.array([s[:, 0].max() for s in seqs])
    est = RNNRegressor(
        pooling=pooling, hidden_size=6, solver="lbfgs", max_iter=30, random_state=0
    ).fit(seqs, y)
    alone = np.array([est.predict([s])[0] for s in seqs[:5]])
    np.testing.assert_allclose(est.predict(seqs)[:5], alone, rtol=1e-10)
    assert est.score(seqs, y) > 0.5


def test_a_refit_refused_by_the_new_checks_changes_nothing():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 200, 2)) * 4 + 1
    y = X[:, :, 0].mean(axis=1)
    est = RNNRegressor(hidden_size=4, max_iter=2, random_state=0).fit(X, y)
    before = est.predict(X)
    state = (est.patch_size_, est.input_mean_.copy(), est.target_scale_.copy())
    with pytest.raises(ValueError, match=r"patch_size=2 needs return_sequences=False"):
        est.set_params(return_sequences=True, patch_size=2).fit(X[:, :50], X[:, :50, 0])
    with pytest.raises(ValueError, match=r"needs pooling='last'"):
        est.set_params(return_sequences=False, patch_size="auto", bptt_steps=5).fit(X, y)
    est.set_params(bptt_steps=None)
    with pytest.raises(ValueError, match="X has 30 sequences, y has 29 rows"):  # after the patches
        est.fit(X[:, :100], y[:-1])
    assert est.patch_size_ == state[0]
    np.testing.assert_array_equal(est.input_mean_, state[1])
    np.testing.assert_array_equal(est.target_scale_, state[2])
    np.testing.assert_array_equal(est.predict(X), before)
