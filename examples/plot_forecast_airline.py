"""
Forecasting airline passengers three years ahead
================================================

The airline series (:func:`skrnn.datasets.load_airline`, 144 monthly totals,
1949-1960) is cut into 108 training months (1949-01..1957-12) and 36 test months
(1958-01..1960-12). Every model is fitted on the training months only and forecasts
the 36 test months in one go: an :class:`~skrnn.forecasting.RNNForecaster`, whose
configuration was chosen by backtest on the training months, against a seasonal
naive forecast and ridge regressions on 12 lags. The RNN also gives a
split-conformal interval.

This page fits the chosen configuration; ``python examples/plot_forecast_airline.py
--select`` reruns the choice among 48 candidates (5 minutes 11 seconds on two cores,
two candidates at a time), and ``--fast`` is a smoke test (one small candidate, one
network, 60 epochs).
"""

# %%
# The models
# ----------
# - The RNN: an ``RNNForecaster`` (``strategy="recursive"``: one month at a time,
#   each forecast fed back; ``differentiation=1``), whose estimator averages the
#   forecasts of 5 ``RNNRegressor`` networks with ``random_state`` 0..4
#   (``SeedAverage`` below: one network's forecast from at most 95 training windows
#   depends a lot on its initial weights). Its preprocessing is the forecaster's:
#   ``transformer_y`` on the levels (none, or
#   ``FunctionTransformer(np.log, inverse_func=np.exp)``), then the differencing,
#   then ``standardize=True`` (the default), which gives the month-to-month changes
#   the network sees zero mean and unit variance over the training data. All of it is
#   inverted on the forecasts, so forecasts, interval bounds and backtest errors are
#   in passengers (thousands).
# - Seasonal naive: each test month is the same month of 1957.
# - ``Ridge(alpha=1.0)`` on 12 lags, forecast recursively, on the series itself, on
#   its month-to-month differences (the differencing the RNN gets) and on the
#   differences of its log, each standardised first as the forecaster does for the
#   network.
#
# L-BFGS follows a slightly different path with another number of BLAS threads, so
# the example uses one, as the recorded figures below did.
import itertools
import sys
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_absolute_error, root_mean_squared_error
from sklearn.preprocessing import FunctionTransformer
from threadpoolctl import threadpool_limits

from skrnn import RNNRegressor
from skrnn.datasets import load_airline
from skrnn.forecasting import RNNForecaster, backtest

FAST, SELECT = "--fast" in sys.argv, "--select" in sys.argv
threadpool_limits(limits=1, user_api="blas")
warnings.simplefilter("ignore", ConvergenceWarning)

N_TEST = 36  # forecast 1958-01 .. 1960-12 from 1949-01 .. 1957-12
SEASON = LAGS = 12  # the ridge baselines read 12 lags
N_SEEDS = 1 if FAST else 5
MAX_ITER = 60 if FAST else 300  # epochs (adam) or iterations (lbfgs) per network
SOLVERS = {  # not tuned further
    "adam": dict(solver="adam", learning_rate_init=0.01, alpha=1e-4),
    "lbfgs": dict(solver="lbfgs", alpha=0.1),
}


class SeedAverage(RegressorMixin, BaseEstimator):
    """The mean prediction of ``n_seeds`` copies of ``estimator``, each fitted with its
    own ``random_state`` (``random_state``, ``random_state + 1``, ...); it takes the
    same 3-D input as the estimator, so it can be an RNNForecaster's ``estimator``."""

    def __init__(self, estimator=None, n_seeds=5, random_state=0):
        self.estimator = estimator
        self.n_seeds = n_seeds
        self.random_state = random_state

    def fit(self, X, y):
        self.estimators_ = [
            clone(self.estimator).set_params(random_state=self.random_state + i).fit(X, y)
            for i in range(self.n_seeds)
        ]
        return self

    def predict(self, X):
        return np.mean([est.predict(X) for est in self.estimators_], axis=0)


