"""Recurrent cells: forward over a whole time-major batch, and BPTT.

A cell sees only arrays. Its caller (``_network``) has already computed the
input projection for every time step with one GEMM, in the layout the cell
asks for with ``input_layout`` (PyTorch's gate blocks, possibly reordered,
with biases folded in and each block times a constant, so that the time loop
needs no extra pass)::

    XW[t] = x_t @ W_in.T + b_in          shape (T, N, n_gates * H),

so a cell's time loop holds only what depends on the previous step: one
``(N, H) @ (H, n_gates * H)`` GEMM plus a few elementwise calls. Backward returns
the gradient with respect to ``XW`` for all steps at once, from which the caller
forms ``dW_ih`` and ``db_ih`` (one GEMM against the input with a column of
ones) and the input gradient; the cell forms ``dW_hh`` the same way, after
its loop, and ``db_hh`` only where it differs from ``db_ih`` (the GRU's).
Every cell provides the same members; ``Cell`` documents them once.

Shapes: ``T`` time steps, ``N`` sequences, ``H`` hidden units. All arrays are
time-major and C-contiguous; weights follow PyTorch's layout
(``W_ih`` is ``(n_gates * H, F)``, ``W_hh`` is ``(n_gates * H, H)``).

Scale factors folded into the weights
-------------------------------------
The gate activations are computed in the cheapest exact form for the dtype
(``SCALE``): in float64, sigmoid(a) = 1 / (1 + exp(-a)) and
tanh(a) = 1 - 2 / (exp(2a) + 1); in float32, np.tanh, which NumPy vectorises,
and sigmoid(a) = 0.5 tanh(a / 2) + 0.5. Each form starts by multiplying the
pre-activation a by a constant c (-1, 2 or 1/2). Since a is affine in the
weights, c a = (c W_ih) x + (c W_hh) h + c b: the cell multiplies the rows of
its weight matrices and biases by c once per batch (``input_layout``, and
``W_hh`` before the loop), and the loop then receives c a directly, saving
one pass over the gate block at every step. This is exact up to rounding:
the same numbers are multiplied by the same constant, only earlier, and -1,
2 and 1/2 are powers of two (or a sign), so the products are exact in
floating point. (Adding ``b_hh`` into ``b_in`` once, where it enters the
pre-activation as ``b_ih`` does, changes only the order of the additions.)
``ElmanCell._k`` is the tanh factor of the Elman cell (1 for
relu); ``LSTMCell._scale`` and ``GRUCell._scale`` give one factor per gate
row. Backward works on the activations, which are unscaled, and returns
gradients with respect to the unscaled pre-activations.
"""

from typing import NamedTuple, Protocol

import numpy as np


class Cell(Protocol):
    """What every cell provides (``ElmanCell``, ``LSTMCell``, ``GRUCell``).

    Attributes
    ----------
    n_gates : int
        G, the number of gate blocks of H rows in ``W_ih``, ``W_hh`` and the
        biases, in PyTorch's order (Elman 1; LSTM 4: i, f, g, o; GRU 3: r, z, n).
    forget_gate : int or None
        The LSTM's forget-gate block in PyTorch's order, whose bias Keras's
        initialisation sets to 1; None for cells without one.
    """

    n_gates: int
    forget_gate: "int | None"

    def input_layout(self, W_ih, b_ih, b_hh):
        """``(W_in, b_in)``: the input projection the loop wants,
        ``XW = x @ W_in.T + b_in`` (gate rows in ``gate_order``, scaled, with
        the biases that can be folded in)."""

    def gate_order(self, H):
        """Row permutation of PyTorch's gate blocks into the cell's internal
        order, in which ``input_layout`` and ``backward``'s ``dXW`` are; None
        when they are the same."""

    def forward(self, XW, W_hh, b_hh, state0=None, train=True):
        """``(hs, cache)``: the hidden states (T, N, H) for all steps, from
        ``XW`` (overwritten) and the initial state ``state0`` (None: zeros);
        ``cache`` is what ``backward`` and ``final_state`` need."""

    def backward(self, cache, W_hh, dh_last, dhs=None):
        """``(dXW, dW_hh, db_hh)``: BPTT from the gradients with respect to the
        last state ``dh_last`` (N, H) and/or every state ``dhs`` (T, N, H);
        ``db_hh`` is None where it equals ``db_ih``."""

    def final_state(self, cache):
        """The state after the last step (what ``state0`` takes)."""


