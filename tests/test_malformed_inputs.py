"""Property-based: malformed inputs give clear errors, never a crash or NaN."""

import linecache
import re
import warnings

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from skrnn import RNNClassifier, RNNRegressor  # noqa: E402

DTYPES = [np.float64, np.float32, np.int64, bool, complex, object]
SPECIAL = [np.nan, np.inf, -np.inf, 1e300, 0.0]


@st.composite
def arrays(draw):
    """A 1-D..4-D array, or a list of sequences, with odd dtypes and values."""
    kind = draw(st.sampled_from(["array", "list"]))
    rng = np.random.RandomState(draw(st.integers(0, 2**16)))
    if kind == "array":
        ndim = draw(st.integers(1, 4))
        shape = tuple(draw(st.integers(0, 4)) for _ in range(ndim))
        X = rng.normal(size=shape)
    else:
        n = draw(st.integers(0, 4))
        F = draw(st.integers(1, 3))
        X = [
            rng.normal(size=(draw(st.integers(0, 4)), draw(st.sampled_from([F, F, F + 1]))))
            for _ in range(n)
        ]
    # sprinkle special values
    for _ in range(draw(st.integers(0, 3))):
        target = X if kind == "array" else (X[0] if X else np.zeros(0))
        if target.size:
            target.flat[rng.randint(target.size)] = draw(st.sampled_from(SPECIAL))
    dtype = draw(st.sampled_from(DTYPES))
    if kind == "array":
        with np.errstate(invalid="ignore", over="ignore"):
            X = X.astype(dtype) if dtype is not object else X.astype(object)
    return X


def _n(X):
    return len(X) if isinstance(X, list) else (X.shape[0] if X.ndim else 0)


# What a clear error names: the argument at fault (X, y, a sequence of X, the
# weights, the classes) or a parameter, or scikit-learn's words where its checks
# speak.
PARAMETERS = sorted(set(RNNRegressor().get_params()) | set(RNNClassifier().get_params()))
NAMES = re.compile(
    r"\b(X|y|sequences?|sample_weight|Sample weights|classes|{})\b".format("|".join(PARAMETERS))
    + r"|Complex data|Found array with|Expected \dD array"
)


def assert_clear(error):
    """Raised on purpose by a check of skrnn or scikit-learn (a ``raise``
    statement there, not numpy failing midway through a computation), with a
    message that names what is at fault."""
    tb = error.__traceback__
    while tb.tb_next is not None:
        tb = tb.tb_next
    where = tb.tb_frame.f_code.co_filename
    line = linecache.getline(where, tb.tb_lineno).strip()
    assert re.search(r"[/\\](skrnn|sklearn)[/\\]", where) and line.startswith("raise"), (
        f"{type(error).__name__}({error}) from {where}:{tb.tb_lineno}: {line}"
    )
    assert NAMES.search(str(error)), str(error)


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    X=arrays(),
    Estimator=st.sampled_from([RNNRegressor, RNNClassifier]),
    y_kind=st.sampled_from(["ok", "short", "nan"]),
    seed=st.integers(0, 100),
)
def test_fit_and_predict_raise_only_clear_errors(X, Estimator, y_kind, seed):
    n = _n(X)
    rng = np.random.RandomState(seed)
    if Estimator is RNNRegressor:
        y = rng.normal(size=n)
    else:
        y = np.arange(n) % 2
    if y_kind == "short":
        y = y[:-1]
    elif y_kind == "nan" and n:
        y = y.astype(float)
        y[0] = np.nan
    est = Estimator(hidden_size=2, max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            est.fit(X, y)
        except (ValueError, TypeError) as error:
            assert_clear(error)
            assert not hasattr(est, "n_features_in_")  # nothing half-fitted
            return
        try:
            pred = est.predict(X)
        except (ValueError, TypeError) as error:
            assert_clear(error)
            return
    assert len(pred) == n
    if Estimator is RNNRegressor:
        assert np.isfinite(pred).all()


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(X=arrays())
def test_predict_on_a_fitted_model_raises_only_clear_errors(X):
    rng = np.random.RandomState(0)
    est = RNNRegressor(hidden_size=2, max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(rng.normal(size=(6, 3, 2)), rng.normal(size=6))
        before = est.predict(np.ones((2, 3, 2)))
        try:
            pred = est.predict(X)
        except (ValueError, TypeError) as error:
            assert_clear(error)
        else:
            assert np.isfinite(pred).all()
    np.testing.assert_array_equal(est.predict(np.ones((2, 3, 2))), before)


HOSTILE_WEIGHTS = [None, "ones", "zeros", "negative", "nan", "inf", "huge", "tiny", "short"]
HOSTILE_PARAMS = [
    {},
    {"hidden_size": 0},
    {"hidden_size": True},
    {"hidden_size": 2.5},
    {"max_iter": -1},
    {"dropout": 1.0},
    {"learning_rate_init": 0.0},
    {"alpha": np.nan},
    {"batch_size": 0},
    {"validation_fraction": 1.5},
    {"patch_size": 0},
    {"cell": "transformer"},
    {"class_weight": {0: -1.0}},
    {"class_weight": {0: np.nan}},
    {"class_weight": "unbalanced"},
    {"weights_init": {"head.weight": np.zeros((1, 2))}},
]


def _weights(kind, n, rng):
    if kind is None:
        return None
    if kind == "short":
        return np.ones(max(n - 1, 0))
    value = {
        "ones": 1.0,
        "zeros": 0.0,
        "negative": -1.0,
        "nan": np.nan,
        "inf": np.inf,
        "huge": 1e308,
        "tiny": 1e-320,
    }[kind]
    if kind == "zeros":
        return np.zeros(n)
    w = rng.uniform(0.5, 2.0, size=n)
    if n:
        w[rng.randint(n)] = value
    return w


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    X=arrays(),
    Estimator=st.sampled_from([RNNRegressor, RNNClassifier]),
    weights=st.sampled_from(HOSTILE_WEIGHTS),
    params=st.sampled_from(HOSTILE_PARAMS),
    method=st.sampled_from(["fit", "partial_fit"]),
    seed=st.integers(0, 100),
)
def test_a_fitted_model_survives_hostile_fits_unchanged_or_predicts_finite_values(
    X, Estimator, weights, params, method, seed, state
):
    """Hostile X, weights and parameters on a fitted model: either a clear
    ValueError/TypeError and every attribute bitwise as before, or finite
    predictions of the right shape."""
    rng = np.random.RandomState(seed)
    est = Estimator(hidden_size=2, max_iter=1, random_state=0)
    good = rng.normal(size=(6, 3, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(good, np.arange(6) % 2 if Estimator is RNNClassifier else rng.normal(size=6))
    if Estimator is RNNRegressor:
        params = {k: v for k, v in params.items() if k != "class_weight"}
    est.set_params(**params)  # checked by fit, not here
    n = _n(X)
    y = np.arange(n) % 2 if Estimator is RNNClassifier else rng.normal(size=n)
    sample_weight = _weights(weights, n, rng)
    before = state(est)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            getattr(est, method)(X, y, sample_weight=sample_weight)
        except (ValueError, TypeError) as error:
            assert_clear(error)
            assert state(est) == before
            return
        pred = est.predict(X)
    assert len(pred) == n
    if Estimator is RNNRegressor:
        assert np.isfinite(pred).all()
    else:
        assert np.isfinite(est.predict_proba(X)).all()
