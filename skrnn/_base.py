"""BaseRNN: parameters, validation of the architecture, and the training loops.

Cells and gate layouts live in ``_cells``/``_network``; this module sees only
``RNNNetwork`` and its flat parameter vector ``self._params``.
"""

import math
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, is_classifier
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
)
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from ._network import RNNNetwork
from ._patching import auto_patch_size, patch
from ._persistence import VersionedStateMixin
from ._sequence_scaling import SequenceStandardization
from ._training import (
    Prepared,
    Standardization,
    batch_steps,
    fit_lbfgs,
    fit_stochastic,
    merge_duplicates,
    weighted_moments,
)
from ._validation import check_training_weights, check_X, unchanged_on_error, valid_steps
from ._warnings import warn  # noqa: I001

#: predict runs chunks of sequences whose largest per-layer array, (T, chunk,
#: n_gates * hidden_size * directions), holds about this many numbers (32 MB
#: in float64), so predict's memory does not grow with n_samples; chunks hold
#: at least PREDICT_MIN_CHUNK sequences (fewer make the time loop's per-step
#: overhead dominate: config D, 10 sequences per chunk, was 2x slower) as long
#: as that stays within 4x the budget; longer sequences (T = 10,000) run
#: PREDICT_MIN_CHUNK at a time in windows of steps carrying the state (one
#: direction; a bidirectional network needs whole sequences).
#: Measured for rnn/lstm/gru x float32/float64 on the benchmarks' configs A-D,
#: predict keeping no backward caches, 2**20..2**23: 2**22 is the fastest or
#: within 10% everywhere (2**23 is 2.5x slower for float64 rnn on config A).
PREDICT_ELEMENTS = 2**22
PREDICT_MIN_CHUNK = 64

#: early_stopping="auto" holds out a validation part above this many training
#: sequences, as HistGradientBoosting's early_stopping="auto" (10,000 samples):
#: on smaller sets the held-out score of a tenth of them is too noisy to choose
#: the weights by (on scikit-learn's check_regressors_train, 20 held-out
#: sequences kept an LSTM's weights of epoch 8: training R^2 below 0.5).
AUTO_EARLY_STOPPING_MIN_SAMPLES = 10_000

#: Attributes shared by both estimators' docstrings
ATTRIBUTES_FEATURES_DOC = """\
    n_features_in_ : int
        Features per time step for 3-D X; number of columns (time steps) for
        2-D X, which is read as univariate sequences.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when fitted on a 2-D DataFrame with string columns.
"""
ATTRIBUTES_FIT_DOC = """\
    n_iter_ : int
        Epochs (sgd, adam) or iterations (lbfgs) run.
    t_ : int or float
        Training sequences seen by the solver, counted by their
        ``sample_weight`` (for lbfgs, times the number of loss evaluations).
    loss_ : float
        Final training loss, penalty included.
    loss_curve_ : list of float
        Training loss after each epoch (sgd, adam only).
    best_loss_ : float or None
        Lowest training loss reached (sgd, adam; None with early_stopping).
    patch_size_ : int
        Steps per patch the network reads (1: every step; see
        ``patch_size``).
    sequence_features_ : ndarray of bool, shape (`n_features_in_`,), or None
        The features standardised by each sequence's own statistics (all of
        them with ``standardize="sequence"``; those that need it with
        "auto", see ``standardize``); None if there are none.
    level_inputs_, scale_inputs_ : ndarray of bool, shape (`n_features_in_`,), or None
        Of ``sequence_features_``: the features whose per-sequence mean
        (level) and log standard deviation (scale) the network reads as
        extra channels (those that vary across the training sequences);
        None if ``sequence_features_`` is.
    input_mean_, input_scale_ : ndarray of shape (n_network_inputs,) or None
        Mean and standard deviation of each of the network's input channels
        (``patch_size_`` times the features, plus the level and scale
        channels of ``sequence_features_``) over the valid steps of
        the training sequences, by which the network was trained (None with
        ``standardize=False``). Already folded into ``weights_``.
    validation_scores_ : list of float or None
        Score on the held-out sequences after each epoch (early_stopping;
        else None).
    best_validation_score_ : float or None
        Best of ``validation_scores_``, whose weights the model keeps.
    weights_ : dict of str to ndarray
        The fitted arrays under PyTorch's names and layouts, so that
        ``nn.RNN/LSTM/GRU(n_features, hidden_size, num_layers,
        batch_first=True, bidirectional=...)`` loads them with
        ``load_state_dict``: ``weight_ih_l{k}`` (G*hidden_size, n_in),
        ``weight_hh_l{k}`` (G*hidden_size, hidden_size), ``bias_ih_l{k}``,
        ``bias_hh_l{k}`` (G*hidden_size,), with a ``_reverse`` twin for the
        backward direction (G = 1, 4, 3 for rnn, lstm, gru); and the head,
        ``head.weight`` (`n_outputs_`, hidden_size * directions) and
        ``head.bias`` (`n_outputs_`,), as ``nn.Linear``, reading
        ``[h_forward, h_backward]``. Views into the one parameter vector:
        writing into them changes the model.
"""

