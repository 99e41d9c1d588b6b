"""
Tuning a forecaster's window and hidden size with GridSearchCV
==============================================================

``RNNForecaster`` is a scikit-learn estimator whose ``fit(y, X=None)`` takes
the series first, and whose ``score(y)`` is the R^2 of its forecast of the
periods of ``y``, which must follow the training data: right after it, or
g periods later, as ``TimeSeriesSplit(gap=g)`` gives (the forecast then also
covers the g periods of the gap, which are not scored). That is what
``GridSearchCV`` with a ``TimeSeriesSplit`` gives it: ``search.fit(y_train)``
hands each candidate the first months of ``y_train`` and scores its forecast
of the months after them. No wrapper is needed.

Here the 108 training months of the airline series (1949-01..1957-12; the
last 36 months, 1958-1960, are the test months of
``plot_forecast_airline.py``) are split by ``TimeSeriesSplit(n_splits=3,
test_size=12)``: the candidates are fitted on 1949-1954, 1949-1955 and
1949-1956 and forecast 1955, 1956 and 1957, 12 months ahead (the folds of
``skrnn.forecasting.backtest(forecaster, y_train, initial=72, steps=12)``).
The grid is ``window`` in {12, 24} and ``estimator__hidden_size`` in {8, 16,
32}, for a GRU trained by L-BFGS (``alpha=0.1``, ``max_iter=300``,
``random_state=0``) on the series differenced once and then standardized
(the forecaster's defaults: no ``transformer_y``, ``standardize=True``,
which gives the month-to-month changes zero mean and unit variance over
each fold's training months).

Each fold is scored twice: by R^2 (the forecaster's own ``score``) and by
MAE. The MAE needs a callable scorer: the series goes in as X with y=None,
so GridSearchCV calls ``scorer(estimator, X_test)``, and scikit-learn's
scorer strings (``scoring="neg_mean_absolute_error"``), which compare
``predict(X_test)`` with a ``y_true``, fail with ``TypeError:
_BaseScorer.__call__() missing 1 required positional argument: 'y_true'``.
``--mae`` picks the candidate by MAE instead of R^2.

The script prints the ``cv_results_`` table (params, mean and std test R^2,
mean test MAE, rank), the search time, the chosen parameters, recomputes the chosen
candidate's three fold scores with a hand-written loop over the same folds
to show that they are the same numbers, and prints the refitted best
forecaster's R^2 and MAE on the 36 test months (never seen by the search).

The default run (one BLAS thread: with more, the L-BFGS fits of 16 and 32 hidden
units take slightly different paths and the numbers change in the second decimal)
gives, as mean over the three folds (run on commit 43fbba8 and on the code of this
documentation; an earlier version of the code had recorded R^2 between 0.47 and
0.64 for every candidate):

======  ===========  ========  =======  ========
window  hidden_size  mean R^2  std R^2  mean MAE
======  ===========  ========  =======  ========
12      8            -3.815    4.844    75.03
24      8            -0.420    0.713    44.95
12      16           0.473     0.240    28.65
24      16           -1.681    2.025    55.59
12      32           0.458     0.251    27.53
24      32           0.657     0.263    21.01
======  ===========  ========  =======  ========

and chooses ``window=24, hidden_size=32`` by R^2; ``--mae`` chooses the same (its
MAE is also the lowest). The spread between folds is large (the chosen candidate's
fold R^2 are 0.763, 0.296 and 0.913): on three folds of one series, this ranking is
weak evidence, and here it misleads. Refitted on the 108 training months, the chosen
forecaster forecasts the 36 test months with R^2 -0.739 and MAE 88.08 -- worse than
the seasonal naive forecast (60.08) of ``plot_forecast_airline.py``. This is one
network per candidate, on the passengers themselves; ``plot_forecast_airline.py``
also tries the log of the series (``transformer_y``) and averages 5 networks per
forecast.

Run it with ``python examples/tune_forecaster_window.py`` (73 seconds on two busy
cores, 45 of them in the search; this page shows it without running it); ``--fast``
is a smoke test of a few seconds.
"""

