"""BaseRNN: parameters, validation of the architecture, and the training loops.

Cells and gate layouts live in ``_cells``/``_network``; this module sees only
``RNNNetwork`` and its flat parameter vector ``self._params``.
"""

import hashlib
import time
import warnings
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from ._network import RNNNetwork, SequenceDropout
from ._optim import SGD, Adam, clip_grad_norm, minimize_lbfgs
from ._persistence import VersionedStateMixin
from ._validation import check_X, valid_steps

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

#: Attributes shared by both estimators' docstrings
ATTRIBUTES_FEATURES_DOC = """\
    n_features_in_ : int
        Features per time step for 3-D X; number of columns (time steps) for
        2-D X, which is read as univariate sequences.
    feature_names_in_ : ndarray of shape (n_features_in_,)
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
        ``head.weight`` (n_outputs_, hidden_size * directions) and
        ``head.bias`` (n_outputs_,), as ``nn.Linear``, reading
        ``[h_forward, h_backward]``. Views into the one parameter vector:
        writing into them changes the model.
"""

#: the Parameters section shared by both estimators' docstrings
PARAMETERS_DOC = """\
    Parameters
    ----------
    hidden_size : int, default=32
        Number of hidden units of each recurrent layer and direction.
    cell : {"rnn", "lstm", "gru"}, default="rnn"
        Recurrent cell, with PyTorch's equations and weight layout:
        "rnn" is the Elman cell ``h_t = activation(W_ih x_t + b_ih + W_hh
        h_{t-1} + b_hh)`` (``nn.RNN``); "lstm" is ``nn.LSTM`` (gates i, f, g,
        o); "gru" is ``nn.GRU`` (gates r, z, n, the reset gate applied to
        ``W_hn h + b_hn``). Weights start uniform in +-1/sqrt(hidden_size).
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
    dropout : float, default=0.0
        Probability of zeroing each output of every recurrent layer but the
        last, during training only (PyTorch's ``dropout``). Masks are
        independent across sequences, steps and units, drawn from
        ``random_state`` and a digest of each sequence, so that a sequence's
        masks do not depend on its batch and identical sequences share them.
        Needs a stochastic solver (sgd, adam).
    weights_init : dict of str to array-like, default=None
        Start the first fit (or every fit without ``warm_start``) from these
        weights instead of random ones: exactly the arrays of ``weights_``,
        under the same names and shapes -- e.g. a PyTorch module's
        ``state_dict()`` plus its linear head's ``weight`` and ``bias`` as
        ``head.weight`` and ``head.bias``. Like GaussianMixture's
        ``means_init``. To change a fitted model's weights, write into
        ``weights_`` instead.
    solver : {"adam", "sgd", "lbfgs"}, default="adam"
        Optimiser, as in scikit-learn's MLP. "adam" and "sgd" go through minibatches
        of shuffled sequences; "lbfgs" uses scipy's L-BFGS-B on the whole set.
    alpha : float, default=0.0001
        Strength of the L2 penalty on the weight matrices (not the biases),
        ``alpha / (2 n_samples) * sum ||W||**2`` as in MLP.
    batch_size : int or "auto", default="auto"
        Minibatch size for sgd/adam; "auto" is ``min(200, n_samples)``.
    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        Learning-rate schedule of sgd and adam: "invscaling" uses
        ``learning_rate_init / (t_ + 1) ** power_t``; "adaptive" divides the
        rate by 5 whenever the training loss has not improved by ``tol`` for
        ``n_iter_no_change`` epochs.
    learning_rate_init : float, default=0.001
        Initial step size of sgd and adam.
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
        Training stops when the loss (the validation score, with
        ``early_stopping``) has not improved by ``tol`` for
        ``n_iter_no_change`` consecutive epochs (sgd, adam); gradient
        tolerance of lbfgs.
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
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the sequences (stratified for
        single-label classifiers without ``return_sequences``), score them
        after every epoch with ``score`` (R^2 or accuracy, weighted by
        ``sample_weight``, times ``class_weight`` for the classifier), stop
        when the score has not improved by ``tol`` for ``n_iter_no_change``
        epochs, and restore the weights of the best epoch. sgd and adam only (ignored by lbfgs), not in ``partial_fit``.
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
    max_grad_norm : float or None, default=None
        Clip the gradient's global L2 norm to this value before every sgd/adam
        step (the usual remedy for exploding gradients); None disables. If
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


#: with variable lengths, shuffled sequences are sorted by length within
#: pools of this many batches before being cut into batches, so that a batch
#: holds sequences of similar length and runs few padded steps
BUCKET_POOL = 20


def _minibatches(n_samples, batch_size, lengths, shuffle, rng):
    """Index (slice or array) of each minibatch of one epoch.

    Equal lengths: consecutive slices of one permutation (MLP's batching).
    Variable lengths and ``shuffle``: the permutation is cut into pools of
    ``BUCKET_POOL`` batches, each pool sorted by length and cut into batches,
    and the batches are visited in random order.
    """
    if not shuffle:
        return [slice(s, min(s + batch_size, n_samples))
                for s in range(0, n_samples, batch_size)]
    order = rng.permutation(n_samples)
    if lengths is None or BUCKET_POOL <= 1:
        return [order[s : s + batch_size] for s in range(0, n_samples, batch_size)]
    pool = batch_size * BUCKET_POOL
    batches = []
    for p in range(0, n_samples, pool):
        chunk = order[p : p + pool]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[s : s + batch_size] for s in range(0, len(chunk), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def _batch_steps(lengths, idx, T):
    """Steps to run for the sequences ``idx``: (longest length, lengths or None).

    A batch runs only up to its longest sequence; lengths is None when every
    sequence of the batch has that length (no masking needed).
    """
    if lengths is None:
        return T, None
    Lb = lengths[idx]
    Tb = int(Lb.max())
    return Tb, (None if (Lb == Tb).all() else Lb)


#: with verbose, a long epoch prints a progress line at least this often (s)
HEARTBEAT = 10.0


def _duration(seconds):
    """'42s', '3m05s', '2h07m'."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def _batch(data, idx, T):
    """Time-major arrays of the training sequences ``idx``, up to step T.

    X (T, B, F) gathered from the caller's X through ``rows`` (training never
    holds a second full copy of X), Y (B, K) or (T, B, K), step weights
    (T, B) or None.
    """
    X = np.ascontiguousarray(data["X"][data["rows"][idx], :T].transpose(1, 0, 2))
    Y = data["Y"][idx]
    if Y.ndim == 3:  # one target per step
        Y = np.ascontiguousarray(Y[:, :T].transpose(1, 0, 2))
    step = data["step_w"]
    if step is not None:
        step = np.ascontiguousarray(step[idx, :T].T)
    return X, Y, step


def _merge_duplicates(data, keep_order):
    """Merge identical (sequence, target) pairs into one, weights summed.

    Also drops zero-weight sequences and, unless ``keep_order``, sorts the
    sequences by a digest of their content. The loss is unchanged (a weight k
    is k copies by definition), and the solvers then see the same data --
    bitwise -- whether a sequence is repeated k times or weighted k, and
    whatever the order of the training sequences. X itself is not copied:
    ``rows`` indexes the kept sequences in it, in order, and every other
    entry is reordered. Adds ``keys`` (uint64 digests, the dropout masks'
    seeds).
    """
    X, Y, lengths, sw = data["X"], data["Y"], data["lengths"], data["sw"]
    n = X.shape[0]
    digest = np.empty((n, 2), dtype=np.uint64)
    for i in range(n):
        L = X.shape[1] if lengths is None else lengths[i]
        h = hashlib.blake2b(np.ascontiguousarray(X[i, :L]).tobytes(), digest_size=16)
        h.update(np.ascontiguousarray(Y[i, :L] if Y.ndim == 3 else Y[i]).tobytes())
        digest[i] = np.frombuffer(h.digest(), dtype=np.uint64)
    _, first, inverse = np.unique(digest, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    weight = np.bincount(inverse, weights=None if sw is None else sw.astype(np.float64),
                         minlength=len(first))
    groups = np.argsort(first, kind="stable") if keep_order else np.arange(len(first))
    groups = groups[weight[groups] > 0]
    order = first[groups]
    merged = {key: (None if value is None else value[order]) for key, value in data.items()
              if key != "X"}
    merged["X"], merged["rows"] = X, order
    if sw is None and len(first) == n:
        merged["sw"] = None  # every weight is 1: the unweighted loss, bitwise
    else:
        merged["sw"] = weight[groups].astype(X.dtype)
    merged["keys"] = digest[order, 0]
    return merged


def _sequences_seen(data):
    """Training sequences counted by weight: an int when the weights are."""
    sw = data["sw"]
    total = len(data["rows"]) if sw is None else float(sw.sum())
    return int(total) if total == int(total) else total


def _warn_diverged(solver, where, loss, est):
    kept = ("the weights with the lowest loss evaluated" if loss is not None else
            "the weights of the best epoch so far")
    warnings.warn(
        f"Training diverged ({solver}, {where}): the loss or a gradient became NaN "
        f"or infinite. Training stopped and {type(est).__name__} keeps {kept}, "
        f"which predict finite values. Lower learning_rate_init (now "
        f"{est.learning_rate_init}) or clip gradients with max_grad_norm (now "
        f"{est.max_grad_norm}, e.g. 1.0), and scale the data.",
        ConvergenceWarning,
    )


class BaseRNN(VersionedStateMixin, BaseEstimator, metaclass=ABCMeta):
    """Shared machinery of RNNRegressor and RNNClassifier. Not for direct use."""

    _parameter_constraints: dict = {
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "cell": [StrOptions({"rnn", "lstm", "gru"})],
        "activation": [StrOptions({"tanh", "relu"})],
        "num_layers": [Interval(Integral, 1, None, closed="left")],
        "bidirectional": ["boolean"],
        "return_sequences": ["boolean"],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "weights_init": [dict, None],
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
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
        hidden_size=32,
        *,
        cell="rnn",
        activation="tanh",
        num_layers=1,
        bidirectional=False,
        return_sequences=False,
        dropout=0.0,
        weights_init=None,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
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
        max_grad_norm=None,
        bptt_steps=None,
    ):
        self.hidden_size = hidden_size
        self.cell = cell
        self.activation = activation
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.return_sequences = return_sequences
        self.dropout = dropout
        self.weights_init = weights_init
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
        if self.bptt_steps is not None and self.bidirectional:
            raise ValueError(
                f"bptt_steps={self.bptt_steps} (truncated BPTT) needs "
                "bidirectional=False: a backward direction reads each sequence "
                "from its end. Set bptt_steps=None or bidirectional=False."
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

    def _fit(self, X, y, sample_weight=None, incremental=False, classes=None):
        self._check_architecture()
        if incremental and self.early_stopping:
            raise ValueError(
                "partial_fit does not support early_stopping=True: there is no "
                "held-out set across calls. Use fit, or early_stopping=False."
            )
        first_pass = not hasattr(self, "_params") or (
            not self.warm_start and not incremental
        )
        rng = check_random_state(self.random_state)
        # Validation may set attributes (n_features_in_, classes_, ...): if it
        # fails, put the estimator back exactly as it was.
        saved = dict(self.__dict__)
        try:
            X, lengths = check_X(self, X, reset=first_pass)
            if not first_pass:
                X = X.astype(self._params.dtype, copy=False)
            n_samples = X.shape[0]
            Y = self._prepare_targets(
                y, n_samples, X.dtype, reset=first_pass,
                n_timesteps=X.shape[1] if self.return_sequences else None,
                lengths=lengths, classes=classes,
            )
            sw = None
            if sample_weight is not None:
                sw = _check_sample_weight(sample_weight, X[:, 0], dtype=X.dtype,
                                          ensure_non_negative=True)
                if not sw.any():
                    raise ValueError(
                        "Sample weights must contain at least one non-zero number."
                    )
            class_w, step_w = self._target_weights(Y, lengths, incremental)
            if class_w is not None:
                sw = class_w.astype(X.dtype) if sw is None else sw * class_w
            data = _merge_duplicates(
                dict(X=X, Y=Y, lengths=lengths, sw=sw, step_w=step_w),
                keep_order=self.solver != "lbfgs" and not self.shuffle,
            )
            validation = None
            if self.early_stopping and self.solver != "lbfgs":
                data, validation = self._split_validation(data, rng)
            spec = dict(
                cell=self.cell,
                n_features=X.shape[2],
                hidden_size=self.hidden_size,
                n_outputs=Y.shape[-1],
                out_activation=self.out_activation_,
                activation=self.activation,
                num_layers=self.num_layers,
                bidirectional=self.bidirectional,
                return_sequences=self.return_sequences,
                dropout=self.dropout,
            )
            if not first_pass:
                self._check_warm_start_compatible(spec)
                self._net.dropout = float(self.dropout)
            else:
                net = RNNNetwork(**spec)
                init = (
                    None if self.weights_init is None
                    else net.params_from(self.weights_init, X.dtype)
                )
        except Exception:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise

        if first_pass:
            self._net = net
            self._params = net.init_params(rng, X.dtype) if init is None else init
            self.n_iter_ = 0
            self.t_ = 0
        if self.solver == "lbfgs":  # as MLP: no loss curve for lbfgs
            for attr in ("loss_curve_", "best_loss_", "_optimizer",
                         "validation_scores_", "best_validation_score_"):
                self.__dict__.pop(attr, None)
            self._fit_lbfgs(data)
        else:
            if first_pass or not hasattr(self, "loss_curve_"):
                self.loss_curve_ = []
            if not incremental:
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
            self._fit_stochastic(data, validation, rng, incremental)

        if not np.isfinite(self._params).all():  # unreachable by design: guard
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may "
                "contain large values and need to be preprocessed; a smaller "
                "learning_rate_init or max_grad_norm may help."
            )
        return self

    def _split_validation(self, data, rng):
        """Hold out ``validation_fraction`` of the sequences (early stopping)."""
        n = len(data["rows"])
        Y = data["Y"]
        stratify = None
        single_label = self.out_activation_ == "softmax" or Y.shape[-1] == 1
        if is_classifier(self) and Y.ndim == 2 and single_label:  # as MLP
            stratify = Y.argmax(axis=1) if Y.shape[1] > 1 else Y[:, 0]
        train, val = train_test_split(
            np.arange(n), test_size=self.validation_fraction, random_state=rng,
            stratify=stratify,
        )
        if len(val) < 2:
            raise ValueError(
                f"The validation set is too small: validation_fraction="
                f"{self.validation_fraction} of {n} sequences leaves {len(val)}. "
                "Increase validation_fraction or the number of sequences."
            )
        train, val = np.sort(train), np.sort(val)

        def take(idx):
            return {key: value if key == "X" or value is None else value[idx]
                    for key, value in data.items()}

        validation = take(val)  # a small copy of its sequences, batch-first
        T = data["X"].shape[1]
        if validation["lengths"] is not None:  # trim padding no sequence uses
            T = int(validation["lengths"].max())
            if self.return_sequences:
                validation["Y"] = validation["Y"][:, :T]
        validation["X"] = data["X"][validation["rows"], :T]
        return take(train), validation

    def _check_warm_start_compatible(self, spec):
        old = self._net
        current = dict(
            cell=old.cell_name, n_features=old.n_features,
            hidden_size=old.hidden_size, n_outputs=old.n_outputs,
            out_activation=old.out_activation, activation=old.cell.activation,
            num_layers=old.num_layers, bidirectional=old.n_directions == 2,
            return_sequences=old.return_sequences,
            dropout=spec["dropout"],  # training-only: may change between fits
        )
        changed = {k: (current[k], v) for k, v in spec.items() if current[k] != v}
        if changed:
            what = ", ".join(f"{k}: {a!r} -> {b!r}" for k, (a, b) in changed.items())
            raise ValueError(
                f"warm_start=True continues from the fitted network, but {what} "
                "changed since the last fit. Set warm_start=False to start afresh."
            )

    def _fit_lbfgs(self, data):
        net, params, alpha = self._net, self._params, self.alpha
        sw, lengths = data["sw"], data["lengths"]
        T, L = _batch_steps(lengths, slice(None), data["X"].shape[1])
        X_tm, Y_tm, step_tm = _batch(data, slice(None), T)
        best = {"loss": np.inf, "params": params.copy()}
        start = time.perf_counter()

        def fun(p64):
            params[...] = p64
            with np.errstate(over="ignore", invalid="ignore"):  # guarded below
                loss, grad = net.loss_and_grad(
                    params, X_tm, Y_tm, sw, alpha, None, L, step_tm, self.bptt_steps
                )
            if not (np.isfinite(loss) and np.isfinite(grad).all()):
                best["diverged"] = True
                return np.inf, np.zeros_like(p64)  # L-BFGS-B backtracks
            if loss < best["loss"]:
                best["loss"], best["params"][...] = loss, params
            return loss, grad.astype(np.float64)

        def report(n_iter, loss):
            print(f"Iteration {n_iter}, loss = {loss:.8f}, "
                  f"{time.perf_counter() - start:.2f}s")

        try:
            res = minimize_lbfgs(fun, params, self.max_iter, self.max_fun, self.tol,
                                 report if self.verbose else None)
        except KeyboardInterrupt:
            params[...] = best["params"]
            self.loss_ = best["loss"]
            warnings.warn(
                f"Training interrupted by the user: {type(self).__name__} keeps "
                f"the best weights so far (loss {best['loss']:.6g}).",
                UserWarning,
            )
            return
        params[...] = best["params"]  # the lowest loss evaluated (res.x's)
        if best.get("diverged"):
            _warn_diverged("lbfgs", "the line search", best["loss"], self)
        elif res.status != 0:
            warnings.warn(
                f"lbfgs failed to converge after {res.nit} iterations "
                f"({res.message}). Increase max_iter or max_fun, or scale the "
                "data.",
                ConvergenceWarning,
            )
        self.n_iter_ = min(int(res.nit), self.max_iter)
        self.t_ = _sequences_seen(data) * int(res.nfev)
        self.loss_ = float(best["loss"])

    def _fit_stochastic(self, data, validation, rng, incremental):
        params, net = self._params, self._net
        if not incremental or not hasattr(self, "_optimizer"):
            if self.solver == "sgd":
                self._optimizer = SGD(
                    params, self.learning_rate_init, self.learning_rate,
                    self.momentum, self.nesterovs_momentum, self.power_t,
                )
            else:
                self._optimizer = Adam(
                    params, self.learning_rate_init, self.learning_rate,
                    self.power_t, self.beta_1, self.beta_2, self.epsilon,
                )
        opt = self._optimizer
        sw, lengths = data["sw"], data["lengths"]
        n_samples = len(data["rows"])
        seen = _sequences_seen(data)
        if self.batch_size == "auto":
            batch_size = min(200, n_samples)
        else:
            if self.batch_size > n_samples:
                warnings.warn(
                    f"batch_size={self.batch_size} is larger than the number of "
                    f"sequences ({n_samples}); using {n_samples}."
                )
            batch_size = min(self.batch_size, n_samples)
        # separate streams: shuffling, and the dropout masks (keyed by content)
        dropout = None
        if self.dropout:
            keys = data["keys"]
            dropout = SequenceDropout(keys, np.random.RandomState(rng.randint(2**31 - 1)))
        early_stopping = validation is not None
        best_params = params.copy()  # restored on divergence and interrupt
        epochs = 1 if incremental else self.max_iter
        self.n_iter_ = 0
        start = time.perf_counter()
        problem = None
        try:
            for _ in range(epochs):
                tic = last_print = time.perf_counter()
                accumulated = 0.0
                batches = _minibatches(n_samples, batch_size, lengths, self.shuffle, rng)
                for b, idx in enumerate(batches):
                    swb = None if sw is None else sw[idx]  # > 0: zeros were dropped
                    # steps after the batch's longest are padding: not run
                    Tb, Lb = _batch_steps(lengths, idx, data["X"].shape[1])
                    Xb, Yb, stepb = _batch(data, idx, Tb)
                    if dropout is not None:
                        dropout.keys = keys[idx]
                    with np.errstate(over="ignore", invalid="ignore"):  # guarded below
                        loss, grad = net.loss_and_grad(
                            params, Xb, Yb, swb, self.alpha, dropout, Lb, stepb,
                            self.bptt_steps,
                        )
                    if not (np.isfinite(loss) and np.isfinite(grad).all()):
                        problem = f"the loss or its gradient became {loss}"
                        break
                    clip_grad_norm(grad, self.max_grad_norm)
                    opt.update(params, grad)
                    n_b = (idx.stop - idx.start) if isinstance(idx, slice) else len(idx)
                    accumulated += loss * (n_b if swb is None else float(swb.sum()))
                    now = time.perf_counter()
                    if self.verbose and now - last_print > HEARTBEAT:
                        done = (b + 1) / len(batches)
                        print(f"  epoch {self.n_iter_ + 1}: batch {b + 1}/{len(batches)}, "
                              f"{now - tic:.0f}s, about "
                              f"{_duration((now - tic) * (1 - done) / done)} left "
                              "in this epoch", flush=True)
                        last_print = now
                if problem is None and not np.isfinite(params).all():
                    problem = "the weights overflowed"
                if problem is not None:
                    params[...] = best_params
                    _warn_diverged(self.solver, f"epoch {self.n_iter_ + 1}: {problem}",
                                   None, self)
                    break

                self.n_iter_ += 1
                self.t_ += seen
                self.loss_ = accumulated / seen
                self.loss_curve_.append(self.loss_)
                if early_stopping:
                    score = self._validation_score(validation)
                    self.validation_scores_.append(score)
                    improved = score > self.best_validation_score_
                    if score < self.best_validation_score_ + self.tol:
                        self._no_improvement_count += 1
                    else:
                        self._no_improvement_count = 0
                    if improved:
                        self.best_validation_score_ = score
                        best_params[...] = params
                else:
                    improved = self.loss_ < self.best_loss_
                    if self.loss_ > self.best_loss_ - self.tol:
                        self._no_improvement_count += 1
                    else:
                        self._no_improvement_count = 0
                    if improved:
                        self.best_loss_ = self.loss_
                        best_params[...] = params
                if self.verbose:
                    self._print_epoch(tic, start, epochs, early_stopping, incremental)
                opt.iteration_ends(self.t_)
                if self._no_improvement_count > self.n_iter_no_change:
                    what = "Validation score" if early_stopping else "Training loss"
                    msg = (
                        f"{what} did not improve more than tol={self.tol:f} "
                        f"for {self.n_iter_no_change} consecutive epochs."
                    )
                    if opt.trigger_stopping(msg, self.verbose):
                        break
                    self._no_improvement_count = 0
                if not incremental and self.n_iter_ == self.max_iter:
                    warnings.warn(
                        f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) "
                        "reached and the optimization hasn't converged yet.",
                        ConvergenceWarning,
                    )
        except KeyboardInterrupt:
            params[...] = best_params
            what = ("best validation score" if early_stopping else
                    "lowest training loss")
            warnings.warn(
                f"Training interrupted by the user after {self.n_iter_} epochs: "
                f"{type(self).__name__} keeps the weights of the epoch with the "
                f"{what} so far and can predict.",
                UserWarning,
            )
            return
        if early_stopping:
            params[...] = best_params

    def _print_epoch(self, tic, start, epochs, early_stopping, incremental):
        now = time.perf_counter()
        line = f"Iteration {self.n_iter_}, loss = {self.loss_:.8f}"
        if early_stopping:
            line += f", validation score = {self.validation_scores_[-1]:.6f}"
        line += f", {now - tic:.2f}s"
        left = epochs - self.n_iter_
        if not incremental and left:
            eta = (now - start) / self.n_iter_ * left
            line += f", at most {_duration(eta)} left"
        print(line, flush=True)

    def _validation_score(self, part):
        """``score`` of the current weights on the held-out sequences."""
        out = self._output(part["X"], part["lengths"])
        Y, w = part["Y"], part["sw"]
        if out.ndim == 3:  # per step: every valid step is a sample
            valid = valid_steps(part["lengths"], *out.shape[:2])
            out, Y = out[valid], Y[valid]
            w = None if w is None else np.repeat(w, valid.sum(axis=1))
        return float(self._metric(self._decode(Y), self._decode(out), sample_weight=w))

    # --------------------------------------------------------------- predict
    def _forward_output(self, X, return_lengths=False):
        """Validated X -> output activations, batch-first.

        Shape (n_samples, n_outputs_), or (n_samples, n_timesteps, n_outputs_)
        with ``return_sequences``, NaN at padded steps. With
        ``return_lengths``, also X's lengths (or None: all steps valid).
        """
        check_is_fitted(self)
        X, lengths = check_X(self, X, reset=False)
        out = self._output(X, lengths)
        return (out, lengths) if return_lengths else out

    def _output(self, X, lengths):
        """Output activations of validated, batch-first X; NaN at padded steps."""
        X = X.astype(self._params.dtype, copy=False)
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
            T, L = _batch_steps(lengths, idx, X.shape[1])
            out = self._net.predict(
                self._params, np.ascontiguousarray(X[idx, :T].transpose(1, 0, 2)), L,
                window,
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
