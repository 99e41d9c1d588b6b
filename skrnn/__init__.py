"""skrnn: recurrent neural networks as scikit-learn estimators, BPTT in NumPy."""

from . import _version
from ._classifier import RNNClassifier
from ._regressor import RNNRegressor

__all__ = ["RNNClassifier", "RNNRegressor", "__version__"]


def __getattr__(name):
    # skrnn.__version__ is read from its one source when asked, never a copy
    if name == "__version__":
        return _version.__version__
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