class ElmanCache(NamedTuple):
    """What ``ElmanCell.backward`` reads."""

    hs: np.ndarray  # (T, N, H) hidden states h_t
    h0: "np.ndarray | None"  # (N, H) initial state h_{-1}, None for zeros


class ElmanCell:
    """Elman RNN cell, PyTorch's ``nn.RNN``.

    Forward, for t = 0 .. T-1 with h_{-1} = 0::

        a_t = XW[t] + b_hh + h_{t-1} @ W_hh.T
        h_t = f(a_t),      f = tanh or relu

    Backward, with g_t = dL/dh_t (from the layer above at t, plus the
    recurrence from t+1)::

        da_t     = g_t * f'(a_t)         tanh: 1 - h_t**2    relu: h_t > 0
        g_{t-1} += da_t @ W_hh
        dW_hh    = sum_t da_t.T @ h_{t-1}        (one GEMM after the loop)
        db_hh    = sum_t da_t
        dXW[t]   = da_t

    Per step: 3 NumPy calls forward (GEMM, add, activation; the float64 tanh
    is 4 cheaper calls on 2 a_t, see ``_tanh_half``), 2 backward (multiply,
    GEMM), plus one add when every step receives a gradient.
    """

    n_gates = 1
    forget_gate = None  # no forget gate (see LSTMCell)

    def _k(self, dtype):
        """Factor on the pre-activation: 2 for the float64 tanh (SCALE)."""
        return 1.0 if self.activation == "relu" else SCALE[np.dtype(dtype)][1]

    def input_layout(self, W_ih, b_ih, b_hh):
        """``x @ W_in.T + b_in`` = k (x @ W_ih.T + b_ih + b_hh), k = ``_k``."""
        k = self._k(W_ih.dtype)
        return W_ih * k, (b_ih + b_hh) * k

    def gate_order(self, H):
        """None: one gate block, PyTorch's."""
        return None

    def __init__(self, activation="tanh"):
        if activation not in ("tanh", "relu"):
            raise ValueError(f"activation must be 'tanh' or 'relu', got {activation!r}.")
        self.activation = activation

    def forward(self, XW, W_hh, b_hh, state0=None, train=True):
        """Run the recurrence over all steps.

        Parameters
        ----------
        XW : ndarray of shape (T, N, H)
            Input projection from ``input_layout``; overwritten (it becomes
            the hidden states, to save a buffer).
        W_hh : ndarray of shape (H, H)
        b_hh : ndarray of shape (H,)
        state0 : ndarray of shape (N, H) or None
            Initial state h_{-1} (truncated BPTT carries it from the previous
            window; no gradient flows back into it); None is zeros.
        train : bool
            False in predict: a cell may then keep less for backward (the
            Elman cell keeps nothing more than its states anyway).

        Returns
        -------
        hs : ndarray of shape (T, N, H)
            Hidden state at every step.
        cache : ElmanCache
            What ``backward`` needs.
        """
        hs = XW  # from input_layout: k * pre-activation, both biases in
        k = self._k(hs.dtype)
        W_hhT = W_hh.T if k == 1.0 else W_hh.T * k
        act = _relu_inplace if self.activation == "relu" else _tanh_scaled
        step = np.empty_like(hs[0])
        with np.errstate(over="ignore"):  # exp overflow is exact in _tanh_half
            if state0 is not None:
                hs[0] += state0 @ W_hhT
            act(hs[0])
            for t in range(1, hs.shape[0]):
                np.matmul(hs[t - 1], W_hhT, out=step)
                hs[t] += step
                act(hs[t])
        return hs, ElmanCache(hs, state0)

    @staticmethod
    def final_state(cache):
        """The state after the last step, to start the next window from."""
        return cache.hs[-1].copy()

    def backward(self, cache, W_hh, dh_last, dhs=None):
        """Backpropagate through time.

        Parameters
        ----------
        cache : ElmanCache
            Returned by ``forward``.
        W_hh : ndarray of shape (H, H)
        dh_last : ndarray of shape (N, H) or None
            Gradient of the loss with respect to the last hidden state.
        dhs : ndarray of shape (T, N, H) or None
            Gradient with respect to the hidden state at every step (a layer
            above, or a per-step output); added to ``dh_last``.

        Returns
        -------
        dXW : ndarray of shape (T, N, H)
        dW_hh : ndarray of shape (H, H)
        db_hh : ndarray of shape (H,) or None
            None when b_hh enters like b_ih (here, and in the LSTM): its
            gradient is then db_ih, which the caller forms from dXW anyway.
        """
        hs, h0 = cache.hs, cache.h0
        T, N, H = hs.shape
        if self.activation == "tanh":
            deriv = 1.0 - hs * hs  # f'(a_t) for all steps, vectorised
        else:
            deriv = (hs > 0).astype(hs.dtype)
        da = np.empty_like(hs)
        g = np.zeros((N, H), dtype=hs.dtype)
        if dh_last is not None:
            g += dh_last
        if dhs is not None:
            g += dhs[T - 1]
        for t in range(T - 1, 0, -1):
            np.multiply(g, deriv[t], out=da[t])
            np.matmul(da[t], W_hh, out=g)
            if dhs is not None:
                g += dhs[t - 1]
        np.multiply(g, deriv[0], out=da[0])
        dW_hh = da[1:].reshape(-1, H).T @ hs[:-1].reshape(-1, H)
        if h0 is not None:
            dW_hh += da[0].T @ h0
        return da, dW_hh, None  # db_hh = sum_t da_t = db_ih: the caller has it


