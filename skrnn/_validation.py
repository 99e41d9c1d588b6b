"""Every accepted X and y becomes one internal form here; all input errors live here.

Internal X is batch-first ``(n_samples, n_timesteps, n_features)``, float32 or
float64, C-contiguous, finite. Accepted:

* 3-D ``(n_samples, n_timesteps, n_features)``: ``n_features_in_`` is the size
  of the last axis; the length may differ between fit and predict;
* 2-D ``(n_samples, n_timesteps)``: univariate sequences, read as
  ``(n, T, 1)``; ``n_features_in_`` is the number of columns (scikit-learn's
  tabular contract), so predict needs the same columns.
"""

import contextlib
import copy
import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array, column_or_1d
from sklearn.utils.validation import validate_data

from ._warnings import warn
from .utils import to_padded_array

FLOATS = (np.float64, np.float32)


def _describe(X):
    shape = getattr(X, "shape", None)
    if shape is not None:
        return f"a {len(shape)}-D array of shape {tuple(shape)}"
    return f"a {type(X).__name__}"


def _is_sequence_list(X):
    """A list of sequences: arrays (not nested lists), or ragged nested lists.

    A list of equal-length lists of numbers stays a 2-D table, as everywhere
    in scikit-learn.
    """
    if isinstance(X, np.ndarray) and X.dtype == object and X.ndim == 1:
        X = list(X)  # an object array of sequences is a list of them
    if not isinstance(X, (list, tuple)) or len(X) == 0:
        return False
    if any(hasattr(x, "shape") for x in X):
        return True
    shapes = {np.shape(x) for x in X if not isinstance(x, (numbers.Number, str))}
    return len(shapes) > 1


#: Elements per chunk when scanning X for NaN or infinity (a mask of all of
#: X would be X.size bytes: 200,000 x 50 x 8 float64 -> 80 MB)
SCAN_ELEMENTS = 2**22


