"""The network: recurrent layers, a readout, a linear head and the loss, on ONE flat vector.

``RNNNetwork`` knows the parameter layout (PyTorch's names and shapes, in
PyTorch's ``state_dict`` order), initialises the flat vector, predicts, and
computes ``loss_and_grad`` -- the single entry point every solver calls.

Many-to-one, the head reads one vector per sequence, the readout (``pooling``)
of the top layer's outputs: the last states (PyTorch's ``h_n``), or the mean,
the maximum or an attention-weighted sum over each sequence's valid steps
(see ``MeanPooling``, ``MaxPooling``, ``AttentionPooling``).

Loss, with w_i the sample weights (all ones by default) and S = sum_i w_i:

* identity output, squared error (MLPRegressor's ``loss_``)::

      L = 1 / (2 S K) * sum_i w_i * sum_k (y_ik - p_ik)**2      K = n_outputs

  or, chosen by the network's ``loss`` (RNNRegressor's ``loss``), the mean
  absolute error or the pinball loss of level q (subgradient 0 at the kink)::

      L = 1 / (S K) * sum_i w_i * sum_k |y_ik - p_ik|
      L = 1 / (S K) * sum_i w_i * sum_k rho_q(y_ik - p_ik)
      rho_q(u) = q max(u, 0) + (1 - q) max(-u, 0)

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

from typing import NamedTuple

import numpy as np
from scipy.special import logsumexp

from ._cells import CELLS

INIT_SCHEMES = ("uniform", "orthogonal")


class RNNNetwork:
    """Recurrent layers + readout + linear head + loss, on one flat vector.

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
    pooling : {"last", "mean", "max", "attention"}
        Many-to-one readout of the top layer: its last states (PyTorch's
        ``h_n``: bidirectional, the backward direction's state after reading
        the whole sequence), or the mean, elementwise maximum or attention-
        weighted sum of its output sequence (PyTorch's ``output``: step t is
        ``[h_fwd_t, h_bwd_t]``) over each sequence's valid steps. Only
        "last" with ``return_sequences``. "attention" adds ``pool.weight``
        to the layout, before ``head.weight``.
    loss : object or None
        The loss of the identity output: a value of ``REGRESSION_LOSSES``
        (see ``regression_loss``), anything with ``loss_grad(z, y, w, S)``.
        None: the output activation's own loss, ``LOSSES[out_activation]``.
        Training-only: it may change between fits (warm start).
    """

    #: None for networks pickled before ``loss`` existed: LOSSES decides
    loss = None

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
        pooling="last",
        loss=None,
    ):
        if out_activation not in OUTPUT_ACTIVATIONS:
            raise ValueError(f"unknown out_activation {out_activation!r}")
        if loss is not None and out_activation != "identity":
            raise ValueError(
                f"A loss other than the output's own needs out_activation='identity', "
                f"got {out_activation!r}."
            )
        if pooling != "last" and pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {['last', *POOLINGS]}, got {pooling!r}.")
        if return_sequences and pooling != "last":
            raise ValueError(
                f"pooling={pooling!r} needs return_sequences=False: with "
                "return_sequences the head reads every step, there is nothing "
                "to pool. Use pooling='last' (the default)."
            )
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
        self.pooling = pooling
        self.loss = loss
        # None: the head reads the last states (see _readout)
        self.readout = POOLINGS[pooling]() if pooling != "last" else None
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
        """List of (name, offset, shape) in PyTorch's state_dict order, then
        the readout's parameters (if any), then the head's."""
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
        for name, shape in () if self.readout is None else self.readout.params(D * H):
            add(name, shape)
        add("head.weight", (self.n_outputs, D * H))
        add("head.bias", (self.n_outputs,))
        return layout

    def unpack(self, flat):
        """Dict name -> view of ``flat`` with the parameter's shape."""
        return {
            name: flat[off : off + int(np.prod(shape))].reshape(shape)
            for name, off, shape in self.layout
        }

    def init_params(self, rng, dtype, scheme="uniform"):
        """A new flat parameter vector, drawn from ``rng`` in layout order.

        ``scheme="uniform"``: PyTorch's initialisation, U(-k, k) for every
        array, k = 1/sqrt(H) in the recurrent layers and 1/sqrt(D*H) in the
        readout and the head (nn.Linear's, fan_in D*H).

        ``scheme="orthogonal"``: Keras's defaults for recurrent layers
        (``glorot_uniform`` kernel, ``orthogonal`` recurrent kernel, zero
        biases, ``unit_forget_bias``):

        * ``weight_ih`` and every other weight matrix but ``weight_hh``:
          Glorot uniform, U(-l, l), l = sqrt(6 / (fan_in + fan_out)), e.g.
          sqrt(6 / (n_in + G*H)) for Keras's (n_in, G*H) input kernel;
        * ``weight_hh``: Keras's recurrent kernel K, (H, G*H) with orthonormal
          rows, in PyTorch's (G*H, H) layout K.T (see ``_orthogonal``):
          ``W_hh.T @ W_hh = I_H``, for each layer and direction;
        * biases 0, except the LSTM's forget-gate block of ``bias_ih`` (the
          cell's ``forget_gate``), 1: b_ih + b_hh is then Keras's bias.
        """
        if scheme not in INIT_SCHEMES:
            raise ValueError(f"scheme must be one of {INIT_SCHEMES}, got {scheme!r}.")
        flat = np.empty(self.size, dtype=dtype)
        if scheme == "orthogonal":
            return self._init_orthogonal(rng, flat)
        k_rnn = 1.0 / np.sqrt(self.hidden_size)
        k_head = 1.0 / np.sqrt(self.n_directions * self.hidden_size)
        for name, view in self.unpack(flat).items():
            k = k_head if name.startswith(("head.", "pool.")) else k_rnn
            view[...] = rng.uniform(-k, k, size=view.shape)
        return flat

    def _init_orthogonal(self, rng, flat):
        """``init_params(scheme="orthogonal")``, into ``flat``."""
        H, forget = self.hidden_size, self.cell.forget_gate
        flat[...] = 0
        for name, view in self.unpack(flat).items():
            if name.startswith("weight_hh"):
                view[...] = _orthogonal(rng, view.shape)
            elif "weight" in name:
                fan_out, fan_in = view.shape
                limit = np.sqrt(6.0 / (fan_in + fan_out))
                view[...] = rng.uniform(-limit, limit, size=view.shape)
            elif name.startswith("bias_ih") and forget is not None:
                view[forget * H : (forget + 1) * H] = 1
        return flat

    def params_from(self, weights, dtype):
        """Flat vector from a dict of arrays under the layout's names.

        ``weights`` must hold exactly the layout's names (PyTorch's
        ``state_dict`` of the recurrent module plus ``head.weight`` and
        ``head.bias``, and ``pool.weight`` with attention pooling), each of
        the layout's shape; torch tensors are accepted (anything
        ``np.asarray`` reads).
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
            if value.dtype.kind not in "iuf":
                raise TypeError(
                    f"weights_init[{name!r}] holds {value.dtype} values; expected real "
                    "numbers (a float array, or a torch tensor)."
                )
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
    def _layers(self, params, X, dropout=None, lengths=None, state0=None, train=True):
        """Run the layers on time-major X (T, N, F): a ``_Layer`` per layer.

        ``lengths`` (N,) gives each sequence's number of valid steps (padding
        at the end, any finite values); None means all T are valid. A
        forward direction needs no masking: its state at t depends only on
        steps <= t, so the head reads each sequence's last valid step. The
        backward direction reads each sequence reversed within its own
        length, so it starts at that sequence's last valid step.

        Dropout masks come from ``dropout`` (a ``SequenceDropout``,
        training); None means no dropout (prediction). ``state0`` (one
        direction only): each layer's initial state, as its cell's
        ``final_state`` gives it; None starts from zeros.
        """
        W = self.unpack(params)
        H, D = self.hidden_size, self.n_directions
        T, N, _ = X.shape
        steps = _Steps(T, N, lengths)
        caches = []
        inp = X
        for layer in range(self.num_layers):
            top = layer == self.num_layers - 1
            # many-to-one, last states: the head does not read the top sequence
            keep = not top or self.return_sequences or self.readout is not None
            out = np.empty((T, N, D * H), dtype=params.dtype) if keep else None
            directions = []
            for direction in range(D):
                sfx = f"_l{layer}" + ("_reverse" if direction else "")
                x = inp if direction == 0 else steps.reverse(inp)
                W_in, b_in = self.cell.input_layout(
                    W["weight_ih" + sfx], W["bias_ih" + sfx], W["bias_hh" + sfx]
                )
                # one GEMM gives x W_in^T + b_in: x with a column of ones
                # against [W_in, b_in] (no pass over XW for the bias; numpy's
                # GEMM with one input feature is also 10x slower than with two)
                x = _with_ones(x)
                XW = (x @ np.column_stack([W_in, b_in]).T).reshape(T, N, -1)
                hs, cache = self.cell.forward(
                    XW,
                    W["weight_hh" + sfx],
                    W["bias_hh" + sfx],
                    None if state0 is None else state0[layer],
                    train,
                )
                if keep:
                    out[:, :, direction * H : (direction + 1) * H] = (
                        hs if direction == 0 else steps.reverse(hs)
                    )
                directions.append(_Direction(x, cache, hs))
            mask = None
            if not top and self.dropout and dropout is not None:
                # PyTorch's dropout between layers: zero with probability p,
                # scale the rest by 1 / (1 - p)
                keep_p = 1.0 - self.dropout
                mask = (dropout.uniform(out.shape) < keep_p).astype(params.dtype)
                mask /= keep_p
                out *= mask
            caches.append(_Layer(directions, mask, out))
            inp = out
        return caches

    def _forward(self, params, X, dropout=None, lengths=None, state0=None, train=True):
        """The layers (``_layers``), the readout and the head on X (T, N, F).

        Returns the head's input ``feat`` -- (N, D*H), the readout of the top
        layer, or its output sequence (T, N, D*H) with ``return_sequences``
        -- the per-layer caches and the logits.
        """
        W = self.unpack(params)
        caches = self._layers(params, X, dropout, lengths, state0, train)
        feat = self._readout(W, caches, _Steps(X.shape[0], X.shape[1], lengths))
        return feat, caches, _head(W, feat)

    def _readout(self, W, caches, steps):
        """What the head reads: the top sequence, its pooling, or last states."""
        top = caches[-1]
        if self.return_sequences:
            return top.out
        if self.readout is not None:
            return self.readout.forward(top.out, steps.mask(), W)
        # last forward state, and the backward direction's state after
        # reading the whole sequence (its own last step): PyTorch's h_n
        if self.n_directions > 1:
            return np.concatenate([steps.last(d.hs) for d in top.directions], axis=1)
        return steps.last(top.directions[0].hs)

    def predict(self, params, X, lengths=None, window=None, logits=False):
        """Output activations (or, with ``logits``, the head's values before
        the output activation) for time-major X (T, N, F), without dropout.

        Shape (N, n_outputs), or (T, N, n_outputs) with ``return_sequences``
        (values at padded steps are meaningless). With ``window`` (one
        direction only), run windows of that many steps, each from the states
        the previous one ended in: the same numbers (to rounding, for the
        mean and attention readouts), with memory growing with the window
        instead of T (very long sequences).
        """
        T, N, _ = X.shape
        if window is None or window >= T or self.n_directions > 1:
            _, _, z = self._forward(params, X, lengths=lengths, train=False)
        else:
            z = self._windowed_logits(params, X, lengths, window)
        return z if logits else OUTPUT_ACTIVATIONS[self.out_activation](z)

    def _windowed_logits(self, params, X, lengths, window):
        """``predict``'s logits, in windows of steps (one direction)."""
        W = self.unpack(params)
        T, N, _ = X.shape
        L = np.full(N, T) if lengths is None else np.asarray(lengths)
        many_to_one_last = not self.return_sequences and self.readout is None
        feat = np.empty((N, self.hidden_size), params.dtype) if many_to_one_last else None
        acc = (
            None
            if self.readout is None
            else self.readout.begin((N, self.hidden_size), params.dtype)
        )
        zs, state = [], None
        for s in range(0, T, window):
            # every sequence runs every window: steps past a sequence's end are
            # padding, masked out or never read
            caches = self._layers(params, X[s : s + window], state0=state, train=False)
            state = self._final_states(caches)
            top = caches[-1]
            if self.return_sequences:
                zs.append(_head(W, top.out))
            elif self.readout is not None:
                valid = np.arange(s, s + len(top.out))[:, None] < L[None, :]
                acc = self.readout.update(acc, top.out, valid, W)
            else:  # the sequences whose last step is in this window
                last = L - 1
                ends = (last >= s) & (last < s + window)
                feat[ends] = top.directions[0].hs[last[ends] - s, np.flatnonzero(ends)]
        if self.return_sequences:
            return np.concatenate(zs)
        return _head(W, feat if acc is None else self.readout.end(acc))

    # ------------------------------------------------------------ loss & grad
    def loss_function(self):
        """The loss trained: ``loss``, or the output activation's own."""
        return LOSSES[self.out_activation] if self.loss is None else self.loss

    def loss_and_grad(
        self,
        params,
        X,
        y,
        *,
        sample_weight=None,
        alpha=0.0,
        dropout=None,
        lengths=None,
        step_weight=None,
        bptt_steps=None,
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
            ``_truncated``). None, or >= T: full BPTT. Needs
            ``pooling="last"``.

        Returns
        -------
        loss : float
        grad : ndarray of shape (size,), dtype of ``params``
        """
        if bptt_steps is not None and self.readout is not None:
            raise ValueError(
                f"bptt_steps needs pooling='last', got pooling={self.pooling!r}: "
                "a pooled readout reads every step of a sequence, so its "
                "gradient does not split into windows. Set bptt_steps=None "
                "or pooling='last'."
            )
        if bptt_steps is not None and X.shape[0] > bptt_steps:
            return self._truncated(
                params,
                X,
                y,
                sample_weight=sample_weight,
                alpha=alpha,
                dropout=dropout,
                lengths=lengths,
                step_weight=step_weight,
                k=bptt_steps,
            )
        loss, grad, _ = self._loss_grad_state(
            params,
            X,
            y,
            sample_weight=sample_weight,
            alpha=alpha,
            dropout=dropout,
            lengths=lengths,
            step_weight=step_weight,
        )
        return loss, grad

    def _truncated(self, params, X, y, *, sample_weight, alpha, dropout, lengths, step_weight, k):
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
            drop = None if dropout is None else SequenceDropout(dropout.keys[active], dropout.rng)
            if self.return_sequences:
                yw, ww = y[s : s + Tw, active], w[active]
                stepw = None if step_weight is None else step_weight[s : s + Tw, active]
            else:  # the sequences whose last step is in this window
                yw, ww, stepw = y[active], w[active] * (L[active] - s <= k), None
            lw = None if (Lw == Tw).all() else Lw
            if not ww.any():  # no loss term here: the states are all it gives
                state = self._final_states(self._layers(params, Xw, drop, lw, state))
                continue
            part, g, state = self._loss_grad_state(
                params,
                Xw,
                yw,
                sample_weight=ww,
                alpha=penalty,
                dropout=drop,
                lengths=lw,
                step_weight=stepw,
                state0=state,
                S=S,
                want_state=True,
            )
            penalty = 0.0
            loss += part
            grad += g
        return float(loss), grad

    def _final_states(self, caches):
        """Each layer's state after the last step (one direction)."""
        return [self.cell.final_state(layer.directions[0].cache) for layer in caches]

    def _loss_grad_state(
        self,
        params,
        X,
        y,
        *,
        sample_weight,
        alpha,
        dropout,
        lengths,
        step_weight,
        state0=None,
        S=None,
        want_state=False,
    ):
        """loss_and_grad, from initial states ``state0``, normalised by ``S``
        (default: the batch's weight), also returning the final states."""
        W = self.unpack(params)
        T, N, _ = X.shape
        feat, caches, z = self._forward(params, X, dropout, lengths, state0)
        steps = _Steps(T, N, lengths)

        w = np.ones(N, dtype=params.dtype) if sample_weight is None else sample_weight
        if S is None:
            S = w.sum()
        # one row per (step,) sequence; every step of sequence i weighs w_i
        w2 = w
        if self.return_sequences:
            w2 = np.broadcast_to(w, (T, N)) if lengths is None else w * steps.valid
            if step_weight is not None:
                w2 = w2 * step_weight
            w2 = np.ascontiguousarray(w2, dtype=params.dtype).ravel()
        K = self.n_outputs
        loss, dz = self.loss_function().loss_grad(z.reshape(-1, K), y.reshape(-1, K), w2, S)
        dz = dz.astype(params.dtype, copy=False)

        grad = np.zeros_like(params)
        G = self.unpack(grad)
        d_out, dfeat = self._head_backward(W, G, dz, feat, caches, steps)
        self._layers_backward(W, G, caches, d_out, dfeat, steps)

        if alpha:
            pw = np.where(self.penalised, params, 0)
            loss += 0.5 * alpha * np.dot(pw, pw) / S
            grad += (alpha / S) * pw
        return float(loss), grad, self._final_states(caches) if want_state else None

    def _head_backward(self, W, G, dz, feat, caches, steps):
        """Head and readout gradients (into ``G``) from dL/dlogits ``dz``.

        Returns ``(d_out, dfeat)``: dL/d(top layer's output sequence)
        (T, N, D*H) -- per step with ``return_sequences``, through the
        readout's backward when pooled -- or None when the head reads last
        states, whose gradient is then ``dfeat`` (N, D*H).
        """
        D, H = self.n_directions, self.hidden_size
        G["head.weight"][...] = dz.T @ feat.reshape(-1, D * H)
        G["head.bias"][...] = dz.sum(axis=0)
        dfeat = (dz @ W["head.weight"]).reshape(feat.shape)
        if self.return_sequences:
            return dfeat, dfeat
        if self.readout is not None:
            return self.readout.backward(caches[-1].out, steps.mask(), W, dfeat, G), dfeat
        return None, dfeat

    def _layers_backward(self, W, G, caches, d_out, dfeat, steps):
        """BPTT down the layers, gradients into ``G``.

        ``d_out``: dL/d(top layer's output sequence), or None when the head
        reads last states and ``dfeat`` (N, D*H) is their gradient.
        """
        H, D = self.hidden_size, self.n_directions
        T, N = steps.T, steps.N
        for layer in range(self.num_layers - 1, -1, -1):
            cache = caches[layer]
            if cache.mask is not None:
                d_out *= cache.mask
            d_in = None
            for direction in range(D):
                sfx = f"_l{layer}" + ("_reverse" if direction else "")
                x, cell_cache, _ = cache.directions[direction]
                sl = slice(direction * H, (direction + 1) * H)
                if d_out is None and steps.lengths is None:  # top layer, last states
                    dh_last, dhs = dfeat[:, sl], None
                elif d_out is None:  # last states, each sequence's last step
                    dh_last, dhs = None, steps.at_last(dfeat[:, sl])
                else:
                    dh_last = None
                    dhs = d_out[:, :, sl] if direction == 0 else steps.reverse(d_out[:, :, sl])
                W_ih, W_hh = W["weight_ih" + sfx], W["weight_hh" + sfx]
                dXW, dW_hh, db_hh = self.cell.backward(cell_cache, W_hh, dh_last, dhs)
                dXW2 = dXW.reshape(T * N, -1)
                # dXW's columns are in the cell's internal order (gate_order);
                # x's column of ones makes the GEMM's last column db_ih
                order = self.cell.gate_order(H)
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


