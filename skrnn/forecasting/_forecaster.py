"""RNNForecaster: pandas in its public methods, arrays in its private ones.

``fit``, ``predict``, ``predict_interval`` and ``score`` check and convert
the pandas input once (``_inputs``), then call the array-level ``_fit`` and
``_predict``, which run the level pipeline (``_levels``), a strategy
(``_strategies``) and the conformal calibration (``_conformal``).
"""

import datetime
import numbers
from collections.abc import Hashable
from typing import NamedTuple

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, _fit_context, clone
from sklearn.metrics import r2_score
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._frames import PandasStateMixin
from .._persistence import VersionedStateMixin
from .._windows import (
    FILL_METHODS,
    _show,
    check_count,
    check_finite,
    checked_frame,
    future_index,
    is_count,
    numeric_frame,
    window_arrays,
)
from ._conformal import (
    calibration_periods,
    calibration_plan,
    check_coverage,
    half_widths,
    origin_histories,
    out_of_sample_errors,
)
from ._global import FittedState, GlobalMixin
from ._inputs import Frames, conform, not_finite_message, periods_between, read_exog
from ._levels import History, LevelPipeline, NotFinite, unfitted
from ._panel import is_panel
from ._strategies import STRATEGIES, network_for_windows


class Count(Interval):
    """scikit-learn's constraint "an int in the range [minimum, inf)",
    refusing booleans (True is an Integral to Python and to ``Interval``,
    but ``window=True`` is no window of 1)."""

    def __init__(self, minimum):
        super().__init__(numbers.Integral, minimum, None, closed="left")

    def is_satisfied_by(self, val):
        return is_count(val, self.left)


#: a transformer parameter: fitted at fit, inverted on forecasts
_TRANSFORMER = [
    HasMethods(["fit_transform", "inverse_transform"]),
    StrOptions({"passthrough"}),
    None,
]


class PointForecast(NamedTuple):
    """A forecast on the original scale, and its periods."""

    values: np.ndarray  # (steps, k)
    index: pd.Index


