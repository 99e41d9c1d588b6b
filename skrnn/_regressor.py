"""RNNRegressor."""

import numpy as np
from sklearn.base import RegressorMixin, _fit_context
from sklearn.metrics import r2_score
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ._base import (
    ATTRIBUTES_FEATURES_DOC,
    ATTRIBUTES_FIT_DOC,
    PARAMETERS_DOC,
    BaseRNN,
)
from ._validation import check_y_regression, valid_steps


class RNNRegressor(RegressorMixin, BaseRNN):
    __doc__ = f"""Recurrent neural network regressor trained by backpropagation through time.

    Reads each sequence with recurrent layers (Elman, LSTM or GRU; stacked,
    bidirectional) and predicts from a pooling of its hidden states over time
    (attention, mean, max or the last state) -- or from every step, with
    ``return_sequences`` -- with a linear layer, minimising the squared error
    with an L2 penalty (MLPRegressor's loss) by Adam, SGD or L-BFGS. All weights live in
    one flat vector; ``weights_`` exposes them under PyTorch's names.

{PARAMETERS_DOC}    Attributes
    ----------
{ATTRIBUTES_FEATURES_DOC}    n_outputs_ : int
        Number of outputs.
    out_activation_ : str
        "identity".
    target_mean_, target_scale_ : ndarray of shape (`n_outputs_`,) or None
        Mean and standard deviation of each target by which the network was
        trained (``standardize``; None with ``standardize=False``). Already
        folded into ``weights_``: ``predict`` returns targets in their units.
{ATTRIBUTES_FIT_DOC}
    See Also
    --------
    RNNClassifier : The classifier.
    sklearn.neural_network.MLPRegressor : The feed-forward model whose
        parameters these follow.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn import RNNRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(200, 10, 2))        # 200 sequences, 10 steps, 2 features
    >>> y = X[:, :, 0].sum(axis=1)               # sum of the first feature
    >>> reg = RNNRegressor(hidden_size=16, solver="lbfgs", random_state=0).fit(X, y)
    >>> reg.predict(X[:2]).shape
    (2,)
    >>> reg.score(X, y) > 0.95
    True
    >>> sorted(reg.weights_)
    ['bias_hh_l0', 'bias_ih_l0', 'head.bias', 'head.weight', 'pool.weight', 'weight_hh_l0', 'weight_ih_l0']
    """

    def _prepare_targets(
        self, y, n_samples, dtype, reset, n_timesteps=None, lengths=None, classes=None
    ):
        y = check_y_regression(self, y, n_samples, dtype, n_timesteps, lengths)
        Y = (
            y.reshape(n_samples, -1)
            if n_timesteps is None
            else y.reshape(n_samples, n_timesteps, -1)
        )
        if reset:
            self.n_outputs_ = Y.shape[-1]
            self.out_activation_ = "identity"
        return Y

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the network to sequences X and targets y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or (n_samples, n_timesteps)
            Sequences; 2-D X holds univariate sequences; or a list of
            variable-length sequences.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets, one row per sequence; with ``return_sequences=True``,
            (n_samples, n_timesteps) or (n_samples, n_timesteps, n_outputs).
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sequence in the loss (and in the validation score
            of early stopping); an integer weight k trains as k copies.

        Returns
        -------
        self : RNNRegressor
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight)

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch of sgd or adam on (X, y), continuing from the current weights.

        For data that arrive in chunks or do not fit in memory. Not available
        with solver="lbfgs" or early_stopping=True ("auto" does not stop
        early here).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or (n_samples, n_timesteps)
            Sequences, or a list of variable-length sequences.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets, as in ``fit``.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sequence.

        Returns
        -------
        self : RNNRegressor
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def predict(self, X):
        """Predict from the last hidden state of each sequence.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or (n_samples, n_timesteps)
            Sequences. For 3-D X the length may differ from the one seen in fit.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions, in the dtype of the fitted weights; with
            ``return_sequences=True``, (n_samples, n_timesteps) or
            (n_samples, n_timesteps, n_outputs).
        """
        return self._decode(self._forward_output(X))

    _metric = staticmethod(r2_score)

    def _decode(self, rows):
        """Outputs (..., n_outputs_) -> predictions, without a trailing axis of 1."""
        return rows[..., 0] if rows.shape[-1] == 1 else rows

    def _per_step_truth(self, y, n_samples, n_timesteps, lengths):
        y = check_y_regression(self, y, n_samples, np.float64, n_timesteps, lengths)
        return y[valid_steps(lengths, n_samples, n_timesteps)]

    def score(self, X, y, sample_weight=None):
        """R^2 of the predictions, as ``RegressorMixin.score``.

        With ``return_sequences=True`` every valid (sequence, time step) pair
        is one sample (y as in ``fit``) and the outputs' R^2 are averaged.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or (n_samples, n_timesteps)
            Sequences.
        y : array-like of shape (n_samples,), (n_samples, n_outputs), (n_samples, n_timesteps) or (n_samples, n_timesteps, n_outputs)
            True targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sequence.

        Returns
        -------
        score : float
        """
        check_is_fitted(self)
        if not self._net.return_sequences:  # as fitted, whatever the parameter is now
            return super().score(X, y, sample_weight)
        return self._per_step_score(X, y, sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