def _head(W, feat):
    """The head's logits: feat @ W_head.T + b_head."""
    return feat @ W["head.weight"].T + W["head.bias"]


def _orthogonal(rng, shape):
    """A (rows, cols) matrix, rows >= cols, with orthonormal columns (Keras's
    ``Orthogonal`` initializer, transposed into PyTorch's layout).

    QR of a standard normal (rows, cols) matrix A = Q R (reduced: Q is
    (rows, cols)), then each column of Q times the sign of R's diagonal
    entry, which makes the factorisation unique and Q uniformly (Haar)
    distributed. Keras's recurrent kernel (H, G*H) is Q.T, orthonormal
    rows; PyTorch's W_hh (G*H, H) is Q, with W_hh.T @ W_hh = I_H.
    """
    q, r = np.linalg.qr(rng.normal(size=shape))
    return q * np.where(np.diag(r) < 0, -1.0, 1.0)


class _Direction(NamedTuple):
    """One direction of one layer after forward."""

    x: np.ndarray  # (T*N, n_in + 1): the layer's input, with a column of ones
    cache: object  # the cell's, for backward
    hs: np.ndarray  # (T, N, H): states, in the direction's own time order


class _Layer(NamedTuple):
    """One layer after forward."""

    directions: list  # a _Direction per direction
    mask: object  # dropout mask on ``out`` (T, N, D*H), or None
    out: object  # (T, N, D*H) output sequence, or None when nothing reads it


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
        self.T, self.N = T, N
        self.lengths = lengths
        if lengths is not None:
            t = np.arange(T)[:, None]
            self.valid = t < lengths[None, :]  # (T, N)
            # step read at t when reversing each sequence within its length;
            # padding stays in place: a permutation that is its own inverse
            self.rev = np.where(self.valid, lengths[None, :] - 1 - t, t)
            self.cols = np.arange(N)[None, :]

    def mask(self):
        """(T, N) bool: True at the valid steps."""
        if self.lengths is None:
            return np.ones((self.T, self.N), dtype=bool)
        return self.valid

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