def make_forecaster(config, calibration_size=None):
    """The RNNForecaster of ``config``; with ``config["log"]``, ``transformer_y``
    takes the log of the series before the differencing (``exp`` on the forecasts)."""
    network = RNNRegressor(
        cell=config["cell"],
        hidden_size=config["hidden_size"],
        max_iter=MAX_ITER,
        **SOLVERS[config["solver"]],
    )
    log = FunctionTransformer(np.log, inverse_func=np.exp) if config["log"] else None
    return RNNForecaster(
        SeedAverage(network, n_seeds=N_SEEDS),
        window=config["window"],
        strategy="recursive",
        differentiation=1,
        transformer_y=log,
        standardize=True,
        calibration_size=calibration_size,
    )


def describe(config):
    return (
        f"{'log, ' if config['log'] else ''}window={config['window']}, "
        f"{config['cell']}, hidden_size={config['hidden_size']}, {config['solver']}"
    )


def seasonal_naive(y, steps):
    """Each month as the same month of the last observed year."""
    return np.resize(y.to_numpy()[-SEASON:], steps)


def ridge_recursive(y, steps, *, difference, log=False):
    """A Ridge on the last ``LAGS`` values, forecast one month at a time with its own
    forecasts fed back, on the (log, differenced) series standardised."""
    series = np.log(y.to_numpy()) if log else y.to_numpy()
    z = np.diff(series) if difference else series
    mean, std = z.mean(), z.std()
    u = (z - mean) / std
    X = np.lib.stride_tricks.sliding_window_view(u[:-1], LAGS)  # row i: u[i:i+LAGS]
    model = Ridge(alpha=1.0).fit(X, u[LAGS:])
    history = list(u[-LAGS:])
    for _ in range(steps):
        history.append(model.predict(np.array(history[-LAGS:])[None])[0])
    out = np.array(history[LAGS:]) * std + mean
    if difference:
        out = series[-1] + np.cumsum(out)
    return np.exp(out) if log else out


BASELINES = {
    "seasonal naive": seasonal_naive,
    "ridge, 12 lags of y": lambda y, s: ridge_recursive(y, s, difference=False),
    "ridge, 12 lags of diff(y)": lambda y, s: ridge_recursive(y, s, difference=True),
    "ridge, 12 lags of diff(log y)": lambda y, s: ridge_recursive(y, s, difference=True, log=True),
}

# %%
# Choosing the RNN on the training months only
# --------------------------------------------
# :func:`skrnn.forecasting.backtest` with ``initial=72, steps=12, refit=True``
# refits a candidate on 1949-1954, 1949-1955 and 1949-1956 and forecasts 1955, 1956
# and 1957 (12 months each); the lowest mean MAE wins. ``--select`` backtests the
# grid below: the log as ``transformer_y`` or not x ``window`` 12 or 24 x LSTM or
# GRU x ``hidden_size`` 8, 16 or 32 x Adam or L-BFGS, 48 candidates. That run picked
# ``log, window=12, gru, hidden_size=8, lbfgs``, fixed here as ``CHOSEN``: this page
# backtests only it. Its recorded backtest MAE, mean (1955, 1956, 1957), of the best
# candidates:
#
# - log, window=12, gru, hidden_size=8, lbfgs: 8.09 (11.35, 8.85, 4.08), chosen
# - log, window=24, lstm, hidden_size=8, lbfgs: 10.34 (15.74, 8.04, 7.25)
# - log, window=12, gru, hidden_size=32, adam: 10.89 (19.22, 4.88, 8.58)
# - the 14 best all take the log; the best without it, window=12, lstm,
#   hidden_size=32, lbfgs: 14.24, 15th of 48; the worst: 29.49
#
# and of the baselines on the same folds: seasonal naive 43.17, ridge on y 15.63, on
# diff(y) 13.90, on diff(log y) 9.24. Those figures were measured with an earlier
# version of the code; the baselines' are reproduced below exactly, the RNN's moved
# with the training code since.
CHOSEN = dict(log=True, window=12, cell="gru", hidden_size=8, solver="lbfgs")
GRID = dict(
    log=[False, True],
    window=[12, 24],
    cell=["lstm", "gru"],
    hidden_size=[8, 16, 32],
    solver=["adam", "lbfgs"],
)
FAST_GRID = dict(log=[True], window=[12], cell=["lstm"], hidden_size=[8], solver=["adam"])