def _relu_inplace(x):
    return np.maximum(x, 0, out=x)


def _tanh_float64(x, out):
    """tanh(x) = 1 - 2 / (exp(2x) + 1), in place.

    NumPy's float64 tanh is not vectorised on common x86 builds (about
    15 ns/element against 6 for this form, measured in benchmarks/); the
    absolute error is below 4e-16. exp overflows to inf for x > 354, which
    gives exactly 1.
    """
    np.multiply(x, 2.0, out=out)
    return _tanh_half(out)


def _tanh_half(x2):
    """tanh(x) in place, from x2 = 2x: the cells fold the 2 into their weights."""
    np.exp(x2, out=x2)
    x2 += 1.0
    np.divide(2.0, x2, out=x2)
    np.subtract(1.0, x2, out=x2)
    return x2


def _sigmoid_neg(xn):
    """sigmoid(x) in place, from xn = -x: 1 / (1 + exp(-x)) (float64 form)."""
    np.exp(xn, out=xn)
    xn += 1.0
    np.reciprocal(xn, out=xn)
    return xn


#: Gate activations. float64 uses exp forms, 3 calls for a sigmoid and 4 for
#: a tanh, with the pre-activation's sign or factor 2 folded into the weights
#: (SCALE); float32 uses np.tanh (vectorised), sigmoid(x) = 0.5 tanh(x/2) + 0.5
#: with the 1/2 folded in. SCALE[dtype] = (sigmoid gates' factor, tanh's).
SCALE = {np.dtype(np.float64): (-1.0, 2.0), np.dtype(np.float32): (0.5, 1.0)}


def _sigmoid_scaled(a):
    """sigmoid of the pre-activation a / SCALE[a.dtype][0], in place."""
    if a.dtype == np.float32:
        np.tanh(a, out=a)
        a *= 0.5
        a += 0.5
        return a
    return _sigmoid_neg(a)


