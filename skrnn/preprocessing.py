"""Preprocessing of sequence data: standardisation over every valid time step,
patching of long sequences."""

from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils import check_array
from sklearn.utils._param_validation import Interval
from sklearn.utils._set_output import ADAPTERS_MANAGER, _get_container_adapter
from sklearn.utils.validation import check_is_fitted, validate_data

from ._patching import patch
from ._training import is_constant
from ._validation import (
    FLOATS,
    _is_sequence_list,
    check_X,
    unchanged_on_error,
    valid_steps,
)
from ._windows import make_windows
from .utils import to_padded_array

__all__ = ["SequencePatcher", "SequenceScaler", "make_windows"]


class _SequenceOutputMixin:
    """``set_output`` for transformers whose output is seldom a table.

    scikit-learn's ``TransformerMixin`` wraps the output of ``transform`` and
    ``fit_transform`` in the container that ``set_output(transform=...)`` or
    ``sklearn.set_config(transform_output=...)`` asks for ("pandas",
    "polars"). A 3-D array or a list of sequences fits in no DataFrame, so
    the classes built on this mixin leave that automatic wrapping off
    (``auto_wrap_output_keys=None``, the default this mixin gives them and
    their subclasses) and call ``_to_container`` on their result instead: it
    wraps the output only when ``_output_is_table`` says it is a table whose
    columns ``get_feature_names_out`` names, through scikit-learn's own
    container adapters, and returns anything else as it is.
    """

    def __init_subclass__(cls, auto_wrap_output_keys=None, **kwargs):
        super().__init_subclass__(auto_wrap_output_keys=auto_wrap_output_keys, **kwargs)

    def set_output(self, *, transform=None):
        """Set the container of tables that ``transform`` returns.

        Only a table (see the class docstring) is put in the container; 3-D
        arrays and lists of sequences are returned as they are, whatever the
        setting, as they are under ``sklearn.set_config(transform_output=...)``.

        Parameters
        ----------
        transform : {"default", "pandas", "polars"}, default=None
            Container of table output from ``transform`` and
            ``fit_transform``: "default" an ndarray, "pandas" or "polars" a
            DataFrame of that library; None leaves the setting unchanged.

        Returns
        -------
        self : estimator instance
            The transformer.
        """
        if transform is None:
            return self
        supported = sorted(ADAPTERS_MANAGER.supported_outputs)
        if not isinstance(transform, str) or transform not in supported:
            raise ValueError(
                f"{type(self).__name__}.set_output: transform must be one of "
                f"{supported} or None, got {transform!r}."
            )
        if not hasattr(self, "_sklearn_output_config"):
            self._sklearn_output_config = {}
        self._sklearn_output_config["transform"] = transform
        return self

    def _output_adapter(self):
        """The adapter of the configured container, None for "default".

        Looked up before any work, so that an unknown configuration fails
        before X is touched.
        """
        return _get_container_adapter("transform", self)

    def _output_is_table(self, X_out):
        return False

    def _to_container(self, X_out, X, adapter):
        """``X_out`` in the configured container if it is a table (rows
        indexed as X's, for a DataFrame X), else unchanged."""
        if adapter is None or not self._output_is_table(X_out):
            return X_out
        return adapter.create_container(X_out, X, columns=self.get_feature_names_out)