# ----------------------------------------------------------------- readouts
#
# A readout pools the top layer's output sequence o (T, N, D*H) over each
# sequence's valid steps (``valid``, (T, N) bool) into feat (N, D*H). Forward
# is an accumulation -- ``begin``, ``update`` for each window of steps, ``end``
# -- so that windowed predict runs the same code; forward on a whole batch is
# one window. ``backward`` (whole batch) returns dL/do, zero at padded steps.


class _Acc(NamedTuple):
    """A readout's running statistics over the steps seen so far."""

    total: np.ndarray  # (N, D*H): sum, weighted sum or maximum of the o_t
    weight: object  # (N,): what ``total`` is divided by at the end, or None
    shift: object  # (N,): attention's running maximum score, or None


class _Pooling:
    """What every readout shares: no parameters, forward as one window."""

    def params(self, width):
        """(name, shape) of the readout's parameters in the layout."""
        return []

    def forward(self, o, valid, W):
        """feat (N, D*H) from the whole output sequence o (T, N, D*H)."""
        return self.end(self.update(self.begin(o.shape[1:], o.dtype), o, valid, W))

    def end(self, acc):
        return acc.total / acc.weight[:, None]


class MeanPooling(_Pooling):
    """Mean over the valid steps, L_n of them::

    feat_n  = (1 / L_n) sum_{t < L_n} o_tn
    do_tn   = [t < L_n] dfeat_n / L_n
    """

    def begin(self, shape, dtype):
        return _Acc(np.zeros(shape, dtype), np.zeros(shape[0], dtype), None)

    def update(self, acc, o, valid, W):
        total = acc.total + np.where(valid[:, :, None], o, 0).sum(axis=0)
        return _Acc(total, acc.weight + valid.sum(axis=0, dtype=o.dtype), None)

    def backward(self, o, valid, W, dfeat, G):
        L = valid.sum(axis=0, dtype=o.dtype)
        return np.where(valid[:, :, None], (dfeat / L[:, None])[None], 0)


