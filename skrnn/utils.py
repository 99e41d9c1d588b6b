"""Public helpers for sequence data."""

import numbers

import numpy as np


def to_padded_array(sequences, dtype=None):
    """Stack sequences of different lengths into one NaN-padded 3-D array.

    Parameters
    ----------
    sequences : list of array-like of shape (T_i, n_features) or (T_i,)
        The sequences; 1-D ones are univariate. Every sequence needs the same
        number of features and at least one time step.
    dtype : dtype, default=None
        Floating dtype of the result; None: float32 when every sequence is
        float32, else float64.

    Returns
    -------
    X : ndarray of shape (n_sequences, max T_i, n_features)
        ``X[i, :T_i]`` is sequence i; the steps after it are NaN (tslearn's
        convention), which every skrnn estimator reads as padding.
    lengths : ndarray of shape (n_sequences,)
        ``T_i`` of each sequence.

    Examples
    --------
    >>> from skrnn.utils import to_padded_array
    >>> X, lengths = to_padded_array([[1.0, 2.0, 3.0], [4.0]])
    >>> X.shape, lengths.tolist()
    ((2, 3, 1), [3, 1])
    >>> X[1, :, 0].tolist()
    [4.0, nan, nan]
    """
    if isinstance(sequences, np.ndarray) and sequences.dtype != object:
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
            kind = {"b": "boolean", "c": "complex", "O": "object", "U": "string",
                    "S": "bytes"}.get(a.dtype.kind, str(a.dtype))
            raise TypeError(
                f"sequence {i} has {kind} values (dtype {a.dtype}); expected real "
                "numbers."
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
