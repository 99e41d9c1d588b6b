"""Small data sets for sequence models, shipped with the package or generated."""

from importlib.resources import files
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.datasets import load_digits
from sklearn.utils import Bunch, check_random_state

__all__ = ["load_airline", "load_digits_sequences", "make_adding_problem"]


def load_digits_sequences(*, return_X_y=False):
    """scikit-learn's handwritten digits as sequences: 8 time steps of 8 pixels.

    Each 8x8 image is read row by row from top to bottom, so a recurrent
    network sees one row of 8 pixel intensities per step. Pixels are scaled
    from 0..16 to [0, 1]. The images ship with scikit-learn: nothing is
    downloaded.

    Parameters
    ----------
    return_X_y : bool, default=False
        Return ``(X, y)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data`` of shape (1797, 8, 8), float64; ``target`` of shape (1797,),
        the digit 0..9; ``target_names``; ``images`` (the same array as
        ``data``); ``DESCR``.
    (X, y) : tuple
        If ``return_X_y`` is True.

    Examples
    --------
    >>> from skrnn.datasets import load_digits_sequences
    >>> X, y = load_digits_sequences(return_X_y=True)
    >>> X.shape, y.shape
    ((1797, 8, 8), (1797,))
    >>> float(X.min()), float(X.max())
    (0.0, 1.0)
    """
    digits = load_digits()
    X = (digits.images / 16.0).astype(np.float64)  # (n, rows = time, columns = features)
    y = digits.target
    if return_X_y:
        return X, y
    return Bunch(
        data=X,
        target=y,
        target_names=digits.target_names,
        images=X,
        DESCR=(
            "scikit-learn's optical recognition of handwritten digits (1797 "
            "8x8 images, 10 classes) as sequences: each image is read row by "
            "row, 8 time steps of 8 features, pixel values scaled to [0, 1].\n\n" + digits.DESCR
        ),
    )


def load_airline():
    """Box & Jenkins international airline passengers, monthly, 1949-1960.

    The 144 monthly totals of international airline passengers, in
    thousands, from January 1949 to December 1960: Series G of Box, Jenkins
    and Reinsel, the classic example of a series with a trend and a seasonal
    pattern that grows with the level. The numbers ship with the package:
    nothing is downloaded.

    Returns
    -------
    y : :class:`pandas.Series` of shape (144,), float64
        Named ``"passengers"``, indexed by a :class:`pandas.DatetimeIndex`
        named ``"month"`` with monthly frequency ``"MS"`` (month start), from
        1949-01-01 to 1960-12-01. Every call returns a new object.

    References
    ----------
    .. [1] G. E. P. Box, G. M. Jenkins and G. C. Reinsel, "Time Series
       Analysis, Forecasting and Control", 3rd edition, Prentice-Hall, 1994,
       Series G.

    Examples
    --------
    >>> from skrnn.datasets import load_airline
    >>> y = load_airline()
    >>> y.shape
    (144,)
    >>> y.index.freqstr
    'MS'
    >>> y.index[0].date(), float(y.iloc[0])
    (datetime.date(1949, 1, 1), 112.0)
    """
    with (files("skrnn") / "data" / "airline.csv").open("r", encoding="utf-8") as f:
        frame = pd.read_csv(f, dtype={"month": str, "passengers": np.int64})
    index = pd.DatetimeIndex(
        pd.to_datetime(frame["month"], format="%Y-%m"), freq="MS", name="month"
    )
    return pd.Series(
        frame["passengers"].to_numpy(dtype=np.float64), index=index, name="passengers"
    )


def _check_int(name, value, minimum, why):
    """Raise a ValueError naming ``value`` unless it is an int >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ValueError(
            f"{name} must be an integer >= {minimum}, got {value!r} "
            f"of type {type(value).__name__}."
        )
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}{why}, got {name}={value}.")


def make_adding_problem(n_samples=1000, n_timesteps=50, *, random_state=None):
    """Generate the adding problem, a benchmark of long-range memory.

    Each sequence has two features per time step: a value drawn uniformly in
    [0, 1) and a marker that is 1 at exactly two time steps and 0 elsewhere.
    One marker is placed uniformly among the first ``n_timesteps // 2`` steps,
    the other uniformly among the remaining steps, so the two never coincide
    and at least ``1`` and up to ``n_timesteps - 1`` steps separate them. The
    target is the sum of the two marked values. A model must remember the
    first marked value for many steps to do better than always predicting 1,
    the mean of the target, whose mean squared error is 1/6 (the variance of
    the sum of two independent U(0, 1) variables).

    This is the modern form of the task (Le et al., 2015; Arjovsky et al.,
    2016). Hochreiter & Schmidhuber's original (1997) used values in [-1, 1]
    and the target ``0.5 + (x1 + x2) / 4``.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of sequences, at least 1.
    n_timesteps : int, default=50
        Length ``T`` of every sequence, at least 2 (one marker in each half).
    random_state : int, RandomState instance or None, default=None
        Seeds the values and the marker positions. An int gives identical
        arrays on every call.

    Returns
    -------
    X : ndarray of shape (n_samples, n_timesteps, 2), float64
        ``X[:, :, 0]`` holds the values, ``X[:, :, 1]`` the markers (0.0 or
        1.0).
    y : ndarray of shape (n_samples,), float64
        The sum of the two marked values of each sequence, in [0, 2).

    References
    ----------
    .. [1] S. Hochreiter and J. Schmidhuber, "Long short-term memory",
       Neural Computation 9(8), 1735-1780, 1997.
    .. [2] Q. V. Le, N. Jaitly and G. E. Hinton, "A simple way to initialize
       recurrent networks of rectified linear units", arXiv:1504.00941, 2015.
    .. [3] M. Arjovsky, A. Shah and Y. Bengio, "Unitary evolution recurrent
       neural networks", ICML 2016, arXiv:1511.06464.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn.datasets import make_adding_problem
    >>> X, y = make_adding_problem(n_samples=100, n_timesteps=20, random_state=0)
    >>> X.shape, y.shape, X.dtype
    ((100, 20, 2), (100,), dtype('float64'))
    >>> bool((X[:, :, 1].sum(axis=1) == 2).all())  # two markers per sequence
    True
    >>> bool(np.array_equal(y, (X[:, :, 0] * X[:, :, 1]).sum(axis=1)))
    True
    """
    _check_int("n_samples", n_samples, 1, "")
    _check_int(
        "n_timesteps",
        n_timesteps,
        2,
        " (one marker in each half of the sequence)",
    )
    rng = check_random_state(random_state)
    values = rng.uniform(0.0, 1.0, size=(n_samples, n_timesteps))
    half = n_timesteps // 2
    first = rng.randint(0, half, size=n_samples)
    second = rng.randint(half, n_timesteps, size=n_samples)

    rows = np.arange(n_samples)
    markers = np.zeros((n_samples, n_timesteps))
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    X = np.stack([values, markers], axis=2)
    y = values[rows, first] + values[rows, second]
    return X, y