class MaxPooling(_Pooling):
    """Elementwise maximum over the valid steps::

    feat_nj = max_{t < L_n} o_tnj
    do_tnj  = [t = t*_nj] dfeat_nj,   t*_nj = first t < L_n reaching the max
    """

    def begin(self, shape, dtype):
        return _Acc(np.full(shape, -np.inf, dtype), None, None)

    def update(self, acc, o, valid, W):
        window_max = np.where(valid[:, :, None], o, -np.inf).max(axis=0)
        return _Acc(np.maximum(acc.total, window_max), None, None)

    def end(self, acc):
        return acc.total

    def backward(self, o, valid, W, dfeat, G):
        first = np.where(valid[:, :, None], o, -np.inf).argmax(axis=0)  # ties: first
        do = np.zeros_like(o)
        np.put_along_axis(do, first[None], dfeat[None], axis=0)
        return do


class AttentionPooling(_Pooling):
    """Softmax-weighted sum over the valid steps, scores linear in o_t::

        s_tn     = o_tn . w                      w = pool.weight (1, D*H)
        a_tn     = exp(s_tn) / sum_{u < L_n} exp(s_un)    (0 at padded steps)
        feat_n   = sum_t a_tn o_tn

        g_tn     = dfeat_n . o_tn                (dL/da_tn)
        ds_tn    = a_tn (g_tn - sum_u a_un g_un)
        do_tn    = a_tn dfeat_n + ds_tn w
        dw       = sum_tn ds_tn o_tn

    No bias: one added to every score cancels in the softmax (its gradient
    would be 0). Forward accumulates an online softmax over windows: with m
    the running maximum score, ``total`` = sum_t exp(s_t - m) o_t and
    ``weight`` = sum_t exp(s_t - m), both rescaled by exp(m_old - m_new).
    """

    def params(self, width):
        return [("pool.weight", (1, width))]

    def begin(self, shape, dtype):
        return _Acc(
            np.zeros(shape, dtype), np.zeros(shape[0], dtype), np.full(shape[0], -np.inf, dtype)
        )

    def update(self, acc, o, valid, W):
        s = np.where(valid, o @ W["pool.weight"][0], -np.inf)
        m = np.maximum(acc.shift, s.max(axis=0))
        m0 = np.where(np.isfinite(m), m, 0)  # no valid step yet: all stays 0
        e = np.exp(s - m0)
        rescale = np.exp(acc.shift - m0)
        total = acc.total * rescale[:, None] + np.einsum("tn,tnj->nj", e, o)
        return _Acc(total, acc.weight * rescale + e.sum(axis=0), m)

    def backward(self, o, valid, W, dfeat, G):
        w = W["pool.weight"][0]
        s = np.where(valid, o @ w, -np.inf)
        a = np.exp(s - s.max(axis=0))
        a /= a.sum(axis=0)
        g = np.einsum("tnj,nj->tn", o, dfeat)
        ds = a * (g - (a * g).sum(axis=0))
        G["pool.weight"][0] = np.einsum("tn,tnj->j", ds, o)
        return a[:, :, None] * dfeat[None] + ds[:, :, None] * w


