"""Preprocessing of sequence data: standardisation over every valid time step."""

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils import check_array
from sklearn.utils.validation import check_is_fitted, validate_data

from ._validation import FLOATS, _is_sequence_list, check_X
from ._windows import make_windows

__all__ = ["SequenceScaler", "make_windows"]


def _is_constant(var, mean, n_samples):
    """Features whose variance is only rounding error (StandardScaler's rule)."""
    eps = np.finfo(np.float64).eps
    return var <= n_samples * eps * var + (n_samples * mean * eps) ** 2


class SequenceScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Standardise each feature over all valid time steps of all sequences.

    Every time step of every sequence counts as one sample: the mean and the
    standard deviation of each feature are those of all valid steps stacked
    together, as :class:`~sklearn.preprocessing.StandardScaler` would compute
    them on the concatenated sequences. Padding is left out of the statistics
    and stays NaN, so the scaler goes before any skrnn estimator in a
    :class:`~sklearn.pipeline.Pipeline`, on the same X.

    X is accepted in every form the skrnn estimators accept, and ``transform``
    and ``inverse_transform`` return the same form:

    * a 3-D array ``(n_samples, n_timesteps, n_features)``, possibly padded at
      the end with NaN (whole time steps, tslearn's convention): a 3-D array
      with the same padding;
    * a list of sequences, arrays ``(T_i, n_features)`` or ``(T_i,)`` (or
      ragged nested lists): a list of arrays of the same lengths and shapes;
    * a 2-D array ``(n_samples, n_timesteps)``, univariate sequences: one
      feature, scaled over all entries; a 2-D array. As in
      :class:`~sklearn.preprocessing.StandardScaler`, NaN anywhere in 2-D X
      is a missing value: left out of the statistics and NaN in the output
      (so trailing NaN act as padding). In 3-D X and lists NaN is accepted
      only as padding, as in the estimators.

    float32 X (every sequence float32, for a list) gives float32 output;
    anything else numeric gives float64. The statistics are computed in
    float64.

    Parameters
    ----------
    with_mean : bool, default=True
        Subtract the mean of each feature.
    with_std : bool, default=True
        Divide by the standard deviation of each feature.
    copy : bool, default=True
        If False, scale a float ndarray X in place where possible (lists of
        sequences always give new arrays). ``transform`` and
        ``inverse_transform`` take ``copy`` too, which overrides it.

    Attributes
    ----------
    mean_ : ndarray of shape (n_step_features,) or None
        Mean of each feature over all valid time steps; ``n_step_features`` is
        the size of the last axis of 3-D X, and 1 for 2-D X. None when
        ``with_mean=False`` and ``with_std=False``.
    var_ : ndarray of shape (n_step_features,) or None
        Variance of each feature over all valid time steps (``ddof=0``). None
        when ``with_std=False``.
    scale_ : ndarray of shape (n_step_features,) or None
        ``sqrt(var_)``, with 1 for constant features. None when
        ``with_std=False``.
    n_samples_seen_ : int
        Number of valid time steps counted (the non-NaN entries of 2-D X).
    n_features_in_ : int
        As for the skrnn estimators: the size of the last axis of 3-D X or of
        the sequences of a list; for 2-D X the number of columns, which
        ``transform`` then requires, as every scikit-learn transformer.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when fitted on a 2-D DataFrame with string column names.

    See Also
    --------
    sklearn.preprocessing.StandardScaler : The same on tabular data.
    skrnn.utils.to_padded_array : Lists of sequences to a NaN-padded array.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn.preprocessing import SequenceScaler
    >>> X = [np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]]),
    ...      np.array([[5.0, 50.0]])]
    >>> scaler = SequenceScaler().fit(X)
    >>> scaler.mean_.tolist(), scaler.n_samples_seen_
    ([2.75, 27.5], 4)
    >>> Z = scaler.transform(X)
    >>> [z.shape for z in Z]
    [(3, 2), (1, 2)]
    >>> np.round(Z[1], 3).tolist()
    [[1.521, 1.521]]
    >>> X_padded = np.array([[1.0, 2.0, 3.0], [5.0, np.nan, np.nan]])[:, :, None]
    >>> np.round(scaler.fit_transform(X_padded)[:, :, 0], 3).tolist()
    [[-1.183, -0.507, 0.169], [1.521, nan, nan]]
    """

    _parameter_constraints: dict = {
        "with_mean": ["boolean"],
        "with_std": ["boolean"],
        "copy": ["boolean"],
    }

    def __init__(self, *, with_mean=True, with_std=True, copy=True):
        self.with_mean = with_mean
        self.with_std = with_std
        self.copy = copy

    # -- input ----------------------------------------------------------------

    def _read(self, X, *, reset, copy):
        """Validate X; return ``(A, valid, restore)``.

        ``A`` is a float ndarray, 3-D ``(n, T, F)`` or 2-D ``(n, T)`` (one
        feature), that may be scaled in place; ``valid`` is a boolean mask of
        A's valid entries (None: all valid), along its first two axes for 3-D
        A; ``restore(A)`` gives the output in the form of X.
        """
        if not sp.issparse(X) and not _is_sequence_list(X) and not (
            isinstance(X, (list, tuple)) and len(X) == 0
        ):
            if not hasattr(X, "shape"):
                X = np.asarray(X)
            if len(X.shape) in (1, 2):
                return self._read_2d(X, reset=reset, copy=copy), None, _identity

        if _is_sequence_list(X):  # sequences, each (T_i, F) or (T_i,)
            A, lengths = check_X(self, X, reset=reset)  # float64, zero-padded
            kinds = [np.asarray(x) for x in X]
            lengths = lengths if lengths is not None else np.full(len(A), A.shape[1])
            all32 = all(a.dtype == np.float32 for a in kinds)
            A = A.astype(np.float32 if all32 else np.float64, copy=False)
            ndims = [a.ndim for a in kinds]
            container = tuple if isinstance(X, tuple) else list

            def restore(Z):
                return container(
                    Z[i, :L, 0] if ndim == 1 else Z[i, :L]
                    for i, (L, ndim) in enumerate(zip(lengths, ndims))
                )

            valid = np.arange(A.shape[1])[None, :] < lengths[:, None]
            return A, valid, restore

        # 3-D array (check_X refuses anything else with the estimators' errors)
        A, lengths = check_X(self, X, reset=reset)
        if lengths is None:
            if copy and np.may_share_memory(A, X):
                A = A.copy()
            return A, None, _identity
        # check_X zeroed the padding: scale the NaN-padded array instead
        A = check_array(
            X, allow_nd=True, dtype=FLOATS, copy=copy, ensure_all_finite="allow-nan",
            input_name="X", estimator=self,
        )
        valid = np.arange(A.shape[1])[None, :] < lengths[:, None]
        return A, valid, _identity

    def _read_2d(self, X, *, reset, copy):
        """2-D X: univariate sequences, NaN as missing values."""
        name = type(self).__name__
        if reset or self._univariate_columns:
            X = validate_data(
                self, X, reset=reset, dtype=FLOATS, copy=copy,
                ensure_all_finite="allow-nan",
            )
            if reset:
                self._univariate_columns = True
            return X
        # fitted on 3-D X: 2-D X is univariate sequences of any length
        X = check_array(
            X, dtype=FLOATS, copy=copy, ensure_all_finite="allow-nan",
            input_name="X", estimator=self,
        )
        if self.n_features_in_ != 1:
            raise ValueError(
                f"X is 2-D, which {name} reads as univariate sequences "
                f"(n_samples, n_timesteps) = {X.shape}, but it was fitted with "
                f"{self.n_features_in_} features per time step: pass a 3-D "
                f"array (n_samples, n_timesteps, {self.n_features_in_})."
            )
        return X

    # -- estimator API --------------------------------------------------------

    def fit(self, X, y=None):
        """Compute the mean and standard deviation of each feature.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
