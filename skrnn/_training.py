"""Training: the prepared training set, minibatches, the stopping rule, the loops.

``BaseRNN._fit`` validates the input and builds a ``TrainingSet``; the loops
here (``fit_stochastic`` for sgd/adam, ``fit_lbfgs``) drive
``RNNNetwork.loss_and_grad`` and the optimisers of ``_optim`` on a flat
parameter vector, and write the estimator's training attributes (``n_iter_``,
``loss_curve_``, ...). They train in the *standardised* space of
``Standardization``: inputs (and regression targets) scaled to zero mean and
unit variance; ``BaseRNN`` folds the scaling back into the weights afterwards.
"""

import dataclasses
import hashlib
import time
from typing import NamedTuple

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ._network import SequenceDropout
from ._optim import SGD, Adam, clip_grad_norm, minimize_lbfgs
from ._validation import valid_steps
from ._warnings import warn

#: with variable lengths, shuffled sequences are sorted by length within
#: pools of this many batches before being cut into batches, so that a batch
#: holds sequences of similar length and runs few padded steps
BUCKET_POOL = 20

#: with verbose, a long epoch prints a progress line at least this often (s)
HEARTBEAT = 10.0

#: batch_size="auto": about this many minibatches per epoch on small data
#: sets, at most AUTO_BATCH_MAX sequences each (Fawaz et al. 2019, "Deep
#: learning for time series classification: a review", use min(n / 10, 16))
AUTO_BATCHES_PER_EPOCH = 10
AUTO_BATCH_MAX = 32


