"""Every accepted X and y becomes one internal form here; all input errors live here.

Internal X is batch-first ``(n_samples, n_timesteps, n_features)``, float32 or
float64, C-contiguous, finite. Accepted:

* 3-D ``(n_samples, n_timesteps, n_features)``: ``n_features_in_`` is the size
  of the last axis; the length may differ between fit and predict;
* 2-D ``(n_samples, n_timesteps)``: univariate sequences, read as
  ``(n, T, 1)``; ``n_features_in_`` is the number of columns (scikit-learn's
  tabular contract), so predict needs the same columns.
"""

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array, column_or_1d
from sklearn.utils.validation import validate_data

FLOATS = (np.float64, np.float32)


def _describe(X):
    shape = getattr(X, "shape", None)
    if shape is not None:
        return f"a {len(shape)}-D array of shape {tuple(shape)}"
    return f"a {type(X).__name__}"


def _reject_ragged(X, name):
    """A list/tuple of sequences of different lengths: not supported yet."""
    if not isinstance(X, (list, tuple)) or len(X) == 0:
        return
    shapes = {np.shape(x) for x in X if not isinstance(x, numbers.Number)}
    if len(shapes) > 1:
        lengths = sorted({s[0] if len(s) else 0 for s in shapes})
        raise ValueError(
            f"{name} received {len(X)} sequences of different shapes "
            f"(lengths {lengths[0]}..{lengths[-1]}). Variable-length sequences "
            "are not supported in this version of skrnn: pad or crop them to one "
            "length and pass a 3-D array (n_samples, n_timesteps, n_features)."
        )


def check_X(estimator, X, *, reset):
    """Validate X and return it as a 3-D float array ``(n, T, F)``.

    With ``reset=True`` (fit) record ``n_features_in_`` (and
    ``feature_names_in_`` for a DataFrame); otherwise check X against them.
    """
    name = type(estimator).__name__
    if sp.issparse(X):
        raise TypeError(
            f"{name} does not accept sparse input (got a {type(X).__name__}): pass "
            "a dense array of shape (n_samples, n_timesteps[, n_features])."
        )
    _reject_ragged(X, name)
    if not hasattr(X, "shape"):  # lists and other array-likes
        X = np.asarray(X)
    ndim = len(X.shape)

    if ndim == 3:
        X = check_array(
            X, allow_nd=True, dtype=FLOATS, input_name="X", estimator=estimator
        )
        _, T, F = X.shape
        if T == 0 or F == 0:
            raise ValueError(
                f"{name} needs sequences with at least one time step and one "
                f"feature, got X of shape {X.shape}."
            )
        if reset:
            estimator.n_features_in_ = F
            estimator._univariate_columns = False
            if hasattr(estimator, "feature_names_in_"):
                del estimator.feature_names_in_
        elif estimator._univariate_columns and F != 1:
            raise ValueError(
                f"X has {F} features per time step, but {name} was fitted on 2-D "
                "X, i.e. univariate sequences with 1 feature per time step."
            )
        elif not estimator._univariate_columns and F != estimator.n_features_in_:
            raise ValueError(
                f"X has {F} features per time step, but {name} was fitted with "
                f"{estimator.n_features_in_} features per time step."
            )
        return np.ascontiguousarray(X)

    if ndim > 3 or (ndim == 0 and hasattr(X, "shape")):
        raise ValueError(
            f"{name} expects X of shape (n_samples, n_timesteps, n_features) or "
            f"(n_samples, n_timesteps), got {_describe(X)}."
        )

    if not reset and not estimator._univariate_columns:
        # fitted on 3-D data: 2-D X is univariate sequences of any length
        X = check_array(X, dtype=FLOATS, input_name="X", estimator=estimator)
        if estimator.n_features_in_ != 1:
            raise ValueError(
                f"X is 2-D, which {name} reads as univariate sequences "
                f"(n_samples, n_timesteps) = {X.shape}, but it was fitted with "
                f"{estimator.n_features_in_} features per time step: pass a 3-D "
                f"array (n_samples, n_timesteps, {estimator.n_features_in_})."
            )
        return np.ascontiguousarray(X[:, :, None])

    # 2-D (and 1-D, which validate_data rejects with scikit-learn's message)
    X = validate_data(estimator, X, reset=reset, dtype=FLOATS)
    if reset:
        estimator._univariate_columns = True
    return np.ascontiguousarray(X[:, :, None])


def _reject_none(y, estimator):
    if y is None:
        raise ValueError(
            f"{type(estimator).__name__} requires y to be passed, but the target y "
            "is None."
        )


def check_y_regression(estimator, y, n_samples, dtype, n_timesteps=None):
    """y as a float array of ``dtype``.

    One value per sequence: (n,) or (n, n_outputs). With ``n_timesteps``
    (``return_sequences=True``): (n, T) or (n, T, n_outputs).
    """
    _reject_none(y, estimator)
    y = check_array(y, ensure_2d=False, allow_nd=True, dtype=FLOATS, input_name="y")
    if n_timesteps is None:
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if y.ndim not in (1, 2):
            raise ValueError(
                f"y must have shape (n_samples,) or (n_samples, n_outputs), one row "
                f"per sequence; got shape {y.shape}. For one target per time step "
                "set return_sequences=True."
            )
    else:
        _check_per_step(y, n_timesteps, (2, 3), "(n_samples, n_timesteps) or "
                        "(n_samples, n_timesteps, n_outputs)")
    _check_length(y, n_samples)
    return y.astype(dtype, copy=False)


def check_y_classification(estimator, y, n_samples, n_timesteps=None):
    """Labels (n,) of any type, or a (n, n_labels) indicator matrix.

    With ``n_timesteps`` (``return_sequences=True``): labels (n, T).
    """
    _reject_none(y, estimator)
    y = check_array(y, ensure_2d=False, allow_nd=True, dtype=None, input_name="y")
    if n_timesteps is None:
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if y.ndim > 2:
            raise ValueError(
                f"y must have shape (n_samples,) or (n_samples, n_labels); got shape "
                f"{y.shape}. For one label per time step set return_sequences=True."
            )
    else:
        _check_per_step(y, n_timesteps, (2,), "(n_samples, n_timesteps)")
    _check_length(y, n_samples)
    return y


def _check_per_step(y, n_timesteps, ndims, expected):
    if y.ndim not in ndims or y.shape[1] != n_timesteps:
        raise ValueError(
            f"With return_sequences=True, y must have shape {expected}, one target "
            f"per time step of X (n_timesteps={n_timesteps}); got shape {y.shape}."
        )


def _check_length(y, n_samples):
    if y.shape[0] != n_samples:
        raise ValueError(
            f"X and y have inconsistent numbers of samples: X has {n_samples} "
            f"sequences, y has {y.shape[0]} rows."
        )
