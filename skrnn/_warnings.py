"""Warnings that point at the user's line.

``warnings.warn(..., stacklevel=2)`` names the caller of the function that
warns, which inside skrnn is usually another skrnn function (a solver, a
check) or scikit-learn's ``fit`` wrapper. ``warn`` walks out of skrnn's,
scikit-learn's and joblib's own frames first, so that the warning names the
line that called ``fit`` (or ``GridSearchCV.fit``, ``cross_val_score``, ...),
and Python's "once per location" filters count that line.
"""

import os
import pickle
import sys
import warnings

import joblib
import sklearn

#: where frames are skipped: skrnn, scikit-learn and joblib (their fit
#: wrappers, searches and sequential loops), and the pure-Python unpickler
#: (joblib.load) calling ``__setstate__``
_LIBRARY_PATHS = tuple(
    os.path.dirname(os.path.abspath(module.__file__)) + os.sep
    for module in (sys.modules[__package__], sklearn, joblib)
) + (os.path.abspath(pickle.__file__),)


def stacklevel():
    """``stacklevel`` for a ``warnings.warn`` called by the caller of this
    function: the first frame outside skrnn, scikit-learn, joblib and the
    unpickler; with none (a worker process), the first outside skrnn."""
    frame, level = sys._getframe(2), 2
    first_outside = None
    while frame is not None:
        path = os.path.abspath(frame.f_code.co_filename)
        if first_outside is None and not path.startswith(_LIBRARY_PATHS[0]):
            first_outside = level
        if not path.startswith(_LIBRARY_PATHS):
            return level
        frame, level = frame.f_back, level + 1
    return first_outside or 2


def warn(message, category=UserWarning):
    """``warnings.warn(message, category)``, attributed to the user's line."""
    warnings.warn(message, category, stacklevel=stacklevel())
