"""Preprocessing of sequence data: standardisation over every valid time step,
patching of long sequences, and the layouts of other libraries (channels-first
panels, newest-first lag matrices) turned into skrnn's."""

from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils import check_array
from sklearn.utils._param_validation import Interval, StrOptions
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

__all__ = [
    "ChannelsFirstToLast",
    "LagsToSequences",
    "SequencePatcher",
    "SequenceScaler",
    "make_windows",
]


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


class _StatelessLayoutMixin:
    """What the layout transformers share: nothing to learn (``fit`` checks X
    and records its columns; ``transform`` works unfitted, checking those
    columns once fitted), output never a table (``set_output`` is accepted
    and changes nothing), float32 kept."""

    def fit(self, X, y=None):
        """Check X and record its column count; nothing else is learned.

        Parameters
        ----------
        X : array-like
            As for ``transform``.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The transformer.
        """
        with unchanged_on_error(self):  # a failed fit changes nothing
            self._read(X, reset=True)
        return self

    def transform(self, X):
        """Rearrange X into skrnn's layout (see the class docstring).

        Parameters
        ----------
        X : array-like
            As described in the class docstring; ``fit`` is optional.

        Returns
        -------
        X_seq : ndarray of shape (n_samples, n_timesteps, n_features), or list
            Sequences, time along axis 1 (axis 0 of each array of a list).
        """
        self._output_adapter()  # an unknown output setting fails as anywhere
        return self._rearrange(self._read(X, reset=False))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class ChannelsFirstToLast(
    _StatelessLayoutMixin, _SequenceOutputMixin, TransformerMixin, BaseEstimator
):
    """Turn channels-first panels ``(n, n_channels, T)`` into skrnn's ``(n, T, n_channels)``.

    sktime's and aeon's collections ("numpy3D") and PyTorch's ``Conv1d`` hold
    a panel channels first: ``X[i, c, t]`` is channel c of sequence i at time
    t. skrnn reads time along axis 1, as Keras and tslearn do. Given a panel
    channels first, a skrnn estimator would read its channels as time steps
    and its time steps as features: ``n_channels`` steps of T features,
    which loses the order of time (and gives the network a handful of steps).
    This transformer swaps the two axes, so it goes first in a
    :class:`~sklearn.pipeline.Pipeline` fed such panels. ``fit`` learns
    nothing.

    Accepted X and what ``transform`` returns:

    * a 3-D array ``(n_samples, n_channels, n_timesteps)``: a 3-D array
      ``(n_samples, n_timesteps, n_channels)``. NaN are kept where they are
      (NaN at the end of the time axis is padding for the estimators);
    * a list (or tuple) of arrays ``(n_channels, T_i)`` (aeon's
      unequal-length collections; a 1-D array is one channel): a list of
      arrays ``(T_i, n_channels)``;
    * a 2-D array ``(n_samples, n_channels * n_timesteps)``: channels-first
      sequences flattened channel after channel, as sktime's
      ``make_reduction`` lays out the lags of the target and of each
      exogenous series (``n_channels`` their count, default 1): a 3-D array
      ``(n_samples, n_timesteps, n_channels)``.

    Output is float64, or float32 for float32 input; it is never a table,
    so it stays an array (or a list) whatever ``set_output`` or
    ``sklearn.set_config(transform_output=...)`` asks for.

    Parameters
    ----------
    n_channels : int, default=None
        Channels of 2-D X: its columns are read as ``n_channels`` blocks of
        equal length, one per channel. None reads 2-D X as one channel. For
        3-D X and lists, when given, the channel count X must have.

    Attributes
    ----------
    n_features_in_ : int
        The size of axis 1 of X seen in fit: the channels of 3-D X and of
        each array of a list, the columns of 2-D X. ``transform`` on a
        fitted transformer requires the same.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when fitted on a 2-D DataFrame with string column names.

    See Also
    --------
    LagsToSequences : Lag matrices (skforecast's, newest lag first) to sequences.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn.preprocessing import ChannelsFirstToLast
    >>> X = np.array([[[1.0, 2.0, 3.0, 4.0],        # channel 0 over 4 steps
    ...                [10.0, 20.0, 30.0, 40.0]]])  # channel 1
    >>> X.shape                                     # (n, n_channels, T)
    (1, 2, 4)
    >>> Xt = ChannelsFirstToLast().fit_transform(X)
    >>> Xt.shape                                    # (n, T, n_channels)
    (1, 4, 2)
    >>> Xt[0, 0].tolist()                           # step 0: both channels
    [1.0, 10.0]

    sktime's reduction flattens the lags of y and of an exogenous series
    into blocks of columns, oldest first:

    >>> lags = np.array([[1.0, 2.0, 3.0, 10.0, 20.0, 30.0]])
    >>> ChannelsFirstToLast(n_channels=2).fit_transform(lags)[0].tolist()
    [[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]]

    In a pipeline, before the network:

    >>> from sklearn.pipeline import make_pipeline
    >>> from skrnn import RNNClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(30, 3, 40))            # 3 channels, 40 steps
    >>> y = (X[:, 0, -5:].mean(axis=1) > 0).astype(int)
    >>> model = make_pipeline(
    ...     ChannelsFirstToLast(),
    ...     RNNClassifier(hidden_size=4, solver="lbfgs", max_iter=20,
    ...                   random_state=0),
    ... ).fit(X, y)
    >>> model[-1].n_features_in_                    # 3 features per step
    3
    """

    _parameter_constraints: dict = {
        "n_channels": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(self, n_channels=None):
        self.n_channels = n_channels

    def _read(self, X, *, reset):
        """Validated X: an array (2-D or 3-D, float) or a list of 2-D arrays."""
        self._validate_params()
        if _is_sequence_list(X):
            return self._read_list(X, reset=reset)
        X = validate_data(
            self,
            X,
            reset=reset,
            allow_nd=True,
            dtype=FLOATS,
            ensure_all_finite="allow-nan",
        )
        name = type(self).__name__
        if X.ndim > 3:
            raise ValueError(
                f"{name} expects X of shape (n_samples, n_channels, n_timesteps) or "
                f"(n_samples, n_channels * n_timesteps), got a {X.ndim}-D array of "
                f"shape {X.shape}."
            )
        if X.ndim == 3:
            self._check_channels(X.shape[1], f"X of shape {X.shape}")
        elif X.shape[1] % (self.n_channels or 1):
            raise ValueError(
                f"{name}: 2-D X of shape {X.shape} has {X.shape[1]} columns, which "
                f"cannot be n_channels={self.n_channels} blocks of equal length (one "
                "per channel): the column count must be a multiple of n_channels."
            )
        return X

    def _read_list(self, X, *, reset):
        """A list of channels-first sequences (C, T_i), all with the same C."""
        seqs = [
            check_array(
                np.atleast_2d(x), dtype=FLOATS, ensure_all_finite="allow-nan", estimator=self
            )
            for x in X
        ]
        channels = sorted({s.shape[0] for s in seqs})
        if len(channels) > 1:
            raise ValueError(
                f"{type(self).__name__}: the sequences of X have different channel "
                f"counts {channels} (axis 0 of each array); a list of channels-first "
                "sequences needs arrays (n_channels, T_i) with the same n_channels."
            )
        self._check_channels(channels[0], "the sequences of X")
        if reset:
            self.n_features_in_ = channels[0]
            if hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
        elif hasattr(self, "n_features_in_") and channels[0] != self.n_features_in_:
            raise ValueError(
                f"X has {channels[0]} channels, but {type(self).__name__} was "
                f"fitted with {self.n_features_in_}."
            )
        return seqs

    def _check_channels(self, C, what):
        if self.n_channels is not None and C != self.n_channels:
            raise ValueError(
                f"{type(self).__name__}(n_channels={self.n_channels}) received {what}, "
                f"with {C} channels along axis 1 (axis 0 of each sequence); expected "
                f"{self.n_channels}."
            )

    def _rearrange(self, X):
        if isinstance(X, list):
            return [np.ascontiguousarray(s.T) for s in X]
        if X.ndim == 2:
            C = self.n_channels or 1
            X = X.reshape(X.shape[0], C, X.shape[1] // C)
        return np.ascontiguousarray(X.transpose(0, 2, 1))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


class LagsToSequences(
    _StatelessLayoutMixin, _SequenceOutputMixin, TransformerMixin, BaseEstimator
):
    """Turn a lag matrix (newest lag first) into sequences, oldest step first.

    Tabular forecasters built on a regressor hand it one row per forecast
    origin: the lagged values of the series, followed by other columns. In
    skforecast (``ForecasterRecursive``, ``ForecasterDirect``) and in
    sktime's ``make_reduction(..., pooling="global")`` the lags come newest
    first: column 0 is lag 1 (the last value before the target), column 1
    lag 2, and so on; after them come window features (rolling statistics)
    and exogenous variables, one value each per row. A skrnn estimator reads
    a 2-D row as a sequence in column order, so given the lags newest first
    it reads time backwards and ends on the oldest value, where the value
    that matters most is the newest (on monthly CO2 that made a 36-month
    forecast error up to 3.5 times larger: see the user guide, "skforecast,
    sktime, aeon and tslearn"). This transformer reverses the lags into a
    sequence that ends with lag 1, and goes between the forecaster and the
    network in a :class:`~sklearn.pipeline.Pipeline`.

    Row i of 2-D X ``(n_samples, n_columns)`` becomes sequence i of the
    output, an array ``(n_samples, n_lags, 1 + n_extra)`` with ``n_extra =
    n_columns - n_lags``: step j holds lag ``n_lags - j`` (so the last step
    holds lag 1) and then the ``n_extra`` columns after the lags, the same at
    every step (they describe the target's time, not a step of the past; a
    recurrent network reads them at each step, the last one included).

    The lags must be consecutive, 1 to ``n_lags`` (skforecast's
    ``lags=int``): a list of lags with gaps (``lags=[1, 12]``) would be read
    as consecutive steps. Output is float64, or float32 for float32 input; it
    is never a table, so it stays an array whatever ``set_output`` or
    ``sklearn.set_config(transform_output=...)`` asks for. ``fit`` learns
    nothing.

    Parameters
    ----------
    n_lags : int, default=None
        How many leading columns of X are lags (the forecaster's ``lags``);
        the columns after them are the per-row extras. None: every column is
        a lag.
    order : {"newest_first", "oldest_first"}, default="newest_first"
        Order of the lag columns: "newest_first" (lag 1 first: skforecast,
        sktime with ``pooling="global"``) or "oldest_first" (lag 1 last:
        sktime's default reduction, whose univariate lag matrix a skrnn
        estimator already reads correctly on its own; this order is for its
        rows followed by extra columns).

    Attributes
    ----------
    n_features_in_ : int
        Number of columns of X seen in fit; ``transform`` on a fitted
        transformer requires the same.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when fitted on a DataFrame with string column names.

    See Also
    --------
    ChannelsFirstToLast : Channels-first panels (sktime, aeon) to skrnn's layout.
    make_windows : Windows of a series, oldest step first, built by skrnn.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn.preprocessing import LagsToSequences
    >>> X = np.array([[3.0, 2.0, 1.0, 99.0]])      # lag_1, lag_2, lag_3, exog
    >>> Xt = LagsToSequences(n_lags=3).fit_transform(X)
    >>> Xt.shape                                   # 3 steps of (value, exog)
    (1, 3, 2)
    >>> Xt[0].tolist()                             # oldest first; exog at each step
    [[1.0, 99.0], [2.0, 99.0], [3.0, 99.0]]

    In a pipeline, before the network (here learning the next value of a
    sine from its last 6 values, as skforecast would give them):

    >>> from sklearn.pipeline import make_pipeline
    >>> from skrnn import RNNRegressor
    >>> series = np.sin(np.arange(60) / 3)
    >>> rows = np.arange(6, 60)
    >>> lags = np.column_stack([series[rows - k] for k in range(1, 7)])
    >>> model = make_pipeline(
    ...     LagsToSequences(),
    ...     RNNRegressor(hidden_size=4, solver="lbfgs", max_iter=50,
    ...                  random_state=0),
    ... ).fit(lags, series[rows])
    >>> model[-1].n_features_in_                   # 1 value per step
    1
    """

    _parameter_constraints: dict = {
        "n_lags": [Interval(Integral, 1, None, closed="left"), None],
        "order": [StrOptions({"newest_first", "oldest_first"})],
    }

    def __init__(self, n_lags=None, *, order="newest_first"):
        self.n_lags = n_lags
        self.order = order

    def _read(self, X, *, reset):
        """Validated 2-D X, with at least ``n_lags`` columns."""
        self._validate_params()
        name = type(self).__name__
        X = validate_data(self, X, reset=reset, dtype=FLOATS, allow_nd=True)
        if X.ndim > 2:
            raise ValueError(
                f"{name} expects a 2-D lag matrix (n_samples, n_columns), got a "
                f"{X.ndim}-D array of shape {X.shape}: that is sequences already. Pass "
                "3-D X to the estimator as it is, or through ChannelsFirstToLast if it "
                "is a channels-first panel (n_samples, n_channels, n_timesteps)."
            )
        if self.n_lags is not None and self.n_lags > X.shape[1]:
            raise ValueError(
                f"{name}(n_lags={self.n_lags}) received X with {X.shape[1]} columns "
                f"(shape {X.shape}); it needs at least n_lags={self.n_lags}: the lags "
                "first, then any window-feature or exogenous columns."
            )
        return X

    def _rearrange(self, X):
        n_lags = X.shape[1] if self.n_lags is None else self.n_lags
        lags, extra = X[:, :n_lags], X[:, n_lags:]
        if self.order == "newest_first":
            lags = lags[:, ::-1]
        out = np.empty((X.shape[0], n_lags, 1 + extra.shape[1]), dtype=X.dtype)
        out[:, :, 0] = lags
        out[:, :, 1:] = extra[:, None, :]
        return out