class SequenceScaler(_SequenceOutputMixin, OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Standardise each feature over all valid time steps of all sequences.

    Every time step of every sequence counts as one sample: the mean and the
    standard deviation of each feature are those of all valid steps stacked
    together, as :class:`~sklearn.preprocessing.StandardScaler` would compute
    them on the concatenated sequences. Padding is left out of the statistics
    and stays NaN, so the scaler goes before any skrnn estimator in a
    :class:`~sklearn.pipeline.Pipeline`, on the same X.

    X is accepted in every form the skrnn estimators accept, and ``transform``
    and ``inverse_transform`` return the same form, of the same shape:

    * a 3-D array ``(n_samples, n_timesteps, n_features)``: a 3-D array;
    * a list (or tuple) of sequences, arrays ``(T_i, n_features)`` or
      ``(T_i,)`` (or ragged nested lists): a list (tuple) of arrays of the
      same shapes, sequence by sequence;
    * a 2-D array ``(n_samples, n_timesteps)``, univariate sequences: one
      feature, scaled over all entries; a 2-D array (or a DataFrame, see
      below).

    A NaN is never scaled: it stays NaN, in its place in the output, and it
    counts in no statistic. Which NaN are accepted depends on the form:

    * in 3-D X and in each sequence of a list, NaN is padding, as in the
      estimators: whole time steps (every feature NaN) after the sequence's
      last valid step (tslearn's convention). A sequence of a list keeps its
      NaN steps, so that its output has its shape, and an estimator after
      the scaler reads them as padding again. NaN anywhere else (before the
      last valid step, or in only some features of a step) and a sequence
      with no valid step are a ValueError.
    * in 2-D X, as in :class:`~sklearn.preprocessing.StandardScaler`, NaN
      anywhere is a missing value (so trailing NaN act as padding); only X
      that is NaN everywhere is a ValueError.

    Under ``sklearn.set_config(transform_output="pandas")`` (or "polars"),
    or after ``set_output(transform="pandas")``, ``transform`` and
    ``fit_transform`` return a DataFrame only for a table: 2-D X after a fit
    on 2-D X, with the columns of ``get_feature_names_out()`` (and the index
    of a pandas X), as :class:`~sklearn.preprocessing.StandardScaler` does.
    3-D arrays and lists of sequences come back as arrays and lists whatever
    the setting, and so does 2-D X after a fit on 3-D X (univariate
    sequences of any length, not the columns seen in fit), so the scaler
    works in a :class:`~sklearn.pipeline.Pipeline` under every setting.
    ``inverse_transform`` always returns arrays and lists, as in
    scikit-learn.

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
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
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
        feature), that may be scaled in place, NaN where X is NaN or padded;
        ``valid`` is a boolean mask of A's valid entries (None: all valid),
        along its first two axes for 3-D A; ``restore(A)`` gives the output
        in the form and shape of X.
        """
        if (
            not sp.issparse(X)
            and not _is_sequence_list(X)
            and not (isinstance(X, (list, tuple)) and len(X) == 0)
        ):
            if not hasattr(X, "shape"):
                X = np.asarray(X)
            if len(X.shape) in (1, 2):
                return self._read_2d(X, reset=reset, copy=copy), None, _identity

        if _is_sequence_list(X):  # sequences, each (T_i, F) or (T_i,)
            # NaN after each sequence (float32 iff every sequence is), a new
            # array; its valid steps end at each sequence's last non-NaN step,
            # but each sequence is given back with all its T_i steps.
            A, shapes_lengths = to_padded_array(X)
            _, lengths = check_X(self, A, reset=reset)
            ndims = [np.ndim(x) for x in X]
            container = tuple if isinstance(X, tuple) else list

            def restore(Z):
                return container(
                    Z[i, :T, 0] if ndim == 1 else Z[i, :T]
                    for i, (T, ndim) in enumerate(zip(shapes_lengths, ndims))
                )

            valid = None if lengths is None else valid_steps(lengths, *A.shape[:2])
            return A, valid, restore

        # 3-D array (check_X refuses anything else with the estimators' errors)
        A, lengths = check_X(self, X, reset=reset)
        if lengths is None:
            if copy and np.may_share_memory(A, X):
                A = A.copy()
            return A, None, _identity
        # check_X zeroed the padding: scale the NaN-padded array instead
        A = check_array(
            X,
            allow_nd=True,
            dtype=FLOATS,
            copy=copy,
            ensure_all_finite="allow-nan",
            input_name="X",
            estimator=self,
        )
        valid = valid_steps(lengths, *A.shape[:2])
        return A, valid, _identity

    def _read_2d(self, X, *, reset, copy):
        """2-D X: univariate sequences, NaN as missing values."""
        name = type(self).__name__
        if reset or self._univariate_columns:
            X = validate_data(
                self,
                X,
                reset=reset,
                dtype=FLOATS,
                copy=copy,
                ensure_all_finite="allow-nan",
            )
            if reset:
                self._univariate_columns = True
            return X
        # fitted on 3-D X: 2-D X is univariate sequences of any length
        X = check_array(
            X,
            dtype=FLOATS,
            copy=copy,
            ensure_all_finite="allow-nan",
            input_name="X",
            estimator=self,
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
        with unchanged_on_error(self):
            A, valid, _ = self._read(X, reset=True, copy=False)
            if A.ndim == 2:  # one feature; NaN are missing values
                values = A[~np.isnan(A)][:, None]
                if values.size == 0:
                    raise ValueError(
                        f"{type(self).__name__}: every value of X is NaN; at least one is needed."
                    )
            else:
                values = A[valid] if valid is not None else A.reshape(-1, A.shape[2])
            values = values.astype(np.float64, copy=False)

        n = values.shape[0]
        self.n_samples_seen_ = int(n)
        self.mean_ = self.var_ = self.scale_ = None
        if self.with_mean or self.with_std:
            self.mean_ = values.mean(axis=0)
        if self.with_std:
            self.var_ = values.var(axis=0)
            scale = np.sqrt(self.var_)
            scale[is_constant(self.var_, self.mean_, n)] = 1.0
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
        X_tr : ndarray, list of ndarray, or DataFrame
            Same shape, NaN and form as X: a 3-D or 2-D array, or a list of
            arrays of the same shapes; a DataFrame instead of the 2-D array
            of a scaler fitted on 2-D X when the output is set to "pandas" or
            "polars" (see the class docstring).
        """
        adapter = self._output_adapter()
        return self._to_container(self._apply(X, copy, inverse=False), X, adapter)

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
        # NaN stays NaN; a list's sequences are sliced back to their shapes.
        return restore(A)

    def _output_is_table(self, X_out):
        # the columns fit saw; 2-D X after a fit on 3-D X is sequences
        return getattr(X_out, "ndim", None) == 2 and self._univariate_columns

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _identity(A):
    return A


class SequencePatcher(_SequenceOutputMixin, TransformerMixin, BaseEstimator):
    """Read every ``patch_size`` consecutive time steps as one step.

    A sequence of T steps of F features becomes ``ceil(T / patch_size)``
    steps of ``patch_size * F`` features (patches, or segments): a recurrent
    network after it runs ``patch_size`` times fewer steps, so long
    univariate or few-channel sequences train faster and their gradients
    travel back over fewer steps (cf. SegRNN, Lin et al. 2023; PatchTST, Nie
    et al. 2023). Each patch is flattened time-major: output feature
    ``k * F + f`` of patch j is feature f of input step ``j * patch_size + k``.

    A sequence of length L gets ``ceil(L / patch_size)`` patches. The steps
    of its last patch past L (and past the end of the array) are zeros, never
    the padding's values; patches wholly past L are padding of the output.
    ``fit`` learns nothing but the input's feature count.

    X is accepted in every form the skrnn estimators accept, and keeps it:

    * a 3-D array ``(n_samples, n_timesteps, n_features)``: a 3-D array
      ``(n_samples, ceil(n_timesteps / patch_size), patch_size * n_features)``;
      if X is padded at the end with NaN (whole time steps), the output is
      padded with NaN after each sequence's patches;
    * a list (or tuple) of sequences ``(T_i, n_features)`` or ``(T_i,)``: a
      list (tuple) of arrays ``(ceil(T_i / patch_size), patch_size *
      n_features)``, always 2-D. NaN steps at the end of a sequence are
      padding, as in 3-D X: its patches end with its last valid step, and
      the rows after them (up to ``ceil(T_i / patch_size)``) are NaN;
    * a 2-D array ``(n_samples, n_timesteps)``, univariate sequences: a 3-D
      array ``(n_samples, ceil(n_timesteps / patch_size), patch_size)``, which
      a skrnn estimator then reads as sequences of ``patch_size`` features
      (2-D output would be read as univariate again, undoing the patching).
      As in the estimators, 2-D X may not contain NaN.

    The output is never a table, so it is an array or a list whatever
    ``sklearn.set_config(transform_output=...)`` or ``set_output`` asks for:
    the patcher works in a :class:`~sklearn.pipeline.Pipeline` under every
    setting (``set_output`` is accepted, as a Pipeline's ``set_output``
    needs, and changes nothing).

    float32 X (every sequence float32, for a list) gives float32 output;
    anything else numeric gives float64.

    Parameters
    ----------
    patch_size : int, default=8
        Input time steps per output step, >= 1; 1 changes only the form
        (2-D X becomes ``(n, T, 1)``, a 1-D sequence ``(T_i, 1)``).

    Attributes
    ----------
    n_features_in_ : int
        As for the skrnn estimators: the size of the last axis of 3-D X or of
        the sequences of a list; for 2-D X the number of columns, which
        ``transform`` then requires, as every scikit-learn transformer.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when fitted on a 2-D DataFrame with string column names.

    See Also
    --------
    SequenceScaler : Standardise before (or after) patching.
    skrnn.utils.to_padded_array : Lists of sequences to a NaN-padded array.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn.preprocessing import SequencePatcher
    >>> X = np.arange(10.0).reshape(2, 5)      # 2 univariate sequences, T=5
    >>> Xp = SequencePatcher(patch_size=2).fit_transform(X)
    >>> Xp.shape                               # ceil(5 / 2) = 3 steps of 2
    (2, 3, 2)
    >>> Xp[0].tolist()
    [[0.0, 1.0], [2.0, 3.0], [4.0, 0.0]]
    >>> seqs = [np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]]),
    ...         np.array([[5.0, 50.0]])]
    >>> [z.tolist() for z in SequencePatcher(patch_size=2).fit_transform(seqs)]
    [[[1.0, 10.0, 2.0, 20.0], [3.0, 30.0, 0.0, 0.0]], [[5.0, 50.0, 0.0, 0.0]]]

    In a pipeline, before the network:

    >>> from sklearn.pipeline import make_pipeline
    >>> from skrnn import RNNClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 96))
    >>> y = (X[:, :48].mean(axis=1) > 0).astype(int)
    >>> model = make_pipeline(
    ...     SequencePatcher(patch_size=16),        # 96 steps -> 6 steps of 16
    ...     RNNClassifier(hidden_size=4, solver="lbfgs", max_iter=20,
    ...                   random_state=0),
    ... ).fit(X, y)
    >>> model[-1].n_features_in_
    16
    """

    _parameter_constraints: dict = {
        "patch_size": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, patch_size=8):
        self.patch_size = patch_size

    def _read(self, X, *, reset):
        """Validate X; return ``(A, lengths, restore)``.

        ``A`` is a 3-D float array with zeros after each sequence's length,
        ``lengths`` its lengths or None, and ``restore(Xp, lengths_p)`` turns
        patched ``A`` into the output form of X (for a list, each sequence
        with its ``ceil(T_i / patch_size)`` rows).
        """
        if not _is_sequence_list(X):
            A, lengths = check_X(self, X, reset=reset)
            return A, lengths, _nan_after_patches

        # valid steps end at each sequence's last non-NaN step, but each
        # sequence keeps its ceil(T_i / patch_size) rows
        padded, shapes_lengths = to_padded_array(X)
        A, lengths = check_X(self, padded, reset=reset)
        container = tuple if isinstance(X, tuple) else list
        p = self.patch_size

        def restore(Xp, lengths_p):
            Xp = _nan_after_patches(Xp, lengths_p)
            return container(Xp[i, : -(-T // p)] for i, T in enumerate(shapes_lengths))

        return A, lengths, restore

    def fit(self, X, y=None):
        """Check X and record its feature count; nothing else is learned.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
(n_samples, n_timesteps), or list of array-like of shape (T_i, n_features) \
or (T_i,)
            Sequences; NaN only as padding (trailing whole steps of 3-D X).
        y : None
            Ignored.

        Returns
        -------
        self : SequencePatcher
            The fitted transformer.
        """
        self._validate_params()
        with unchanged_on_error(self):  # a failed fit changes nothing
            self._read(X, reset=True)
        return self

    def transform(self, X):
        """Group every ``patch_size`` steps of X into one step.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
(n_samples, n_timesteps), or list of array-like of shape (T_i, n_features) \
or (T_i,)
            Sequences, of any length for 3-D X and lists.

        Returns
        -------
        X_patched : ndarray of shape (n_samples, ceil(n_timesteps / \
patch_size), patch_size * n_step_features), or list of ndarray of shape \
(ceil(T_i / patch_size), patch_size * n_step_features)
            ``n_step_features`` is the size of the last axis (1 for 2-D X or
            1-D sequences). A list for a list; NaN after each sequence's
            patches for NaN-padded X; zeros in the last patch after each
            sequence's last step.
        """
        check_is_fitted(self)
        # an unknown output setting fails as for any transformer; the output
        # itself is never a table, so never wrapped
        self._output_adapter()
        A, lengths, restore = self._read(X, reset=False)
        Xp, lengths_p = patch(A, lengths, self.patch_size)
        return restore(Xp, lengths_p)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _nan_after_patches(Xp, lengths_p):
    """Patched X with NaN after each sequence's ``lengths_p`` patches (padding
    in, padding out); unchanged for ``lengths_p=None``."""
    if lengths_p is not None:
        Xp[np.arange(Xp.shape[1])[None, :] >= lengths_p[:, None]] = np.nan
    return Xp
