"""RNNRegressor."""

from numbers import Real

import numpy as np
from sklearn.base import RegressorMixin, _fit_context
from sklearn.metrics import mean_absolute_error, mean_pinball_loss, r2_score
from sklearn.utils._param_validation import Interval, InvalidParameterError, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ._base import (
    ATTRIBUTES_FEATURES_DOC,
    ATTRIBUTES_FIT_DOC,
    PARAMETERS_DOC,
    BaseRNN,
)
from ._network import regression_loss
from ._validation import check_y_regression, valid_steps

LOSS_DOC = """
    loss : {"squared_error", "absolute_error", "quantile"}, default="squared_error"
        The data term of the loss, named as in HistGradientBoostingRegressor:
        "squared_error" is half the mean squared error (MLPRegressor's), and
        predicts the conditional mean; "absolute_error" is the mean absolute
        error, ``mean |y - p|``, and predicts the conditional median, robust
        to outlying targets; "quantile" is the pinball loss of level
        ``quantile``, ``mean(q max(y - p, 0) + (1 - q) max(p - y, 0))``, and
        predicts the conditional q-quantile (two models give a prediction
        band). Each is weighted by ``sample_weight``, averaged over the
        outputs and summed over the steps with ``return_sequences``, in the
        same way, and ``alpha`` adds the same penalty (user guide, "The
        loss, exactly"); the output is linear for all three. The absolute
        and pinball losses have a kink where ``p = y``: the gradient used
        there is 0. With ``early_stopping`` they also score the held-out
        sequences, negated (instead of R^2). ``score`` is R^2 whatever the
        loss.
    quantile : float or None, default=None
        The level q in (0, 1) of the quantile that ``loss="quantile"``
        estimates: 0.9 predicts values that 90% of the targets lie below.
        Required by ``loss="quantile"``, ignored by the other losses (as in
        HistGradientBoostingRegressor).

"""

#: the regressor's Parameters section: the shared one, then ``loss`` and ``quantile``
REGRESSOR_PARAMETERS_DOC = PARAMETERS_DOC.rstrip("\n") + LOSS_DOC


def _negated_absolute_error(y_true, y_pred, sample_weight=None):
    return -mean_absolute_error(y_true, y_pred, sample_weight=sample_weight)


class RNNRegressor(RegressorMixin, BaseRNN):
    __doc__ = f"""Recurrent neural network regressor trained by backpropagation through time.

    Reads each sequence with recurrent layers (Elman, LSTM or GRU; stacked,
    bidirectional) and predicts from a pooling of its hidden states over time
    (attention, mean, max or the last state) -- or from every step, with
    ``return_sequences`` -- with a linear layer, minimising the squared error
    with an L2 penalty (MLPRegressor's loss; or the absolute error or the
    pinball loss of a quantile, see ``loss``) by Adam, SGD or L-BFGS. All
    weights live in one flat vector; ``weights_`` exposes them under
    PyTorch's names.

{REGRESSOR_PARAMETERS_DOC}    Attributes
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

    _parameter_constraints: dict = {
        **BaseRNN._parameter_constraints,
        "loss": [StrOptions({"squared_error", "absolute_error", "quantile"})],
        "quantile": [Interval(Real, 0, 1, closed="neither"), None],
    }

    def __init__(
        self,
        hidden_size=64,
        *,
        cell="gru",
        activation="tanh",
        num_layers=1,
        bidirectional=False,
        return_sequences=False,
        pooling="attention",
        patch_size="auto",
        dropout=0.0,
        weights_init=None,
        init="orthogonal",
        standardize="auto",
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="adaptive",
        learning_rate_init="auto",
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        max_grad_norm=1.0,
        bptt_steps=None,
        loss="squared_error",
        quantile=None,
    ):
        super().__init__(
            hidden_size,
            cell=cell,
            activation=activation,
            num_layers=num_layers,
            bidirectional=bidirectional,
            return_sequences=return_sequences,
            pooling=pooling,
            patch_size=patch_size,
            dropout=dropout,
            weights_init=weights_init,
            init=init,
            standardize=standardize,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            power_t=power_t,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
            max_fun=max_fun,
            max_grad_norm=max_grad_norm,
            bptt_steps=bptt_steps,
        )
        self.loss = loss
        self.quantile = quantile

    def _check_architecture(self):
        super()._check_architecture()
        if self.loss == "quantile" and self.quantile is None:
            raise InvalidParameterError(
                "The 'quantile' parameter of RNNRegressor must be a float in the "
                "range (0.0, 1.0) with loss='quantile' (the level of the quantile "
                "to predict, e.g. 0.9). Got None instead."
            )

    def _network_loss(self):
        # the default trains the identity output's own loss, as before `loss`
        if self.loss == "squared_error":
            return None
        return regression_loss(self.loss, self.quantile)

    def _validation_metric(self):
        if self.loss == "absolute_error":
            return _negated_absolute_error
        if self.loss == "quantile":
            q = float(self.quantile)

            def negated_pinball(y_true, y_pred, sample_weight=None):
                return -mean_pinball_loss(y_true, y_pred, sample_weight=sample_weight, alpha=q)

            return negated_pinball
        return self._metric

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
