"""Input the estimators cannot use is refused by name, before anything changes.

Each case asserts the error type, the words of the message that say what was
received and what was expected, and that a fitted model is bitwise unchanged.
"""

import warnings
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from conftest import sequences
from sklearn.utils._param_validation import InvalidParameterError

from skrnn import RNNClassifier, RNNRegressor

X3, Y = sequences(n=20, T=4, F=2)
LABELS = (Y > 0).astype(int)


def small(Estimator=RNNRegressor, **params):
    return Estimator(**{"hidden_size": 3, "max_iter": 2, "random_state": 0, **params})


def fitted(Estimator=RNNRegressor, X=X3, **params):
    return small(Estimator, **params).fit(X, LABELS if Estimator is RNNClassifier else Y)


def structured():
    return np.zeros((20, 4), dtype=[("a", float), ("b", float)])


NOT_NUMBERS = [  # (X, words)
    (lambda: X3[:, :, 0] > 0, "got boolean values (dtype bool)"),
    (lambda: pd.DataFrame(X3[:, :, 0] > 0), "boolean values in column 0"),
    (lambda: pd.DataFrame(X3[:, :, 0] > 0).astype("boolean"), "(dtype boolean)"),
    (lambda: np.arange(80).reshape(20, 4).astype("datetime64[D]"), "got datetime values"),
    (lambda: np.arange(80).reshape(20, 4).astype("timedelta64[D]"), "got timedelta values"),
    (lambda: X3[:, :, 0].astype(str), "got string values"),
    (lambda: X3[:, :, 0].astype("S8"), "got bytes values"),
    (structured, "got structured (record) values"),
    (lambda: np.full((20, 4), Decimal(1), dtype=object), "got Decimal('1') of type Decimal"),
    (lambda: np.full((20, 4), Fraction(1, 3), dtype=object), "of type Fraction"),
    (lambda: pd.DataFrame({"a": ["1"] * 20, "b": [1.0] * 20}), "'1' of type str in column 'a'"),
    (lambda: X3 > 0, "got boolean values (dtype bool)"),
]


@pytest.mark.parametrize("make_X, words", NOT_NUMBERS, ids=[w for _, w in NOT_NUMBERS])
def test_values_that_are_not_numbers_are_refused_not_cast(make_X, words, state):
    X = make_X()
    with pytest.raises(
        TypeError,
        match=r"expects real numbers in X, .*" + (words.replace("(", r"\(").replace(")", r"\)")),
    ):
        small().fit(X, Y)
    est = fitted(X=X3[:, :, 0] if np.ndim(X) == 2 else X3)  # same layout as X
    before = state(est)
    with pytest.raises(TypeError, match="expects real numbers in X"):
        est.fit(X, Y)
    with pytest.raises(TypeError, match="expects real numbers in X"):
        est.predict(X)
    assert state(est) == before


def test_numbers_in_any_container_are_read():
    est = fitted()
    expected = est.predict(X3)
    np.testing.assert_array_equal(est.predict(memoryview(np.ascontiguousarray(X3))), expected)
    np.testing.assert_array_equal(est.predict(X3.astype(object)), expected)  # floats as objects
    ragged = [X3[0, :3], X3[1], X3[2, :2]]
    as_objects = np.empty(3, dtype=object)
    as_objects[:] = ragged
    np.testing.assert_array_equal(est.predict(as_objects), est.predict(ragged))
    table = fitted(X=pd.DataFrame((X3[:, :, 0] * 10).round()).astype("Int64"))  # nullable ints
    assert table.n_features_in_ == 4


def test_an_empty_dataframe_gets_scikit_learns_message():
    with pytest.raises(ValueError, match=r"Found array with 0 sample\(s\) \(shape=\(0, 0\)\)"):
        small().fit(pd.DataFrame(), [])
    with pytest.raises(ValueError, match=r"0 sample\(s\)"):
        fitted().predict(pd.DataFrame())


def test_float64_input_beyond_a_float32_models_range_is_refused(state):
    est = fitted(X=X3.astype(np.float32))
    before = state(est)
    X = X3.copy()
    X[3, 2, 1] = -1e300
    with pytest.raises(
        ValueError,
        match=r"X holds -1e\+300 in sequence 3 at time step 2 "
        r"\(feature 1\), beyond the float32 range",
    ):
        est.predict(X)
    with pytest.raises(ValueError, match="beyond the float32 range"):
        est.set_params(warm_start=True).fit(X, Y)
    est.set_params(warm_start=False)
    assert state(est) == before
    assert np.isfinite(est.predict(X3)).all()  # float64 within range is fine


@pytest.mark.parametrize("param", ["hidden_size", "num_layers", "max_iter", "batch_size"])
def test_a_boolean_is_not_a_count(param):
    with pytest.raises(
        InvalidParameterError,
        match=f"The '{param}' parameter of RNNRegressor must be an int, "
        "not a boolean. Got True instead.",
    ):
        small(**{param: True}).fit(X3, Y)


def test_dropout_with_one_layer_warns_that_it_does_nothing():
    with pytest.warns(UserWarning, match=r"dropout=0.5 has no effect with num_layers=1"):
        fitted(dropout=0.5)
    with warnings.catch_warnings():  # two layers: no such warning
        warnings.filterwarnings("error", message="dropout", category=UserWarning)
        fitted(dropout=0.5, num_layers=2)


@pytest.mark.parametrize(
    "cast, words",
    [
        (lambda a: np.full(a.shape, "a"), "<U1"),
        (lambda a: a.astype(complex), "complex128"),
        (lambda a: a > 0, "bool"),
    ],
)
def test_weights_init_must_hold_real_numbers(cast, words):
    weights = {k: cast(v) for k, v in fitted().weights_.items()}
    with pytest.raises(
        TypeError,
        match=rf"weights_init\['weight_ih_l0'\] holds {words} "
        "values; expected real numbers",
    ):
        small(weights_init=weights).fit(X3, Y)


def test_a_label_of_none_is_refused(state):
    clf = fitted(RNNClassifier)
    before = state(clf)
    y = np.array(["up", "down"] * 10, dtype=object)
    y[7] = None
    with pytest.raises(ValueError, match=r"y contains None \(element 7 of y"):
        clf.fit(X3, y)
    assert state(clf) == before


def test_a_list_of_class_weights_needs_multilabel_y():
    with pytest.raises(
        ValueError,
        match=r"class_weight is a list of 1 dict\(s\), the form for "
        r"multilabel y .* but y is binary: pass one dict "
        r"\{label: weight\}, e.g. \{0: 1.0, 1: 1.0\}",
    ):
        small(RNNClassifier, class_weight=[{0: 1}]).fit(X3, LABELS)


@pytest.mark.parametrize("Estimator", [RNNRegressor, RNNClassifier])
def test_score_follows_the_fitted_network_not_a_later_parameter(Estimator):
    est = fitted(Estimator)
    y = LABELS if Estimator is RNNClassifier else Y
    score = est.score(X3, y)
    assert est.set_params(return_sequences=True).score(X3, y) == score
