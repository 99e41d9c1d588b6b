"""Output containers: the transformers under set_output and transform_output.

A 3-D array or a list of sequences is no table: it comes back as it is under
``sklearn.set_config(transform_output="pandas")`` (or "polars") and after
``set_output``, so that every Pipeline keeps working; a 2-D table (a scaler
fitted on 2-D X) follows the setting as scikit-learn's 2-D transformers do.
"""

import importlib.util
import re

import numpy as np
import pandas as pd
import pytest
import sklearn
from conftest import sequences, sequences_of_lengths
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import (
    check_global_output_transform_pandas,
    check_global_set_output_transform_polars,
    check_set_output_transform,
    check_set_output_transform_pandas,
    check_set_output_transform_polars,
)

from skrnn import RNNClassifier
from skrnn.preprocessing import SequencePatcher, SequenceScaler
from skrnn.utils import to_padded_array

HAS_POLARS = importlib.util.find_spec("polars") is not None
needs_polars = pytest.mark.skipif(not HAS_POLARS, reason="polars is not installed")

TRANSFORMERS = {
    "scaler": lambda: SequenceScaler(),
    "patcher": lambda: SequencePatcher(patch_size=3),
}


def ragged(lengths=(7, 1, 12, 4, 9)):
    """Ragged sequences of two features, around 10."""
    return sequences_of_lengths(lengths, loc=10.0, scale=3.0)


FORMS = {
    "3d": lambda: np.stack([s[:4] for s in ragged(lengths=(5,) * 6)]),
    "padded": lambda: to_padded_array(ragged())[0],
    "list": ragged,
    "tuple": lambda: tuple(ragged()),
    "list1d": lambda: [s[:, 0] for s in ragged()],
}


def in_context(kind, transformer, output):
    """A context in which ``transformer`` is asked for ``output``: globally
    (kind="global"), or by its own ``set_output`` (kind="set_output")."""
    if kind == "set_output":
        transformer.set_output(transform=output)
        return sklearn.config_context()
    return sklearn.config_context(transform_output=output)


def assert_same_output(got, expected):
    """Same container type and bitwise the same arrays."""
    assert type(got) is type(expected)
    if isinstance(expected, (list, tuple)):
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            assert type(g) is np.ndarray and g.dtype == e.dtype
            np.testing.assert_array_equal(g, e)
    else:
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)


# -- sequences are never wrapped ---------------------------------------------------


@pytest.mark.parametrize("output", ["pandas", "polars"])
@pytest.mark.parametrize("kind", ["global", "set_output"])
@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("name", TRANSFORMERS)
def test_sequences_come_back_as_they_are_under_any_output(name, form, kind, output):
    # 3-D arrays and lists are returned without looking at the container
    # library, so "polars" needs no polars here
    X = FORMS[form]()
    expected = TRANSFORMERS[name]().fit(X).transform(X)
    transformer = TRANSFORMERS[name]()
    with in_context(kind, transformer, output):
        assert_same_output(transformer.fit(X).transform(X), expected)
        assert_same_output(transformer.fit_transform(X), expected)


@pytest.mark.parametrize("kind", ["global", "set_output"])
def test_scaler_fitted_on_3d_gives_2d_univariate_sequences_as_arrays(kind):
    # 2-D X after a fit on 3-D X holds sequences of any length, not the
    # columns seen in fit: no table, so no DataFrame
    X = np.random.default_rng(0).normal(size=(4, 9))
    scaler = SequenceScaler().fit(X[:, :, None])
    expected = scaler.transform(X[:, :5])
    with in_context(kind, scaler, "pandas"):
        assert_same_output(scaler.transform(X[:, :5]), expected)
        assert scaler.get_feature_names_out().tolist() == ["x0"]


@pytest.mark.parametrize("kind", ["global", "set_output"])
def test_patcher_gives_3d_for_2d_input_under_pandas(kind):
    X = pd.DataFrame(np.arange(14.0).reshape(2, 7), columns=list("abcdefg"))
    expected = SequencePatcher(patch_size=3).fit_transform(X)
    assert expected.shape == (2, 3, 3)
    patcher = SequencePatcher(patch_size=3)
    with in_context(kind, patcher, "pandas"):
        assert_same_output(patcher.fit_transform(X), expected)


