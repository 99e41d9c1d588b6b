"""What users rely on: the scikit-learn workflow, weights_, inputs, outputs,
solvers, gated and stacked cells (persistence: test_persistence.py; n_jobs:
test_parallel.py)."""

import re

import numpy as np
import pandas as pd
import pytest
import scipy.sparse
from conftest import sequences
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skrnn import RNNClassifier, RNNRegressor

ESTIMATORS = [RNNRegressor, RNNClassifier]


def data_for(Estimator, **kw):
    """``sequences(**kw)``; for the classifier, labels "up"/"down" by the sign."""
    X, y = sequences(**kw)
    return (X, y) if Estimator is RNNRegressor else (X, np.where(y > 0, "up", "down"))


def small(Estimator, **params):
    """A small Elman network reading its last state of the raw features, with a
    constant rate, trained on every sequence: the tests below check the
    documented mechanics on that network."""
    params = {
        "hidden_size": 5,
        "max_iter": 30,
        "random_state": 0,
        "cell": "rnn",
        "pooling": "last",
        "standardize": "global",
        "learning_rate": "constant",
        "learning_rate_init": 0.001,
        "early_stopping": False,
        **params,
    }
    return Estimator(**params)


# ---------------------------------------------------------------- workflow
def test_grid_search_finds_the_hidden_size_the_task_needs():
    """Two independent targets through one hidden unit: the linear head makes
    two affine functions of one number, R^2 about 0.5 at best; four units hold
    both. The search must choose 4 and refit a 4-unit network."""
    X, y = sequences(n=90)
    Y = np.c_[y, X[:, :, 1].mean(axis=1)]
    search = GridSearchCV(
        small(RNNRegressor, solver="lbfgs", max_iter=100), {"hidden_size": [1, 4]}, cv=3
    ).fit(X, Y)
    one, four = search.cv_results_["mean_test_score"]
    assert one < 0.6 and four > 0.9
    assert search.best_params_ == {"hidden_size": 4}
    assert search.best_estimator_.weights_["weight_hh_l0"].shape == (4, 4)
    assert search.score(X, Y) > 0.9


def test_cross_val_score():
    X, y = data_for(RNNRegressor, n=90)
    scores = cross_val_score(small(RNNRegressor, solver="lbfgs", max_iter=100), X, y, cv=KFold(3))
    assert scores.shape == (3,)
    assert scores.min() > 0.8  # the mean of a feature is easy to learn


def test_pipeline_with_function_transformer():
    X, y = data_for(RNNRegressor)
    double = FunctionTransformer(lambda Z: 2 * Z)
    pipe = make_pipeline(double, small(RNNRegressor)).fit(X, y)
    direct = small(RNNRegressor).fit(2 * X, y)
    np.testing.assert_array_equal(pipe.predict(X), direct.predict(2 * X))


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_same_random_state_gives_bitwise_identical_fits(solver):
    X, y = data_for(RNNRegressor)
    a = small(RNNRegressor, solver=solver, random_state=7).fit(X, y)
    b = small(RNNRegressor, solver=solver, random_state=7).fit(X, y)
    for name in a.weights_:
        np.testing.assert_array_equal(a.weights_[name], b.weights_[name])
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    if solver != "lbfgs":
        assert a.loss_curve_ == b.loss_curve_
    c = small(RNNRegressor, solver=solver, random_state=8).fit(X, y)
    assert not np.array_equal(a._params, c._params)


def test_random_state_none_differs_between_fits():
    X, y = data_for(RNNRegressor)
    a = small(RNNRegressor, random_state=None).fit(X, y)
    b = small(RNNRegressor, random_state=None).fit(X, y)
    assert not np.array_equal(a._params, b._params)


# ----------------------------------------------------------------- weights_
def test_weights_have_pytorch_names_shapes_and_are_views():
    X, y = sequences(F=3)
    est = small(RNNRegressor, hidden_size=7).fit(X, np.c_[y, -y])
    W = est.weights_
    assert list(W) == [
        "weight_ih_l0",
        "weight_hh_l0",
        "bias_ih_l0",
        "bias_hh_l0",
        "head.weight",
        "head.bias",
    ]
    shapes = {k: v.shape for k, v in W.items()}
    assert shapes == {
        "weight_ih_l0": (7, 3),
        "weight_hh_l0": (7, 7),
        "bias_ih_l0": (7,),
        "bias_hh_l0": (7,),
        "head.weight": (2, 7),
        "head.bias": (2,),
    }
    assert all(np.shares_memory(v, est._params) for v in W.values())
    assert sum(v.size for v in W.values()) == est._params.size