POOLINGS = {"mean": MeanPooling, "max": MaxPooling, "attention": AttentionPooling}


# ------------------------------------------- output activations and losses
#
# One entry per output activation, as scikit-learn's ACTIVATIONS and
# LOSS_FUNCTIONS: the loss is the one whose gradient through that activation
# is canonical, dL/dz = (p - y) * w / S (/ K for the squared error). The
# identity output may train another regression loss (REGRESSION_LOSSES).
# Each loss gives loss_grad(z, y, w, S), of_constant(p, y, w, S) (the loss of
# predicting p for every row) and best_constant(y, w) (the p of least loss).


def _identity(z):
    return z


def _logistic(z):
    # 0.5 * tanh(0.5 z) + 0.5 is the logistic function without overflow
    return 0.5 * np.tanh(0.5 * z) + 0.5


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


#: output activation -> function of the logits (any shape, classes last)
OUTPUT_ACTIVATIONS = {"identity": _identity, "logistic": _logistic, "softmax": _softmax}


class SquaredError:
    """Identity output: L = 1 / (2 S K) sum_i w_i sum_k (y_ik - z_ik)**2."""

    @staticmethod
    def loss_grad(z, y, w, S):
        """Loss of logits z (rows, K) against y, rows weighted by w; dL/dz."""
        K = z.shape[1]
        diff = z - y
        loss = 0.5 * np.dot(w, np.einsum("ik,ik->i", diff, diff)) / (S * K)
        return loss, diff * (w / (S * K))[:, None]

    @staticmethod
    def of_constant(p, y, w, S):
        """The loss of predicting the constant p (K,) for every row."""
        return w @ ((y - p) ** 2).sum(axis=1) / (2 * S * y.shape[1])

    @staticmethod
    def best_constant(y, w):
        """The constant (K,) of least loss: the weighted mean of y."""
        return (w @ y) / w.sum()


