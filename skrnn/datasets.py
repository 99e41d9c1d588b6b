"""Small data sets for sequence models, shipped with the package or generated."""

import numpy as np
from sklearn.datasets import load_digits
from sklearn.utils import Bunch


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
            "row, 8 time steps of 8 features, pixel values scaled to [0, 1].\n\n"
            + digits.DESCR
        ),
    )