def _tanh_scaled(a):
    """tanh of the pre-activation a / SCALE[a.dtype][1], in place."""
    return np.tanh(a, out=a) if a.dtype == np.float32 else _tanh_half(a)


def _tanh(x, out):
    return np.tanh(x, out=out) if x.dtype == np.float32 else _tanh_float64(x, out)


class LSTMCell:
    """LSTM cell, PyTorch's ``nn.LSTM`` (gates i, f, g, o in ``W_ih``/``W_hh``).

    Forward, with c_{-1} = h_{-1} = 0::

        [i, f, g, o] = XW[t] + b_hh + h_{t-1} @ W_hh.T      (pre-activations)
        i, f, o = sigmoid(.), g = tanh(.)
        c_t = f * c_{t-1} + i * g
        h_t = o * tanh(c_t)

    Backward, with dh the gradient reaching h_t and dc' the one reaching c_t
    from step t+1::

        dc    = dc' + dh * o * (1 - tanh(c_t)**2)
        da_i  = dc * g * i (1 - i)        da_f = dc * c_{t-1} * f (1 - f)
        da_g  = dc * i * (1 - g**2)       da_o = dh * tanh(c_t) * o (1 - o)
        dc'   = dc * f                    (to step t-1)
        dh'   = [da_i, da_f, da_g, da_o] @ W_hh      (to step t-1)

    Internally the gates are ordered i, f, o, g so that the three sigmoids
    are one contiguous block; the order is PyTorch's again at the interface.
    The factors multiplying dc and dh are computed for all steps at once
    after the forward pass.
    """

    n_gates = 4
    #: block of the forget gate in PyTorch's order (i, f, g, o); the network
    #: sets its bias to 1 in Keras's initialisation (unit_forget_bias)
    forget_gate = 1

    def __init__(self, activation=None):
        self.activation = activation  # unused: the LSTM's nonlinearities are fixed

    @staticmethod
    def _perm(H):
        """Column order i, f, o, g from PyTorch's i, f, g, o (self-inverse)."""
        return np.r_[0 : 2 * H, 3 * H : 4 * H, 2 * H : 3 * H]

    @staticmethod
    def _scale(H, dtype):
        """Factors on the internal pre-activations: one activation call
        serves all four gates (see ``_activation`` and SCALE)."""
        s = SCALE[np.dtype(dtype)][0]
        return np.repeat(np.array([s, 2 * s], dtype=dtype), [3 * H, H])

    @staticmethod
    def _activation(H, dtype):
        """``(act, mul, add)``: ``act(a) * mul + add`` maps the scaled
        pre-activations (``_scale``) to i, f, o, g in place. float32: act is
        np.tanh, sigmoid(x) = 0.5 tanh(x/2) + 0.5 and g = tanh(g) itself;
        float64: act is the exp-form sigmoid, g = 2 sigmoid(2g) - 1."""
        if np.dtype(dtype) == np.float32:
            mul, add, act = (0.5, 1.0), (0.5, 0.0), np.tanh
        else:
            mul, add, act = (1.0, 2.0), (0.0, -1.0), _sigmoid_neg
        mul, add = (np.repeat(np.array(v, dtype=dtype), [3 * H, H]) for v in (mul, add))
        return (lambda a: act(a, out=a)) if act is np.tanh else act, mul, add

    def input_layout(self, W_ih, b_ih, b_hh):
        """The projection the loop wants, made by the caller's one GEMM.

        Returns ``(W_in, b_in)``: ``x @ W_in.T + b_in`` is the gate
        pre-activations in the internal order i, f, o, g (``gate_order``),
        with both biases and times ``_scale``.
        """
        H = W_ih.shape[0] // 4
        perm = self._perm(H)
        scale = self._scale(H, W_ih.dtype)
        return W_ih[perm] * scale[:, None], (b_ih + b_hh)[perm] * scale

    def gate_order(self, H):
        """Rows of PyTorch's i, f, g, o blocks in the internal order i, f, o, g:
        that of ``input_layout`` and of ``backward``'s dXW."""
        return self._perm(H)

    def forward(self, XW, W_hh, b_hh, state0=None, train=True):
        """XW from ``input_layout`` (order i, f, o, g, scaled, both biases in);
        ``state0`` is (h_{-1}, c_{-1}) or None (zeros). With ``train=False``
        (predict) the cell states are not kept for backward: two rolling
        buffers instead of (T, N, H) arrays. Returns ``(hs, LSTMCache)``."""
        T, N, H4 = XW.shape
        H = H4 // 4
        gates = XW  # pre-activations, then activations, in place: (T, N, 4H)
        W_hhT = W_hh[self._perm(H)].T * self._scale(H, XW.dtype)  # C-contiguous
        cells = np.empty((T if train else 2, N, H), dtype=XW.dtype)  # c_t
        tanh_cells = np.empty((T if train else 1, N, H), dtype=XW.dtype)  # tanh(c_t)
        hs = np.empty((T, N, H), dtype=XW.dtype)
        step = np.empty((N, H4), dtype=XW.dtype)
        ig = np.empty((N, H), dtype=XW.dtype)
        act, mul, add = self._activation(H, XW.dtype)
        with np.errstate(over="ignore"):
            h0, c0 = (None, None) if state0 is None else state0
            for t in range(T):
                a = gates[t]
                i, f, o, g = a[:, :H], a[:, H : 2 * H], a[:, 2 * H : 3 * H], a[:, 3 * H :]
                c_t = cells[t] if train else cells[t & 1]
                tc_t = tanh_cells[t] if train else tanh_cells[0]
                h_prev, c_prev = (
                    (hs[t - 1], cells[(t - 1) if train else (t - 1) & 1]) if t else (h0, c0)
                )
                if h_prev is not None:  # [i, f, o, g] += h_{t-1} @ W_hh.T
                    np.matmul(h_prev, W_hhT, out=step)
                    a += step
                # i, f, o = sigmoid(.), g = tanh(.): one activation over the
                # whole block, then the gates' affine maps in two calls
                act(a)
                a *= mul
                a += add
                if c_prev is not None:  # c_t = f * c_{t-1} + i * g
                    np.multiply(f, c_prev, out=c_t)
                    np.multiply(i, g, out=ig)
                    c_t += ig
                else:  # c_{-1} = 0
                    np.multiply(i, g, out=c_t)
                _tanh(c_t, tc_t)  # h_t = o * tanh(c_t)
                np.multiply(o, tc_t, out=hs[t])
        return hs, LSTMCache(gates, cells, tanh_cells, hs, state0)

    @staticmethod
    def final_state(cache):
        """(h, c) after the last step, to start the next window from."""
        hs, cells = cache.hs, cache.cells
        last = -1 if len(cells) == len(hs) else (len(hs) - 1) & 1
        return hs[-1].copy(), cells[last].copy()

    def backward(self, cache, W_hh, dh_last, dhs=None):
        """Backpropagate through time (the class docstring's equations).

        Parameters
        ----------
        cache : LSTMCache
            Returned by ``forward`` with ``train=True``.
        W_hh : ndarray of shape (4H, H)
            PyTorch's layout (i, f, g, o).
        dh_last : ndarray of shape (N, H) or None
            Gradient of the loss with respect to the last hidden state.
        dhs : ndarray of shape (T, N, H) or None
            Gradient with respect to the hidden state at every step.

        Returns
        -------
        dXW : ndarray of shape (T, N, 4H)
            Gradient with respect to the gate pre-activations, in the
            internal order i, f, o, g (``gate_order``), unscaled.
        dW_hh : ndarray of shape (4H, H)
            In PyTorch's order.
        db_hh : None
            b_hh enters as b_ih does: its gradient is db_ih.
        """
        gates, cells, tanh_cells, hs, state0 = cache
        T, N, H = hs.shape
        perm = self._perm(H)
        W_hh_p = np.ascontiguousarray(W_hh[perm])
        i, f, o, g = (gates[:, :, k * H : (k + 1) * H] for k in range(4))
        # local derivatives for all steps, in place (memory-bound passes over
        # (T, N, 4H)): da_{i,f,o,g} = [dc, dc, dh, dc] * gate_factor, with
        # gate_factor = [g i(1-i), c_{t-1} f(1-f), tanh(c_t) o(1-o), i (1-g^2)]
        gate_factor = np.subtract(1, gates)
        gate_factor *= gates  # i(1-i), f(1-f), o(1-o), (g(1-g): replaced below)
        fi, ff, fo, fg = (gate_factor[:, :, k * H : (k + 1) * H] for k in range(4))
        fi *= g
        ff[1:] *= cells[:-1]
        if state0 is None:
            ff[0] = 0  # c_{-1} = 0
        else:
            ff[0] *= state0[1]
        fo *= tanh_cells
        np.multiply(g, g, out=fg)
        np.subtract(1, fg, out=fg)
        fg *= i
        # dc = dc' + dh * dc_dh, dc_dh = o (1 - tanh(c_t)^2)
        dc_dh = np.multiply(tanh_cells, tanh_cells)
        np.subtract(1, dc_dh, out=dc_dh)
        dc_dh *= o
        forget = np.ascontiguousarray(f)  # dc' = dc * f
        da = np.empty_like(gates)
        dh = np.zeros((N, H), dtype=gates.dtype)
        if dh_last is not None:
            dh += dh_last
        dc = np.empty_like(dh)
        dc_next = np.zeros_like(dh)
        for t in range(T - 1, -1, -1):
            if dhs is not None:
                dh += dhs[t]
            np.multiply(dh, dc_dh[t], out=dc)
            dc += dc_next
            d4 = da[t].reshape(N, 4, H)
            np.multiply(gate_factor[t].reshape(N, 4, H), dc[:, None, :], out=d4)
            np.multiply(dh, gate_factor[t, :, 2 * H : 3 * H], out=d4[:, 2])  # da_o
            np.multiply(dc, forget[t], out=dc_next)
            if t:
                np.matmul(da[t], W_hh_p, out=dh)
        # da stays in the internal order (gate_order); W_hh's are PyTorch's
        dW_hh = da[1:].reshape(-1, 4 * H).T @ hs[:-1].reshape(-1, H)
        if state0 is not None:
            dW_hh += da[0].T @ state0[0]
        return da, dW_hh[perm], None  # db_hh = db_ih (see ElmanCell.backward)


