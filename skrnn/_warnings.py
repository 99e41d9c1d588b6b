"""Warnings that point at the user's line.

``warnings.warn(..., stacklevel=2)`` names the caller of the function that
warns, which inside skrnn is usually another skrnn function (a solver, a
check) or scikit-learn's ``fit`` wrapper. ``warn`` walks out of skrnn's,
scikit-learn's and joblib's own frames first, so that the warning names the
line that called ``fit`` (or ``GridSearchCV.fit``, ``cross_val_score``, ...),
and Python's "once per location" filters count that line.
"""

import os
import sys
import warnings

import joblib
import sklearn

_LIBRARY_DIRS = tuple(
    os.path.dirname(os.path.abspath(module.__file__)) + os.sep
    for module in (sys.modules[__package__], sklearn, joblib)
)


def stacklevel():
    """``stacklevel`` for a ``warnings.warn`` called by the caller of this
    function: the first frame outside skrnn, scikit-learn and joblib."""
    frame, level = sys._getframe(2), 2
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(
        _LIBRARY_DIRS
    ):
        frame, level = frame.f_back, level + 1
    return level


def warn(message, category=UserWarning):
    """``warnings.warn(message, category)``, attributed to the user's line."""
    warnings.warn(message, category, stacklevel=stacklevel())
