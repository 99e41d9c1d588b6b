"""skrnn: recurrent neural networks as scikit-learn estimators, BPTT in NumPy."""

from ._classifier import RNNClassifier
from ._regressor import RNNRegressor

__version__ = "0.1.0"

__all__ = ["RNNClassifier", "RNNRegressor", "__version__"]