def test_prediction_is_the_documented_recurrence():
    """predict = head(h_T), h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)."""
    X, y = sequences(n=10, T=4, F=2)
    est = small(RNNRegressor, hidden_size=3).fit(X, y)
    W = est.weights_
    h = np.zeros((10, 3))
    for t in range(4):
        h = np.tanh(
            X[:, t] @ W["weight_ih_l0"].T
            + W["bias_ih_l0"]
            + h @ W["weight_hh_l0"].T
            + W["bias_hh_l0"]
        )
    expected = h @ W["head.weight"].T + W["head.bias"]
    np.testing.assert_allclose(est.predict(X), expected.ravel(), rtol=1e-12)


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_warm_start_continues_and_keeps_views(solver):
    X, y = data_for(RNNRegressor)
    est = small(RNNRegressor, solver=solver, warm_start=True, max_iter=5).fit(X, y)
    flat = est._params
    before = est._params.copy()
    est.fit(X, y)
    assert est._params is flat  # updated in place: the same storage
    assert not np.array_equal(est._params, before)  # and trained further
    assert all(np.shares_memory(v, est._params) for v in est.weights_.values())
    # the views agree with predict
    W = est.weights_
    W["head.bias"][...] = 0.0
    W["head.weight"][...] = 0.0
    np.testing.assert_array_equal(est.predict(X), np.zeros(len(X)))


def test_warm_start_starts_from_previous_weights():
    X, y = data_for(RNNRegressor)
    cold = small(RNNRegressor, max_iter=40).fit(X, y)
    warm = small(RNNRegressor, max_iter=20, warm_start=True).fit(X, y)
    first = warm.loss_curve_[-1]
    warm.fit(X, y)
    assert warm.loss_curve_[20] < warm.loss_curve_[0]
    assert len(warm.loss_curve_) == 40  # MLP: the curve goes on
    assert warm.loss_curve_[20] <= first * 1.05
    assert cold.loss_curve_[-1] < cold.loss_curve_[0]


def test_warm_start_with_changed_architecture_is_a_clear_error():
    X, y = data_for(RNNRegressor)
    est = small(RNNRegressor, warm_start=True).fit(X, y)
    est.set_params(hidden_size=9)
    with pytest.raises(ValueError, match=r"hidden_size: 5 -> 9 changed"):
        est.fit(X, y)


# ------------------------------------------------------------------ inputs
def test_2d_X_is_univariate_sequences():
    rng = np.random.RandomState(0)
    X2 = rng.normal(size=(40, 6))
    y = X2.sum(axis=1)
    a = small(RNNRegressor).fit(X2, y)
    b = small(RNNRegressor).fit(X2[:, :, None], y)
    assert a.n_features_in_ == 6 and b.n_features_in_ == 1
    np.testing.assert_array_equal(a.predict(X2), b.predict(X2[:, :, None]))
    # fitted on 2-D: predict needs the same columns (scikit-learn's message)
    with pytest.raises(ValueError, match="X has 5 features, but RNNRegressor is expecting 6"):
        a.predict(X2[:, :5])
    # ... or 3-D univariate sequences of any length
    assert a.predict(rng.normal(size=(3, 11, 1))).shape == (3,)
    # fitted on 3-D univariate: 2-D X of any length is univariate sequences
    assert b.predict(X2[:, :4]).shape == (40,)


def test_3d_X_any_length_at_predict_and_feature_count_checked():
    X, y = sequences(T=6, F=3)
    est = small(RNNRegressor).fit(X, y)
    assert est.n_features_in_ == 3
    assert est.predict(np.zeros((2, 15, 3))).shape == (2,)
    assert est.predict(np.zeros((2, 1, 3))).shape == (2,)
    msg = "X has 2 features per time step, but RNNRegressor was fitted with 3"
    with pytest.raises(ValueError, match=msg):
        est.predict(np.zeros((2, 6, 2)))
    with pytest.raises(ValueError, match="fitted with 3 features per time step: pass a 3-D"):
        est.predict(np.zeros((2, 6)))


