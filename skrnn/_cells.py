"""Recurrent cells: forward over a whole time-major batch, and BPTT.

A cell sees only arrays. Its caller (``_network``) has already computed the
input projection for every time step with one GEMM,

    XW[t] = x_t @ W_ih.T + b_ih          shape (T, N, n_gates * H),

so a cell's time loop holds only what depends on the previous step: one
``(N, H) @ (H, n_gates * H)`` GEMM plus a few elementwise calls. Backward returns
the gradient with respect to ``XW`` for all steps at once, from which the caller
forms ``dW_ih``, ``db_ih`` and the input gradient with one GEMM each; the cell
forms ``dW_hh`` the same way, after its loop.

Shapes: ``T`` time steps, ``N`` sequences, ``H`` hidden units. All arrays are
time-major and C-contiguous; weights follow PyTorch's layout
(``W_ih`` is ``(n_gates * H, F)``, ``W_hh`` is ``(n_gates * H, H)``).
"""

import numpy as np


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
    is 5 cheaper calls, see ``_tanh_float64``), 2 backward (multiply, GEMM),
    plus one add when every step receives a gradient.
    """

    n_gates = 1

    def __init__(self, activation="tanh"):
        if activation not in ("tanh", "relu"):
            raise ValueError(
                f"activation must be 'tanh' or 'relu', got {activation!r}."
            )
        self.activation = activation

    def forward(self, XW, W_hh, b_hh):
        """Run the recurrence over all steps.

        Parameters
        ----------
        XW : ndarray of shape (T, N, H)
            Input projection ``x_t @ W_ih.T + b_ih``; overwritten (it becomes
            the hidden states, to save a buffer).
        W_hh : ndarray of shape (H, H)
        b_hh : ndarray of shape (H,)

        Returns
        -------
        hs : ndarray of shape (T, N, H)
            Hidden state at every step.
        cache : object
            What ``backward`` needs.
        """
        hs = XW
        hs += b_hh  # fold the recurrent bias into the projection: one call
        W_hhT = W_hh.T
        step = np.empty_like(hs[0])
        if self.activation == "relu":
            act = _relu_inplace
        else:
            act = np.tanh if hs.dtype == np.float32 else _tanh_float64
        with np.errstate(over="ignore"):  # exp overflow is exact in _tanh_float64
            act(hs[0], out=hs[0])
            for t in range(1, hs.shape[0]):
                np.matmul(hs[t - 1], W_hhT, out=step)
                hs[t] += step
                act(hs[t], out=hs[t])
        return hs, hs

    def backward(self, cache, W_hh, dh_last, dhs=None):
        """Backpropagate through time.

        Parameters
        ----------
        cache : object returned by ``forward``
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
        db_hh : ndarray of shape (H,)
        """
        hs = cache
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
        db_hh = da.sum(axis=(0, 1))
        return da, dW_hh, db_hh


def _relu_inplace(x, out):
    return np.maximum(x, 0, out=out)


def _tanh_float64(x, out):
    """tanh(x) = 1 - 2 / (exp(2x) + 1), in place.

    NumPy's float64 tanh is not vectorised on common x86 builds (about
    15 ns/element against 6 for this form, measured in benchmarks/); the
    absolute error is below 4e-16. exp overflows to inf for x > 354, which
    gives exactly 1.
    """
    np.multiply(x, 2.0, out=out)
    np.exp(out, out=out)
    out += 1.0
    np.divide(2.0, out, out=out)
    np.subtract(1.0, out, out=out)
    return out


CELLS = {"rnn": ElmanCell}
