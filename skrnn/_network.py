"""The network: recurrent layers, a linear head and the loss, on ONE flat vector.

``RNNNetwork`` knows the parameter layout (PyTorch's names and shapes, in
PyTorch's ``state_dict`` order), initialises the flat vector, predicts, and
computes ``loss_and_grad`` -- the single entry point every solver calls.

Loss, with w_i the sample weights (all ones by default) and S = sum_i w_i:

* identity output, squared error (MLPRegressor's ``loss_``)::

      L = 1 / (2 S K) * sum_i w_i * sum_k (y_ik - p_ik)**2      K = n_outputs

* logistic output (binary, multilabel), binary log-loss summed over outputs::

      L = -1 / S * sum_i w_i * sum_k [y_ik log p_ik + (1 - y_ik) log(1 - p_ik)]

* softmax output (multiclass)::

      L = -1 / S * sum_i w_i * log p_{i, y_i}

With ``return_sequences`` the per-step losses are summed over the time steps
of each sequence and then weighted and averaged over sequences in the same
way (every step of sequence i weighs w_i, and S still counts sequences).

Plus MLP's L2 penalty ``alpha / (2 S) * sum ||W||**2`` over the weight
matrices (``weight_*`` and ``head.weight``, not the biases). The gradient
returned is the exact gradient of that L.
"""

import numpy as np
from scipy.special import logsumexp

from ._cells import CELLS

OUT_ACTIVATIONS = ("identity", "logistic", "softmax")