#: the Parameters section shared by both estimators' docstrings
PARAMETERS_DOC = """\
    Parameters
    ----------
    hidden_size : int, default=64
        Number of hidden units of each recurrent layer and direction. 64
        rather than 32: on the development panel, 32 units left Trace's
        training loss on a plateau in one seed of three (test accuracy 0.81
        over three seeds, 1.00 with 64), at about twice the fit time.
    cell : {"rnn", "lstm", "gru"}, default="gru"
        Recurrent cell, with PyTorch's equations and weight layout:
        "rnn" is the Elman cell ``h_t = activation(W_ih x_t + b_ih + W_hh
        h_{t-1} + b_hh)`` (``nn.RNN``); "lstm" is ``nn.LSTM`` (gates i, f, g,
        o); "gru" is ``nn.GRU`` (gates r, z, n, the reset gate applied to
        ``W_hn h + b_hn``). The gated cells learn long-range dependencies
        the Elman cell cannot (user guide, "Speed and benchmarks"); GRU is the
        default, measured across the development panel
        (``benchmarks/bench_defaults.py``).
    activation : {"tanh", "relu"}, default="tanh"
        Nonlinearity of the Elman cell (ignored by lstm and gru).
    num_layers : int, default=1
        Number of stacked recurrent layers.
    bidirectional : bool, default=False
        Read each sequence in both directions. The head reads the last
        forward state and the backward direction's state after it has read
        the whole sequence (PyTorch's ``h_n``), in that order.
    return_sequences : bool, default=False
        One output per time step (sequence labelling / many-to-many): the
        head reads the top layer at every step; y has one target per step,
        ``(n_samples, n_timesteps[, n_outputs])``. The loss is summed over
        the time steps of a sequence and averaged over sequences.
    pooling : {"last", "mean", "max", "attention"}, default="attention"
        What the head reads of each sequence (many-to-one): "last", the
        last valid state (with ``bidirectional``, and the backward
        direction's state after reading the whole sequence: PyTorch's
        ``h_n``); "mean" or "max", the mean or elementwise maximum of the
        top layer's outputs over the sequence's valid steps (padding
        excluded); "attention", their average weighted by a softmax over the
        valid steps of a learned score per step. Pooling lets the gradient
        reach every step directly instead of through the whole sequence.
        Ignored with ``return_sequences`` (one output per step); must be
        "last" with ``bptt_steps``.
    patch_size : int, "auto" or None, default="auto"
        Read the sequences in patches of this many consecutive steps: T
        steps of F features become ceil(T / patch_size) steps of
        ``patch_size * F`` features (each patch flattened time-major, the
        last one zero-filled), so the network runs patch_size times fewer
        recurrent steps (SegRNN, Lin et al. 2023; PatchTST, Nie et al.
        2023). "auto" keeps sequences of up to 64 steps as they are and
        reads longer ones in patches of ceil(T / 64) steps, T the longest
        training sequence; None (or 1) reads every step. The size used is
        ``patch_size_``; ``weights_`` then take ``patch_size_ * F`` inputs.
        Needs ``return_sequences=False`` (1 with it).
    dropout : float, default=0.0
        Probability of zeroing each output of every recurrent layer but the
        last, during training only (PyTorch's ``dropout``). Masks are
        independent across sequences, steps and units, drawn from
        ``random_state`` and a digest of each sequence, so that a sequence's
        masks do not depend on its batch and identical sequences share them.
        Needs a stochastic solver (sgd, adam). With ``num_layers=1`` there is
        no such output and fit warns (as PyTorch does).
    weights_init : dict of str to array-like, default=None
        Start the first fit (or every fit without ``warm_start``) from these
        weights instead of random ones: exactly the arrays of ``weights_``,
        under the same names and shapes -- e.g. a PyTorch module's
        ``state_dict()`` plus its linear head's ``weight`` and ``bias`` as
        ``head.weight`` and ``head.bias``. Like GaussianMixture's
        ``means_init``. To change a fitted model's weights, write into
        ``weights_`` instead.
    init : {"orthogonal", "uniform"}, default="orthogonal"
        Random initial weights: "orthogonal" is Keras's for recurrent
        layers -- input weights Glorot-uniform, recurrent weights an
        orthogonal matrix per layer, biases 0 but the LSTM's forget gate's,
        1 (Jozefowicz et al. 2015) -- and the head Glorot-uniform;
        "uniform" is PyTorch's, every array uniform in +-1/sqrt(hidden_size).
        Ignored for the arrays given in ``weights_init``.
    standardize : {"auto", "sequence", "global"} or bool, default="auto"
        How the inputs are scaled before the network reads them, so that the
        fit does not depend on the data's units (``X * 1000`` fits as X
        does):

        - "global" (or True): each input feature standardised to zero mean
          and unit variance over the valid steps of the training sequences,
          weighted by ``sample_weight`` (``input_mean_``, ``input_scale_``).
          These statistics are folded exactly into the first layer's input
          weights after training, so ``weights_`` act on raw X (PyTorch
          loaded with ``weights_`` reproduces ``predict``).
        - "sequence": each sequence standardised by its own mean and
          standard deviation per feature (z-normalisation, as in the UCR
          archive), with that mean and the log of that deviation added as
          input channels constant over the sequence, where they vary across
          the training sequences (``level_inputs_``, ``scale_inputs_``);
          then "global" on those channels. Nothing is lost, and series whose
          amplitudes differ by orders of magnitude all reach the network at
          unit scale. ``weights_`` act on these channels: PyTorch
          reproduces ``predict`` from X mapped the same way.
        - "auto": "sequence" for the features that "global" alone would
          show nearly flat in most sequences (``sequence_features_``): those
          with less than half of their training variance within sequences
          (levels that differ more than the shapes do), or whose median
          non-constant sequence varies by less than a tenth of the feature's
          standard deviation (small series beside a few large ones); the
          other features as given; then "global". Sequences count by their
          ``sample_weight`` in these choices (weight k as k copies). "global" with
          ``return_sequences=True`` (an output per step must not depend on
          statistics of later steps).
        - False: the data as given.

        Unless False, the regressor's targets are standardised too
        (``target_mean_``, ``target_scale_``), folded back into the head.
        Departs from MLP, which scales nothing. Measured on the development
        panel (user guide, "The defaults, measured"; means of three seeds),
        "auto" matches or beats both "sequence" and "global" on every set:
        PLAID 0.785 (global 0.505), Tecator R^2 0.993 (0.587), digits 0.979
        ("sequence" 0.960), UnitTest 0.924 ("sequence" 0.864).
        ``loss_`` and ``loss_curve_`` are losses of the standardised
        problem. Kept from the first fit for ``warm_start`` and
        ``partial_fit``.
    solver : {"adam", "sgd", "lbfgs"}, default="adam"
        Optimiser, as in scikit-learn's MLP. "adam" and "sgd" go through minibatches
        of shuffled sequences; "lbfgs" uses scipy's L-BFGS-B on the whole set.
    alpha : float, default=0.0001
        Strength of the L2 penalty on the weight matrices (not the biases),
        ``alpha / (2 n_samples) * sum ||W||**2`` as in MLP.
    batch_size : int or "auto", default="auto"
        Minibatch size for sgd/adam; "auto" is ``min(32, n_samples // 10)``
        (at least 1), about ten updates per epoch on small data sets, as
        Fawaz et al. (2019) train time-series networks. MLP's
        ``min(200, n_samples)`` made one update per epoch on a small set,
        where the stopping rule ended training before it had learned.
    learning_rate : {"constant", "invscaling", "adaptive"}, default="adaptive"
        Learning-rate schedule of sgd and adam: "constant"; "invscaling" uses
        ``learning_rate_init / (t_ + 1) ** power_t``; "adaptive" (reduce on
        plateau) divides the rate by 5 whenever the training loss (the
        validation score, with ``early_stopping``) has not improved by
        ``tol`` for ``n_iter_no_change`` epochs, and stops once it is below
        1e-6 -- so training stops only after several plateaus: seven from
        adam's default rate 0.01, at least ``7 * (n_iter_no_change + 1)``
        epochs. MLP's default is "constant", which stops at the first plateau.
    learning_rate_init : float or "auto", default="auto"
        Initial step size of sgd and adam; "auto" is 0.01 for adam and 0.1
        for sgd (plain SGD's step is the gradient's size, Adam's is
        normalised: with sgd at 0.01 a GRU fits scikit-learn's regression
        check to R^2 0.41, at 0.1 to 0.95). MLP's default is 0.001 for both;
        here the adaptive schedule lowers the rate as training stalls.
    power_t : float, default=0.5
        Exponent of the "invscaling" schedule.
    max_iter : int, default=200
        Maximum number of epochs (sgd, adam) or of iterations (lbfgs).
    shuffle : bool, default=True
        Shuffle the sequences at every epoch (sgd, adam).
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the shuffling, the dropout masks and the
        validation split. An int gives bitwise identical weights, loss curves
        and predictions, fit after fit; None gives a different fit each time.
        Training sequences are put in a canonical order (and identical ones
        merged, their weights summed) first, so the fit does not depend on
        the order of the rows either (with ``shuffle=True``).
    tol : float, default=1e-4
        A plateau is ``n_iter_no_change`` consecutive epochs in which the
        loss (the validation score, with ``early_stopping``) has not improved
        by ``tol`` (sgd, adam): training stops at the first plateau, or, with
        the default ``learning_rate="adaptive"``, divides the rate by 5 and
        stops once it is below 1e-6. Gradient tolerance of lbfgs.
    verbose : bool or int, default=False
        Print one line per epoch: epoch, training loss, validation score
        (with ``early_stopping``), seconds, and the time left if every epoch
        up to ``max_iter`` runs; an epoch longer than 10 s also prints its
        progress every 10 s. lbfgs prints its loss per iteration.
    warm_start : bool, default=False
        Continue from the previous fit's weights.
    momentum : float, default=0.9
        Momentum of sgd.
    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum (sgd).
    early_stopping : bool or "auto", default=False
        Hold out ``validation_fraction`` of the sequences (stratified for
        single-label classifiers without ``return_sequences``), score them
        after every epoch with ``score`` (R^2 or accuracy, weighted by
        ``sample_weight``, times ``class_weight`` for the classifier), stop
        when the score has not improved by ``tol`` for ``n_iter_no_change``
        epochs, and restore the weights of the best epoch. sgd and adam only
        (ignored by lbfgs), not in ``partial_fit``. "auto" does so, as
        HistGradientBoosting's "auto", when there are more than 10,000
        training sequences and the split is possible (for a stratified split,
        2 of every class and as many held-out sequences as classes), and
        otherwise, and in ``partial_fit``, trains on the training loss,
        without an error: below that, a tenth of the sequences scores the
        epochs too noisily to choose the weights by (on scikit-learn's
        ``check_regressors_train`` the kept LSTM weights fit the training
        data to R^2 below 0.5). On a small, noisy regression set True is
        worth trying (user guide, "The defaults, measured"):
        CardanoSentiment's R^2 -0.46 -> -0.24 over five seeds.
    validation_fraction : float, default=0.1
        Share of the sequences held out by ``early_stopping``.
    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of Adam's moment estimates.
    epsilon : float, default=1e-8
        Adam's numerical-stability constant.
    n_iter_no_change : int, default=10
        Epochs without improvement by ``tol`` before stopping (sgd, adam);
        with ``learning_rate="adaptive"``, before dividing the rate by 5.
    max_fun : int, default=15000
        Maximum number of loss evaluations of lbfgs.
    max_grad_norm : float or None, default=1.0
        Clip the gradient's global L2 norm to this value before every sgd/adam
        step (the usual remedy for exploding gradients, Pascanu et al. 2013);
        None disables. If
        training still diverges (a NaN or infinite loss or gradient), it
        stops with a ConvergenceWarning and keeps the weights of the best
        epoch so far, which predict finite values. Ctrl-C (KeyboardInterrupt)
        likewise stops ``fit`` with a warning and leaves a fitted estimator
        with the best weights so far.
    bptt_steps : int or None, default=None
        Truncated backpropagation through time: each minibatch runs in
        windows of ``bptt_steps`` steps, each window starting from the state
        the previous one ended in, and gradients flow back within a window
        only. The loss is unchanged; training memory grows with
        ``batch_size * bptt_steps * hidden_size`` instead of the sequence
        length, for very long sequences (T = 10,000). Many-to-one, a
        sequence's output then learns from its last window only. None (or
        >= the sequence length) is full BPTT. Needs ``bidirectional=False``.

"""