def test_dataframe_feature_names():
    rng = np.random.RandomState(0)
    df = pd.DataFrame(rng.normal(size=(30, 4)), columns=["t0", "t1", "t2", "t3"])
    est = small(RNNRegressor).fit(df, df.sum(axis=1))
    assert list(est.feature_names_in_) == ["t0", "t1", "t2", "t3"]
    with pytest.warns(UserWarning, match="feature names"):
        est.predict(df.to_numpy())
    refit = est.fit(df.to_numpy()[:, :, None], df.sum(axis=1))
    assert not hasattr(refit, "feature_names_in_")


def _nan_inside():
    X = np.zeros((4, 3, 2))
    X[1, 0, 1] = np.nan  # a NaN before valid steps: not padding
    return X


BAD_X = [
    (np.zeros(10), ValueError, "Expected 2D array, got 1D array"),
    (
        np.zeros((4, 3, 2, 1)),
        ValueError,
        r"expects X of shape \(n_samples, n_timesteps, n_features\) or \(n_samples, "
        r"n_timesteps\), got a 4-D array of shape \(4, 3, 2, 1\)",
    ),
    (np.full((4, 3, 2), np.nan), ValueError, "sequence 0 of X is all NaN"),
    (
        np.full((4, 3, 2), np.inf),
        ValueError,
        r"Input X contains infinity in sequence 0 at time step 0 \(feature 0\)",
    ),
    (np.zeros((4, 3, 2), dtype=complex), ValueError, "Complex data not supported"),
    (
        _nan_inside(),
        ValueError,
        "X contains NaN inside sequence 1 at time step 0 \\(feature 1\\), before its "
        "last valid step 2",
    ),
    (
        np.zeros((4, 0, 2)),
        ValueError,
        r"at least one time step and one feature, got X of shape \(4, 0, 2\)",
    ),
    (
        np.zeros((4, 3, 0)),
        ValueError,
        r"at least one time step and one feature, got X of shape \(4, 3, 0\)",
    ),
    (np.zeros((0, 3, 2)), ValueError, r"Found array with 0 sample\(s\)"),
    (np.zeros((4, 0)), ValueError, r"0 feature\(s\) \(shape=\(4, 0\)\)"),
    (
        [np.zeros((3, 2)), np.zeros((5, 3)), np.zeros((3, 2)), np.zeros((4, 2))],
        ValueError,
        "sequence 1 has 3 features per time step, but sequence 0 has 2",
    ),
    (
        [np.zeros((3, 2)), np.zeros((0, 2)), np.zeros((3, 2)), np.zeros((4, 2))],
        ValueError,
        r"sequence 1 is empty \(0 time steps\)",
    ),
    (
        [np.zeros(3), np.array(["a", "b"]), np.zeros(3), np.zeros(4)],
        TypeError,
        r"sequence 1 has string values",
    ),
    (np.zeros((4, 3, 2), dtype=bool), TypeError, "got boolean values"),
    ([], ValueError, "received an empty list"),
    (np.array([["a", "b"]] * 4, dtype=object), TypeError, "got 'a' of type str"),
]


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("X,error,match", BAD_X)
def test_bad_X_in_fit_is_a_clear_error(Estimator, X, error, match):
    y = np.arange(max(len(X), 1)) % 2
    with pytest.raises(error, match=match):
        small(Estimator).fit(X, y)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("X,error,match", BAD_X[:8] + BAD_X[10:14])
def test_bad_X_in_predict_is_a_clear_error(Estimator, X, error, match):
    Xf, yf = data_for(Estimator, F=2)
    est = small(Estimator).fit(Xf, yf)
    with pytest.raises(error, match=match):
        est.predict(X)


def test_sparse_X_is_a_clear_type_error():
    with pytest.raises(TypeError, match="does not accept sparse input"):
        small(RNNRegressor).fit(scipy.sparse.csr_matrix(np.ones((4, 3))), np.ones(4))


def test_bad_y_is_a_clear_error():
    X, y = sequences()
    with pytest.raises(ValueError, match="X has 60 sequences, y has 59 rows"):
        small(RNNRegressor).fit(X, y[:-1])
    with pytest.raises(ValueError, match="Input y contains NaN"):
        small(RNNRegressor).fit(X, np.where(y > 1, np.nan, y))
    with pytest.raises(ValueError, match=r"requires y to be passed"):
        small(RNNClassifier).fit(X, None)
    with pytest.raises(ValueError, match="Unknown label type"):
        small(RNNClassifier).fit(X, y)
    with pytest.raises(ValueError, match="at least 2 classes.*only one class: 'a'"):
        small(RNNClassifier).fit(X, ["a"] * len(X))
    with pytest.raises(ValueError, match=r"y must have shape \(n_samples,\) or"):
        small(RNNRegressor).fit(X, np.zeros((60, 6, 2)))


