"""Patching: read T steps of F features as ceil(T/p) steps of p*F features.

A recurrent network run over a long sequence pays for every step twice: in
time (one state update each) and in how far a gradient must travel back. Read
in patches (segments) of ``p`` consecutive steps, a sequence of T steps
becomes ``ceil(T / p)`` steps of ``p * F`` features: p times fewer recurrent
steps, each seeing the raw values of its patch (the segment idea of SegRNN,
Lin et al. 2023, and the patches of PatchTST, Nie et al. 2023).

Layout, for every sequence ``i``, patch ``j``, step ``k`` of the patch
(``0 <= k < p``) and feature ``f`` (``0 <= f < F``)::

    Xp[i, j, k * F + f] = X[i, j * p + k, f]      (0 where j*p + k is padding)

i.e. each patch is flattened time-major: its first step's F features, then
its second step's, and so on. For equal lengths and T a multiple of p that is
exactly ``X.reshape(n, T // p, p * F)``, in NumPy or PyTorch alike.
"""

import numbers

import numpy as np

from ._validation import valid_steps

#: Number of recurrent steps ``patch_size="auto"`` aims for at most: sequences
#: up to this long are read step by step (p = 1), longer ones in patches of
#: ``ceil(T / AUTO_TARGET_STEPS)`` steps. 64 is a starting point, not a
#: measurement of patching: on the adding problem LSTM and GRU learn at
#: T=50 and LSTM fails at T=100, so a few tens of steps keeps the gated cells
#: in range, and it caps the cost of an epoch. Change it here; every call of
#: auto_patch_size without target_steps reads it at call time.
AUTO_TARGET_STEPS = 64


def _check_positive_int(value, name):
    """``value`` as a Python int >= 1, else a ValueError naming what came in."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(
            f"{name} must be an int >= 1 (a number of time steps), got {value!r} "
            f"of type {type(value).__name__}."
        )
    return int(value)


def patch(X, lengths, p):
    """Group every ``p`` consecutive time steps into one step of ``p * F`` features.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps, n_features)
        Batch-first sequences (the internal form that ``check_X`` returns).
        Values after each sequence's length are padding: they may be anything
        finite or not, and are never read.
    lengths : ndarray of shape (n_samples,) of int, or None
        Valid steps of each sequence, each in ``0 .. n_timesteps``; None when
        every sequence has ``n_timesteps`` steps.
    p : int >= 1
        Patch size: input steps per output step.

    Returns
    -------
    Xp : ndarray of shape (n_samples, ceil(n_timesteps / p), p * n_features)
        A new array of X's dtype (the only array allocated).
        ``Xp[i, j, k * F + f] = X[i, j * p + k, f]`` for ``0 <= k < p`` and
        ``0 <= f < F`` when ``j * p + k`` is a valid step of sequence i, and
        0 otherwise: the steps past a sequence's length (inside its last,
        partial patch, or in patches wholly past it) and the steps past
        ``n_timesteps`` are zeros, whatever X holds there. For equal lengths
        and ``n_timesteps`` a multiple of p, ``Xp`` equals
        ``X.reshape(n, n_timesteps // p, p * F)``; otherwise it equals
        ``X`` with its padding set to 0, zero-padded at the end of the time
        axis to ``ceil(n_timesteps / p) * p`` steps, then so reshaped.
    lengths_p : ndarray of shape (n_samples,) of int, or None
        ``ceil(lengths / p)``: the valid patches of each sequence (a patch is
        valid when its first step is); None exactly when ``lengths`` is None.
        With ``lengths=None`` and ``n_timesteps`` not a multiple of p, the
        last patch of every sequence is partial, zero-filled, and valid.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn._patching import patch
    >>> X = np.arange(10.0).reshape(1, 5, 2)   # 5 steps of 2 features
    >>> Xp, lengths_p = patch(X, np.array([4]), 2)
    >>> Xp.shape, lengths_p.tolist()
    ((1, 3, 4), [2])
    >>> Xp[0].tolist()
    [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0], [0.0, 0.0, 0.0, 0.0]]
    """
    p = _check_positive_int(p, "patch size p")
    if not isinstance(X, np.ndarray) or X.ndim != 3:
        raise ValueError(
            "patch expects X as a 3-D array (n_samples, n_timesteps, n_features), "
            f"got {getattr(X, 'shape', type(X).__name__)!r}."
        )
    n, T, F = X.shape
    n_patches = -(-T // p)
    out = np.zeros((n, n_patches * p, F), dtype=X.dtype)
    if lengths is None:
        out[:, :T] = X
        lengths_p = None
    else:
        lengths = np.asarray(lengths)
        if lengths.shape != (n,) or lengths.dtype.kind not in "iu":
            raise ValueError(
                f"lengths must be an int array of shape ({n},), one per sequence "
                f"of X {X.shape}, got an array of dtype {lengths.dtype} and "
                f"shape {lengths.shape}."
            )
        if n and (lengths.min() < 0 or lengths.max() > T):
            raise ValueError(
                f"lengths must be in 0..{T} (X has {T} time steps), got values "
                f"from {lengths.min()} to {lengths.max()}."
            )
        valid = valid_steps(lengths, n, T)  # (n, T), small
        # Copy the valid steps only: padding content never reaches the output.
        np.copyto(out[:, :T], X, where=valid[:, :, None])
        lengths_p = -(-lengths.astype(np.intp) // p)
    return out.reshape(n, n_patches, p * F), lengths_p


def auto_patch_size(n_timesteps, target_steps=None):
    """The patch size that ``patch_size="auto"`` picks for a given length.

    ``p = max(1, ceil(n_timesteps / target_steps))``: 1 (no patching) for
    sequences of at most ``target_steps`` steps, else the smallest p for
    which the network runs at most ``target_steps`` recurrent steps
    (``ceil(n_timesteps / p) <= target_steps``).

    An estimator decides it once, at fit, from the longest training sequence,
    and keeps it as a fitted attribute, so that predict patches (possibly
    longer or shorter) sequences with the same p the weights were trained for.

    Parameters
    ----------
    n_timesteps : int >= 1
        Length of the longest training sequence.
    target_steps : int >= 1, default=None
        At most this many recurrent steps; None reads the module constant
        ``AUTO_TARGET_STEPS`` (64) at call time.

    Returns
    -------
    p : int
        The patch size, >= 1.

    Examples
    --------
    >>> from skrnn._patching import auto_patch_size
    >>> auto_patch_size(50), auto_patch_size(64), auto_patch_size(65)
    (1, 1, 2)
    >>> auto_patch_size(1000), auto_patch_size(1000, target_steps=100)
    (16, 10)
    """
    T = _check_positive_int(n_timesteps, "n_timesteps")
    if target_steps is None:
        target_steps = AUTO_TARGET_STEPS
    target = _check_positive_int(target_steps, "target_steps")
    return max(1, -(-T // target))