class BaseRNN(VersionedStateMixin, BaseEstimator, metaclass=ABCMeta):
    """Shared machinery of RNNRegressor and RNNClassifier. Not for direct use."""

    _parameter_constraints: dict = {
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "cell": [StrOptions({"rnn", "lstm", "gru"})],
        "activation": [StrOptions({"tanh", "relu"})],
        "num_layers": [Interval(Integral, 1, None, closed="left")],
        "bidirectional": ["boolean"],
        "return_sequences": ["boolean"],
        "pooling": [StrOptions({"last", "mean", "max", "attention"})],
        "patch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"}), None],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "weights_init": [dict, None],
        "init": [StrOptions({"uniform", "orthogonal"})],
        "standardize": [StrOptions({"auto", "sequence", "global"}), "boolean"],
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean", StrOptions({"auto"})],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "max_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
        "bptt_steps": [Interval(Integral, 1, None, closed="left"), None],
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
    ):
        self.hidden_size = hidden_size
        self.cell = cell
        self.activation = activation
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.return_sequences = return_sequences
        self.pooling = pooling
        self.patch_size = patch_size
        self.dropout = dropout
        self.weights_init = weights_init
        self.init = init
        self.standardize = standardize
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.max_grad_norm = max_grad_norm
        self.bptt_steps = bptt_steps

    # ------------------------------------------------------------- targets API
    @abstractmethod
    def _prepare_targets(
        self, y, n_samples, dtype, reset, n_timesteps=None, lengths=None, classes=None
    ):
        """Validate y; return the float target of the loss, batch-first.

        (n, n_outputs), or (n, n_timesteps, n_outputs) when ``n_timesteps``
        is given (``return_sequences``); then ``lengths`` (or None) marks the
        valid steps, and y's padded steps are returned as zeros.

        With ``reset``, also set ``n_outputs_``, ``out_activation_`` (and
        ``classes_``, from ``classes`` when given: partial_fit); otherwise
        check y against them.
        """

    @abstractmethod
    def _decode(self, rows):
        """Output activations or loss targets (m, n_outputs_) -> predictions."""

    @abstractmethod
    def _per_step_truth(self, y, n_samples, n_timesteps, lengths):
        """y of ``score`` with ``return_sequences`` -> its valid steps, flat."""

    # --------------------------------------------------------------- weights
    @property
    def weights_(self):
        """Fitted arrays under PyTorch's names, views into the flat vector."""
        if not hasattr(self, "_params"):
            raise AttributeError(
                f"This {type(self).__name__} instance is not fitted yet: "
                "weights_ exists after fit."
            )
        return self._net.unpack(self._params)

    # ------------------------------------------------------------------ fit
    def _check_architecture(self):
        # True is an Integral to Python and to scikit-learn's Interval: refuse
        # it where a count is meant (hidden_size=True is no network of 1 unit)
        for key, constraints in self._parameter_constraints.items():
            value = getattr(self, key, None)
            counts = any(isinstance(c, Interval) and c.type is Integral for c in constraints)
            if counts and isinstance(value, (bool, np.bool_)):
                raise InvalidParameterError(
                    f"The {key!r} parameter of {type(self).__name__} must be an int, "
                    f"not a boolean. Got {value!r} instead."
                )
        if self.dropout and self.num_layers == 1:
            warn(
                f"dropout={self.dropout} has no effect with num_layers=1: as in "
                "PyTorch, dropout applies to the outputs of every recurrent layer "
                "but the last. Use num_layers >= 2, or dropout=0.",
                UserWarning,
            )
        if self.bptt_steps is not None and self.bidirectional:
            raise ValueError(
                f"bptt_steps={self.bptt_steps} (truncated BPTT) needs "
                "bidirectional=False: a backward direction reads each sequence "
                "from its end. Set bptt_steps=None or bidirectional=False."
            )
        if self.bptt_steps is not None and self.pooling != "last" and not self.return_sequences:
            raise ValueError(
                f"bptt_steps={self.bptt_steps} (truncated BPTT) needs pooling='last', "
                f"got pooling={self.pooling!r}: pooling over all steps cannot be "
                "split into windows. Set pooling='last' or bptt_steps=None."
            )
        if self.dropout and self.solver == "lbfgs":
            raise ValueError(
                f"dropout={self.dropout} needs a stochastic solver: L-BFGS needs a "
                "deterministic loss. Use solver='adam' or 'sgd', or dropout=0."
            )

    def _check_solver(self):
        if self.solver not in ("sgd", "adam"):
            raise AttributeError(
                f"partial_fit is only available for the stochastic solvers 'sgd' and "
                f"'adam', not solver={self.solver!r}."
            )
        return True

    def _target_weights(self, Y, lengths, incremental):
        """Factors from the targets (class_weight): (per sequence, per step) or None."""
        return None, None

    def _network_loss(self):
        """The loss the network trains (``RNNNetwork``'s ``loss``): None, the
        output activation's own."""
        return None

    def _validation_metric(self):
        """What early stopping scores held-out sequences by (maximised)."""
        return self._metric

    def _fit(self, X, y, sample_weight=None, incremental=False, classes=None):
        self._check_architecture()
        if incremental and self._early_stopping_asked():
            raise ValueError(
                "partial_fit does not support early_stopping=True: there is no "
                "held-out set across calls. Use fit, or early_stopping=False."
            )
        first_pass = not hasattr(self, "_params") or (not self.warm_start and not incremental)
        rng = check_random_state(self.random_state)
        # A fit is a transaction: if anything raises (or Ctrl-C arrives) before
        # training has produced the weights -- validation recording
        # n_features_in_ and classes_, building the network, an optimiser
        # error -- the estimator is put back exactly as it was. Ctrl-C during
        # the epochs is not an error: the solvers keep the best weights so far.
        with unchanged_on_error(self):
            data, validation, net, scaled = self._prepare(
                X,
                y,
                sample_weight,
                first_pass=first_pass,
                incremental=incremental,
                classes=classes,
                rng=rng,
            )
            if first_pass:
                self._net = net
                self.n_iter_ = 0
                self.t_ = 0
                self._optimizer = None
            self._reset_training_attributes(first_pass, incremental, validation)
            if self.solver == "lbfgs":
                fit_lbfgs(self, self._net, scaled, data)
            else:
                fit_stochastic(
                    self,
                    self._net,
                    scaled,
                    data,
                    rng,
                    validation=validation,
                    score=self._validation_score,
                    incremental=incremental,
                )
            raw = self._standardization.to_raw(self._net, scaled)
            if not np.isfinite(raw).all():  # unreachable by design: guard
                raise ValueError(
                    "Solver produced non-finite parameter weights. The input data "
                    "may contain large values and need to be preprocessed; a smaller "
                    "learning_rate_init or max_grad_norm may help."
                )
            if first_pass:
                self._params = raw
            else:  # in place: views of the weights stay current
                self._params[...] = raw
        return self

    def _reset_training_attributes(self, first_pass, incremental, validation):
        if self.solver == "lbfgs":  # as MLP: no loss curve for lbfgs
            for attr in (
                "loss_curve_",
                "best_loss_",
                "validation_scores_",
                "best_validation_score_",
            ):
                self.__dict__.pop(attr, None)
            self._optimizer = None
            return
        if first_pass or not hasattr(self, "loss_curve_"):
            self.loss_curve_ = []
        if not incremental or not hasattr(self, "_no_improvement_count"):
            self._no_improvement_count = 0
        if validation is not None:
            if not isinstance(getattr(self, "validation_scores_", None), list):
                self.validation_scores_ = []
            self.best_validation_score_ = -np.inf
            self.best_loss_ = None
        else:
            self.validation_scores_ = self.best_validation_score_ = None
            if first_pass or getattr(self, "best_loss_", None) is None:
                self.best_loss_ = np.inf

    def _prepare(self, X, y, sample_weight, *, first_pass, incremental, classes, rng):
        """Validate and prepare everything a fit needs, changing only the
        attributes validation records (restored by the caller on failure).

        Returns a ``Prepared``: the training set, the validation part (or
        None), the network to train (new on a first pass) and the starting
        weights in the standardised space.
        """
        X, lengths = check_X(self, X, reset=first_pass)
        sw = self._checked_sample_weight(sample_weight, X, first_pass)
        if first_pass:
            self.patch_size_ = self._resolve_patch_size(X, lengths)
            self._fit_sequence_scaling(X, lengths, sw)
        X, lengths = self._patched(self._sequence_scaled(X, lengths), lengths)
        if not first_pass:
            X = X.astype(self._params.dtype, copy=False)
        Y = self._prepare_targets(
            y,
            X.shape[0],
            X.dtype,
            reset=first_pass,
            n_timesteps=X.shape[1] if self.return_sequences else None,
            lengths=lengths,
            classes=classes,
        )
        sw, step_w = self._training_weights(
            Y, lengths, sw, X.dtype, weighted=sample_weight is not None, incremental=incremental
        )
        data = merge_duplicates(
            X,
            Y,
            lengths,
            sw,
            step_w,
            keep_order=self.solver != "lbfgs" and not self.shuffle,
        )
        if first_pass:
            std = self._standardization = self._fit_standardization(data)
            self.input_mean_, self.input_scale_ = std.x_mean, std.x_scale
            if self.out_activation_ == "identity":
                self.target_mean_, self.target_scale_ = std.y_mean, std.y_scale
        self._standardize(data)
        validation = None
        if self._holds_out(data, incremental):
            data, validation = self._split_validation(data, rng)
        net, params = self._starting_network(X.shape[2], Y.shape[-1], X.dtype, first_pass, rng)
        return Prepared(data, validation, net, params)

    def _checked_sample_weight(self, sample_weight, X, first_pass):
        """``sample_weight`` as float64 (n_samples,), checked, or None."""
        if sample_weight is None:
            return None
        sw = _check_sample_weight(
            sample_weight, X[:, 0], dtype=np.float64, ensure_non_negative=True
        )
        if not sw.any():
            raise ValueError("Sample weights must contain at least one non-zero number.")
        check_training_weights(
            sw, None, X.dtype if first_pass else self._params.dtype, ["sample_weight"]
        )
        return sw

    def _training_weights(self, Y, lengths, sw, dtype, *, weighted, incremental):
        """Sample weights times class weights, in ``dtype`` (the training
        data's), and per-step class weights: ``(per sequence or None, per step
        or None)``."""
        if sw is not None:
            with np.errstate(over="ignore"):  # too large for the dtype: refused below
                sw = sw.astype(dtype)
        class_w, step_w = self._target_weights(Y, lengths, incremental)
        if class_w is not None or step_w is not None:  # sample weights alone: checked
            if class_w is not None:
                sw = class_w.astype(dtype) if sw is None else sw * class_w
            given = ["sample_weight"] if weighted else []
            check_training_weights(sw, step_w, dtype, given + ["class_weight"])
        return sw, step_w

    def _starting_network(self, n_features, n_outputs, dtype, first_pass, rng):
        """The network to train and its starting weights (standardised space):
        a new one on a first pass (``weights_init`` or drawn), else the
        fitted one (warm start, partial_fit)."""
        spec = dict(
            cell=self.cell,
            n_features=n_features,
            hidden_size=self.hidden_size,
            n_outputs=n_outputs,
            out_activation=self.out_activation_,
            activation=self.activation,
            num_layers=self.num_layers,
            bidirectional=self.bidirectional,
            return_sequences=self.return_sequences,
            dropout=self.dropout,
            # one output per step: nothing to pool
            pooling="last" if self.return_sequences else self.pooling,
            loss=self._network_loss(),
        )
        if not first_pass:
            self._check_warm_start_compatible(spec)
            self._net.dropout = float(self.dropout)
            self._net.loss = spec["loss"]
            return self._net, self._standardization.from_raw(self._net, self._params)
        net = RNNNetwork(**spec)
        if self.weights_init is not None:
            raw = net.params_from(self.weights_init, dtype)
            return net, self._standardization.from_raw(net, raw)
        return net, net.init_params(rng, dtype, scheme=self.init)

    # ------------------------------------------------- patches, standardisation
    def _resolve_patch_size(self, X, lengths):
        if self.patch_size is None:
            return 1
        if self.patch_size == "auto":
            if self.return_sequences:
                return 1
            T = X.shape[1] if lengths is None else int(lengths.max())
            return auto_patch_size(T)
        if self.return_sequences and self.patch_size > 1:
            raise ValueError(
                f"patch_size={self.patch_size} needs return_sequences=False: "
                "patches give one output per patch, not per time step. Set "
                "patch_size=None."
            )
        return int(self.patch_size)

    def _patched(self, X, lengths):
        """X read in patches of ``patch_size_`` steps (unchanged for 1)."""
        if self.patch_size_ == 1:
            return X, lengths
        return patch(X, lengths, self.patch_size_)

    def _standardize_mode(self):
        """ "auto" (many-to-one only), "sequence", "global" or None, as
        ``standardize`` resolves."""
        if not isinstance(self.standardize, str):  # a bool, NumPy's too
            return "global" if self.standardize else None
        if self.standardize == "auto" and self.return_sequences:
            return "global"
        return self.standardize

    def _fit_sequence_scaling(self, X, lengths, sample_weight):
        scaling, mode = None, self._standardize_mode()
        if mode == "sequence" and self.return_sequences:
            raise ValueError(
                'standardize="sequence" needs return_sequences=False: an '
                "output per step would depend on the statistics of later "
                'steps. Use standardize="global" (or "auto").'
            )
        if mode in ("sequence", "auto"):
            scaling = SequenceStandardization.fit(
                X, lengths, "auto" if mode == "auto" else None, sample_weight
            )
            if not scaling.features.any():  # "auto" mapping nothing: "global"
                scaling = None
        self._sequence_scaling = scaling
        self.sequence_features_ = None if scaling is None else scaling.features.copy()
        self.level_inputs_ = None if scaling is None else scaling.level.copy()
        self.scale_inputs_ = None if scaling is None else scaling.scale.copy()

    def _sequence_scaled(self, X, lengths):
        """X as the network's channels (unchanged unless some features are
        standardised per sequence)."""
        scaling = getattr(self, "_sequence_scaling", None)
        if scaling is None:
            return X
        return scaling.transform(X, lengths)

    def _fit_standardization(self, data):
        """Statistics of the training inputs (and regression targets)."""
        if self._standardize_mode() is None:
            return Standardization()
        x_mean, x_scale = weighted_moments(data.X, data.rows, data.lengths, data.sw)
        std = Standardization(x_mean, x_scale)
        if self.out_activation_ == "identity":
            Y = data.Y
            std.y_mean, std.y_scale = weighted_moments(
                Y, np.arange(len(Y)), data.lengths if Y.ndim == 3 else None, data.sw
            )
        return std

    def _standardize(self, data):
        """Point ``data`` at the standardised space the network trains in."""
        std = self._standardization
        if std.x_mean is not None:  # cast once, not per batch
            data.x_mean = std.x_mean.astype(data.X.dtype)
            data.x_scale = std.x_scale.astype(data.X.dtype)
        if std.y_mean is not None:
            dtype = data.Y.dtype
            data.Y = (data.Y - std.y_mean.astype(dtype)) / std.y_scale.astype(dtype)

    def _early_stopping_asked(self):
        """``early_stopping`` is True (a NumPy boolean too), not "auto"."""
        return not isinstance(self.early_stopping, str) and bool(self.early_stopping)

    def _holds_out(self, data, incremental):
        """Whether this fit holds out a validation part (``early_stopping``).

        "auto": yes when there are more than AUTO_EARLY_STOPPING_MIN_SAMPLES
        training sequences and the split is possible -- at least 2 held-out
        sequences and 1 left to train on, and for a stratified split at
        least 2 sequences of every class and as many held-out (and training)
        sequences as classes.
        """
        if self.solver == "lbfgs" or incremental:
            return False
        if self.early_stopping != "auto":
            return self._early_stopping_asked()
        n = len(data)
        n_val = math.ceil(self.validation_fraction * n)  # as train_test_split
        if n <= AUTO_EARLY_STOPPING_MIN_SAMPLES or n_val < 2 or n - n_val < 1:
            return False
        labels = self._stratify_labels(data)
        if labels is None:
            return True
        counts = np.unique(labels, return_counts=True)[1]
        return counts.min() >= 2 and min(n_val, n - n_val) >= len(counts)

    def _stratify_labels(self, data):
        """The labels a single-label classifier's split is stratified by (as
        MLP's), else None."""
        Y = data.Y
        single_label = self.out_activation_ == "softmax" or Y.shape[-1] == 1
        if is_classifier(self) and Y.ndim == 2 and single_label:
            return Y.argmax(axis=1) if Y.shape[1] > 1 else Y[:, 0]
        return None

    def _split_validation(self, data, rng):
        """Hold out ``validation_fraction`` of the sequences (early stopping)."""
        n = len(data)
        stratify = self._stratify_labels(data)
        train, val = train_test_split(
            np.arange(n),
            test_size=self.validation_fraction,
            random_state=rng,
            stratify=stratify,
        )
        if len(val) < 2:
            raise ValueError(
                f"The validation set is too small: validation_fraction="
                f"{self.validation_fraction} of {n} sequences leaves {len(val)}. "
                "Increase validation_fraction or the number of sequences."
            )
        return data.take(np.sort(train)), data.take(np.sort(val))

    def _validation_score(self, params, part):
        """``score`` of ``params`` (standardised space) on held-out sequences
        (``_validation_metric``'s, for a regressor's other losses).

        Targets and outputs are both standardised: R^2 and accuracy do not
        change under the targets' affine map (the negated losses scale by
        each target's 1 / ``target_scale_``, as the training loss does).
        """
        T, _ = part.steps(slice(None))
        out = self._output(part.batch_first(slice(None), T), part.lengths, params)
        Y, w = part.Y[:, :T] if part.Y.ndim == 3 else part.Y, part.sw
        if out.ndim == 3:  # per step: every valid step is a sample
            valid = valid_steps(part.lengths, *out.shape[:2])
            out, Y = out[valid], Y[valid]
            w = None if w is None else np.repeat(w, valid.sum(axis=1))
        metric = self._validation_metric()
        return float(metric(self._decode(Y), self._decode(out), sample_weight=w))

    def _check_warm_start_compatible(self, spec):
        old = self._net
        current = dict(
            cell=old.cell_name,
            n_features=old.n_features,
            hidden_size=old.hidden_size,
            n_outputs=old.n_outputs,
            out_activation=old.out_activation,
            activation=old.cell.activation,
            num_layers=old.num_layers,
            bidirectional=old.n_directions == 2,
            return_sequences=old.return_sequences,
            pooling=old.pooling,
            dropout=spec["dropout"],  # training-only: may change between fits
            loss=spec["loss"],  # training-only too, as alpha
        )
        changed = {k: (current[k], v) for k, v in spec.items() if current[k] != v}
        if changed:
            what = ", ".join(f"{k}: {a!r} -> {b!r}" for k, (a, b) in changed.items())
            raise ValueError(
                f"warm_start=True continues from the fitted network, but {what} "
                "changed since the last fit. Set warm_start=False to start afresh."
            )

    # --------------------------------------------------------------- predict
    def _forward_output(self, X, return_lengths=False, logits=False):
        """Validated X -> output activations (or logits), batch-first.

        Shape (n_samples, n_outputs_), or (n_samples, n_timesteps, n_outputs_)
        with ``return_sequences``, NaN at padded steps. With
        ``return_lengths``, also X's lengths (or None: all steps valid).
        """
        check_is_fitted(self)
        # read as given when nothing maps X as a whole: _output converts each
        # chunk (dtype, memory order, NaN padding), so no copy of all of X
        lazy = getattr(self, "_sequence_scaling", None) is None and self.patch_size_ == 1
        X, lengths = check_X(self, X, reset=False, lazy=lazy)
        X, lengths = self._patched(self._sequence_scaled(X, lengths), lengths)
        out = self._output(X, lengths, logits=logits)
        return (out, lengths) if return_lengths else out

    def _output(self, X, lengths, params=None, logits=False):
        """Output activations (or logits) of validated, batch-first X; NaN at
        padded steps.

        ``params`` defaults to the fitted weights (training passes its own).
        """
        params = self._params if params is None else params
        fits = PREDICT_ELEMENTS // (X.shape[1] * self._net.step_width)
        window = None
        if fits >= PREDICT_MIN_CHUNK or self._net.n_directions > 1:
            # at least PREDICT_MIN_CHUNK sequences, unless over 4x the budget
            chunk = max(1, fits, min(PREDICT_MIN_CHUNK, 4 * fits))
        else:  # long sequences: PREDICT_MIN_CHUNK of them, in windows of steps
            chunk = PREDICT_MIN_CHUNK
            window = max(1, PREDICT_ELEMENTS // (chunk * self._net.step_width))
        outs = []
        for s in range(0, X.shape[0], chunk):
            idx = slice(s, s + chunk)
            T, L = batch_steps(lengths, idx, X.shape[1])
            out = self._net.predict(
                params, self._time_major(X[idx, :T], params.dtype, L), L, window, logits
            )
            if out.ndim == 3:  # per-step outputs: batch-first, NaN at padding
                out = out.transpose(1, 0, 2)
                full = np.full((out.shape[0], X.shape[1], out.shape[2]), np.nan, out.dtype)
                full[:, :T] = out
                if L is not None:
                    full[~valid_steps(L, len(L), X.shape[1])] = np.nan
                out = full
            outs.append(out)
        return np.concatenate(outs, axis=0)

    @staticmethod
    def _time_major(chunk, dtype, lengths):
        """A chunk of batch-first X as the network reads it: time-major,
        C-contiguous, in the weights' dtype, zeros at padded steps -- a new
        array, whatever X's dtype, memory order or padding values."""
        out = np.array(chunk.transpose(1, 0, 2), dtype=dtype, order="C", copy=True)
        if lengths is not None:
            np.nan_to_num(out, copy=False, nan=0.0)
        return out

    def _per_step_score(self, X, y, sample_weight):
        """``metric`` over every valid (sequence, time step) pair.

        y as in fit (padded like X, or a list of per-step targets); each
        sequence's weight applies to each of its steps.
        """
        out, lengths = self._forward_output(X, return_lengths=True)
        n, T = out.shape[:2]
        valid = valid_steps(lengths, n, T)
        y_true = self._per_step_truth(y, n, T, valid.sum(axis=1))
        sw = None
        if sample_weight is not None:
            sw = np.repeat(_check_sample_weight(sample_weight, out[:, 0]), valid.sum(axis=1))
        return self._metric(y_true, self._decode(out[valid]), sample_weight=sw)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags
