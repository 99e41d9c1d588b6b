"""Public helpers for sequence data."""

import numbers

import numpy as np

__all__ = ["to_padded_array"]


def to_padded_array(sequences, dtype=None):
    """Stack sequences of different lengths into one NaN-padded 3-D array.

    Parameters
    ----------
    sequences : list of array-like of shape (T_i, n_features) or (T_i,)
        The sequences; 1-D ones are univariate. Every sequence needs the same
        number of features and at least one time step.
    dtype : floating dtype, default=None
        Dtype of the result, e.g. ``np.float32``; None: float32 when every
        sequence is float32, else float64. The padding is NaN, which only a
        floating dtype holds, so any other dtype (int, bool, complex, object)
        is a ValueError: NaN cast to an integer becomes a number (-2**63 for
        int64) that no one could tell from data. To get integers back, cast
        ``X[i, :lengths[i]]``.

    Returns
    -------
    X : ndarray of shape (n_sequences, max T_i, n_features)
        ``X[i, :T_i]`` is sequence i, as given (NaN steps at its end
        included); the steps after it are NaN (tslearn's convention). Every
        skrnn estimator and transformer reads trailing whole steps of NaN as
        padding, so a sequence's own trailing NaN steps are padding too.
    lengths : ndarray of shape (n_sequences,)
        ``T_i`` of each sequence: its number of rows, NaN steps included.

    Raises
    ------
    ValueError
        For a dtype that is not floating, an empty list, an empty sequence,
        a sequence that is not 1-D or 2-D, or feature counts that differ.
    TypeError
        For ``sequences`` that is not a list, a sequence that is a scalar or
        holds anything but real numbers, or a dtype NumPy does not know.

    Examples
    --------
    >>> from skrnn.utils import to_padded_array
    >>> X, lengths = to_padded_array([[1.0, 2.0, 3.0], [4.0]])
    >>> X.shape, lengths.tolist()
    ((2, 3, 1), [3, 1])
    >>> X[1, :, 0].tolist()
    [4.0, nan, nan]
    >>> to_padded_array([[1, 2, 3], [4]], dtype=int)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    ValueError: dtype must be a floating dtype (float64, float32, ...), got int64: ...
    """
    dtype = _floating_dtype(dtype)
    if isinstance(sequences, np.ndarray):  # rows of an array, or an object array of sequences
        sequences = list(sequences)
    if not isinstance(sequences, (list, tuple)):
        raise TypeError(
            f"sequences must be a list of arrays (T_i, n_features) or (T_i,), got "
            f"{type(sequences).__name__}."
        )
    if len(sequences) == 0:
        raise ValueError("sequences is an empty list: expected at least one sequence.")
    arrays = []
    for i, seq in enumerate(sequences):
        if isinstance(seq, (numbers.Number, str)):
            raise TypeError(
                f"sequence {i} is a scalar ({seq!r}); expected an array of shape "
                "(T_i, n_features) or (T_i,)."
            )
        a = np.asarray(seq)
        if a.dtype.kind not in "iuf":
            kind = {
                "b": "boolean",
                "c": "complex",
                "O": "object",
                "U": "string",
                "S": "bytes",
            }.get(a.dtype.kind, str(a.dtype))
            raise TypeError(
                f"sequence {i} has {kind} values (dtype {a.dtype}); expected real numbers."
            )
        if a.ndim == 1:
            a = a[:, None]
        if a.ndim != 2:
            raise ValueError(
                f"sequence {i} has shape {a.shape}; expected (T_i, n_features) or (T_i,)."
            )
        if a.shape[0] == 0:
            raise ValueError(f"sequence {i} is empty (0 time steps).")
        if arrays and a.shape[1] != arrays[0].shape[1]:
            raise ValueError(
                f"sequence {i} has {a.shape[1]} features per time step, but "
                f"sequence 0 has {arrays[0].shape[1]}."
            )
        arrays.append(a)
    lengths = np.array([a.shape[0] for a in arrays])
    if dtype is None:
        dtype = np.float32 if all(a.dtype == np.float32 for a in arrays) else np.float64
    X = np.full((len(arrays), lengths.max(), arrays[0].shape[1]), np.nan, dtype=dtype)
    for i, a in enumerate(arrays):
        X[i, : len(a)] = a
    return X, lengths


def _floating_dtype(dtype):
    """``dtype`` as a floating ``np.dtype`` (None stays None), else an error
    naming what was received."""
    if dtype is None:
        return None
    try:
        resolved = np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(
            f"dtype must be a floating dtype such as np.float64 or np.float32, got "
            f"{dtype!r}, which is not a NumPy dtype."
        ) from exc
    if not np.issubdtype(resolved, np.floating):
        raise ValueError(
            f"dtype must be a floating dtype (float64, float32, ...), got {resolved}: "
            "the padding is NaN, which only floating dtypes hold. Pad as floats "
            "and cast each X[i, :lengths[i]] if you need another dtype."
        )
    return resolved