class BinaryLogLoss:
    """Logistic output, summed over outputs:
    L = -1 / S sum_i w_i sum_k [y_ik log p_ik + (1 - y_ik) log(1 - p_ik)]."""

    @staticmethod
    def loss_grad(z, y, w, S):
        per = np.logaddexp(0, z) - y * z  # -[y log p + (1-y) log(1-p)]
        loss = np.dot(w, per.sum(axis=1)) / S
        return loss, (_logistic(z) - y) * (w / S)[:, None]

    @staticmethod
    def of_constant(p, y, w, S):
        return w @ -(y * np.log(p) + (1 - y) * np.log(1 - p)).sum(axis=1) / S

    @staticmethod
    def best_constant(y, w):
        """The constant (K,) of least loss: the weighted label frequencies
        (clipped away from 0 and 1, where the log-loss is infinite)."""
        return np.clip((w @ y) / w.sum(), 1e-12, 1 - 1e-12)


class LogLoss:
    """Softmax output: L = -1 / S sum_i w_i log p_{i, y_i} (y one-hot)."""

    @staticmethod
    def loss_grad(z, y, w, S):
        lse = logsumexp(z, axis=1)
        loss = np.dot(w, lse - np.einsum("ik,ik->i", y, z)) / S
        return loss, (np.exp(z - lse[:, None]) - y) * (w / S)[:, None]

    @staticmethod
    def of_constant(p, y, w, S):
        return -(w @ (y @ np.log(p))) / S

    best_constant = staticmethod(BinaryLogLoss.best_constant)