(n_samples, n_timesteps), or list of array-like of shape (T_i, n_features) \
or (T_i,)
            Sequences; NaN only as padding (trailing whole steps), except in
            2-D X, where NaN is a missing value.
        y : None
            Ignored.

        Returns
        -------
        self : SequenceScaler
            The fitted scaler.
        """
        self._validate_params()
        # If anything fails, leave a fitted scaler exactly as it was.
        saved = dict(self.__dict__)
        try:
            A, valid, _ = self._read(X, reset=True, copy=False)
            if A.ndim == 2:  # one feature; NaN are missing values
                values = A[~np.isnan(A)][:, None]
                if values.size == 0:
                    raise ValueError(
                        f"{type(self).__name__}: every value of X is NaN; at least "
                        "one is needed."
                    )
            else:
                values = A[valid] if valid is not None else A.reshape(-1, A.shape[2])
            values = values.astype(np.float64, copy=False)
        except Exception:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise

        n = values.shape[0]
        self.n_samples_seen_ = int(n)
        self.mean_ = self.var_ = self.scale_ = None
        if self.with_mean or self.with_std:
            self.mean_ = values.mean(axis=0)
        if self.with_std:
            self.var_ = values.var(axis=0)
            scale = np.sqrt(self.var_)
            scale[_is_constant(self.var_, self.mean_, n)] = 1.0
            self.scale_ = scale
        return self

    def transform(self, X, copy=None):
        """Standardise X; padding stays NaN and X keeps its form.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
(n_samples, n_timesteps), or list of array-like of shape (T_i, n_features) \
or (T_i,)
            Sequences, of any length for 3-D X and lists.
        copy : bool, default=None
            Copy X (True) or scale a float ndarray in place (False); None
            uses the ``copy`` parameter.

        Returns
        -------
        X_tr : ndarray or list of ndarray
            Same shape, padding and form as X: a 3-D or 2-D array, or a list
            of arrays of the same lengths.
        """
        return self._apply(X, copy, inverse=False)

    def inverse_transform(self, X, copy=None):
        """Undo ``transform``: scale back to the original units.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
(n_samples, n_timesteps), or list of array-like of shape (T_i, n_features) \
or (T_i,)
            Standardised sequences.
        copy : bool, default=None
            Copy X (True) or scale a float ndarray in place (False); None
            uses the ``copy`` parameter.

        Returns
        -------
        X_original : ndarray or list of ndarray
            Same shape, padding and form as X.
        """
        return self._apply(X, copy, inverse=True)

    def _apply(self, X, copy, inverse):
        check_is_fitted(self)
        copy = self.copy if copy is None else copy
        A, _, restore = self._read(X, reset=False, copy=copy)
        mean = self.mean_ if self.with_mean else None
        scale = self.scale_ if self.with_std else None
        # 2-D A holds one feature: the (1,) statistics broadcast over it
        if inverse:
            if scale is not None:
                A *= scale.astype(A.dtype)
            if mean is not None:
                A += mean.astype(A.dtype)
        else:
            if mean is not None:
                A -= mean.astype(A.dtype)
            if scale is not None:
                A /= scale.astype(A.dtype)
        # NaN padding stays NaN; a list's zeroed padding is sliced away.
        return restore(A)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _identity(A):
    return A