class RNNNetwork:
    """Recurrent layers + linear head + loss, parameterised by one flat vector.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru"}
    n_features : int
    hidden_size : int
    n_outputs : int
    out_activation : {"identity", "logistic", "softmax"}
    activation : {"tanh", "relu"}
        Nonlinearity of the Elman cell.
    num_layers : int
    bidirectional : bool
    return_sequences : bool
        One output per time step (the head on every step of the top layer)
        instead of one per sequence.
    dropout : float
        Probability of zeroing each output of every layer but the last, in
        training (``loss_and_grad`` with a ``SequenceDropout``); PyTorch's
        semantics.
    """

    def __init__(
        self,
        cell,
        n_features,
        hidden_size,
        n_outputs,
        out_activation,
        activation="tanh",
        num_layers=1,
        bidirectional=False,
        return_sequences=False,
        dropout=0.0,
    ):
        if out_activation not in OUT_ACTIVATIONS:
            raise ValueError(f"unknown out_activation {out_activation!r}")
        self.cell_name = cell
        self.cell = CELLS[cell](activation)
        self.n_features = int(n_features)
        self.hidden_size = int(hidden_size)
        self.n_outputs = int(n_outputs)
        self.out_activation = out_activation
        self.num_layers = int(num_layers)
        self.n_directions = 2 if bidirectional else 1
        self.return_sequences = bool(return_sequences)
        self.dropout = float(dropout)
        # numbers per sequence and time step in a layer's largest array
        self.step_width = self.cell.n_gates * self.hidden_size * self.n_directions
        self.layout = self._make_layout()
        self.size = sum(int(np.prod(shape)) for _, _, shape in self.layout)
        # True for the entries of weight matrices (L2-penalised), False for biases
        self.penalised = np.zeros(self.size, dtype=bool)
        for name, view in self.unpack(self.penalised).items():
            view[...] = "weight" in name

    # ------------------------------------------------------------------ layout
    def _make_layout(self):
        """List of (name, offset, shape) in PyTorch's state_dict order."""
        G, H = self.cell.n_gates, self.hidden_size
        D = self.n_directions
        layout, offset = [], 0

        def add(name, shape):
            nonlocal offset
            layout.append((name, offset, shape))
            offset += int(np.prod(shape))

        for layer in range(self.num_layers):
            n_in = self.n_features if layer == 0 else D * H
            for direction in range(D):
                sfx = f"_l{layer}" + ("_reverse" if direction else "")
                add("weight_ih" + sfx, (G * H, n_in))
                add("weight_hh" + sfx, (G * H, H))
                add("bias_ih" + sfx, (G * H,))
                add("bias_hh" + sfx, (G * H,))
        add("head.weight", (self.n_outputs, D * H))
        add("head.bias", (self.n_outputs,))
        return layout

    def unpack(self, flat):
        """Dict name -> view of ``flat`` with the parameter's shape."""
        return {
            name: flat[off : off + int(np.prod(shape))].reshape(shape)
            for name, off, shape in self.layout
        }

    def init_params(self, rng, dtype):
        """PyTorch's initialisation: U(-k, k), k = 1/sqrt(fan) for every array."""
        flat = np.empty(self.size, dtype=dtype)
        k_rnn = 1.0 / np.sqrt(self.hidden_size)
        k_head = 1.0 / np.sqrt(self.n_directions * self.hidden_size)
        for name, view in self.unpack(flat).items():
            k = k_head if name.startswith("head.") else k_rnn
            view[...] = rng.uniform(-k, k, size=view.shape)
        return flat

    def params_from(self, weights, dtype):
        """Flat vector from a dict of arrays under the layout's names.

        ``weights`` must hold exactly the layout's names (PyTorch's
        ``state_dict`` of the recurrent module plus ``head.weight`` and
        ``head.bias``), each of the layout's shape; torch tensors are accepted
        (anything ``np.asarray`` reads).
        """
        expected = {name: shape for name, _, shape in self.layout}
        missing = [k for k in expected if k not in weights]
        unknown = [k for k in weights if k not in expected]
        if missing or unknown:
            raise ValueError(
                "weights_init must hold exactly the arrays "
                f"{list(expected)}; missing {missing}, unexpected {unknown}."
            )
        flat = np.empty(self.size, dtype=dtype)
        for name, view in self.unpack(flat).items():
            value = weights[name]
            if hasattr(value, "detach"):  # a torch tensor
                value = value.detach().cpu().numpy()
            value = np.asarray(value)
            if value.shape != view.shape:
                raise ValueError(
                    f"weights_init[{name!r}] has shape {value.shape}, expected "
                    f"{view.shape} for this network."
                )
            if not np.isfinite(value).all():
                raise ValueError(f"weights_init[{name!r}] contains NaN or infinity.")
            view[...] = value
        return flat

    # ----------------------------------------------------------------- forward
    def _forward(self, params, X, dropout=None, lengths=None, state0=None, train=True):
        """Run the layers on time-major X (T, N, F).

        ``lengths`` (N,) gives each sequence's number of valid steps (padding
        at the end, any finite values); None means all T are valid. A
        forward direction needs no masking: its state at t depends only on
        steps <= t, so the head reads each sequence's last valid step. The
        backward direction reads each sequence reversed within its own
        length, so it starts at that sequence's last valid step.

        Returns the head's input ``feat`` -- (N, D*H) last states, or the top
        layer's output sequence (T, N, D*H) with ``return_sequences`` -- the
        per-layer caches and the logits. Dropout masks come from ``dropout``
        (a ``SequenceDropout``, training); None means no dropout (prediction).
        ``state0`` (one direction only): each layer's initial state, as its
        cell's ``final_state`` gives it; None starts from zeros.
        """
        W = self.unpack(params)
        H, D = self.hidden_size, self.n_directions
        T, N, _ = X.shape
        steps = _Steps(T, N, lengths)
        caches = []
        inp = X
        for layer in range(self.num_layers):
            top = layer == self.num_layers - 1
            # many-to-one: the head reads last states, not the top sequence
            keep = not top or self.return_sequences
            out = np.empty((T, N, D * H), dtype=params.dtype) if keep else None
            layer_caches = []
            for direction in range(D):
                sfx = f"_l{layer}" + ("_reverse" if direction else "")
                x = inp if direction == 0 else steps.reverse(inp)
                W_in, b_in, _ = self.cell.input_layout(
                    W["weight_ih" + sfx], W["bias_ih" + sfx], W["bias_hh" + sfx]
                )
                # one GEMM gives x W_in^T + b_in: x with a column of ones
                # against [W_in, b_in] (no pass over XW for the bias; numpy's
                # GEMM with one input feature is also 10x slower than with two)
                x = _with_ones(x)
                XW = (x @ np.column_stack([W_in, b_in]).T).reshape(T, N, -1)
                hs, cache = self.cell.forward(
                    XW, W["weight_hh" + sfx], W["bias_hh" + sfx],
                    None if state0 is None else state0[layer], train,
                )
                if keep:
                    out[:, :, direction * H : (direction + 1) * H] = (
                        hs if direction == 0 else steps.reverse(hs)
                    )
                layer_caches.append((x, cache, hs))
            mask = None
            if not top and self.dropout and dropout is not None:
                # PyTorch's dropout between layers: zero with probability p,
                # scale the rest by 1 / (1 - p)
                keep_p = 1.0 - self.dropout
                mask = (dropout.uniform(out.shape) < keep_p).astype(params.dtype)
                mask /= keep_p
                out *= mask
            caches.append((layer_caches, mask))
            inp = out
        if self.return_sequences:
            feat = inp
        else:
            # last forward state, and the backward direction's state after
            # reading the whole sequence (its own last step): PyTorch's h_n
            top_caches = caches[-1][0]
            feat = np.concatenate([steps.last(c[2]) for c in top_caches], axis=1) \
                if D > 1 else steps.last(top_caches[0][2])
        logits = feat @ W["head.weight"].T + W["head.bias"]
        return feat, caches, logits

    def predict(self, params, X, lengths=None, window=None):
        """Output activations for time-major X (T, N, F), without dropout.

        Shape (N, n_outputs), or (T, N, n_outputs) with ``return_sequences``
        (values at padded steps are meaningless). With ``window`` (one
        direction only), run windows of that many steps, each from the states
        the previous one ended in: the same numbers, with memory growing with
        the window instead of T (very long sequences).
        """
        T, N, _ = X.shape
        if window is None or window >= T or self.n_directions > 1:
            _, _, z = self._forward(params, X, lengths=lengths, train=False)
            return _activate(z, self.out_activation)
        W = self.unpack(params)
        last = np.full(N, T - 1) if lengths is None else np.asarray(lengths) - 1
        feat = None if self.return_sequences else np.empty(
            (N, self.hidden_size), dtype=params.dtype)
        zs, state = [], None
        for s in range(0, T, window):
            # every sequence runs every window: steps past a sequence's end are
            # padding, whose states are never read
            _, caches, z = self._forward(params, X[s : s + window], state0=state,
                                         train=False)
            state = self._final_states(caches)
            if self.return_sequences:
                zs.append(z)
            else:  # the sequences whose last step is in this window
                ends = (last >= s) & (last < s + window)
                top = caches[-1][0][0][2]  # top layer's states in this window
                feat[ends] = top[last[ends] - s, np.flatnonzero(ends)]
        z = np.concatenate(zs) if self.return_sequences else (
            feat @ W["head.weight"].T + W["head.bias"])
        return _activate(z, self.out_activation)

    # ------------------------------------------------------------ loss & grad
    def loss_and_grad(
        self, params, X, y, sample_weight=None, alpha=0.0, dropout=None, lengths=None,
        step_weight=None, bptt_steps=None,
    ):
        """Loss (see module docstring) and its gradient w.r.t. ``params``.

        Parameters
        ----------
        params : ndarray of shape (size,)
        X : ndarray of shape (T, N, F), time-major
        y : ndarray of shape (N, n_outputs), or (T, N, n_outputs) with return_sequences
            Targets; 0/1 indicators for the logistic and softmax outputs.
        sample_weight : ndarray of shape (N,) or None
            Weight of each sequence (all its steps).
        alpha : float
            L2 penalty.
        dropout : SequenceDropout or None
            Source of the dropout masks; None disables dropout.
        lengths : ndarray of shape (N,) or None
            Valid steps of each sequence (padding at the end); padded steps
            do not count in the loss (y there is ignored but must be finite).
        step_weight : ndarray of shape (T, N) or None
            With ``return_sequences``, a factor on each step's loss on top of
            its sequence's weight (per-step class weights); S is unchanged.
        bptt_steps : int or None
            Truncated BPTT: run the batch in windows of this many steps, each
            starting from the state the previous one ended in, with no
            gradient flowing back across a window's start (see
            ``_truncated``). None, or >= T: full BPTT.

        Returns
        -------
        loss : float
        grad : ndarray of shape (size,), dtype of ``params``
        """
        if bptt_steps is not None and X.shape[0] > bptt_steps:
            return self._truncated(
                params, X, y, sample_weight, alpha, dropout, lengths, step_weight,
                bptt_steps,
            )
        loss, grad, _ = self._loss_grad_state(
            params, X, y, sample_weight, alpha, dropout, lengths, step_weight
        )
        return loss, grad

    def _truncated(self, params, X, y, sample_weight, alpha, dropout, lengths,
                   step_weight, k):
        """Truncated BPTT over windows of ``k`` steps: [0, k), [k, 2k), ...

        Each window runs the sequences that still have steps in it, from the
        states the previous window ended in (held fixed: no gradient flows
        into them), and back-propagates within the window only. The loss
        terms are the full loss's, split by window -- the per-step terms of
        the window's steps, or, many-to-one, the terms of the sequences whose
        last step falls in the window -- all normalised by the whole batch's
        S, and the penalty is added once; the loss is therefore exact and
        the gradient is the full one without the paths longer than a window.
        Memory grows with k, not T.
        """
        if self.n_directions > 1:
            raise ValueError(
                "Truncated BPTT (bptt_steps) needs bidirectional=False: a "
                "backward direction reads each sequence from its end."
            )
        T, N, _ = X.shape
        L = np.full(N, T) if lengths is None else np.asarray(lengths)
        w = np.ones(N, dtype=params.dtype) if sample_weight is None else sample_weight
        S = w.sum()
        loss, grad = 0.0, np.zeros_like(params)
        active = np.arange(N)
        state, penalty = None, alpha  # the penalty is added once
        for s in range(0, T, k):
            still = L[active] > s
            if not still.all():  # sequences that ended: their state is not needed
                active = active[still]
                state = [_select_rows(st, still) for st in state]
            Lw = np.minimum(L[active] - s, k)
            Tw = int(Lw.max())
            Xw = X[s : s + Tw, active]
            drop = None if dropout is None else SequenceDropout(
                dropout.keys[active], dropout.rng)
            if self.return_sequences:
                yw, ww = y[s : s + Tw, active], w[active]
                stepw = None if step_weight is None else step_weight[s : s + Tw, active]
            else:  # the sequences whose last step is in this window
                yw, ww, stepw = y[active], w[active] * (L[active] - s <= k), None
            lw = None if (Lw == Tw).all() else Lw
            if not ww.any():  # no loss term here: the states are all it gives
                _, caches, _ = self._forward(params, Xw, drop, lw, state)
                state = self._final_states(caches)
                continue
            part, g, state = self._loss_grad_state(
                params, Xw, yw, ww, penalty, drop, lw, stepw, state, S, want_state=True
            )
            penalty = 0.0
            loss += part
            grad += g
        return float(loss), grad

    def _final_states(self, caches):
        """Each layer's state after the last step (one direction)."""
        return [self.cell.final_state(layer_caches[0][1])
                for layer_caches, _ in caches]

    def _loss_grad_state(self, params, X, y, sample_weight, alpha, dropout, lengths,
                         step_weight, state0=None, S=None, want_state=False):
        """loss_and_grad, from initial states ``state0``, normalised by ``S``
        (default: the batch's weight), also returning the final states."""
        W = self.unpack(params)
        H, D, K = self.hidden_size, self.n_directions, self.n_outputs
        T, N, _ = X.shape
        feat, caches, z = self._forward(params, X, dropout, lengths, state0)
        steps = _Steps(T, N, lengths)

        w = np.ones(N, dtype=params.dtype) if sample_weight is None else sample_weight
        if S is None:
            S = w.sum()
        # one row per (step,) sequence; every step of sequence i weighs w_i
        z2, y2 = z.reshape(-1, K), y.reshape(-1, K)
        w2 = w
        if self.return_sequences:
            w2 = np.broadcast_to(w, (T, N)) if lengths is None else w * steps.valid
            if step_weight is not None:
                w2 = w2 * step_weight
            w2 = np.ascontiguousarray(w2, dtype=params.dtype).ravel()
        # dL/dz for the canonical link of each output: (p - y) * w / S (/ K)
        if self.out_activation == "identity":
            diff = z2 - y2
            loss = 0.5 * np.dot(w2, np.einsum("ik,ik->i", diff, diff)) / (S * K)
            dz = diff * (w2 / (S * K))[:, None]
        elif self.out_activation == "logistic":
            per = np.logaddexp(0, z2) - y2 * z2  # -[y log p + (1-y) log(1-p)]
            loss = np.dot(w2, per.sum(axis=1)) / S
            dz = (_activate(z2, "logistic") - y2) * (w2 / S)[:, None]
        else:
            lse = logsumexp(z2, axis=1)
            loss = np.dot(w2, lse - np.einsum("ik,ik->i", y2, z2)) / S
            dz = (np.exp(z2 - lse[:, None]) - y2) * (w2 / S)[:, None]
        dz = dz.astype(params.dtype, copy=False)

        grad = np.zeros_like(params)
        G = self.unpack(grad)
        G["head.weight"][...] = dz.T @ feat.reshape(-1, D * H)
        G["head.bias"][...] = dz.sum(axis=0)
        dfeat = (dz @ W["head.weight"]).reshape(feat.shape)

        # gradient w.r.t. the output sequence of the layer being processed
        d_out = dfeat if self.return_sequences else None
        for layer in range(self.num_layers - 1, -1, -1):
            layer_caches, mask = caches[layer]
            if mask is not None:
                d_out *= mask
            d_in = None
            for direction in range(D):
                sfx = f"_l{layer}" + ("_reverse" if direction else "")
                x, cache, _ = layer_caches[direction]
                sl = slice(direction * H, (direction + 1) * H)
                if d_out is None and lengths is None:  # top layer, many-to-one
                    dh_last, dhs = dfeat[:, sl], None
                elif d_out is None:  # many-to-one, each sequence's last step
                    dh_last, dhs = None, steps.at_last(dfeat[:, sl])
                else:
                    dh_last = None
                    dhs = d_out[:, :, sl] if direction == 0 else steps.reverse(d_out[:, :, sl])
                W_ih, W_hh = W["weight_ih" + sfx], W["weight_hh" + sfx]
                dXW, dW_hh, db_hh = self.cell.backward(cache, W_hh, dh_last, dhs)
                dXW2 = dXW.reshape(T * N, -1)
                # dXW's columns are in the cell's internal order (input_layout);
                # x's column of ones makes the GEMM's last column db_ih
                order = self.cell.input_layout(W_ih, None, None)[2]
                rows = slice(None) if order is None else order
                dWb = dXW2.T @ x
                G["weight_ih" + sfx][rows] = dWb[:, :-1]
                G["bias_ih" + sfx][rows] = dWb[:, -1]
                G["weight_hh" + sfx][...] = dW_hh
                # None: b_hh enters as b_ih does, so their gradients are equal
                G["bias_hh" + sfx][...] = G["bias_ih" + sfx] if db_hh is None else db_hh
                if layer > 0:
                    dx = (dXW2 @ W_ih[rows]).reshape(T, N, -1)
                    if direction == 1:
                        dx = steps.reverse(dx)
                    d_in = dx if d_in is None else d_in + dx
            d_out = d_in

        if alpha:
            pw = np.where(self.penalised, params, 0)
            loss += 0.5 * alpha * np.dot(pw, pw) / S
            grad += (alpha / S) * pw
        return float(loss), grad, self._final_states(caches) if want_state else None