# %%
# The forecaster and the folds
# ----------------------------
import sys
import time
import warnings

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mean_absolute_error, r2_score
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from threadpoolctl import threadpool_limits

from skrnn import RNNRegressor
from skrnn.datasets import load_airline
from skrnn.forecasting import RNNForecaster

FAST, REFIT = "--fast" in sys.argv, "mae" if "--mae" in sys.argv else "r2"
threadpool_limits(limits=1, user_api="blas")
warnings.simplefilter("ignore", ConvergenceWarning)
N_TEST = 36
windows, sizes, max_iter = ([12], [4, 8], 30) if FAST else ([12, 24], [8, 16, 32], 300)

y = load_airline()
y_train, y_test = y.iloc[:-N_TEST], y.iloc[-N_TEST:]
forecaster = RNNForecaster(
    RNNRegressor(cell="gru", solver="lbfgs", alpha=0.1, max_iter=max_iter, random_state=0),
    differentiation=1,
)
cv = TimeSeriesSplit(n_splits=3, test_size=12)
months = y_train.index
for i, (train, test) in enumerate(cv.split(y_train)):
    print(
        f"fold {i}: fit on {months[train[0]]:%Y-%m}..{months[train[-1]]:%Y-%m} "
        f"({len(train)} months), forecast {months[test[0]]:%Y-%m}..{months[test[-1]]:%Y-%m}"
    )

# %%
# Two scorers
# -----------
# The series goes in as X with y=None, so GridSearchCV calls
# ``scorer(estimator, X_test)``: a callable of the fold.


def r2(forecaster, y_fold, _unused=None):
    """The forecaster's own score: R^2 of its forecast of ``y_fold``."""
    return forecaster.score(y_fold)


def neg_mae(forecaster, y_fold, _unused=None):
    """Minus the MAE of the forecast of ``y_fold`` (GridSearchCV maximizes)."""
    return -mean_absolute_error(y_fold, forecaster.predict(len(y_fold)))


# %%
# The search
# ----------
search = GridSearchCV(
    forecaster,
    {"window": windows, "estimator__hidden_size": sizes},
    cv=cv,
    scoring={"r2": r2, "mae": neg_mae},
    refit=REFIT,
    error_score="raise",
)
tic = time.perf_counter()
search.fit(y_train)
print(f"search: {time.perf_counter() - tic:.1f} s")
res = search.cv_results_
table = pd.DataFrame(
    {
        "window": res["param_window"],
        "hidden_size": res["param_estimator__hidden_size"],
        "mean R^2": res["mean_test_r2"],
        "std R^2": res["std_test_r2"],
        "mean MAE": -res["mean_test_mae"],
        f"rank ({REFIT})": res[f"rank_test_{REFIT}"],
    }
)
print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
best = search.best_params_
print(f"chosen (by {REFIT}): {best}")

# %%
# The same folds by hand
# ----------------------
# The chosen candidate's three fold scores, recomputed with a loop over the same
# folds: the same numbers.
by_hand = []
for train, test in cv.split(y_train):
    fitted = clone(forecaster).set_params(**best).fit(y_train.iloc[train])
    fold = y_train.iloc[test]
    by_hand.append(r2_score(fold, fitted.predict(len(fold))))
from_search = [res[f"split{i}_test_r2"][search.best_index_] for i in range(3)]
same_as_hand_loop = bool(np.allclose(by_hand, from_search, rtol=0, atol=1e-12))
print(f"GridSearchCV: {np.round(from_search, 4)}; by hand: {np.round(by_hand, 4)}")
print(f"the same: {same_as_hand_loop}")

# %%
# The test months
# ---------------
# The refitted best forecaster on the 36 months the search never saw.
pred = search.best_estimator_.predict(N_TEST)
print(
    f"test months {y_test.index[0]:%Y-%m}..{y_test.index[-1]:%Y-%m}: "
    f"R^2 {r2_score(y_test, pred):.3f}, MAE {mean_absolute_error(y_test, pred):.2f}"
)
