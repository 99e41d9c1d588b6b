"""skrnn: recurrent neural networks as scikit-learn estimators, BPTT in NumPy."""

from ._classifier import RNNClassifier
from ._regressor import RNNRegressor
from ._version import __version__

__all__ = ["RNNClassifier", "RNNRegressor", "__version__"]