def _with_ones(x):
    """(T, N, F) -> (T * N, F + 1): x's rows with a last column of ones."""
    xa = np.empty((x.shape[0] * x.shape[1], x.shape[2] + 1), dtype=x.dtype)
    xa[:, :-1] = x.reshape(xa.shape[0], -1)
    xa[:, -1] = 1
    return xa


def _select_rows(state, rows):
    """A cell state (array, or tuple of arrays) for the sequences ``rows``."""
    if isinstance(state, tuple):
        return tuple(part[rows] for part in state)
    return state[rows]


class SequenceDropout:
    """Dropout masks for a batch, drawn per sequence from its content.

    The uniform number behind each mask entry is a hash (splitmix64) of the
    sequence's ``key`` -- a digest of its values -- the time step, the unit
    and a seed drawn from ``rng`` for every mask. Masks are thus independent
    across sequences, steps, units and batches, as PyTorch's, but do not
    depend on where a sequence sits in its batch, and identical sequences get
    identical masks: a sequence of weight 2 trains exactly as two copies.

    Parameters
    ----------
    keys : ndarray of shape (N,), uint64
        One key per sequence of the batch: a digest of its content.
    rng : numpy.random.RandomState
        Draws one 64-bit seed per mask.
    """

    def __init__(self, keys, rng):
        self.keys = np.asarray(keys, dtype=np.uint64)
        self.rng = rng

    def uniform(self, shape):
        """Uniform numbers in [0, 1) of shape (T, N, units)."""
        T, N, U = shape
        seed = self.rng.randint(2**63, dtype=np.uint64)
        t = np.arange(T, dtype=np.uint64)[:, None, None] * np.uint64(0x9E3779B97F4A7C15)
        u = np.arange(U, dtype=np.uint64)[None, None, :] * np.uint64(0xD1B54A32D192ED03)
        z = (self.keys[None, :, None] ^ seed) + t + u
        z ^= z >> np.uint64(30)
        z *= np.uint64(0xBF58476D1CE4E5B9)
        z ^= z >> np.uint64(27)
        z *= np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
        return (z >> np.uint64(11)) * 2.0**-53