#: output activation -> its loss
LOSSES = {"identity": SquaredError, "logistic": BinaryLogLoss, "softmax": LogLoss}


class PinballLoss:
    """Identity output, the pinball (quantile) loss of level q in (0, 1)::

        L = 1 / (S K) sum_i w_i sum_k rho_q(y_ik - z_ik)
        rho_q(u) = q max(u, 0) + (1 - q) max(-u, 0)

    Minimised by the q-quantile of y given the input (q = 0.5: the median).
    dL/dz is -q w_i / (S K) where z < y and (1 - q) w_i / (S K) where z > y;
    at the kink z = y the subgradient 0 is used.
    """

    def __init__(self, quantile):
        self.quantile = float(quantile)

    def loss_grad(self, z, y, w, S):
        """Loss of logits z (rows, K) against y, rows weighted by w; dL/dz."""
        q = z.dtype.type(self.quantile)
        u = y - z
        per = np.maximum(q * u, (q - 1) * u)
        scale = (w / (S * z.shape[1]))[:, None]
        slope = np.where(u > 0, -q, np.where(u < 0, 1 - q, 0)).astype(z.dtype, copy=False)
        return float(np.dot(w, per.sum(axis=1)) / (S * z.shape[1])), slope * scale

    def of_constant(self, p, y, w, S):
        """The loss of predicting the constant p (K,) for every row."""
        u = y - p
        per = np.maximum(self.quantile * u, (self.quantile - 1) * u)
        return w @ per.sum(axis=1) / (S * y.shape[1])

    def best_constant(self, y, w):
        """The constant (K,) of least loss: each output's weighted q-quantile."""
        return weighted_quantile(y, w, self.quantile)

    def __repr__(self):
        return f"PinballLoss(quantile={self.quantile!r})"