class RNNForecaster(GlobalMixin, PandasStateMixin, VersionedStateMixin, BaseEstimator):
    """Forecast a time series with a recurrent network on sliding windows.

    ``fit(y, X=None)`` cuts the series ``y`` (a Series, or a DataFrame of
    several targets) into windows of ``window`` periods, each followed by the
    values to predict, and fits ``estimator`` on them; ``predict(steps)``
    forecasts the ``steps`` periods after the end of ``y``, indexed at its
    frequency (DatetimeIndex, PeriodIndex or integer index).

    Parameters
    ----------
    estimator : RNNRegressor or None, default=None
        The sequence model, cloned at fit; None is ``RNNRegressor()``. Any
        regressor taking 3-D ``X`` (n_windows, window, n_features) and 1-D or
        2-D ``y`` works. An estimator whose ``standardize`` is "auto"
        (itself or one it wraps) is fitted with ``standardize="global"``: a
        window's next values are not scaled by that window's statistics, so
        scaling its inputs by them would hide the level the forecast needs.
        Its ``early_stopping="auto"`` is fitted as False: windows of one
        series overlap, so a random tenth of them held out is no unseen
        future to stop on.
    window : int >= 1, default=12
        Number of past periods each forecast reads.
    strategy : {'recursive', 'direct'}, default='recursive'
        'recursive': the network predicts one period; the prediction is fed
        back as the newest value to predict the next, for any number of
        steps. 'direct': one multi-output network predicts ``horizon``
        periods at once (no feedback of its own errors; ``steps <= horizon``).
    horizon : int >= 1 or None, default=None
        Periods the 'direct' network predicts (required there); unused by
        'recursive'.
    differentiation : int >= 0 or None, default=None
        Model the series differenced this many times (1: period-to-period
        changes; skforecast's parameter); forecasts are integrated back.
    transformer_y : transformer or None, default=None
        A transformation of the target levels, e.g. a log (``make_pipeline(
        FunctionTransformer(np.log, inverse_func=np.exp))``): fitted on the
        training data, applied before the differencing (skforecast's order),
        inverted on forecasts. None (or 'passthrough'): none.
    transformer_exog : transformer or None, default=None
        The same for the exogenous variables.
    standardize : bool, default=True
        Standardise what the network sees -- the (transformed, differenced)
        targets and the (transformed) exogenous variables -- to zero mean and
        unit variance over the training data, as networks need; the network's
        outputs are mapped back. False: feed them as they are.
    calibration_size : int, float or None, default=None
        Hold out this many final periods (a float: this fraction of ``y``)
        to calibrate :meth:`predict_interval`: a copy of the forecaster fitted
        without them forecasts from every origin in the held-out stretch, and
        the absolute errors per forecast step are the conformity scores. The
        returned model is then fitted on all of ``y``. None: no intervals.
    fill : {'ffill', 'bfill', 'interpolate', 'zero'} or None, default=None
        How to fill missing periods and NaN in ``y`` and ``X``; None refuses
        them with an error.
    freq : str, pandas offset, int or None, default=None
        The frequency of ``y``'s index, to use instead of the inferred one:
        for a DatetimeIndex a pandas alias or offset ('D', 'B', 'MS', 'h',
        ``pd.offsets.CustomBusinessDay(holidays=...)`` for business days
        without your holidays), for an integer index the step; a PeriodIndex
        has its own. It decides which periods are missing (``fill``) and the
        dates of the forecast. None infers it: the index's ``freq``, or what
        pandas infers, or (with gaps) the frequency of its gap-free
        stretches, e.g. 'B' for business days missing a holiday (see
        :func:`~skrnn.preprocessing.make_windows`).
    series_id : hashable, 'columns' or None, default=None
        How ``fit`` reads many series (a global model, below). A column
        name: ``y`` is a long DataFrame with that series-id column, a time
        column (``time_column``, or the index) and the value column(s).
        'columns': ``y`` is a wide DataFrame, one series per column (each
        from its first to its last value, so they may start and end at
        different periods). None: a DataFrame's columns are the targets of
        one series; a dict of Series and a (series, time) MultiIndex are read
        as many series whatever ``series_id``.
    time_column : hashable or None, default=None
        The time column of a long DataFrame (None: its index).

    Attributes
    ----------
    estimator_ : fitted estimator
        The clone of ``estimator`` fitted on the training windows.
    transformer_y_, transformer_exog_ : fitted transformers or None
        The fitted clones of ``transformer_y`` and ``transformer_exog``
        (``transformer_exog_`` is None without exogenous variables).
    scaler_y_, scaler_exog_ : fitted StandardScaler or None
        The standardisation of ``standardize``.
    freq_ : pandas offset or int
        The series' frequency (``freq``, or the inferred one; the step, for
        an integer index). ``last_window``, ``X`` and ``score``'s ``y`` must
        be at this frequency.
    target_names_ : list
        The target column(s) (a Series' name).
    exog_names_ : list or None
        Exogenous columns seen in fit.
    last_window_ : Series or DataFrame
        The last ``window + differentiation`` observations: where ``predict``
        starts from.
    last_window_exog_ : DataFrame or None
        The exogenous variables of the last ``window`` periods.
    calibration_residuals_ : ndarray of shape (n_origins, max_steps, n_targets) or None
        Out-of-sample errors (truth - forecast) of the calibration copy, NaN
        where the truth was not available.
    n_windows_ : int
        Training windows (of all series).
    series_ids_ : list or None
        The series of a global model, in the order fit read them (None for
        one series).
    series_forecasters_ : dict or None
        A global model's series: id -> a fitted single-series forecaster
        that holds that series' scaling, last window and frequency and
        shares ``estimator_``. The per-series attributes above
        (``last_window_``, ``scaler_y_``, ``freq_``, ...) are theirs and are
        None on the global model.

    See Also
    --------
    backtest : Rolling-origin evaluation of a forecaster.
    skrnn.preprocessing.make_windows : The windows the network is fitted on.

    Notes
    -----
    **Many series, one model.** ``fit`` also takes many series -- a dict of
    Series, a (series, time) MultiIndex, a long DataFrame (``series_id``,
    ``time_column``) or a wide one (``series_id='columns'``). Each series is
    checked as one would be (its own index, frequency and missing values;
    lengths and start dates may differ) and transformed, differenced and
    standardised by its own statistics; one network is fitted on the
    windows of all of them, and ``predict`` returns every series (or those
    in ``series``) in the layout fit was given. Intervals, ``score``,
    ``backtest`` and exogenous variables are for single-series models so
    far.

    Exogenous variables are covariates known in advance (calendar effects,
    planned prices): ``fit`` needs them for the periods of ``y``, ``predict``
    for the forecast periods (:func:`~skrnn.preprocessing.make_windows`
    describes the layout). A window never contains a target value from after
    its last period.

    Examples
    --------
    >>> from skrnn import RNNRegressor
    >>> from skrnn.datasets import load_airline
    >>> from skrnn.forecasting import RNNForecaster
    >>> y = load_airline()
    >>> f = RNNForecaster(RNNRegressor(hidden_size=8, max_iter=20, random_state=0),
    ...                   window=12, differentiation=1).fit(y[:-12])
    >>> f.predict(3).index.strftime("%Y-%m").tolist()
    ['1960-01', '1960-02', '1960-03']
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "window": [Count(1)],
        "strategy": [StrOptions(set(STRATEGIES))],
        "horizon": [Count(1), None],
        "differentiation": [Count(0), None],
        "transformer_y": _TRANSFORMER,
        "transformer_exog": _TRANSFORMER,
        "standardize": ["boolean"],
        "calibration_size": [Count(1), Interval(numbers.Real, 0, 1, closed="neither"), None],
        "fill": [StrOptions(set(FILL_METHODS)), None],
        "freq": [Count(1), str, pd.DateOffset, datetime.timedelta, np.timedelta64, None],
        "series_id": [Hashable, None],
        "time_column": [Hashable, None],
    }

    #: pickled as plain values (``PandasStateMixin``), so that skops trusts them
    _PANDAS_FRAMES = ("last_window_", "last_window_exog_")
    _PANDAS_OFFSETS = ("freq", "freq_")

    def __init__(
        self,
        estimator=None,
        *,
        window=12,
        strategy="recursive",
        horizon=None,
        differentiation=None,
        transformer_y=None,
        transformer_exog=None,
        standardize=True,
        calibration_size=None,
        fill=None,
        freq=None,
        series_id=None,
        time_column=None,
    ):
        self.estimator = estimator
        self.window = window
        self.strategy = strategy
        self.horizon = horizon
        self.differentiation = differentiation
        self.transformer_y = transformer_y
        self.transformer_exog = transformer_exog
        self.standardize = standardize
        self.calibration_size = calibration_size
        self.fill = fill
        self.freq = freq
        self.series_id = series_id
        self.time_column = time_column

    @property
    def _steps_out(self):
        """Periods the network predicts per call."""
        return self.horizon if self.strategy == "direct" else 1

    @property
    def _d(self):
        return self.differentiation or 0

    # ------------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, y, X=None):
        """Fit on the series ``y`` with exogenous variables ``X``.

        Checks ``y`` and ``X`` (regular index, numbers, no NaN unless
        ``fill``), then fits the level pipeline and the network on the
        windows of the arrays; with ``calibration_size``, also the copy that
        calibrates :meth:`predict_interval`. A failed fit changes nothing.

        Parameters
        ----------
        y : pandas Series or DataFrame
            The series to forecast (DataFrame: one column per target), on a
            regular index (see :func:`~skrnn.preprocessing.make_windows`).
        X : pandas Series or DataFrame or None, default=None
            Exogenous variables, with values for every period of ``y``.

        Returns
        -------
        RNNForecaster
            The fitted forecaster (``self``).

        See Also
        --------
        RNNForecaster.predict : Forecast the periods after ``y``.

        Examples
        --------
        >>> from skrnn import RNNRegressor
        >>> from skrnn.datasets import load_airline
        >>> from skrnn.forecasting import RNNForecaster
        >>> y = load_airline()
        >>> f = RNNForecaster(RNNRegressor(hidden_size=4, max_iter=5, random_state=0))
        >>> f.fit(y).n_windows_
        132
        """
        if self.strategy == "direct" and self.horizon is None:
            raise ValueError(
                "strategy='direct' needs horizon, the number of periods the "
                "network predicts at once (an integer >= 1); got None."
            )
        if is_panel(y, self.series_id):
            return self._fit_panel(y, X)
        data = self._read_training(y, X)
        m = self._calibration_periods(len(data.targets))
        targets = data.targets.to_numpy()
        exog = None if data.exog is None else data.exog.to_numpy()
        try:
            fitted = self._fit(targets, exog)
            residuals = self._calibrate(targets, exog, m) if m else None
        except NotFinite as err:
            raise ValueError(not_finite_message(err, data.targets, data.exog)) from None
        # everything checked and computed: now set the fitted state
        self._set_fitted(fitted)
        self._set_data(data, y)
        self.calibration_residuals_ = residuals
        self.series_ids_ = self.series_forecasters_ = self._layout = None
        return self

    def _set_data(self, data, y):
        """The fitted attributes read off the checked training ``Frames``."""
        self.freq_ = data.freq
        self.target_names_ = data.targets.columns.tolist()
        self._series_name = y.name if isinstance(y, pd.Series) else None
        self._is_series = isinstance(y, pd.Series)
        self.exog_names_ = None if data.exog is None else data.exog.columns.tolist()
        last = data.targets.iloc[-(self.window + self._d) :]
        self.last_window_ = last.iloc[:, 0] if self._is_series else last
        self.last_window_exog_ = None if data.exog is None else data.exog.iloc[-self.window :]

    def _read_training(self, y, X):
        """The checked training ``Frames``."""
        regular = checked_frame(y, fill=self.fill, freq=self.freq, what="y")
        frame, freq = regular.data, regular.freq
        exog = None if X is None else read_exog(X, frame.index, fill=self.fill, freq=freq)
        return Frames(frame, exog, freq)

    def _calibration_periods(self, n):
        """Periods ``calibration_size`` holds out of ``n``, checked: enough
        are left for two training windows."""
        m = calibration_periods(self.calibration_size, n)
        need = self.window + self._d + self._steps_out
        if n - m < need + 1:
            raise ValueError(
                f"y has {n} periods; window={self.window}, differentiation="
                f"{self._d}, {self._steps_out} predicted period(s) per window"
                + (f" and calibration_size={self.calibration_size} ({m} periods)" if m else "")
                + f" need at least {need + 1 + m} (two training windows)."
            )
        return m

    def _fit(self, targets, exog):
        """Fit on aligned arrays ``targets`` (n, k) and ``exog`` (n, e) or
        None; returns the ``FittedState`` (the forecaster is not changed)."""
        levels = self._fit_levels(targets, exog)
        windows = window_arrays(
            levels.series.targets, levels.series.exog, self.window, self._steps_out
        )
        estimator = network_for_windows(self.estimator)
        Y = windows.Y.reshape(len(windows.Y), -1)
        estimator.fit(windows.X, Y[:, 0] if Y.shape[1] == 1 else Y)
        return FittedState(estimator, levels.pipeline, len(windows.X))

    def _fit_levels(self, targets, exog):
        """The ``FittedLevels`` of aligned arrays ``targets`` and ``exog``."""
        return LevelPipeline.fit(
            targets,
            exog,
            transformer_y=unfitted(self.transformer_y),
            transformer_exog=unfitted(self.transformer_exog),
            differentiation=self._d,
            standardize=self.standardize,
        )

    def _calibrate(self, targets, exog, m):
        """Out-of-sample errors from every origin in the last ``m`` periods
        of the aligned arrays, of a copy fitted without them."""
        sub = clone(self).set_params(calibration_size=None)
        fitted = sub._fit(targets[:-m], None if exog is None else exog[:-m])
        plan = calibration_plan(
            len(targets),
            m,
            strategy=self.strategy,
            steps_out=self._steps_out,
            has_exog=exog is not None,
            calibration_size=self.calibration_size,
        )
        history = origin_histories(
            targets,
            exog,
            plan.origins,
            window=self.window,
            differentiation=self._d,
            future=plan.max_steps if self.strategy == "recursive" else self._steps_out,
        )
        pred = self._predict(fitted, history, plan.max_steps)
        return out_of_sample_errors(targets, pred, plan.origins)

    def _set_fitted(self, fitted):
        self.estimator_ = fitted.estimator
        self.transformer_y_ = fitted.levels.transformer_y
        self.transformer_exog_ = fitted.levels.transformer_exog
        self.scaler_y_ = fitted.levels.scaler_y
        self.scaler_exog_ = fitted.levels.scaler_exog
        self.n_windows_ = fitted.n_windows

    def _fitted(self):
        """The ``FittedState`` stored in the fitted attributes."""
        check_is_fitted(self, "estimator_")
        levels = LevelPipeline(
            self.transformer_y_,
            self.transformer_exog_,
            self.scaler_y_,
            self.scaler_exog_,
            self._d,
        )
        return FittedState(self.estimator_, levels, self.n_windows_)

    # --------------------------------------------------------------- predict
    def _predict(self, fitted, history, steps):
        """Forecasts (B, steps, k) on the original scale from a ``History``
        of B origins; ``NotFinite`` if the levels step makes NaN or infinity."""
        inputs = fitted.levels.forward(history)
        out = STRATEGIES[self.strategy](
            fitted.estimator, inputs, window=self.window, steps_out=self._steps_out, steps=steps
        )
        return fitted.levels.inverse(out, inputs.tails)

    def _check_steps(self, steps):
        check_count(steps, "steps", meaning=" (the number of periods to forecast)")
        if self.strategy == "direct" and steps > self.horizon:
            raise ValueError(
                f"steps={steps} is more than horizon={self.horizon}, the periods the "
                f"'direct' network predicts; refit with horizon >= {steps} or use "
                f"strategy='recursive'."
            )

    def _read_start(self, last_window, last_window_exog):
        """The checked ``Frames`` to forecast from: the end of the training
        series, or ``last_window`` (and ``last_window_exog``)."""
        if last_window is None:
            if last_window_exog is not None:
                raise ValueError("last_window_exog needs last_window.")
            targets = numeric_frame(self.last_window_, "last_window")
            return Frames(targets, self.last_window_exog_, self.freq_)
        frame = conform(
            last_window,
            "last_window",
            like=self.last_window_.index,
            freq=self.freq_,
            fill=self.fill,
        )
        if self._is_series and frame.shape[1] != 1:
            raise ValueError(
                f"last_window has {frame.shape[1]} columns {frame.columns.tolist()}; "
                f"the forecaster was fitted on a Series (one target): pass a Series "
                f"or a one-column DataFrame."
            )
        if frame.columns.tolist() != self.target_names_ and not self._is_series:
            raise ValueError(
                f"last_window has columns {frame.columns.tolist()}; the forecaster "
                f"was fitted on {self.target_names_}."
            )
        check_finite(frame, "last_window")
        need = self.window + self._d
        if len(frame) < need:
            raise ValueError(
                f"last_window has {len(frame)} periods; window={self.window} and "
                f"differentiation={self._d} need the last {need}."
            )
        frame = frame.iloc[-need:]
        return Frames(frame, self._read_start_exog(last_window_exog, frame.index), self.freq_)

    def _read_start_exog(self, last_window_exog, index):
        """The covariates of a ``last_window`` on periods ``index`` (None
        without exogenous variables)."""
        if self.exog_names_ is None:
            return None
        if last_window_exog is None:
            raise ValueError(
                "The forecaster uses exogenous variables: pass last_window_exog "
                "with their values for the periods of last_window."
            )
        return read_exog(
            last_window_exog,
            index[-self.window :],
            fill=self.fill,
            freq=self.freq_,
            what="last_window_exog",
            like="last_window",
            columns=self.exog_names_,
        )

    def _read_future_exog(self, X, start, steps):
        """The covariates ``X`` of the forecast periods after ``start`` (the
        'direct' network's whole horizon); None without exogenous variables."""
        if self.exog_names_ is None:
            if X is not None:
                raise ValueError(
                    "The forecaster was fitted without exogenous variables; X must be None."
                )
            return None
        if X is None:
            raise ValueError(
                f"The forecaster was fitted with exogenous variables "
                f"{self.exog_names_}: pass X with their values for the "
                f"forecast periods ({_show(future_index(start, 1, self.freq_)[0])} onwards)."
            )
        n_future = steps if self.strategy == "recursive" else self.horizon
        periods = future_index(start, n_future, self.freq_)
        return read_exog(X, periods, fill=self.fill, freq=self.freq_, columns=self.exog_names_)

    def _point(self, steps, X, last_window, last_window_exog):
        """The ``PointForecast`` of the ``steps`` periods after the start."""
        fitted = self._fitted()
        self._check_steps(steps)
        start = self._read_start(last_window, last_window_exog)
        index = future_index(start.targets.index, steps, self.freq_)
        future = self._read_future_exog(X, start.targets.index, steps)
        history = History(
            start.targets.to_numpy()[None],
            None if future is None else start.exog.to_numpy()[None],
            None if future is None else future.to_numpy()[None],
        )
        try:
            values = self._predict(fitted, history, steps)[0]
        except NotFinite as err:
            exog = None if future is None else pd.concat([start.exog, future])
            late = err.row is not None and err.row >= self.window
            message = not_finite_message(
                err,
                start.targets,
                exog,
                what_y="last_window",
                what_x="X" if late else "last_window_exog",
            )
            raise ValueError(message) from None
        return PointForecast(values, index)

    def predict(self, steps, X=None, last_window=None, last_window_exog=None, series=None):
        """Forecast the ``steps`` periods after the data.

        From the end of the training series, or from ``last_window``: the
        observations are transformed, differenced and scaled as in fit, the
        network forecasts (recursively or directly), and the forecast is
        mapped back to the series' scale and indexed at its frequency.

        Parameters
        ----------
        steps : int >= 1
            Number of periods ('direct': at most ``horizon``).
        X : pandas Series or DataFrame or None, default=None
            Exogenous variables for the forecast periods (for 'direct', the
            ``horizon`` periods), if the forecaster was fitted with them.
        last_window : pandas Series or DataFrame or None, default=None
            Start from these observations (at least ``window +
            differentiation`` periods) instead of the end of the training
            series: forecast after new data without refitting. Its index must
            be of the training series' kind, time zone (an index in another
            zone is converted) and frequency ``freq_``.
        last_window_exog : pandas Series or DataFrame or None, default=None
            The exogenous variables of ``last_window``'s periods.
        series : id, list of ids or None, default=None
            For a model fitted on many series: the series to forecast (None:
            all, or those in ``last_window``, which is then a panel in fit's
            layout).

        Returns
        -------
        pandas Series or DataFrame, or a panel
            A Series if the forecaster was fitted on a Series, else a
            DataFrame with the target columns, indexed by the ``steps``
            periods after the last observation. For many series, their
            forecasts in the layout fit was given (a dict, a MultiIndex
            frame, a long frame with the id and time columns, or a wide
            frame).

        See Also
        --------
        RNNForecaster.predict_interval : The forecast with prediction intervals.

        Examples
        --------
        >>> from skrnn import RNNRegressor
        >>> from skrnn.datasets import load_airline
        >>> from skrnn.forecasting import RNNForecaster
        >>> y = load_airline()
        >>> f = RNNForecaster(RNNRegressor(hidden_size=4, max_iter=5, random_state=0))
        >>> f.fit(y[:-24]).predict(2, last_window=y).index.strftime("%Y-%m").tolist()
        ['1961-01', '1961-02']
        """
        check_is_fitted(self, "estimator_")
        if self._is_panel:
            return self._predict_panel(steps, X, last_window, series)
        if series is not None:
            raise ValueError(
                "series selects among the series of a forecaster fitted on many; "
                "this one was fitted on one series."
            )
        forecast = self._point(steps, X, last_window, last_window_exog)
        return self._output(forecast.values, forecast.index)

    def _output(self, values, index):
        """A forecast (steps, k) as the user's Series or DataFrame."""
        if self._is_series:
            return pd.Series(values[:, 0], index=index, name=self._series_name)
        return pd.DataFrame(values, index=index, columns=self.target_names_)

    def _refuse_panel(self):
        if self._is_panel:
            raise ValueError(
                "This forecaster was fitted on many series; intervals and score are "
                "for single-series models so far (fit one on a Series)."
            )

    @property
    def _is_panel(self):
        return getattr(self, "series_forecasters_", None) is not None

    def predict_interval(
        self, steps, X=None, coverage=0.9, last_window=None, last_window_exog=None
    ):
        """Forecast with split-conformal prediction intervals.

        The interval of step k is the forecast plus or minus the
        ``ceil((n_k + 1) * coverage)``-th smallest absolute error the
        calibration copy made k steps ahead (``n_k`` errors; see
        ``calibration_size``). For exchangeable errors it covers the truth
        with probability at least ``coverage``.

        Parameters
        ----------
        steps : int >= 1
            Number of periods; at most the steps of the calibration errors.
        X : pandas Series or DataFrame or None, default=None
            Exogenous variables for the forecast periods, as in :meth:`predict`.
        coverage : float in (0, 1), default=0.9
            The probability that the interval holds the truth.
        last_window : pandas Series or DataFrame or None, default=None
            Start from these observations, as in :meth:`predict`.
        last_window_exog : pandas Series or DataFrame or None, default=None
            The exogenous variables of ``last_window``'s periods.

        Returns
        -------
        pandas DataFrame
            Columns ``pred``, ``lower``, ``upper`` (for several targets, a
            column MultiIndex ``(target, ...)``), indexed like ``predict``.

        See Also
        --------
        RNNForecaster.predict : The point forecast alone.

        Examples
        --------
        >>> from skrnn import RNNRegressor
        >>> from skrnn.datasets import load_airline
        >>> from skrnn.forecasting import RNNForecaster
        >>> y = load_airline()
        >>> f = RNNForecaster(
        ...     RNNRegressor(hidden_size=4, max_iter=5, random_state=0), calibration_size=24
        ... ).fit(y)
        >>> band = f.predict_interval(3, coverage=0.8)
        >>> band.columns.tolist(), bool((band["lower"] <= band["upper"]).all())
        (['pred', 'lower', 'upper'], True)
        """
        check_is_fitted(self, "estimator_")
        self._refuse_panel()
        self._check_steps(steps)
        check_coverage(coverage)
        res = self.calibration_residuals_
        if res is None:
            raise ValueError(
                "predict_interval needs calibration residuals: fit with "
                "calibration_size (e.g. calibration_size=0.2) first."
            )
        if steps > res.shape[1]:
            raise ValueError(
                f"steps={steps}, but the calibration errors go {res.shape[1]} steps "
                f"ahead (calibration_size={self.calibration_size}); increase "
                f"calibration_size."
            )
        forecast = self._point(steps, X, last_window, last_window_exog)
        q = half_widths(res, steps, coverage)
        pred = forecast.values
        parts = {"pred": pred, "lower": pred - q, "upper": pred + q}
        if self._is_series:
            return pd.DataFrame({k: v[:, 0] for k, v in parts.items()}, index=forecast.index)
        cols = pd.MultiIndex.from_product([self.target_names_, list(parts)])
        data = np.stack([parts[p] for p in parts], axis=2).reshape(steps, -1)
        return pd.DataFrame(data, index=forecast.index, columns=cols)

    def score(self, y, X=None):
        """R^2 of the forecast of ``y``'s periods, averaged uniformly over targets.

        ``y`` must come after the data the forecaster was fitted on, as a
        ``TimeSeriesSplit`` test fold does (with ``gap=g``, g periods later:
        the forecast then runs g + len(y) steps and its last len(y) are
        scored). Use this, or a callable scorer ``(forecaster, y_fold,
        _=None)``, with GridSearchCV: scikit-learn's named scorers call
        ``predict(X)`` with the fold as X, which is not a forecaster's
        signature.

        Parameters
        ----------
        y : pandas Series or DataFrame
            The observed values of periods after the training data, at the
            frequency ``freq_``.
        X : pandas Series or DataFrame or None, default=None
            Exogenous variables for the forecast periods, as in :meth:`predict`.

        Returns
        -------
        float
            The coefficient of determination of the forecast.

        See Also
        --------
        backtest : Errors of forecasts from rolling origins.

        Examples
        --------
        >>> from skrnn import RNNRegressor
        >>> from skrnn.datasets import load_airline
        >>> from skrnn.forecasting import RNNForecaster
        >>> y = load_airline()
        >>> f = RNNForecaster(RNNRegressor(hidden_size=4, max_iter=5, random_state=0))
        >>> score = f.fit(y[:-12]).score(y[-12:])  # R^2 of the forecast of the last year
        """
        check_is_fitted(self, "estimator_")
        self._refuse_panel()
        past = self.last_window_.index
        frame = conform(y, "y", like=past, freq=self.freq_)
        check_finite(frame, "y")
        gap = periods_between(past, frame.index[0], self.freq_)
        if gap is None:
            expected = future_index(past, 1, self.freq_)[0]
            raise ValueError(
                f"score forecasts periods after the training data, from "
                f"{_show(expected)}; y starts at {_show(frame.index[0])}."
            )
        pred = np.asarray(self.predict(gap + len(frame), X))[gap:]
        return r2_score(frame.to_numpy(), pred.reshape(len(frame), -1))