class _Steps:
    """Time indexing of a padded batch: each sequence's valid steps first.

    With ``lengths=None`` every step is valid and these are plain slices.
    """

    def __init__(self, T, N, lengths):
        self.lengths = lengths
        if lengths is not None:
            t = np.arange(T)[:, None]
            self.valid = t < lengths[None, :]  # (T, N)
            # step read at t when reversing each sequence within its length;
            # padding stays in place: a permutation that is its own inverse
            self.rev = np.where(self.valid, lengths[None, :] - 1 - t, t)
            self.cols = np.arange(N)[None, :]

    def reverse(self, a):
        """(T, N, ...) reversed in time within each sequence's length."""
        if self.lengths is None:
            return np.ascontiguousarray(a[::-1])
        return a[self.rev, self.cols]

    def last(self, hs):
        """(T, N, H) -> (N, H): each sequence's state at its last valid step."""
        if self.lengths is None:
            return hs[-1]
        return hs[self.lengths - 1, self.cols[0]]

    def at_last(self, dh):
        """(N, H) -> (T, N, H): zero but at each sequence's last valid step."""
        out = np.zeros((self.valid.shape[0],) + dh.shape, dtype=dh.dtype)
        out[self.lengths - 1, self.cols[0]] = dh
        return out


def _activate(z, out_activation):
    if out_activation == "identity":
        return z
    if out_activation == "logistic":
        # 0.5 * tanh(0.5 z) + 0.5 is the logistic function without overflow
        return 0.5 * np.tanh(0.5 * z) + 0.5
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