y = load_airline()
y_train, y_test = y.iloc[:-N_TEST], y.iloc[-N_TEST:]
grid = FAST_GRID if FAST else GRID if SELECT else {k: [v] for k, v in CHOSEN.items()}
configs = [dict(zip(grid, values)) for values in itertools.product(*grid.values())]


def backtest_mae(config):
    """Fold MAEs of the rolling-origin forecasts of 1955, 1956 and 1957."""
    threadpool_limits(limits=1, user_api="blas")  # again, in joblib's workers
    warnings.simplefilter("ignore", ConvergenceWarning)
    _, metrics = backtest(make_forecaster(config), y_train, initial=72, steps=12, refit=True)
    return metrics["MAE"].tolist()


folds = Parallel(n_jobs=2 if SELECT else 1)(delayed(backtest_mae)(c) for c in configs)
table = pd.DataFrame(
    [
        {
            "candidate": describe(c),
            "MAE": np.mean(f),
            **{str(1955 + i): v for i, v in enumerate(f)},
        }
        for c, f in zip(configs, folds)
    ]
).sort_values("MAE", kind="stable")
print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
best = configs[table.index[0]]
print(f"chosen: {describe(best)}")

# %%
# Forecasting the test months
# ---------------------------
# The chosen forecaster is refitted on all 108 training months, with
# ``calibration_size=40``: ``fit`` also fits a copy without the last 40 months and
# keeps its absolute errors from every origin among them, the conformity scores of
# ``predict_interval(36, coverage=0.8)``. The baselines forecast from the same
# months.
forecaster = make_forecaster(best, calibration_size=40).fit(y_train)
interval = forecaster.predict_interval(N_TEST, coverage=0.8)
forecasts = {f"RNN ({describe(best)})": interval["pred"].to_numpy()}
forecasts.update({name: forecast(y_train, N_TEST) for name, forecast in BASELINES.items()})

truth = y_test.to_numpy()
scores = pd.DataFrame(
    {
        "test MAE": [mean_absolute_error(truth, f) for f in forecasts.values()],
        "test RMSE": [root_mean_squared_error(truth, f) for f in forecasts.values()],
    },
    index=list(forecasts),
)
print(scores.to_string(float_format=lambda v: f"{v:.2f}"))
inside = (truth >= interval["lower"].to_numpy()) & (truth <= interval["upper"].to_numpy())
width = float((interval["upper"] - interval["lower"]).mean())
print(
    f"80% interval: covers {inside.sum()} of {N_TEST} test months ({inside.mean():.0%}), "
    f"mean width {width:.0f} thousand passengers"
)

# %%
# With this version the RNN scores a test MAE of 22.32 (RMSE 26.18): better than
# the seasonal naive forecast (60.08), the ridge on raw lags (45.77) and the ridge
# on log differences (53.15), but not than the ridge on differenced lags (15.63,
# RMSE 19.35); its interval covers 31 of the 36 months. When the configuration was
# chosen (an earlier version of the training code) it scored 17.43, and other
# seeds 19.5 to 25.8; over all 48 candidates the backtest's ranking correlated
# poorly with the test months' (Spearman -0.20). With one split of 36 months,
# coverage says little about calibration.
rnn = next(iter(forecasts))
fig, ax = plt.subplots(figsize=(10, 5))
ax.plot(y_train.index, y_train, color="black", linewidth=1, label="history (training months)")
ax.plot(y_test.index, y_test, color="black", linewidth=3, alpha=0.5, label="truth (test months)")
ax.fill_between(
    y_test.index, interval["lower"], interval["upper"], color="C0", alpha=0.2, label="80% interval"
)
for i, (name, forecast) in enumerate(forecasts.items()):
    ax.plot(
        y_test.index,
        forecast,
        color=f"C{i}",
        linewidth=2 if name == rnn else 1,
        label=f"{name} (MAE {scores.loc[name, 'test MAE']:.1f})",
    )
ax.axvline(y_test.index[0], color="grey", linewidth=0.5)
ax.set_xlabel("month")
ax.set_ylabel("passengers (thousands)")
ax.set_title("Airline passengers: 36-month forecasts from 1957-12")
ax.legend(loc="upper left", fontsize="small")
fig.tight_layout()
plt.show()
