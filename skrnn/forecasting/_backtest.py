"""Rolling-origin evaluation of a forecaster."""

from typing import NamedTuple

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import (
    mean_absolute_error,
    mean_absolute_percentage_error,
    root_mean_squared_error,
)

from .._windows import check_count, is_count, numeric_frame, regularize


class FoldMetrics(NamedTuple):
    """One row of ``backtest``'s metrics: a fold's errors on one target."""

    fold: int
    target: object
    start: object
    end: object
    n_steps: int
    MAE: float
    RMSE: float
    MAPE: float


def backtest(forecaster, y, initial, steps, refit=True, X=None):
    """Rolling-origin evaluation of a forecaster.

    Fold i fits on the first ``initial + i * steps`` periods of ``y`` and
    forecasts the next ``steps`` (the last fold: what remains), like
    :class:`~sklearn.model_selection.TimeSeriesSplit` with a fixed test size.

    Parameters
    ----------
    forecaster : RNNForecaster
        Cloned; the argument is not modified.
    y : pandas Series or DataFrame
        The series (DataFrame: one column per target), on a regular index.
    initial : int
        Periods in the first training fold.
    steps : int
        Periods forecast per fold.
    refit : bool or int, default=True
        True: refit on each fold's data; False: fit once on the first fold,
        then forecast later folds from their data (``last_window``) with the
        same model; an integer k >= 1: refit every k folds.
    X : pandas Series or DataFrame or None, default=None
        Exogenous variables for every period of ``y``.

    Returns
    -------
    forecasts : pandas DataFrame
        One row per forecast period and target, indexed by period: columns
        ``fold``, ``target``, ``y_true``, ``y_pred``.
    metrics : pandas DataFrame
        One row per fold and target: ``fold``, ``target``, ``start``,
        ``end``, ``n_steps``, ``MAE``, ``RMSE``, ``MAPE`` (a fraction, as
        scikit-learn's ``mean_absolute_percentage_error``).

    See Also
    --------
    RNNForecaster.score : The R^2 of one forecast.

    Examples
    --------
    >>> from skrnn import RNNRegressor
    >>> from skrnn.datasets import load_airline
    >>> from skrnn.forecasting import RNNForecaster, backtest
    >>> forecaster = RNNForecaster(
    ...     RNNRegressor(hidden_size=4, max_iter=5, random_state=0), window=12
    ... )
    >>> forecasts, metrics = backtest(forecaster, load_airline(), initial=120, steps=12)
    >>> metrics[["fold", "n_steps"]].to_numpy().tolist()
    [[0, 12], [1, 12]]
    """
    check_count(initial, "initial")
    check_count(steps, "steps")
    every = _refit_every(refit)
    y = regularize(
        y, fill=getattr(forecaster, "fill", None), freq=getattr(forecaster, "freq", None), what="y"
    ).data
    frame = numeric_frame(y, "y")
    n = len(frame)
    if initial >= n:
        raise ValueError(f"initial={initial} leaves no period of y ({n}) to forecast.")
    as_series = isinstance(y, pd.Series)
    rows, metrics, model = [], [], None
    for fold, start in enumerate(range(initial, n, steps)):
        k = min(steps, n - start)
        train = y.iloc[:start]
        # X whole: fit and predict take the periods they need from it
        if model is None or (every and fold % every == 0):
            model = clone(forecaster).fit(train, X)
            pred = model.predict(k, X)
        else:
            pred = model.predict(k, X, last_window=train, last_window_exog=X)
        truth = frame.iloc[start : start + k]
        pred = pred.to_frame() if as_series else pred
        for j, name in enumerate(frame.columns):
            t, p = truth.iloc[:, j].to_numpy(), pred.iloc[:, j].to_numpy()
            rows.append(
                pd.DataFrame(
                    {"fold": fold, "target": name, "y_true": t, "y_pred": p}, index=truth.index
                )
            )
            metrics.append(_fold_metrics(fold, name, truth.index, t, p))
    return pd.concat(rows), pd.DataFrame(metrics)


def _refit_every(refit):
    """Folds between refits (0: never) for backtest's ``refit``."""
    if isinstance(refit, (bool, np.bool_)):
        return 1 if refit else 0
    if is_count(refit):
        return int(refit)
    raise ValueError(
        f"refit must be True, False or an integer >= 1 (refit every that many "
        f"folds), got {refit!r}."
    )


def _fold_metrics(fold, target, index, truth, pred):
    """The ``FoldMetrics`` of forecasts ``pred`` of ``truth`` over periods ``index``."""
    return FoldMetrics(
        fold=fold,
        target=target,
        start=index[0],
        end=index[-1],
        n_steps=len(index),
        MAE=mean_absolute_error(truth, pred),
        RMSE=root_mean_squared_error(truth, pred),
        MAPE=mean_absolute_percentage_error(truth, pred),
    )