@pytest.mark.parametrize(
    "param,value",
    [
        ("cell", "lstm2"),
        ("hidden_size", 0),
        ("solver", "rmsprop"),
        ("max_grad_norm", 0.0),
        ("batch_size", 0),
        ("activation", "sigmoid"),
    ],
)
def test_invalid_parameters_rejected_by_constraints(param, value):
    X, y = sequences()
    with pytest.raises(ValueError, match=f"The '{param}' parameter of RNNRegressor must be"):
        small(RNNRegressor, **{param: value}).fit(X, y)


# ----------------------------------------------------------------- outputs
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_dtype_is_kept(dtype, solver):
    X, y = sequences()
    est = small(RNNRegressor, solver=solver).fit(X.astype(dtype), y)
    assert est._params.dtype == dtype
    assert all(v.dtype == dtype for v in est.weights_.values())
    assert est.predict(X.astype(dtype)).dtype == dtype


def test_multioutput_regression():
    X, y = sequences()
    Y = np.c_[y, 2 * y, -y]
    est = small(RNNRegressor, solver="lbfgs", max_iter=200).fit(X, Y)
    assert est.n_outputs_ == 3 and est.out_activation_ == "identity"
    assert est.predict(X).shape == (60, 3)
    assert est.score(X, Y) > 0.9


@pytest.mark.parametrize("labels", [["down", "up"], [3, 7], [False, True]])
def test_binary_classification_any_label_type(labels):
    X, y = sequences()
    yl = np.where(y > 0, labels[1], labels[0])
    clf = small(RNNClassifier, solver="lbfgs", max_iter=100).fit(X, yl)
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 1
    assert list(clf.classes_) == sorted(labels)
    proba = clf.predict_proba(X)
    assert proba.shape == (60, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(proba))
    pred = clf.predict(X)
    assert pred.dtype == np.asarray(yl).dtype
    np.testing.assert_array_equal(pred, clf.classes_[proba.argmax(axis=1)])
    assert clf.score(X, yl) > 0.9


def test_multiclass_classification():
    X, y = sequences(n=90)
    yl = np.digitize(y, [-0.2, 0.2])  # 3 classes
    clf = small(RNNClassifier, solver="lbfgs", max_iter=200).fit(X, yl)
    assert clf.out_activation_ == "softmax" and clf.n_outputs_ == 3
    proba = clf.predict_proba(X)
    assert proba.shape == (90, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.predict(X), proba.argmax(axis=1))
    assert clf.score(X, yl) > 0.8


def test_multilabel_classification():
    X, y = sequences(n=90)
    Y = np.c_[y > 0, X[:, -1, 1] > 0, X[:, 0, 2] > 0].astype(int)
    clf = small(RNNClassifier, solver="lbfgs", max_iter=200, hidden_size=8).fit(X, Y)
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 3
    proba = clf.predict_proba(X)
    assert proba.shape == (90, 3)
    np.testing.assert_array_equal(clf.predict(X), (proba > 0.5).astype(int))
    assert (clf.predict(X) == Y).mean() > 0.85


def test_classifier_rejects_unseen_classes_on_warm_start():
    X, y = sequences()
    clf = small(RNNClassifier, warm_start=True).fit(X, np.where(y > 0, "a", "b"))
    with pytest.raises(ValueError, match=r"classes \['c'\] not seen in the first fit"):
        clf.fit(X, np.where(y > 0, "a", "c"))


# ------------------------------------------------------------------ solvers
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_every_solver_learns(solver):
    X, y = sequences(n=120)
    params = {
        "adam": {"learning_rate_init": 0.01},
        "sgd": {"learning_rate_init": 0.05},
        "lbfgs": {},
    }[solver]
    est = small(RNNRegressor, solver=solver, max_iter=150, **params).fit(X, y)
    assert est.score(X, y) > 0.9
    assert est.n_iter_ >= 1 and est.t_ > 0
    if solver == "lbfgs":
        assert not hasattr(est, "loss_curve_")
    else:
        assert len(est.loss_curve_) == est.n_iter_
        assert est.loss_ == est.loss_curve_[-1]
        assert est.best_loss_ == min(est.loss_curve_)
        assert est.t_ == 120 * est.n_iter_