class AbsoluteError:
    """Identity output, the mean absolute error::

        L = 1 / (S K) sum_i w_i sum_k |y_ik - z_ik|

    twice the pinball loss of level 0.5: minimised by the conditional
    median. dL/dz = sign(z - y) w_i / (S K), 0 at the kink z = y.
    """

    @staticmethod
    def loss_grad(z, y, w, S):
        """Loss of logits z (rows, K) against y, rows weighted by w; dL/dz."""
        K = z.shape[1]
        diff = z - y
        loss = np.dot(w, np.abs(diff).sum(axis=1)) / (S * K)
        return float(loss), np.sign(diff) * (w / (S * K))[:, None]

    @staticmethod
    def of_constant(p, y, w, S):
        """The loss of predicting the constant p (K,) for every row."""
        return w @ np.abs(y - p).sum(axis=1) / (S * y.shape[1])

    @staticmethod
    def best_constant(y, w):
        """The constant (K,) of least loss: each output's weighted median."""
        return weighted_quantile(y, w, 0.5)


def weighted_quantile(y, w, q):
    """Per column of y (rows, K), the smallest value whose rows' cumulative
    weight (rows sorted by that column) reaches q times the total.

    It minimises sum_i w_i rho_q(y_i - c) over c: fewer than q of the weight
    lies below it, at least q at or below it. Rows of weight 0 (padded steps)
    are never chosen.
    """
    out = np.empty(y.shape[1])
    for k in range(y.shape[1]):
        order = np.argsort(y[:, k], kind="stable")
        cw = np.cumsum(w[order])
        j = min(int(np.searchsorted(cw, q * cw[-1], side="left")), len(cw) - 1)
        out[k] = y[order[j], k]
    return out


#: ``loss`` of RNNRegressor -> its loss (identity output)
REGRESSION_LOSSES = {
    "squared_error": SquaredError,
    "absolute_error": AbsoluteError,
    "quantile": PinballLoss,
}


def regression_loss(name, quantile=None):
    """The loss object of RNNRegressor's ``loss`` (and ``quantile``)."""
    if name == "quantile":
        return PinballLoss(quantile)
    return REGRESSION_LOSSES[name]