def test_subclasses_keep_sequences_unwrapped():
    class ClippedScaler(SequenceScaler):
        def transform(self, X, copy=None):
            Z = super().transform(X, copy)
            return np.clip(Z, -1, 1) if isinstance(Z, np.ndarray) else Z

    X = FORMS["3d"]()
    with sklearn.config_context(transform_output="pandas"):
        Z = ClippedScaler().fit_transform(X)
    assert isinstance(Z, np.ndarray) and Z.shape == X.shape
    assert Z.max() <= 1


# -- a 2-D table follows the setting -------------------------------------------------


def table(seed=0):
    rng = np.random.default_rng(seed)
    values = 5 + 2 * rng.normal(size=(6, 4))
    values[0, 3] = np.nan  # a missing value stays missing
    return pd.DataFrame(
        values, columns=["t0", "t1", "t2", "t3"], index=[f"s{i}" for i in range(6)]
    )


@pytest.mark.parametrize("kind", ["global", "set_output"])
def test_2d_table_becomes_a_dataframe_with_names_and_index(kind):
    df = table()
    expected = SequenceScaler().fit(df).transform(df)
    scaler = SequenceScaler()
    with in_context(kind, scaler, "pandas"):
        for Z in (scaler.fit(df).transform(df), scaler.fit_transform(df)):
            assert isinstance(Z, pd.DataFrame)
            assert Z.columns.tolist() == ["t0", "t1", "t2", "t3"]
            assert Z.index.tolist() == df.index.tolist()
            np.testing.assert_array_equal(Z.to_numpy(), expected)
        # an ndarray table gets the generated names and a default index
        Z = scaler.fit_transform(df.to_numpy())
        assert Z.columns.tolist() == ["x0", "x1", "x2", "x3"]
        assert Z.index.tolist() == list(range(6))
        # the same scaler still returns sequences as sequences
        X3 = df.to_numpy()[:, :, None]
        assert isinstance(scaler.transform(X3), np.ndarray)
    # and inverse_transform reads its own DataFrame back, as an array
    with in_context(kind, scaler, "pandas"):
        Z = scaler.fit_transform(df)
    np.testing.assert_allclose(scaler.inverse_transform(Z), df.to_numpy(), rtol=1e-12)


@needs_polars
def test_2d_table_becomes_a_polars_dataframe():
    import polars as pl

    df = table()
    scaler = SequenceScaler().set_output(transform="polars")
    Z = scaler.fit_transform(df)
    assert isinstance(Z, pl.DataFrame) and Z.columns == ["t0", "t1", "t2", "t3"]
    np.testing.assert_array_equal(Z.to_numpy(), SequenceScaler().fit_transform(df))


def test_set_output_default_and_none():
    df = table()
    scaler = SequenceScaler().set_output(transform="pandas")
    assert scaler.set_output() is scaler  # None leaves the setting alone
    assert isinstance(scaler.fit_transform(df), pd.DataFrame)
    with sklearn.config_context(transform_output="pandas"):
        Z = scaler.set_output(transform="default").fit_transform(df)
    assert type(Z) is np.ndarray  # the transformer's own setting wins


def test_clone_keeps_the_output_setting():
    scaler = clone(SequenceScaler().set_output(transform="pandas"))
    assert isinstance(scaler.fit_transform(table()), pd.DataFrame)
    assert isinstance(scaler.fit_transform(FORMS["3d"]()), np.ndarray)


# -- scikit-learn's own set_output checks ---------------------------------------------


# the checks fit on a DataFrame and transform an array (and the reverse) on purpose
@pytest.mark.filterwarnings("ignore:X does not have valid feature names")
@pytest.mark.filterwarnings("ignore:X has feature names")
@pytest.mark.parametrize(
    "check",
    [
        check_set_output_transform,
        check_set_output_transform_pandas,
        check_global_output_transform_pandas,
        pytest.param(check_set_output_transform_polars, marks=needs_polars),
        pytest.param(check_global_set_output_transform_polars, marks=needs_polars),
    ],
)
@pytest.mark.parametrize(
    "scaler",
    [
        SequenceScaler(),
        SequenceScaler(with_mean=False),
        SequenceScaler(with_std=False),
    ],
)
def test_scaler_passes_sklearn_set_output_checks(scaler, check):
    check(type(scaler).__name__, scaler)