def test_tol_and_n_iter_no_change_stop_training():
    X, y = sequences()
    est = small(RNNRegressor, max_iter=500, tol=10.0, n_iter_no_change=3).fit(X, y)
    # the first epoch sets the best loss; as no later epoch improves it by 10,
    # training stops after n_iter_no_change + 1 more epochs (MLP's rule)
    assert est.n_iter_ == 5


def test_convergence_warning_at_max_iter():
    X, y = sequences()
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(3\) reached"):
        small(RNNRegressor, max_iter=3, tol=0).fit(X, y)


def test_invscaling_and_adaptive_schedules():
    X, y = sequences()
    inv = small(RNNRegressor, solver="sgd", learning_rate="invscaling", max_iter=5).fit(X, y)
    assert inv._optimizer.learning_rate == pytest.approx(
        inv.learning_rate_init / (inv.t_ + 1) ** inv.power_t
    )
    ada = small(
        RNNRegressor,
        solver="sgd",
        learning_rate="adaptive",
        tol=10.0,
        n_iter_no_change=2,
        max_iter=10,
    ).fit(X, y)
    # after the first epoch, every 3 epochs without improvement divide the
    # rate by 5: at epochs 4, 7 and 10
    assert ada._optimizer.learning_rate == pytest.approx(ada.learning_rate_init / 125)
    assert ada.n_iter_ == 10


def test_max_grad_norm_clips_every_step(monkeypatch):
    import skrnn._training as base

    seen = []
    original = base.clip_grad_norm

    def spy(grad, max_norm):
        out = original(grad, max_norm)
        seen.append(np.linalg.norm(out))
        return out

    monkeypatch.setattr(base, "clip_grad_norm", spy)
    X, y = sequences()
    small(RNNRegressor, max_grad_norm=1e-3, max_iter=3, batch_size=20).fit(X, 100 * y)
    assert len(seen) == 9
    assert max(seen) == pytest.approx(1e-3)


def test_verbose_prints_one_line_per_epoch(capsys):
    X, y = sequences()
    small(RNNRegressor, verbose=True, max_iter=4, tol=0).fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4
    assert re.match(r"Iteration 1, loss = \d+\.\d{8}, \d+\.\d\ds", lines[0])
    small(RNNRegressor, verbose=False, max_iter=4).fit(X, y)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("first,then", [("adam", "lbfgs"), ("lbfgs", "sgd")])
def test_warm_start_across_solvers(first, then):
    X, y = data_for(RNNRegressor)
    est = small(RNNRegressor, solver=first, warm_start=True).fit(X, y)
    before = est.score(X, y)
    est.set_params(solver=then, learning_rate_init=1e-3).fit(X, y)
    assert est.score(X, y) >= before - 0.05
    assert hasattr(est, "loss_curve_") == (then != "lbfgs")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_predict_reads_any_layout_of_X_as_given_and_leaves_it_untouched(dtype, monkeypatch):
    """Fortran order, the other float dtype and NaN padding are converted one
    chunk at a time (no copy of all of X): the same predictions, bitwise, and
    the caller's X unchanged -- NaN padding included."""
    import skrnn._base as base

    X, y = sequences(n=50)
    est = small(RNNRegressor).fit(X.astype(dtype), y)
    monkeypatch.setattr(base, "PREDICT_ELEMENTS", 90)  # several chunks
    monkeypatch.setattr(base, "PREDICT_MIN_CHUNK", 1)
    expected = est.predict(X.astype(dtype))
    other = np.float32 if dtype == np.float64 else np.float64
    np.testing.assert_array_equal(est.predict(np.asfortranarray(X.astype(dtype))), expected)
    in_other = X.astype(other)  # cast chunk by chunk = cast as a whole
    np.testing.assert_array_equal(est.predict(in_other), est.predict(in_other.astype(dtype)))
    padded = X.astype(dtype)
    padded[::3, 4:] = np.nan
    copy = padded.copy()
    ragged = [s[: 4 if i % 3 == 0 else 6] for i, s in enumerate(X.astype(dtype))]
    np.testing.assert_array_equal(est.predict(padded), est.predict(ragged))
    np.testing.assert_array_equal(padded, copy)  # NaN still NaN in the caller's X
    np.testing.assert_array_equal(est.predict(np.asfortranarray(padded)), est.predict(ragged))