class LSTMCache(NamedTuple):
    """What ``LSTMCell.backward`` reads (all time-major)."""

    gates: np.ndarray  # (T, N, 4H) activations i, f, o, g (internal order)
    cells: np.ndarray  # (T, N, H) cell states c_t; in predict 2 rolling buffers
    tanh_cells: np.ndarray  # (T, N, H) tanh(c_t); in predict 1 buffer
    hs: np.ndarray  # (T, N, H) hidden states h_t
    state0: "tuple | None"  # (h_{-1}, c_{-1}), or None for zeros


class GRUCell:
    """GRU cell, PyTorch's ``nn.GRU`` (gates r, z, n in ``W_ih``/``W_hh``).

    Forward, with h_{-1} = 0 and hh_t = h_{t-1} @ W_hh.T + b_hh::

        r = sigmoid(XW_r + hh_r)        z = sigmoid(XW_z + hh_z)
        n = tanh(XW_n + r * hh_n)
        h_t = (1 - z) * n + z * h_{t-1}

    Backward, with dh the gradient reaching h_t::

        da_n = dh * (1 - z) * (1 - n**2)
        da_z = dh * (h_{t-1} - n) * z (1 - z)
        da_r = da_n * hh_n * r (1 - r)
        dXW  = [da_r, da_z, da_n]          dHH = [da_r, da_z, da_n * r]
        dh'  = dh * z + dHH @ W_hh          (to step t-1)
    """

    n_gates = 3
    forget_gate = None  # z interpolates; no forget gate (see LSTMCell)

    @staticmethod
    def _scale(H, dtype):
        """Factors on r, z (sigmoid) and n (tanh) pre-activations (SCALE)."""
        s_sig, s_tanh = SCALE[np.dtype(dtype)]
        return np.repeat(np.array([s_sig, s_tanh], dtype=dtype), [2 * H, H])

    def input_layout(self, W_ih, b_ih, b_hh):
        """``x @ W_in.T + b_in``: XW times ``_scale``, with b_hh's r and z parts
        in (b_hn stays inside r * (W_hn h + b_hn))."""
        H = W_ih.shape[0] // 3
        scale = self._scale(H, W_ih.dtype)
        b = b_ih.copy()
        b[: 2 * H] += b_hh[: 2 * H]
        return W_ih * scale[:, None], b * scale

    def gate_order(self, H):
        """None: PyTorch's order r, z, n is the internal one."""
        return None

    def __init__(self, activation=None):
        self.activation = activation  # unused: the GRU's nonlinearities are fixed

    def forward(self, XW, W_hh, b_hh, state0=None, train=True):
        """``state0``: h_{-1} (N, H) or None (zeros); ``train=False``: keep
        no per-step recurrent projections for backward (predict). Returns
        ``(hs, GRUCache)``."""
        T, N, H3 = XW.shape
        H = H3 // 3
        gates = XW  # from input_layout; overwritten: r, z, n activations
        # the activations' factors (SCALE) are folded into the pre-activations:
        # r, z by s_sig; n = tanh(XW_n + r * hh_n) by s_tanh, on XW_n and hh_n
        s_tanh = SCALE[gates.dtype][1]
        scale = self._scale(H, gates.dtype)
        b_n = b_hh[2 * H :] * s_tanh
        # hh_t = (h_{t-1} @ W_hh.T + b_hh) * scale, kept for backward when training
        HH = np.empty_like(gates) if train else np.empty((1,) + gates.shape[1:], gates.dtype)
        HH[0, :, 2 * H :] = b_n  # h_{-1} = 0 (overwritten if state0 is given)
        HH[0, :, : 2 * H] = 0
        W_hhT = W_hh.T * scale
        hs = np.empty((T, N, H), dtype=XW.dtype)
        tmp = np.empty((N, H), dtype=XW.dtype)
        with np.errstate(over="ignore"):
            for t in range(T):
                a, hh = gates[t], HH[t if train else 0]
                rz, r, z, n = a[:, : 2 * H], a[:, :H], a[:, H : 2 * H], a[:, 2 * H :]
                h_prev = hs[t - 1] if t else state0
                if h_prev is not None:
                    np.matmul(h_prev, W_hhT, out=hh)
                    hh[:, 2 * H :] += b_n
                    rz += hh[:, : 2 * H]
                _sigmoid_scaled(rz)  # r, z = sigmoid(XW_rz + hh_rz)
                np.multiply(r, hh[:, 2 * H :], out=tmp)
                n += tmp
                _tanh_scaled(n)  # n = tanh(XW_n + r * hh_n)
                # h_t = (1 - z) * n + z * h_{t-1} = n + z * (h_{t-1} - n)
                if h_prev is not None:
                    np.subtract(h_prev, n, out=tmp)
                else:
                    np.negative(n, out=tmp)
                tmp *= z
                np.add(n, tmp, out=hs[t])
        return hs, GRUCache(gates, HH, hs, s_tanh, state0)

    @staticmethod
    def final_state(cache):
        """The state after the last step, to start the next window from."""
        return cache.hs[-1].copy()

    def backward(self, cache, W_hh, dh_last, dhs=None):
        """Backpropagate through time (the class docstring's equations).

        Parameters
        ----------
        cache : GRUCache
            Returned by ``forward`` with ``train=True``.
        W_hh : ndarray of shape (3H, H)
        dh_last : ndarray of shape (N, H) or None
            Gradient of the loss with respect to the last hidden state.
        dhs : ndarray of shape (T, N, H) or None
            Gradient with respect to the hidden state at every step.

        Returns
        -------
        dXW : ndarray of shape (T, N, 3H)
            Gradient with respect to the input pre-activations
            [da_r, da_z, da_n].
        dW_hh : ndarray of shape (3H, H)
        db_hh : ndarray of shape (3H,)
            Differs from db_ih in its n block: b_hn is inside r * (.).
        """
        gates, HH, hs, s_tanh, h0 = cache
        T, N, H = hs.shape
        r, z, n = gates[:, :, :H], gates[:, :, H : 2 * H], gates[:, :, 2 * H :]
        # local derivatives for all steps, in place (memory-bound passes over
        # (T, N, H)); da_n = dh * dn_dh, da_z = dh * dz_dh, da_r = da_n * dr_dn
        reset = np.ascontiguousarray(r)
        update = np.ascontiguousarray(z)
        one_minus_z = np.subtract(1, update)
        dn_dh = np.multiply(n, n)  # (1 - z) (1 - n^2)
        np.subtract(1, dn_dh, out=dn_dh)
        dn_dh *= one_minus_z
        dz_dh = np.negative(n)  # (h_{t-1} - n) z (1 - z)
        dz_dh[1:] += hs[:-1]
        if h0 is not None:
            dz_dh[0] += h0
        dz_dh *= update
        dz_dh *= one_minus_z
        dr_dn = np.subtract(1, reset)  # hh_n r (1 - r), hh_n unscaled
        dr_dn *= reset
        dr_dn *= HH[:, :, 2 * H :]
        if s_tanh != 1:
            dr_dn *= 1 / s_tanh
        del one_minus_z
        dHH = np.empty_like(gates)  # gradient w.r.t. hh_t: [da_r, da_z, da_n * r]
        da_n = np.empty((T, N, H), dtype=gates.dtype)
        dh = np.zeros((N, H), dtype=gates.dtype)
        if dh_last is not None:
            dh += dh_last
        tmp = np.empty_like(dh)
        for t in range(T - 1, -1, -1):
            if dhs is not None:
                dh += dhs[t]
            g = dHH[t]
            np.multiply(dh, dn_dh[t], out=da_n[t])
            np.multiply(dh, dz_dh[t], out=g[:, H : 2 * H])
            np.multiply(da_n[t], dr_dn[t], out=g[:, :H])
            np.multiply(da_n[t], reset[t], out=g[:, 2 * H :])
            if t:  # dh' = dh * z + dHH @ W_hh
                np.multiply(dh, update[t], out=tmp)
                np.matmul(g, W_hh, out=dh)
                dh += tmp
        dXW = dHH.copy()  # but the n block: da_n, not da_n * r
        dXW[:, :, 2 * H :] = da_n
        dW_hh = dHH[1:].reshape(-1, 3 * H).T @ hs[:-1].reshape(-1, H)
        if h0 is not None:
            dW_hh += dHH[0].T @ h0
        return dXW, dW_hh, dHH.sum(axis=(0, 1))


class GRUCache(NamedTuple):
    """What ``GRUCell.backward`` reads (all time-major)."""

    gates: np.ndarray  # (T, N, 3H) activations r, z, n
    HH: np.ndarray  # (T, N, 3H) hh_t = h_{t-1} @ W_hh.T + b_hh, times _scale
    hs: np.ndarray  # (T, N, H) hidden states h_t
    s_tanh: float  # n's factor folded into XW_n and hh_n (SCALE)
    h0: "np.ndarray | None"  # (N, H) initial state h_{-1}, None for zeros


CELLS = {"rnn": ElmanCell, "lstm": LSTMCell, "gru": GRUCell}
