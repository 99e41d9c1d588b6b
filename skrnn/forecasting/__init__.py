"""Forecasting pandas time series with a recurrent network.

:class:`RNNForecaster` turns a regular time series into sliding windows
(:func:`skrnn.preprocessing.make_windows`' layout), fits an
:class:`~skrnn.RNNRegressor` on them, and forecasts the periods after the
data, indexed like it. :func:`backtest` evaluates a forecaster from rolling
origins.

Layout: ``_forecaster`` (the estimator: pandas in its public methods,
arrays in its private ones), ``_inputs`` (pandas checks and messages),
``_levels`` (transformation, differencing, scaling and their inverse),
``_strategies`` (recursive and direct), ``_conformal`` (interval
calibration), ``_backtest``.
"""

from ._backtest import backtest
from ._forecaster import RNNForecaster

__all__ = ["RNNForecaster", "backtest"]

# the public path, in pickles and skops files too: they then load whatever
# the private module layout of the version that reads them
RNNForecaster.__module__ = backtest.__module__ = __name__
