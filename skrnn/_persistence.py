"""The skrnn version travels with every pickled estimator."""

from . import _version
from ._warnings import warn
from .exceptions import InconsistentVersionWarning


class VersionedStateMixin:
    """Adds ``_skrnn_version`` to the pickled state and warns
    (``InconsistentVersionWarning``) when another version loads it; goes
    before ``BaseEstimator`` in the bases."""

    def __getstate__(self):
        state = dict(super().__getstate__())
        state["_skrnn_version"] = _version.__version__  # read now, not at import
        return state

    def __setstate__(self, state):
        state = dict(state)
        saved = state.pop("_skrnn_version", None)
        current = _version.__version__
        if saved != current:
            warn(  # at the line that called pickle.load, joblib.load, skops...
                InconsistentVersionWarning(
                    estimator_name=type(self).__name__,
                    current_version=current,
                    original_version=saved,
                )
            )
        super().__setstate__(state)