def test_predict_in_chunks_equals_one_pass(monkeypatch):
    import skrnn._base as base

    X, y = sequences(n=50)
    est = small(RNNRegressor).fit(X, y)
    whole = est.predict(X)
    # chunks of 3 sequences: 6 steps x 5 units x 3 sequences = 90 numbers
    monkeypatch.setattr(base, "PREDICT_ELEMENTS", 90)
    monkeypatch.setattr(base, "PREDICT_MIN_CHUNK", 1)
    np.testing.assert_allclose(est.predict(X), whole, rtol=1e-13)
    monkeypatch.setattr(base, "PREDICT_MIN_CHUNK", 7)  # the floor wins: 8 chunks
    np.testing.assert_allclose(est.predict(X), whole, rtol=1e-13)
    monkeypatch.setattr(base, "PREDICT_MIN_CHUNK", 50)  # capped at 4x: 12 a chunk
    np.testing.assert_allclose(est.predict(X), whole, rtol=1e-13)


def test_nan_and_inf_scans_work_chunk_by_chunk(monkeypatch):
    """X is scanned for NaN and infinity a few sequences at a time (bounded
    memory on 200,000 sequences); what is found, and where, must not change."""
    from skrnn import _validation

    monkeypatch.setattr(_validation, "SCAN_ELEMENTS", 7)  # 1 sequence per chunk
    X, y = sequences()
    est = small(RNNRegressor).fit(X, y)
    bad = X.copy()
    bad[37, 4, 2] = np.inf
    with pytest.raises(ValueError, match="infinity in sequence 37 at time step 4 .feature 2"):
        est.predict(bad)
    padded = X.copy()
    padded[41, 3:] = np.nan  # padding of one late sequence
    np.testing.assert_allclose(
        est.predict(padded)[41], est.predict([X[41, :3]])[0], rtol=1e-12
    )  # another batch: BLAS rounding only
    np.testing.assert_array_equal(est.predict(padded)[:41], est.predict(X[:41]))


def test_dropout_needs_a_stochastic_solver():
    X, y = sequences()
    with pytest.raises(ValueError, match="dropout=0.5 needs a stochastic solver"):
        small(RNNRegressor, solver="lbfgs", dropout=0.5, num_layers=2).fit(X, y)


# ------------------------------------------------- gated, stacked, sequences
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_every_cell_learns_and_exposes_pytorch_weights(cell):
    X, y = sequences(n=120)
    est = small(
        RNNRegressor, cell=cell, num_layers=2, bidirectional=True, solver="lbfgs", max_iter=150
    ).fit(X, y)
    assert est.score(X, y) > 0.9
    G = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    W = est.weights_
    assert W["weight_ih_l0"].shape == (5 * G, 3)
    assert W["weight_ih_l1_reverse"].shape == (5 * G, 10)
    assert W["weight_hh_l1_reverse"].shape == (5 * G, 5)
    assert W["head.weight"].shape == (1, 10)
    assert len(W) == 2 * 2 * 4 + 2


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_return_sequences_regression(cell):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(80, 7, 2))
    y = np.cumsum(X[:, :, 0], axis=1) / 3  # running sum: one target per step
    est = small(RNNRegressor, cell=cell, return_sequences=True, solver="lbfgs", max_iter=200).fit(
        X, y
    )
    assert est.n_outputs_ == 1
    assert est.predict(X).shape == (80, 7)
    assert est.predict(X[:, :3]).shape == (80, 3)  # any length at predict
    assert est.score(X, y) > 0.9
    Y = np.stack([y, -y], axis=2)
    est2 = small(RNNRegressor, cell=cell, return_sequences=True, max_iter=2).fit(X, Y)
    assert est2.n_outputs_ == 2 and est2.predict(X).shape == (80, 7, 2)


def test_return_sequences_loss_is_summed_over_steps_averaged_over_sequences():
    rng = np.random.RandomState(1)
    X = rng.normal(size=(30, 4, 2))
    Y = rng.normal(size=(30, 4, 3))
    est = small(
        RNNRegressor,
        return_sequences=True,
        solver="lbfgs",
        max_iter=3,
        alpha=0.5,
        standardize=False,
    ).fit(X, Y)
    P = est.predict(X)
    data = 0.5 * ((Y - P) ** 2).mean(axis=2).sum(axis=1).mean()
    penalty = 0.5 * 0.5 / 30 * sum((v**2).sum() for k, v in est.weights_.items() if "weight" in k)
    assert est.loss_ == pytest.approx(data + penalty, rel=1e-10)