def _first_where(X, test):
    """(i, t, f) of the first element of 3-D X where ``test`` holds, or None,
    scanning chunks of sequences so that the mask stays small."""
    rows = max(1, SCAN_ELEMENTS // max(1, int(np.prod(X.shape[1:]))))
    for s in range(0, X.shape[0], rows):
        mask = test(X[s : s + rows])
        if mask.any():
            i, t, f = np.argwhere(mask)[0]
            return s + int(i), int(t), int(f)
    return None


def _lengths_from_nan_padding(X, name):
    """Lengths of NaN-padded sequences; errors for NaN that is not padding.

    A step is padding when all its features are NaN and every later step is
    padding too. Returns None when no sequence is padded.
    """
    if _first_where(X, np.isnan) is None:  # the common case, in bounded memory
        return None
    nan = np.isnan(X)
    step_nan = nan.all(axis=2)  # (n, T)
    T = X.shape[1]
    # last step that is not all-NaN, +1
    not_pad = ~step_nan
    lengths = T - np.argmax(not_pad[:, ::-1], axis=1)
    lengths[~not_pad.any(axis=1)] = 0
    empty = np.flatnonzero(lengths == 0)
    if empty.size:
        raise ValueError(
            f"{name}: sequence {empty[0]} of X is all NaN, i.e. has no valid time "
            "step. Remove empty sequences."
        )
    inside = nan & (np.arange(T)[None, :, None] < lengths[:, None, None])
    if inside.any():
        i, t, f = np.argwhere(inside)[0]
        raise ValueError(
            f"{name}: X contains NaN inside sequence {i} at time step {t} (feature "
            f"{f}), before its last valid step {lengths[i] - 1}. NaN is only "
            "accepted as padding: whole time steps at the end of a sequence."
        )
    return None if (lengths == T).all() else lengths


#: dtype kinds that are not numbers, refused by name (not cast to float)
_NOT_NUMBERS = {
    "b": "boolean",
    "M": "datetime",
    "m": "timedelta",
    "U": "string",
    "S": "bytes",
    "V": "structured (record)",
}
_REAL_SCALARS = (int, float, np.integer, np.floating)


def _refuse_non_numbers(X, name):
    """TypeError for X that holds something other than real numbers.

    Booleans, dates, durations, strings, bytes and records are refused by
    kind, and an object array (or object column) element by element: only
    ints and floats (NaN included) pass, so that numeric strings, Decimal or
    Fraction objects are not cast to float without a word. Complex numbers
    are left to scikit-learn's check (a ValueError).
    """
    columns = getattr(X, "dtypes", None)
    if columns is not None and not hasattr(columns, "kind"):  # a DataFrame
        kinds = [(col, dt) for col, dt in zip(X.columns, columns)]
    else:
        kinds = [(None, X.dtype)]
    for col, dtype in kinds:
        where = "" if col is None else f" in column {col!r}"
        kind = getattr(dtype, "kind", "O")
        if kind in _NOT_NUMBERS:
            raise TypeError(
                f"{name} expects real numbers in X, got {_NOT_NUMBERS[kind]} values"
                f"{where} (dtype {dtype}). Convert them to numbers first."
            )
        if kind == "O":
            values = np.asarray(X if col is None else X[col], dtype=object).ravel()
            for value in values:
                if not isinstance(value, _REAL_SCALARS) or isinstance(value, (bool, np.bool_)):
                    raise TypeError(
                        f"{name} expects real numbers in X, got {value!r} of type "
                        f"{type(value).__name__}{where} (object dtype): each "
                        "argument must be an int or a float, not a string or another "
                        "kind of number or object. Convert X to floats first, e.g. "
                        "np.asarray(X, dtype=float)."
                    )


def _refuse_overflow(estimator, X, name):
    """ValueError for float64 X with values a float32 model cannot hold (they
    would become infinite in its dtype and predict NaN)."""
    params = getattr(estimator, "_params", None)
    if params is None or params.dtype != np.float32 or X.dtype != np.float64:
        return
    largest = float(np.finfo(np.float32).max)
    bad = _first_where(X, lambda chunk: np.abs(chunk) > largest)
    if bad is not None:
        i, t, f = bad
        raise ValueError(
            f"{name}: X holds {X[i, t, f]:g} in sequence {i} at time step {t} "
            f"(feature {f}), beyond the float32 range (+-{largest:.4g}) of this "
            "model, which was fitted on float32 data: it would become infinite. "
            "Rescale X as the training data was, or fit on float64 data."
        )


def check_X(estimator, X, *, reset, lazy=False):
    """Validate X; return ``(X, lengths)``, X a 3-D float array ``(n, T, F)``.

    ``lengths`` (n,) counts the valid steps of each sequence when some are
    shorter than T (a list of sequences, or NaN padding at the end of a 3-D
    array), else None. Padded steps of the returned X hold zeros, and X is
    C-contiguous -- unless ``lazy``: then a 3-D array comes back as given
    (float32 or float64, in any memory order, NaN at its padded steps), for
    a caller that converts it chunk by chunk instead of copying all of it.

    With ``reset=True`` (fit) record ``n_features_in_`` (and
    ``feature_names_in_`` for a DataFrame); otherwise check X against them.
    """
    name = type(estimator).__name__
    X = _as_array(X, name)
    if len(X.shape) == 3:
        return _check_3d(estimator, X, name, reset=reset, lazy=lazy)
    if len(X.shape) > 3 or (len(X.shape) == 0 and hasattr(X, "shape")):
        raise ValueError(
            f"{name} expects X of shape (n_samples, n_timesteps, n_features) or "
            f"(n_samples, n_timesteps), got {_describe(X)}."
        )
    return _check_2d(estimator, X, name, reset=reset)


def _as_array(X, name):
    """X as something with a shape: an array, a DataFrame, or what
    ``check_array`` reads; sparse input and non-numbers are refused."""
    if sp.issparse(X):
        raise TypeError(
            f"{name} does not accept sparse input (got a {type(X).__name__}): pass "
            "a dense array of shape (n_samples, n_timesteps[, n_features])."
        )
    if isinstance(X, memoryview):
        X = np.asarray(X)
    if isinstance(X, (list, tuple)) and len(X) == 0:
        raise ValueError(f"{name} received an empty list: no sequences to read.")
    if _is_sequence_list(X):
        X, _ = to_padded_array(list(X))
    elif not hasattr(X, "shape"):  # lists and other array-likes
        X = np.asarray(X)
    if hasattr(X, "columns") and X.shape[1] == 0:  # pandas cannot make it an array
        X = np.empty(X.shape)
    if len(X.shape) in (2, 3):
        _refuse_non_numbers(X, name)
    return X


def _check_3d(estimator, X, name, *, reset, lazy):
    """``check_X`` for a 3-D array (n, T, F), NaN padding allowed."""
    bad = _first_where(X, np.isinf) if X.dtype.kind == "f" else None
    if bad is not None:
        i, t, f = bad
        raise ValueError(
            f"{name}: Input X contains infinity in sequence {i} at time step {t} "
            f"(feature {f}); every value must be finite (NaN only as padding)."
        )
    X = check_array(
        X,
        allow_nd=True,
        dtype=FLOATS,
        input_name="X",
        estimator=estimator,
        ensure_all_finite="allow-nan",
    )
    _, T, F = X.shape
    if T == 0 or F == 0:
        raise ValueError(
            f"{name} needs sequences with at least one time step and one "
            f"feature, got X of shape {X.shape}."
        )
    if reset:
        _warn_if_transposed(X.shape, name)
        estimator.n_features_in_ = F
        estimator._univariate_columns = False
        if hasattr(estimator, "feature_names_in_"):
            del estimator.feature_names_in_
    else:
        _check_features_per_step(estimator, F, name)
        _refuse_overflow(estimator, X, name)
    lengths = _lengths_from_nan_padding(X, name)
    if lazy:
        return X, lengths
    if lengths is not None:
        X = np.where(np.isnan(X), 0, X)  # padding values are never read
    return np.ascontiguousarray(X), lengths


#: 3-D X with at least this many times more features per step than steps
#: looks like a channels-first panel (n, n_channels, T): BasicMotions' 6
#: channels of 100 steps, or any univariate panel (n, 1, T) of 16 steps or
#: more. Sequence data has rarely so few steps for so many features.
TRANSPOSED_RATIO = 16


def _warn_if_transposed(shape, name):
    """UserWarning when 3-D X of ``shape`` (n, T, F) has F >= 16 T."""
    _, T, F = shape
    if F >= TRANSPOSED_RATIO * T:
        warn(
            f"{name} received X of shape {tuple(shape)}, which it reads as "
            f"(n_samples, n_timesteps, n_features): {T} time step(s) of {F} features "
            "each. That looks transposed: a panel held channels first (n_samples, "
            "n_channels, n_timesteps), as sktime and aeon hold them, would be read "
            "with its channels as time steps. skrnn expects (n_samples, n_timesteps, "
            "n_features): convert with skrnn.preprocessing.ChannelsFirstToLast (in a "
            "Pipeline before the estimator) or X.transpose(0, 2, 1). If X does hold "
            f"{T} step(s) of {F} features, ignore this warning.",
            UserWarning,
        )


def _check_features_per_step(estimator, F, name):
    """3-D X at predict: F features per step, as at fit."""
    if estimator._univariate_columns and F != 1:
        raise ValueError(
            f"X has {F} features per time step, but {name} was fitted on 2-D "
            "X, i.e. univariate sequences with 1 feature per time step."
        )
    if not estimator._univariate_columns and F != estimator.n_features_in_:
        raise ValueError(
            f"X has {F} features per time step, but {name} was fitted with "
            f"{estimator.n_features_in_} features per time step."
        )


def _check_2d(estimator, X, name, *, reset):
    """``check_X`` for 2-D X: univariate sequences (n, T), read as (n, T, 1)."""
    if not reset and not estimator._univariate_columns:
        # fitted on 3-D data: 2-D X is univariate sequences of any length
        X = check_array(X, dtype=FLOATS, input_name="X", estimator=estimator)
        _refuse_overflow(estimator, X[:, :, None], name)
        if estimator.n_features_in_ != 1:
            raise ValueError(
                f"X is 2-D, which {name} reads as univariate sequences "
                f"(n_samples, n_timesteps) = {X.shape}, but it was fitted with "
                f"{estimator.n_features_in_} features per time step: pass a 3-D "
                f"array (n_samples, n_timesteps, {estimator.n_features_in_})."
            )
        return np.ascontiguousarray(X[:, :, None]), None

    # 2-D (and 1-D, which validate_data rejects with scikit-learn's message)
    X = validate_data(estimator, X, reset=reset, dtype=FLOATS)
    if reset:
        estimator._univariate_columns = True
    else:
        _refuse_overflow(estimator, X[:, :, None], name)
    return np.ascontiguousarray(X[:, :, None]), None


def valid_steps(lengths, n_samples, n_timesteps):
    """(n_samples, n_timesteps) mask of the valid steps; all True for lengths=None."""
    if lengths is None:
        return np.ones((n_samples, n_timesteps), dtype=bool)
    return np.arange(n_timesteps)[None, :] < lengths[:, None]


def _reject_none(y, estimator):
    if y is None:
        raise ValueError(
            f"{type(estimator).__name__} requires y to be passed, but the target y is None."
        )


def check_y_regression(estimator, y, n_samples, dtype, n_timesteps=None, lengths=None):
    """y as a float array of ``dtype``.

    One value per sequence: (n,) or (n, n_outputs). With ``n_timesteps``
    (``return_sequences=True``): (n, T) or (n, T, n_outputs), or a list of
    per-sequence targets; with ``lengths``, padded like X (NaN, or anything)
    after each sequence's length, where zeros are returned.
    """
    _reject_none(y, estimator)
    padded = n_timesteps is not None and lengths is not None
    if padded and _is_sequence_list(y):
        y, _ = to_padded_array(y)
    y = check_array(
        y,
        ensure_2d=False,
        allow_nd=True,
        dtype=FLOATS,
        input_name="y",
        ensure_all_finite="allow-nan" if padded else True,
    )
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
        _check_per_step(
            y,
            n_timesteps,
            (2, 3),
            "(n_samples, n_timesteps) or (n_samples, n_timesteps, n_outputs)",
        )
    _check_length(y.shape[0], n_samples)
    if padded:
        valid = valid_steps(lengths, len(y), n_timesteps)
        y3 = y.reshape(y.shape[0], n_timesteps, -1)
        bad = np.isnan(y3).any(axis=2) & valid
        if bad.any():
            i, t = np.argwhere(bad)[0]
            raise ValueError(
                f"y contains NaN at sequence {i}, time step {t}, which is a valid "
                f"step of X (that sequence has {lengths[i]} steps)."
            )
        y = np.where(valid.reshape(valid.shape + (1,) * (y.ndim - 2)), y, 0)
    return y.astype(dtype, copy=False)


def check_y_classification(estimator, y, n_samples, n_timesteps=None, lengths=None):
    """Labels (n,) of any type, or a (n, n_labels) indicator matrix.

    With ``n_timesteps`` (``return_sequences=True``): labels (n, T). With
    ``lengths`` too (variable-length X), y is a list of per-sequence label
    arrays or an (n, T) array whose padded steps hold anything; only the
    labels of valid steps are returned, as one flat array (sequence after
    sequence).
    """
    _reject_none(y, estimator)
    if n_timesteps is not None and lengths is not None:
        return _valid_step_labels(y, n_samples, n_timesteps, lengths)
    y = check_array(y, ensure_2d=False, allow_nd=True, dtype=None, input_name="y")
    if y.dtype == object:
        missing = next((i for i, v in enumerate(y.ravel()) if v is None), None)
        if missing is not None:
            raise ValueError(
                f"y contains None (element {missing} of y, read row by row): every "
                "sequence (or step) needs a label; remove the unlabelled ones."
            )
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
    _check_length(y.shape[0], n_samples)
    return y


def _valid_step_labels(y, n_samples, n_timesteps, lengths):
    """Per-step labels of variable-length sequences, flattened over valid steps.

    y: a list with one 1-D label array per sequence, of the sequence's length
    (or padded to n_timesteps), or an (n, n_timesteps) array. Labels at
    padded steps are never read.
    """
    if isinstance(y, (list, tuple)) and any(not isinstance(v, (numbers.Number, str)) for v in y):
        _check_length(len(y), n_samples)
        rows = []
        for i, yi in enumerate(y):
            yi = np.asarray(yi)
            if yi.ndim != 1 or len(yi) not in (lengths[i], n_timesteps):
                raise ValueError(
                    f"y for sequence {i} has shape {yi.shape}, but sequence {i} of X "
                    f"has {lengths[i]} time steps: with return_sequences=True, give "
                    "one label per time step."
                )
            rows.append(yi[: lengths[i]])
        y = np.concatenate(rows)
    else:
        y = check_array(y, ensure_2d=False, dtype=None, input_name="y", ensure_all_finite=False)
        _check_per_step(y, n_timesteps, (2,), "(n_samples, n_timesteps)")
        _check_length(y.shape[0], n_samples)
        y = y[valid_steps(lengths, n_samples, n_timesteps)]
    missing = (
        ~np.isfinite(y)
        if y.dtype.kind == "f"
        else np.array([v is None or v != v for v in y])
        if y.dtype == object
        else np.zeros(len(y), bool)
    )
    if missing.any():
        k = np.flatnonzero(missing)[0]
        ends = np.cumsum(lengths)  # flat index where each sequence's labels end
        i = np.searchsorted(ends, k, side="right")
        t = k - (ends[i - 1] if i else 0)
        raise ValueError(
            f"y contains {y[k]} at sequence {i}, time step {t}, which is a valid "
            f"step of X (that sequence has {lengths[i]} steps)."
        )
    return check_array(y, ensure_2d=False, dtype=None, input_name="y")


def _check_per_step(y, n_timesteps, ndims, expected):
    if y.ndim not in ndims or y.shape[1] != n_timesteps:
        raise ValueError(
            f"With return_sequences=True, y must have shape {expected}, one target "
            f"per time step of X (n_timesteps={n_timesteps}); got shape {y.shape}."
        )


def _check_length(n_rows, n_samples):
    if n_rows != n_samples:
        raise ValueError(
            f"X and y have inconsistent numbers of samples: X has {n_samples} "
            f"sequences, y has {n_rows} rows."
        )


def check_training_weights(sw, step_w, dtype, given):
    """Refuse weights the loss cannot use, before any training state changes.

    ``sw`` (per sequence) and ``step_w`` (per step, from per-step class
    weights) are the weights the loss will see, to be held in the model's
    ``dtype``; ``given`` names what they came from ("sample_weight",
    "class_weight"). In that dtype every positive weight must stay positive
    and finite, and their total must be finite and positive.
    """
    if sw is None and step_w is None:
        return
    what = " and ".join(given)
    finfo, name = np.finfo(dtype), np.dtype(dtype).name
    largest, tiny = float(finfo.max), float(finfo.tiny)
    sw = None if sw is None else np.asarray(sw)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        total = np.ones(1) if sw is None else sw.astype(np.float64)
        if step_w is not None:
            total = step_w.astype(np.float64) * (1.0 if sw is None else total[:, None])
        total = float(total.sum())
        cast = None if sw is None else sw.astype(dtype)
    rescale = (
        "Rescale them, e.g. divide by their mean (a weight of k counts as k "
        "copies of its sequence)."
    )
    if (
        not np.isfinite(total)
        or total > largest
        or (cast is not None and not np.isfinite(cast).all())
    ):
        raise ValueError(
            f"The weights from {what} are too large for a {name} model: their "
            f"total is {total:g} (at most {largest:g}). {rescale}"
        )
    if total == 0:
        raise ValueError(
            f"The weights from {what} give every sequence (and step) a weight "
            "of 0: at least one must be positive."
        )
    if total < tiny:
        raise ValueError(
            f"The weights from {what} are too small for a {name} model: their "
            f"total is {total:g} (at least {tiny:g}). {rescale}"
        )
    vanished = None if cast is None else (sw > 0) & (cast == 0)
    if vanished is not None and vanished.any():
        smallest = sw[vanished].min()
        raise ValueError(
            f"The weights from {what} are too small for a {name} model: "
            f"{smallest:g} becomes 0 in {name} (the smallest positive value is "
            f"{float(finfo.smallest_subnormal):g}). {rescale}"
        )


@contextlib.contextmanager
def unchanged_on_error(estimator):
    """Put ``estimator`` back exactly as it was if the block raises.

    Any exception, KeyboardInterrupt included: a fit that fails or is
    interrupted before it has produced its weights changes nothing. Every
    attribute but the constructor's parameters (which fit does not change)
    is copied first and restored from the copy; arrays that the block may
    have written into (the weights, which ``weights_`` views) are restored
    in place, so that views taken before the call stay the estimator's.
    """
    params = estimator.get_params(deep=False)
    saved = {
        key: (value, value if key in params else copy.deepcopy(value))
        for key, value in estimator.__dict__.items()
    }
    try:
        yield
    except BaseException:
        estimator.__dict__.clear()
        for key, (original, copied) in saved.items():
            if (
                isinstance(original, np.ndarray)
                and original is not copied
                and original.flags.writeable
            ):
                original[...] = copied
                copied = original
            estimator.__dict__[key] = copied
        raise