def auto_batch_size(n_samples):
    """``batch_size="auto"``: min(AUTO_BATCH_MAX, n_samples // 10), at least 1."""
    return int(max(1, min(AUTO_BATCH_MAX, n_samples // AUTO_BATCHES_PER_EPOCH)))


# ---------------------------------------------------------------- the data
@dataclasses.dataclass
class Standardization:
    """Affine maps the network trains behind: x_s = (x - x_mean) / x_scale,
    y_s = (y - y_mean) / y_scale (None: no scaling of that side).

    Both maps are exact to fold into the first layer's input weights and the
    head (``to_raw``), so that the stored weights act on raw data: for each
    direction of layer 0, ``W x_s + b = (W / s) x + (b - (W / s) m)``, and for
    the head ``y = y_scale * (V h + c) + y_mean``.
    """

    x_mean: np.ndarray = None
    x_scale: np.ndarray = None
    y_mean: np.ndarray = None
    y_scale: np.ndarray = None

    def _views(self, net, params):
        W = net.unpack(params)
        first = [name[len("weight_ih") :] for name in W if name.startswith("weight_ih_l0")]
        return W, first

    def to_raw(self, net, params):
        """Weights trained on standardised data -> the same model on raw data."""
        raw = params.copy()
        W, first = self._views(net, raw)
        if self.x_mean is not None:
            for sfx in first:
                Wi = W["weight_ih" + sfx]
                Wi /= self.x_scale
                W["bias_ih" + sfx] -= Wi @ self.x_mean
        if self.y_mean is not None:
            W["head.weight"] *= self.y_scale[:, None]
            W["head.bias"] *= self.y_scale
            W["head.bias"] += self.y_mean
        return raw

    def from_raw(self, net, params):
        """Inverse of ``to_raw`` (warm starts, weights_init)."""
        scaled = params.copy()
        W, first = self._views(net, scaled)
        if self.x_mean is not None:
            for sfx in first:
                Wi = W["weight_ih" + sfx]
                W["bias_ih" + sfx] += Wi @ self.x_mean
                Wi *= self.x_scale
        if self.y_mean is not None:
            W["head.bias"] -= self.y_mean
            W["head.bias"] /= self.y_scale
            W["head.weight"] /= self.y_scale[:, None]
        return scaled


def is_constant(var, mean, n_samples):
    """Features whose variance is only rounding error (StandardScaler's rule)."""
    eps = np.finfo(np.float64).eps
    return var <= n_samples * eps * var + (n_samples * mean * eps) ** 2


def weighted_moments(X, rows, lengths, weights, elements=2**22):
    """Mean and standard deviation of each feature (last axis) of X[rows].

    Over the valid steps of each sequence, each weighted by its sequence's
    weight; float64, two passes in chunks of about ``elements`` numbers (no
    copy of X). A deviation that is only rounding error becomes 1 (constant
    features are only centred), by the rule SequenceScaler and
    StandardScaler use.
    """
    w = np.ones(len(rows)) if weights is None else np.asarray(weights, np.float64)
    chunk = max(1, elements // int(np.prod(X.shape[1:])))

    def chunks():  # (values, weight of each value's row and step)
        for s in range(0, len(rows), chunk):
            part = np.asarray(X[rows[s : s + chunk]], dtype=np.float64)
            ws = w[s : s + chunk]
            if X.ndim == 3:
                part_lengths = None if lengths is None else lengths[s : s + chunk]
                ws = valid_steps(part_lengths, *part.shape[:2]) * ws[:, None]
            yield part, ws

    first = [(float(ws.sum()), np.tensordot(ws, part, axes=ws.ndim)) for part, ws in chunks()]
    count = sum(c for c, _ in first)
    mean = sum(total for _, total in first) / count
    var = sum(np.tensordot(ws, (part - mean) ** 2, axes=ws.ndim) for part, ws in chunks()) / count
    std = np.sqrt(var)
    std[is_constant(var, mean, count)] = 1.0
    return mean, std


@dataclasses.dataclass
class TrainingSet:
    """The training sequences as the loops see them.

    ``X`` is the caller's batch-first array (never copied): ``rows`` index the
    sequences used, in training order, and every other field is aligned with
    ``rows``. ``Y`` (n, K), or (n, T, K) per step, is already standardised;
    ``x_mean``/``x_scale`` (in X's dtype) standardise X as each batch is
    gathered.
    """

    X: np.ndarray
    rows: np.ndarray
    Y: np.ndarray
    lengths: np.ndarray = None
    sw: np.ndarray = None
    step_w: np.ndarray = None
    keys: np.ndarray = None
    x_mean: np.ndarray = None
    x_scale: np.ndarray = None

    def __len__(self):
        return len(self.rows)

    def take(self, idx):
        """The sequences ``idx`` (positions in ``rows``) as a TrainingSet."""
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        for name in ("rows", "Y", "lengths", "sw", "step_w", "keys"):
            if fields[name] is not None:
                fields[name] = fields[name][idx]
        return TrainingSet(**fields)

    def seen(self):
        """Sequences counted by weight: an int when the weights are."""
        total = len(self.rows) if self.sw is None else float(self.sw.sum())
        return int(total) if total == int(total) else total

    def steps(self, idx):
        """Steps to run for ``idx``: see ``batch_steps``."""
        return batch_steps(self.lengths, idx, self.X.shape[1])

    def _standardized(self, X):
        """``X``, a fresh gather from the caller's array, standardised in place."""
        if self.x_mean is not None:
            X -= self.x_mean
            X /= self.x_scale
        return X

    def batch_first(self, idx, T):
        """Standardised X of the sequences ``idx`` up to step T, (B, T, F)."""
        # rows[idx] is an integer array: the gather is a copy, never X itself
        return self._standardized(self.X[self.rows[idx], :T])

    def batch(self, idx):
        """The sequences ``idx`` as a time-major ``Batch``, up to their
        longest length (``steps``)."""
        T, lengths = self.steps(idx)
        X = self._standardized(np.ascontiguousarray(self.X[self.rows[idx], :T].transpose(1, 0, 2)))
        Y = self.Y[idx]
        if Y.ndim == 3:  # one target per step
            Y = np.ascontiguousarray(Y[:, :T].transpose(1, 0, 2))
        step = self.step_w
        if step is not None:
            step = np.ascontiguousarray(step[idx, :T].T)
        sw = None if self.sw is None else self.sw[idx]
        return Batch(X, Y, sw, step, lengths)


class Batch(NamedTuple):
    """A minibatch, time-major, as ``RNNNetwork.loss_and_grad`` takes it."""

    X: np.ndarray  # (T, B, F), standardised
    Y: np.ndarray  # (B, K), or (T, B, K) per step
    sample_weight: "np.ndarray | None"  # (B,) > 0, or None for all ones
    step_weight: "np.ndarray | None"  # (T, B) per-step factors, or None
    lengths: "np.ndarray | None"  # (B,) valid steps, None when all are T

    @property
    def weight(self):
        """The batch's total weight: its share of an epoch's summed loss."""
        return len(self.Y) if self.sample_weight is None else float(self.sample_weight.sum())

    def loss_and_grad(self, net, params, est, dropout=None):
        """``net.loss_and_grad`` on this batch with the estimator's penalty
        and truncation; overflow is left to the caller's finiteness check."""
        with np.errstate(over="ignore", invalid="ignore"):
            return net.loss_and_grad(
                params,
                self.X,
                self.Y,
                sample_weight=self.sample_weight,
                alpha=est.alpha,
                dropout=dropout,
                lengths=self.lengths,
                step_weight=self.step_weight,
                bptt_steps=est.bptt_steps,
            )


def batch_steps(lengths, idx, T):
    """Steps to run for the sequences ``idx``: (longest length, lengths or None).

    A batch runs only up to its longest sequence; lengths is None when every
    sequence of the batch has that length (no masking needed).
    """
    if lengths is None:
        return T, None
    Lb = lengths[idx]
    Tb = int(Lb.max())
    return Tb, (None if (Lb == Tb).all() else Lb)


def merge_duplicates(X, Y, lengths, sw, step_w, keep_order):
    """A TrainingSet with identical (sequence, target) pairs merged, weights summed.

    Also drops zero-weight sequences and, unless ``keep_order``, sorts the
    sequences by a digest of their content. The loss is unchanged (a weight k
    is k copies by definition), and the solvers then see the same data --
    bitwise -- whether a sequence is repeated k times or weighted k, and
    whatever the order of the training sequences. X itself is not copied:
    ``rows`` indexes the kept sequences in it. ``keys`` are uint64 digests,
    the dropout masks' seeds.
    """
    n = X.shape[0]
    digest = np.empty((n, 2), dtype=np.uint64)
    for i in range(n):
        L = X.shape[1] if lengths is None else lengths[i]
        h = hashlib.blake2b(np.ascontiguousarray(X[i, :L]).tobytes(), digest_size=16)
        h.update(np.ascontiguousarray(Y[i, :L] if Y.ndim == 3 else Y[i]).tobytes())
        digest[i] = np.frombuffer(h.digest(), dtype=np.uint64)
    _, first, inverse = np.unique(digest, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    weight = np.bincount(
        inverse, weights=None if sw is None else sw.astype(np.float64), minlength=len(first)
    )
    groups = np.argsort(first, kind="stable") if keep_order else np.arange(len(first))
    groups = groups[weight[groups] > 0]
    order = first[groups]
    if sw is None and len(first) == n:
        merged_w = None  # every weight is 1: the unweighted loss, bitwise
    else:
        merged_w = weight[groups].astype(X.dtype)
    return TrainingSet(
        X=X,
        rows=order,
        Y=Y[order],
        lengths=None if lengths is None else lengths[order],
        sw=merged_w,
        step_w=None if step_w is None else step_w[order],
        keys=digest[order, 0],
    )


def minibatches(n_samples, batch_size, lengths, shuffle, rng, bucket_pool=BUCKET_POOL):
    """Index (slice or array) of each minibatch of one epoch.

    Equal lengths: consecutive slices of one permutation (MLP's batching).
    Variable lengths and ``shuffle``: the permutation is cut into pools of
    ``bucket_pool`` batches, each pool sorted by length and cut into batches,
    and the batches are visited in random order (``bucket_pool=1``: plain
    shuffled batches).
    """
    if not shuffle:
        return [slice(s, min(s + batch_size, n_samples)) for s in range(0, n_samples, batch_size)]
    order = rng.permutation(n_samples)
    if lengths is None or bucket_pool <= 1:
        return [order[s : s + batch_size] for s in range(0, n_samples, batch_size)]
    pool = batch_size * bucket_pool
    batches = []
    for p in range(0, n_samples, pool):
        chunk = order[p : p + pool]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[s : s + batch_size] for s in range(0, len(chunk), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


# ------------------------------------------------------------ the stopping rule
class StoppingRule:
    """ "No improvement by ``tol`` for ``n_iter_no_change`` epochs", MLP's rule.

    Tracks the best value so far (the training loss, minimised, or the
    validation score, maximised) and the epochs since it last improved by
    ``tol``; ``best_params`` holds the weights the best value belongs to
    (the caller passes those an epoch started from, for the training loss;
    those at its end, for the validation score).
    """

    def __init__(self, tol, patience, maximize, best, count, params):
        self.tol, self.patience, self.maximize = tol, patience, maximize
        self.best, self.count = best, count
        self.best_params = params.copy()

    def update(self, value, params):
        """Record an epoch's value; keep ``params`` if it is the best so far."""
        sign = 1.0 if self.maximize else -1.0
        if sign * (value - self.best) < self.tol:
            self.count += 1
        else:
            self.count = 0
        if sign * (value - self.best) > 0:
            self.best = value
            self.best_params[...] = params

    @property
    def exhausted(self):
        return self.count > self.patience


# ------------------------------------------------------------------- messages
def _duration(seconds):
    """'42s', '3m05s', '2h07m'."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def warn_diverged(solver, where, loss, est):
    kept = (
        "the weights with the lowest loss evaluated"
        if solver == "lbfgs"
        else "the weights of the best epoch so far"
    )
    kept += f" (training loss {loss:.6g})"
    warn(
        f"Training diverged ({solver}, {where}): the loss or a gradient became NaN "
        f"or infinite. Training stopped and {type(est).__name__} keeps {kept}, "
        f"which predict finite values. Lower learning_rate_init (now "
        f"{initial_learning_rate(est)}) or clip gradients with max_grad_norm (now "
        f"{est.max_grad_norm}, e.g. 1.0), and scale the data.",
        ConvergenceWarning,
    )


def constant_loss(data, loss):
    """Training loss of the best constant prediction (no penalty).

    ``loss``'s best constant -- the weighted mean target (squared error),
    median or quantile (absolute error, pinball), or the class frequencies
    (classification) -- over every valid step with per-step targets: the
    level a model that learned nothing from X reaches.
    """
    Y = data.Y.astype(np.float64)
    w = np.ones(len(Y)) if data.sw is None else data.sw.astype(np.float64)
    S = w.sum()
    if Y.ndim == 3:
        wt = valid_steps(data.lengths, *Y.shape[:2]) * w[:, None]
        if data.step_w is not None:
            wt = wt * data.step_w
        Y, w = Y.reshape(-1, Y.shape[-1]), wt.ravel()
    return float(loss.of_constant(loss.best_constant(Y, w), Y, w, S))


def warn_if_not_learned(est, net, data, why):
    """ConvergenceWarning when the final training loss is no better than a
    constant predictor's on the same data (the model learned nothing)."""
    baseline = constant_loss(data, net.loss_function())
    if not (est.loss_ >= 0.99 * baseline):
        return
    warn(
        f"{type(est).__name__} learned nothing: its training loss "
        f"{est.loss_:.6g} is no lower than that of a constant prediction "
        f"({baseline:.6g}) after {est.n_iter_} "
        f"{'iterations' if est.solver == 'lbfgs' else 'epochs'} ({why}). Try a "
        f"larger learning_rate_init (now {initial_learning_rate(est)}) or max_iter "
        f"(now {est.max_iter}), another cell (now {est.cell!r}) or pooling, "
        "patch_size for long sequences, or check that X carries information "
        "about y.",
        ConvergenceWarning,
    )


# ------------------------------------------------------------------- L-BFGS
@dataclasses.dataclass
class _Lowest:
    """The lowest loss L-BFGS evaluated, its weights, and whether a point
    evaluated was not finite."""

    loss: float
    params: np.ndarray
    diverged: bool = False


def fit_lbfgs(est, net, params, data):
    """scipy's L-BFGS-B on the whole training set; ``params`` updated in place.

    Keeps the lowest loss it evaluated (L-BFGS-B backtracks from NaN/inf
    points, which are reported as infinite); sets ``n_iter_``, ``t_``,
    ``loss_``.
    """
    batch = data.batch(slice(None))
    best = _Lowest(np.inf, params.copy())
    start = time.perf_counter()

    def fun(p64):
        params[...] = p64
        loss, grad = batch.loss_and_grad(net, params, est)
        if not (np.isfinite(loss) and np.isfinite(grad).all()):
            best.diverged = True
            return np.inf, np.zeros_like(p64)  # L-BFGS-B backtracks
        if loss < best.loss:
            best.loss, best.params[...] = loss, params
        return loss, grad.astype(np.float64)

    def report(n_iter, loss):
        print(f"Iteration {n_iter}, loss = {loss:.8f}, {time.perf_counter() - start:.2f}s")

    try:
        res = minimize_lbfgs(
            fun, params, est.max_iter, est.max_fun, est.tol, report if est.verbose else None
        )
    except KeyboardInterrupt:
        params[...] = best.params
        est.loss_ = best.loss
        warn(
            f"Training interrupted by the user: {type(est).__name__} keeps "
            f"the best weights so far (loss {best.loss:.6g}).",
            UserWarning,
        )
        return
    params[...] = best.params  # the lowest loss evaluated (res.x's)
    est.n_iter_ = min(int(res.nit), est.max_iter)
    est.t_ = data.seen() * int(res.nfev)
    est.loss_ = float(best.loss)
    if best.diverged:
        warn_diverged("lbfgs", "the line search", best.loss, est)
    elif res.status != 0:
        warn(
            f"lbfgs failed to converge after {res.nit} iterations "
            f"({res.message}). Increase max_iter or max_fun, or scale the "
            "data.",
            ConvergenceWarning,
        )
    else:
        warn_if_not_learned(est, net, data, f"lbfgs stopped: {res.message}")


# --------------------------------------------------------------- sgd / adam
#: learning_rate_init="auto" for each stochastic solver
AUTO_LEARNING_RATE = {"adam": 0.01, "sgd": 0.1}


def initial_learning_rate(est):
    """``learning_rate_init``, with "auto" resolved for the solver."""
    if est.learning_rate_init == "auto":
        return AUTO_LEARNING_RATE.get(est.solver, AUTO_LEARNING_RATE["adam"])
    return est.learning_rate_init


def make_optimizer(est, params):
    rate = initial_learning_rate(est)
    if est.solver == "sgd":
        return SGD(
            params, rate, est.learning_rate, est.momentum, est.nesterovs_momentum, est.power_t
        )
    return Adam(params, rate, est.learning_rate, est.power_t, est.beta_1, est.beta_2, est.epsilon)


def resolve_batch_size(est, n_samples):
    if est.batch_size == "auto":
        return auto_batch_size(n_samples)
    if est.batch_size > n_samples:
        warn(
            f"batch_size={est.batch_size} is larger than the number of "
            f"sequences ({n_samples}); using {n_samples}."
        )
    return min(est.batch_size, n_samples)


def training_loss(est, net, params, data, batch_size):
    """The training loss at ``params`` (penalty included, no dropout), summed
    over minibatches as an epoch sums it: for the weights a diverged or
    interrupted fit keeps, so that ``loss_`` is theirs."""
    accumulated = 0.0
    for start in range(0, len(data), batch_size):
        batch = data.batch(slice(start, min(start + batch_size, len(data))))
        loss, _ = batch.loss_and_grad(net, params, est)
        accumulated += loss * batch.weight
    return accumulated / data.seen()


class Epoch:
    """One pass over the minibatches: the loss summed by weight, or a problem."""

    def __init__(self, est, net, opt, data, batch_size, dropout, rng, bucket_pool=BUCKET_POOL):
        self.est, self.net, self.opt, self.data = est, net, opt, data
        self.batch_size, self.dropout, self.rng = batch_size, dropout, rng
        self.bucket_pool = bucket_pool

    def run(self, params):
        """Train one epoch; return (summed weighted loss, problem or None)."""
        est, data, dropout = self.est, self.data, self.dropout
        tic = last_print = time.perf_counter()
        accumulated = 0.0
        batches = minibatches(
            len(data), self.batch_size, data.lengths, est.shuffle, self.rng, self.bucket_pool
        )
        for b, idx in enumerate(batches):
            batch = data.batch(idx)  # weights > 0: zeros were dropped
            if dropout is not None:
                dropout.keys = data.keys[idx]
            loss, grad = batch.loss_and_grad(self.net, params, est, dropout)
            if not (np.isfinite(loss) and np.isfinite(grad).all()):
                return accumulated, f"the loss or its gradient became {loss}"
            clip_grad_norm(grad, est.max_grad_norm)
            self.opt.update(params, grad)
            accumulated += loss * batch.weight
            now = time.perf_counter()
            if est.verbose and now - last_print > HEARTBEAT:
                _print_heartbeat(est, b, len(batches), now - tic)
                last_print = now
        if not np.isfinite(params).all():
            return accumulated, "the weights overflowed"
        return accumulated, None


class Prepared(NamedTuple):
    """What a fit trains: ``BaseRNN._prepare``'s result."""

    data: TrainingSet  # the training sequences
    validation: "TrainingSet | None"  # held out for early stopping, or None
    net: "object"  # the RNNNetwork to train
    params: np.ndarray  # starting weights, in the standardised space


def make_epoch(est, net, params, data, rng, *, bucket_pool=None):
    """The ``Epoch`` a stochastic fit of ``est`` runs (and the benchmarks
    time): the estimator's optimiser (made if it has none), batch size and
    dropout stream. ``bucket_pool`` overrides ``BUCKET_POOL``."""
    if getattr(est, "_optimizer", None) is None:
        est._optimizer = make_optimizer(est, params)
    dropout = None
    if est.dropout:  # its own stream: the masks are keyed by content
        dropout = SequenceDropout(data.keys, np.random.RandomState(rng.randint(2**31 - 1)))
    batch_size = resolve_batch_size(est, len(data))
    pool = BUCKET_POOL if bucket_pool is None else bucket_pool
    return Epoch(est, net, est._optimizer, data, batch_size, dropout, rng, pool)


def fit_stochastic(est, net, params, data, rng, *, validation, score, incremental):
    """sgd/adam epochs on ``params`` (in place) until the stopping rule says stop.

    ``validation`` (early stopping) is a TrainingSet scored after every epoch
    by ``score(params, validation)``; else the training loss decides. Sets
    ``n_iter_``, ``t_``, ``loss_``, ``loss_curve_``, ``best_loss_`` or
    ``validation_scores_`` / ``best_validation_score_``. On divergence or
    Ctrl-C the weights of the best epoch are restored.
    """
    if not incremental:
        est._optimizer = None
    epoch = make_epoch(est, net, params, data, rng)
    early = validation is not None
    rule = StoppingRule(
        est.tol,
        est.n_iter_no_change,
        maximize=early,
        best=est.best_validation_score_ if early else est.best_loss_,
        count=est._no_improvement_count,
        params=params,
    )
    est.n_iter_ = 0
    try:
        stop_reason = _epochs(est, epoch, params, rule, validation, incremental, score)
    except KeyboardInterrupt:
        params[...] = rule.best_params
        if est.n_iter_ == 0:  # no epoch of this fit has a loss: evaluate it
            est.loss_ = training_loss(est, net, params, data, epoch.batch_size)
        what = "best validation score" if early else "lowest training loss"
        warn(
            f"Training interrupted by the user after {est.n_iter_} epochs: "
            f"{type(est).__name__} keeps the weights of the epoch with the "
            f"{what} so far and can predict.",
            UserWarning,
        )
        return
    if early:
        params[...] = rule.best_params
    if not incremental and est.n_iter_ and stop_reason is not None:
        warn_if_not_learned(est, net, data, stop_reason)


def _epochs(est, epoch, params, rule, validation, incremental, score):
    """Run the epochs; return why they stopped (None: diverged)."""
    early, opt, seen = validation is not None, epoch.opt, epoch.data.seen()
    epochs = 1 if incremental else est.max_iter
    start = time.perf_counter()
    for _ in range(epochs):
        tic = time.perf_counter()
        # The training loss of an epoch is summed over its minibatches while
        # the weights move; the weights it belongs to best are those the epoch
        # started from (exactly, with one minibatch per epoch). The end
        # weights can be far worse: an epoch whose last updates blow up.
        started = None if early else params.copy()
        accumulated, problem = epoch.run(params)
        if problem is not None:
            params[...] = rule.best_params
            est.loss_ = training_loss(est, epoch.net, params, epoch.data, epoch.batch_size)
            warn_diverged(est.solver, f"epoch {est.n_iter_ + 1}: {problem}", est.loss_, est)
            return None
        est.n_iter_ += 1
        est.t_ += seen
        est.loss_ = accumulated / seen
        est.loss_curve_.append(est.loss_)
        if early:
            est.validation_scores_.append(score(params, validation))
            rule.update(est.validation_scores_[-1], params)
            est.best_validation_score_ = rule.best
        else:
            rule.update(est.loss_, started)
            est.best_loss_ = rule.best
        est._no_improvement_count = rule.count
        if est.verbose:
            _print_epoch(est, tic, start, epochs, early, incremental)
        opt.iteration_ends(est.t_)
        if rule.exhausted:
            what = "Validation score" if early else "Training loss"
            msg = (
                f"{what} did not improve more than tol={est.tol:f} "
                f"for {est.n_iter_no_change} consecutive epochs."
            )
            if opt.trigger_stopping(msg, est.verbose):
                return msg.rstrip(".")
            rule.count = est._no_improvement_count = 0
    if not incremental:
        warn(
            f"Stochastic Optimizer: Maximum iterations ({est.max_iter}) "
            "reached and the optimization hasn't converged yet.",
            ConvergenceWarning,
        )
    return f"max_iter={est.max_iter} epochs reached"


def _print_heartbeat(est, batch, n_batches, elapsed):
    done = (batch + 1) / n_batches
    print(
        f"  epoch {est.n_iter_ + 1}: batch {batch + 1}/{n_batches}, {elapsed:.0f}s, about "
        f"{_duration(elapsed * (1 - done) / done)} left in this epoch",
        flush=True,
    )


def _print_epoch(est, tic, start, epochs, early, incremental):
    now = time.perf_counter()
    line = f"Iteration {est.n_iter_}, loss = {est.loss_:.8f}"
    if early:
        line += f", validation score = {est.validation_scores_[-1]:.6f}"
    line += f", {now - tic:.2f}s"
    left = epochs - est.n_iter_
    if not incremental and left:
        eta = (now - start) / est.n_iter_ * left
        line += f", at most {_duration(eta)} left"
    print(line, flush=True)