@pytest.mark.parametrize("labels", [["a", "b"], [0, 1, 2]])
def test_return_sequences_classification_tags_every_step(labels):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(90, 6, 2))
    s = np.cumsum(X[:, :, 0], axis=1)
    idx = np.digitize(s, [0]) if len(labels) == 2 else np.digitize(s, [-1, 1])
    y = np.asarray(labels)[idx]
    clf = small(
        RNNClassifier,
        cell="gru",
        return_sequences=True,
        hidden_size=8,
        solver="lbfgs",
        max_iter=200,
    ).fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (90, 6, len(labels))
    np.testing.assert_allclose(proba.sum(axis=2), 1.0)
    pred = clf.predict(X)
    assert pred.shape == (90, 6)
    np.testing.assert_array_equal(pred, clf.classes_[proba.argmax(axis=2)])
    assert clf.score(X, y) == pytest.approx((pred == y).mean())
    assert clf.score(X, y) > 0.85


def test_return_sequences_bad_y_is_a_clear_error():
    X, y = sequences()
    with pytest.raises(
        ValueError,
        match=r"return_sequences=True, y must have shape "
        r"\(n_samples, n_timesteps\) or .* \(n_timesteps=6\); got shape \(60,\)",
    ):
        small(RNNRegressor, return_sequences=True).fit(X, y)
    with pytest.raises(ValueError, match=r"got shape \(60, 5\)"):
        small(RNNClassifier, return_sequences=True).fit(X, np.zeros((60, 5)))
    with pytest.raises(ValueError, match="For one target per time step set return_sequences"):
        small(RNNRegressor).fit(X, np.zeros((60, 6, 2)))


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_dropout_is_reproducible_and_training_only(cell):
    X, y = sequences()
    params = dict(cell=cell, num_layers=2, dropout=0.5, max_iter=5)
    a = small(RNNRegressor, **params).fit(X, y)
    b = small(RNNRegressor, **params).fit(X, y)
    np.testing.assert_array_equal(a._params, b._params)
    c = small(RNNRegressor, **{**params, "dropout": 0.0}).fit(X, y)
    assert not np.array_equal(a._params, c._params)
    # predict uses no dropout: it equals a dropout-free net given a's weights
    assert list(c.weights_) == list(a.weights_)  # same layout
    for k, v in a.weights_.items():
        c.weights_[k][...] = v
    np.testing.assert_array_equal(a.predict(X), c.predict(X))


def test_weights_init_starts_from_given_weights():
    X, y = sequences()
    donor = small(RNNRegressor, cell="gru", num_layers=2).fit(X, y)
    given = {k: v.copy() for k, v in donor.weights_.items()}
    est = small(
        RNNRegressor,
        cell="gru",
        num_layers=2,
        weights_init=given,
        solver="sgd",
        learning_rate_init=1e-12,
        momentum=0.0,
        max_iter=1,
    ).fit(X, y)
    for k, v in given.items():
        np.testing.assert_allclose(est.weights_[k], v, rtol=0, atol=1e-9)
    np.testing.assert_allclose(est.predict(X), donor.predict(X), rtol=1e-8)
    # the given arrays are copied, never aliased
    assert not any(np.shares_memory(est.weights_[k], v) for k, v in given.items())


def test_weights_init_errors_name_the_array():
    X, y = sequences()
    donor = small(RNNRegressor).fit(X, y)
    bad = {k: v.copy() for k, v in donor.weights_.items()}
    with pytest.raises(ValueError, match=r"missing \['weight_ih_l1', 'weight_hh_l1'"):
        small(RNNRegressor, num_layers=2, weights_init=bad).fit(X, y)
    with pytest.raises(
        ValueError,
        match=r"weights_init\['weight_ih_l0'\] has shape "
        r"\(5, 3\), expected \(20, 3\)",
    ):
        small(RNNRegressor, cell="lstm", weights_init=bad).fit(X, y)
    bad["weight_hh_l0"] = np.zeros((5, 4))
    with pytest.raises(
        ValueError,
        match=r"weights_init\['weight_hh_l0'\] has shape "
        r"\(5, 4\), expected \(5, 5\)",
    ):
        small(RNNRegressor, weights_init=bad).fit(X, y)