def test_patcher_passes_sklearn_default_output_check():
    # the DataFrame checks do not apply: the patcher never returns a table
    check_set_output_transform("SequencePatcher", SequencePatcher(patch_size=2))


# -- in a Pipeline --------------------------------------------------------------


def classification_data(n=16, seed=0):
    X, y = sequences(n, T=6, F=2, seed=seed)
    return X, (y > 0).astype(int)


def small_pipeline(name):
    return make_pipeline(
        TRANSFORMERS[name](), RNNClassifier(hidden_size=4, max_iter=3, random_state=0)
    )


@pytest.mark.parametrize("form", ["3d", "list", "2d"])
@pytest.mark.parametrize(
    "output",
    [
        "pandas",
        pytest.param("polars", marks=needs_polars),
    ],
)
@pytest.mark.parametrize("name", TRANSFORMERS)
def test_pipeline_fits_and_predicts_under_global_output(name, output, form):
    X, y = classification_data()
    X = {"3d": X, "list": list(X), "2d": X[:, :, 0]}[form]
    expected = small_pipeline(name).fit(X, y).predict_proba(X)
    with sklearn.config_context(transform_output=output):
        model = small_pipeline(name).fit(X, y)
        np.testing.assert_allclose(model.predict_proba(X), expected, rtol=1e-12)
        assert model.predict(X).shape == (len(X),)


@pytest.mark.parametrize("name", TRANSFORMERS)
def test_pipeline_set_output_reaches_the_transformer(name):
    X, y = classification_data()
    expected = small_pipeline(name).fit(X, y).predict_proba(X)
    model = small_pipeline(name).set_output(transform="pandas").fit(X, y)
    assert model[0]._sklearn_output_config == {"transform": "pandas"}
    np.testing.assert_allclose(model.predict_proba(X), expected, rtol=1e-12)


# -- errors ---------------------------------------------------------------------


@pytest.mark.parametrize("name", TRANSFORMERS)
@pytest.mark.parametrize("bad", ["panda", "", 1, ["pandas"]])
def test_unknown_set_output_is_refused_and_changes_nothing(name, bad, state):
    X = FORMS["list"]()
    transformer = TRANSFORMERS[name]().set_output(transform="default").fit(X)
    before, Z = state(transformer), transformer.transform(X)
    msg = re.escape(
        f"{type(transformer).__name__}.set_output: transform must be "
        f"one of ['default', 'pandas', 'polars'] or None, got {bad!r}."
    )
    with pytest.raises(ValueError, match=msg):
        transformer.set_output(transform=bad)
    assert state(transformer) == before
    assert_same_output(transformer.transform(X), Z)


@pytest.mark.parametrize("name", TRANSFORMERS)
def test_unknown_global_output_fails_before_x_is_touched(name, state):
    X = FORMS["padded"]()
    transformer = TRANSFORMERS[name]().fit(X)
    before, X_before = state(transformer), X.copy()
    with sklearn.config_context(transform_output="panda"):
        with pytest.raises(ValueError, match="output config must be in .*got panda"):
            if name == "scaler":
                transformer.transform(X, copy=False)  # would scale X in place
            else:
                transformer.transform(X)
    assert state(transformer) == before
    np.testing.assert_array_equal(X, X_before)


@pytest.mark.skipif(HAS_POLARS, reason="needs polars to be missing")
def test_polars_table_without_polars_is_an_import_error(state):
    df = table()
    scaler = SequenceScaler().fit(df).set_output(transform="polars")
    before = state(scaler)
    with pytest.raises(ImportError, match="requires polars to be installed"):
        scaler.transform(df)
    assert state(scaler) == before
    # sequences never need the container library
    assert isinstance(scaler.transform(df.to_numpy()[:, :, None]), np.ndarray)
