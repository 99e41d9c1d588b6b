"""Forecasting pandas time series with a recurrent network.

:class:`RNNForecaster` turns a regular time series into sliding windows
(:func:`skrnn.preprocessing.make_windows`' layout), fits an
:class:`~skrnn.RNNRegressor` on them, and forecasts the periods after the
data, indexed like it. :func:`backtest` evaluates a forecaster from rolling
origins.
"""

import datetime
import math
import numbers

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.metrics import (
    mean_absolute_error,
    mean_absolute_percentage_error,
    r2_score,
    root_mean_squared_error,
)
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from ._persistence import VersionedStateMixin
from ._regressor import RNNRegressor
from ._windows import (
    _show,
    check_finite,
    check_labels,
    checked_frame,
    describe_freq,
    fits,
    future_index,
    grid,
    index_kind,
    infer_frequency,
    numeric_frame,
    regularize,
    window_arrays,
)

__all__ = ["RNNForecaster", "backtest"]

STRATEGIES = ("recursive", "direct")

#: what an estimator's "auto" parameters mean on windows of one series:
#: a window's next values are not scaled by that window's statistics, and a
#: random tenth of overlapping windows is no held-out future
_WINDOW_DEFAULTS = {"standardize": "global", "early_stopping": False}


class RNNForecaster(VersionedStateMixin, BaseEstimator):
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

    Attributes
    ----------
    estimator_ : fitted estimator
    transformer_y_, transformer_exog_ : fitted transformers or None
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
    calibration_residuals_ : ndarray of shape (n_origins, max_steps, n_targets) or None
        Out-of-sample errors (truth - forecast) of the calibration copy, NaN
        where the truth was not available.
    n_windows_ : int
        Training windows.

    Notes
    -----
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

    # ------------------------------------------------------------ pickling
    _FRAMES = ("last_window_", "last_window_exog_")

    def __getstate__(self):
        """pandas objects as arrays, strings and numbers, so that skops can
        load a forecaster trusting only skrnn's own types."""
        state = super().__getstate__()
        for name in self._FRAMES:
            if state.get(name) is not None:
                state[name] = _pack_frame(state[name])
        for name in ("freq", "freq_"):
            if isinstance(state.get(name), pd.DateOffset):
                state[name] = _pack_offset(state[name])
        return state

    def __setstate__(self, state):
        state = dict(state)
        for name in self._FRAMES:
            if isinstance(state.get(name), dict):
                state[name] = _unpack_frame(state[name])
        for name in ("freq", "freq_"):
            if isinstance(state.get(name), dict):
                state[name] = _unpack_offset(state[name])
        super().__setstate__(state)

    # ------------------------------------------------------------ parameters
    def _check_params(self):
        def is_int(v, minimum):
            return isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= minimum

        if not is_int(self.window, 1):
            raise ValueError(f"window must be an integer >= 1, got {self.window!r}.")
        if self.strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {STRATEGIES}, got {self.strategy!r}.")
        if self.strategy == "direct" and not is_int(self.horizon, 1):
            raise ValueError(
                f"strategy='direct' needs horizon, the number of periods the "
                f"network predicts at once (an integer >= 1); got {self.horizon!r}."
            )
        if self.horizon is not None and not is_int(self.horizon, 1):
            raise ValueError(f"horizon must be None or an integer >= 1, got {self.horizon!r}.")
        if self.differentiation is not None and not is_int(self.differentiation, 0):
            raise ValueError(
                f"differentiation must be None or an integer >= 0, got {self.differentiation!r}."
            )
        c = self.calibration_size
        if c is not None and not (
            is_int(c, 1)
            or (isinstance(c, numbers.Real) and not isinstance(c, numbers.Integral) and 0 < c < 1)
        ):
            raise ValueError(
                f"calibration_size must be None, an integer >= 1 or a float in (0, 1), got {c!r}."
            )
        for name in ("transformer_y", "transformer_exog"):
            t = getattr(self, name)
            if not (
                t is None
                or (isinstance(t, str) and t == "passthrough")
                or (hasattr(t, "fit_transform") and hasattr(t, "inverse_transform"))
            ):
                raise ValueError(
                    f"{name} must be None, 'passthrough' or a transformer with "
                    f"fit_transform and inverse_transform; got {t!r}."
                )
        if not isinstance(self.standardize, (bool, np.bool_)):
            raise ValueError(f"standardize must be True or False, got {self.standardize!r}.")
        if self.estimator is not None and not (
            hasattr(self.estimator, "fit") and hasattr(self.estimator, "predict")
        ):
            raise ValueError(
                f"estimator must be a regressor with fit and predict, got {self.estimator!r}."
            )
        if not (
            self.freq is None
            or is_int(self.freq, 1)
            or isinstance(self.freq, (str, pd.DateOffset, datetime.timedelta, np.timedelta64))
        ):
            raise ValueError(
                f"freq must be None (infer it), a pandas frequency alias or offset "
                f"(e.g. 'D', 'B', 'MS') or, for an integer index, a step >= 1; got "
                f"{self.freq!r}."
            )

    @property
    def _steps_out(self):
        """Periods the network predicts per call."""
        return self.horizon if self.strategy == "direct" else 1

    @property
    def _d(self):
        return self.differentiation or 0

    # ------------------------------------------------------------------ data
    def _read(self, y, X):
        """Checked training data: (targets frame, exog frame or None, freq)."""
        frame, freq = checked_frame(y, fill=self.fill, freq=self.freq, what="y")
        exog = None if X is None else self._read_exog(X, frame.index, freq=freq)
        return frame, exog, freq

    def _read_exog(self, X, index, *, freq, what="X", like="y", columns=None):
        """X's rows for the periods ``index`` (of the series ``like``, at
        frequency ``freq``), checked (and its ``columns``, unless None)."""
        if not isinstance(X, (pd.Series, pd.DataFrame)):
            raise TypeError(
                f"{what} must be a pandas Series or DataFrame of exogenous variables "
                f"indexed like y, got {type(X).__name__}."
            )
        X, zone = _in_zone_of(X, index, what, like)
        if self.fill is not None:  # fill its own gaps and NaN first
            X, _ = regularize(X, fill=self.fill, freq=freq, what=what)
        frame = numeric_frame(X, what)
        if columns is not None and frame.columns.tolist() != columns:
            raise ValueError(
                f"{what} has columns {frame.columns.tolist()}; the forecaster was "
                f"fitted with {columns}."
            )
        if frame.index.has_duplicates:
            raise ValueError(f"{what}'s index has duplicated labels.")
        missing = pd.Index(index).difference(frame.index)
        if len(missing):
            raise ValueError(
                f"{what} lacks exogenous values for {len(missing)} of the "
                f"{len(index)} periods needed ({_show(index[0])} to "
                f"{_show(index[-1])}); the first missing is {_show(missing[0])}"
                + (
                    f" ({what}'s index was in time zone {zone}, {like}'s is in "
                    f"{index.tz}: compared as the same instants)."
                    if zone
                    else "."
                )
            )
        frame = frame.loc[index]
        check_finite(frame, what)
        return frame

    # ------------------------------------------------------------------- fit
    def fit(self, y, X=None):
        """Fit on the series ``y`` with exogenous variables ``X``.

        Parameters
        ----------
        y : pandas Series or DataFrame
            The series to forecast (DataFrame: one column per target), on a
            regular index (see :func:`~skrnn.preprocessing.make_windows`).
        X : pandas Series or DataFrame or None, default=None
            Exogenous variables, with values for every period of ``y``.

        Returns
        -------
        self
        """
        self._check_params()
        frame, exog, freq = self._read(y, X)
        n, m = len(frame), self._calibration_periods(len(frame))
        need = self.window + self._d + self._steps_out
        if n - m < need + 1:
            raise ValueError(
                f"y has {n} periods; window={self.window}, differentiation="
                f"{self._d}, {self._steps_out} predicted period(s) per window"
                + (f" and calibration_size={self.calibration_size} ({m} periods)" if m else "")
                + f" need at least {need + 1 + m} (two training windows)."
            )
        targets = frame.to_numpy()
        ex = None if exog is None else exog.to_numpy()
        try:
            state = self._fit_arrays(targets, ex)
            residuals = self._calibrate(targets, ex, m) if m else None
        except _NotFinite as err:
            raise ValueError(_not_finite_message(err, frame, exog)) from None
        # everything checked and computed: now set the fitted state
        (
            self.estimator_,
            self.transformer_y_,
            self.transformer_exog_,
            self.scaler_y_,
            self.scaler_exog_,
            self.n_windows_,
        ) = state
        self.freq_ = freq
        self.target_names_ = frame.columns.tolist()
        self._series_name = y.name if isinstance(y, pd.Series) else None
        self._is_series = isinstance(y, pd.Series)
        self.exog_names_ = None if exog is None else exog.columns.tolist()
        self.last_window_ = _out(frame.iloc[-(self.window + self._d) :], self._is_series)
        self.last_window_exog_ = None if exog is None else exog.iloc[-self.window :]
        self.calibration_residuals_ = residuals
        return self

    def _calibration_periods(self, n):
        c = self.calibration_size
        if c is None:
            return 0
        return int(c) if isinstance(c, numbers.Integral) else max(1, int(math.floor(c * n)))

    @staticmethod
    def _transformer(spec):
        return None if spec is None or isinstance(spec, str) else clone(spec)

    def _fit_arrays(self, targets, exog):
        """Fit on aligned arrays; returns (estimator, ty, tx, sy, sx, n_windows)."""
        # the user's transformation (e.g. log), then the differencing (as
        # skforecast), then standardisation for the network
        # (each step refuses NaN or infinity it makes: _NotFinite says where)
        ty = self._transformer(self.transformer_y)
        z = targets if ty is None else _finite(_call(ty.fit_transform, targets), "transformer_y")
        with np.errstate(over="ignore", invalid="ignore"):
            for _ in range(self._d):
                z = np.diff(z, axis=0)
        z = _finite(z, "difference", first_row=self._d)
        sy = _fit_scaler(z, "scale_y", self.standardize)
        z = _apply(sy, z)
        tx = sx = None
        if exog is not None:
            exog = exog[self._d :]
            tx = self._transformer(self.transformer_exog)
            if tx is not None:
                exog = _finite(
                    _call(tx.fit_transform, exog), "transformer_exog", first_row=self._d
                )
            sx = _fit_scaler(exog, "scale_exog", self.standardize)
            exog = _apply(sx, exog)
        Xw, Yw = window_arrays(z, exog, self.window, self._steps_out)
        est = RNNRegressor() if self.estimator is None else clone(self.estimator)
        est.set_params(
            **{  # also inside a meta-estimator
                key: _WINDOW_DEFAULTS[key.split("__")[-1]]
                for key, value in est.get_params().items()
                if key.split("__")[-1] in _WINDOW_DEFAULTS
                and isinstance(value, str)
                and value == "auto"
            }
        )
        Yw = Yw.reshape(len(Yw), -1)
        est.fit(Xw, Yw[:, 0] if Yw.shape[1] == 1 else Yw)
        return est, ty, tx, sy, sx, len(Xw)

    def _calibrate(self, targets, exog, m):
        """Out-of-sample errors from every origin in the last ``m`` periods."""
        n = len(targets)
        sub = clone(self).set_params(calibration_size=None)
        fitted = sub._fit_arrays(targets[:-m], None if exog is None else exog[:-m])
        max_steps = min(m, self._steps_out) if self.strategy == "direct" else m
        last = n - 2  # the last origin with a truth after it
        if self.strategy == "direct" and exog is not None:
            last = n - 1 - self._steps_out  # its horizon's covariates all known
        origins = np.arange(n - m - 1, last + 1)
        if len(origins) == 0:
            raise ValueError(
                f"calibration_size={self.calibration_size} leaves no forecast origin "
                f"with covariates for the whole horizon; increase it."
            )
        Yh, Eh, Ef = self._histories(targets, exog, origins, max_steps)
        pred = self._forecast(fitted, Yh, Eh, Ef, max_steps)
        res = np.full(pred.shape, np.nan)
        for i, o in enumerate(origins):
            k = min(max_steps, n - 1 - o)
            res[i, :k] = targets[o + 1 : o + 1 + k] - pred[i, :k]
        return res

    def _histories(self, targets, exog, origins, steps):
        """Per origin: the last window + d targets, the window's covariates and
        the next ``future`` periods' covariates (repeating the last row past
        the data; calibration discards those forecasts)."""
        w, d = self.window, self._d
        Yh = np.stack([targets[o - w - d + 1 : o + 1] for o in origins])
        if exog is None:
            return Yh, None, None
        future = steps if self.strategy == "recursive" else self._steps_out
        pad = np.vstack([exog, np.repeat(exog[-1:], future, axis=0)])
        Eh = np.stack([exog[o - w + 1 : o + 1] for o in origins])
        Ef = np.stack([pad[o + 1 : o + 1 + future] for o in origins])
        return Yh, Eh, Ef

    def _forecast(self, fitted, Yh, Eh, Ef, steps):
        """Forecasts (B, steps, k) on the original scale from histories
        ``Yh`` (B, window + d, k), covariates ``Eh`` (B, window, e) and
        ``Ef`` (B, future, e)."""
        est, _, _, sy, _, _ = fitted
        B, _, k = Yh.shape
        w = self.window
        z, tails, E = self._network_inputs(fitted, Yh, Eh, Ef)
        if self.strategy == "recursive":
            out = np.empty((B, steps, k))
            hist = z
            for s in range(steps):
                feats = hist[:, -w:]
                if E is not None:  # row j (period t-w+1+j+s) carries exog at +1
                    feats = np.concatenate([feats, E[:, s + 1 : s + 1 + w]], axis=2)
                pred = np.asarray(est.predict(feats), dtype=np.float64).reshape(B, k)
                out[:, s] = pred
                hist = np.concatenate([hist[:, 1:], pred[:, None]], axis=1)
        else:
            H = self._steps_out
            feats = z
            if E is not None:  # leads 1..H, as in window_arrays
                feats = np.concatenate([z] + [E[:, j : j + w] for j in range(1, H + 1)], axis=2)
            out = np.asarray(est.predict(feats), dtype=np.float64).reshape(B, H, k)[:, :steps]
        out = _apply(sy, out, inverse=True)
        for level in reversed(range(self._d)):
            out = tails[level][:, None, :] + np.cumsum(out, axis=1)
        return _apply(fitted[1], out, inverse=True)

    def _network_inputs(self, fitted, Yh, Eh, Ef):
        """What the network reads from histories (see ``_forecast``): the
        standardised differences (B, window, k), the last level of each
        differencing (to integrate back), the standardised covariates (B,
        window + future, e) or None; ``_NotFinite`` if a step makes NaN or
        infinity (a history outside transformer_y's domain, or too large)."""
        _, ty, tx, sy, sx, _ = fitted
        z = _finite(_call(_apply, ty, Yh), "transformer_y")
        tails = []
        with np.errstate(over="ignore", invalid="ignore"):
            for _ in range(self._d):
                tails.append(z[:, -1])
                z = np.diff(z, axis=1)
        z = _finite(z, "difference", first_row=self._d)
        z = _finite(_call(_apply, sy, z), "scale_y", first_row=self._d)
        E = None
        if Eh is not None:
            E = _finite(_call(_apply, tx, np.concatenate([Eh, Ef], axis=1)), "transformer_exog")
            E = _finite(_call(_apply, sx, E), "scale_exog")
        return z, tails, E

    # --------------------------------------------------------------- predict
    def _fitted(self):
        check_is_fitted(self, "estimator_")
        return (
            self.estimator_,
            self.transformer_y_,
            self.transformer_exog_,
            self.scaler_y_,
            self.scaler_exog_,
            self.n_windows_,
        )

    def _check_steps(self, steps):
        if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps < 1:
            raise ValueError(
                f"steps must be an integer >= 1 (the number of periods to forecast), "
                f"got {steps!r}."
            )
        if self.strategy == "direct" and steps > self.horizon:
            raise ValueError(
                f"steps={steps} is more than horizon={self.horizon}, the periods the "
                f"'direct' network predicts; refit with horizon >= {steps} or use "
                f"strategy='recursive'."
            )

    def _start(self, last_window, last_window_exog):
        """(targets frame, exog frame or None) to forecast from."""
        if last_window is None:
            if last_window_exog is not None:
                raise ValueError("last_window_exog needs last_window.")
            lw = self.last_window_
            return numeric_frame(lw, "last_window"), self.last_window_exog_
        frame = self._conform(last_window, "last_window", fill=self.fill)
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
        exog = None
        if self.exog_names_ is not None:
            if last_window_exog is None:
                raise ValueError(
                    "The forecaster uses exogenous variables: pass last_window_exog "
                    "with their values for the periods of last_window."
                )
            exog = self._read_exog(
                last_window_exog,
                frame.index[-self.window :],
                freq=self.freq_,
                what="last_window_exog",
                like="last_window",
                columns=self.exog_names_,
            )
        return frame, exog

    def _conform(self, data, what, fill=None):
        """``data`` (a last window, score's ``y``) as a float64 frame on an
        index like the training series': the same kind, time zone (an aware
        one is converted to it) and frequency ``freq_``; else an error naming
        both."""
        if not isinstance(data, (pd.Series, pd.DataFrame)):
            raise TypeError(
                f"{what} must be a pandas Series or DataFrame indexed by time, got "
                f"{type(data).__name__}."
            )
        check_labels(data.index, what)
        data, _ = _in_zone_of(data, self.last_window_.index, what, "the training series")
        if not fits(data.index, self.freq_):
            own = infer_frequency(data.index)
            period = isinstance(data.index, pd.PeriodIndex)
            expected = describe_freq(self.freq_, period)
            raise ValueError(
                (
                    f"{what} is at {describe_freq(own, period)}"
                    if own is not None
                    else f"{what}'s labels follow no regular frequency"
                )
                + f", but the forecaster was fitted at {expected}: pass observations "
                f"at {expected}"
                + (
                    "."
                    if period
                    else f" ({_show(data.index.difference(grid(data.index, self.freq_))[0])} "
                    f"is not on its grid)."
                )
            )
        data, _ = regularize(data, fill=fill, freq=self.freq_, what=what)
        return numeric_frame(data, what)

    def _point(self, steps, X, last_window, last_window_exog):
        """Forecast (steps, k) and its index."""
        fitted = self._fitted()
        self._check_steps(steps)
        frame, hist_exog = self._start(last_window, last_window_exog)
        index = future_index(frame.index, steps, self.freq_)
        Eh = Ef = future = None
        if self.exog_names_ is not None:
            if X is None:
                raise ValueError(
                    f"The forecaster was fitted with exogenous variables "
                    f"{self.exog_names_}: pass X with their values for the "
                    f"forecast periods ({_show(index[0])} onwards)."
                )
            n_future = steps if self.strategy == "recursive" else self.horizon
            future = self._read_exog(
                X,
                future_index(frame.index, n_future, self.freq_),
                freq=self.freq_,
                columns=self.exog_names_,
            )
            Ef, Eh = future.to_numpy()[None], hist_exog.to_numpy()[None]
        elif X is not None:
            raise ValueError(
                "The forecaster was fitted without exogenous variables; X must be None."
            )
        try:
            pred = self._forecast(fitted, frame.to_numpy()[None], Eh, Ef, steps)[0]
        except _NotFinite as err:
            exog = None if future is None else pd.concat([hist_exog, future])
            raise ValueError(
                _not_finite_message(
                    err,
                    frame,
                    exog,
                    what_y="last_window",
                    what_x="X"
                    if err.row is not None and err.row >= self.window
                    else "last_window_exog",
                )
            ) from None
        return pred, index

    def predict(self, steps, X=None, last_window=None, last_window_exog=None):
        """Forecast the ``steps`` periods after the data.

        Parameters
        ----------
        steps : int >= 1
            Number of periods ('direct': at most ``horizon``).
        X : pandas Series or DataFrame or None
            Exogenous variables for the forecast periods (for 'direct', the
            ``horizon`` periods), if the forecaster was fitted with them.
        last_window : pandas Series or DataFrame or None
            Start from these observations (at least ``window +
            differentiation`` periods) instead of the end of the training
            series: forecast after new data without refitting. Its index must
            be of the training series' kind, time zone (an index in another
            zone is converted) and frequency ``freq_``.
        last_window_exog : pandas Series or DataFrame or None
            The exogenous variables of ``last_window``'s periods.

        Returns
        -------
        pandas Series (fitted on a Series) or DataFrame, indexed by the
        ``steps`` periods after the last observation.
        """
        pred, index = self._point(steps, X, last_window, last_window_exog)
        if self._is_series:
            return pd.Series(pred[:, 0], index=index, name=self._series_name)
        return pd.DataFrame(pred, index=index, columns=self.target_names_)

    def predict_interval(
        self, steps, X=None, coverage=0.9, last_window=None, last_window_exog=None
    ):
        """Forecast with split-conformal prediction intervals.

        The interval of step k is the forecast plus or minus the
        ``ceil((n_k + 1) * coverage)``-th smallest absolute error the
        calibration copy made k steps ahead (``n_k`` errors; see
        ``calibration_size``). For exchangeable errors it covers the truth
        with probability at least ``coverage``.

        Returns
        -------
        pandas DataFrame
            Columns ``pred``, ``lower``, ``upper`` (for several targets, a
            column MultiIndex ``(target, ...)``), indexed like ``predict``.
        """
        check_is_fitted(self, "estimator_")
        self._check_steps(steps)
        if isinstance(coverage, (bool, np.bool_)) or not (
            isinstance(coverage, numbers.Real) and 0 < coverage < 1
        ):
            raise ValueError(
                f"coverage must be a number in (0, 1), the probability that the "
                f"interval holds the truth (e.g. 0.9), got {coverage!r}."
            )
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
        pred, index = self._point(steps, X, last_window, last_window_exog)
        q = np.empty_like(pred)
        for s in range(steps):
            err = np.abs(res[:, s])  # (n_origins, k)
            err = err[~np.isnan(err[:, 0])]
            rank = _conformal_rank(len(err), coverage)
            if rank > len(err):
                need = next(n for n in range(1, 10**7) if _conformal_rank(n, coverage) <= n)
                raise ValueError(
                    f"coverage={coverage} at step {s + 1} needs at least "
                    f"{need} calibration errors; "
                    f"there are {len(err)}. Increase calibration_size or lower "
                    f"coverage."
                )
            q[s] = np.sort(err, axis=0)[rank - 1]
        parts = {"pred": pred, "lower": pred - q, "upper": pred + q}
        if self._is_series:
            return pd.DataFrame({k: v[:, 0] for k, v in parts.items()}, index=index)
        cols = pd.MultiIndex.from_product([self.target_names_, list(parts)])
        data = np.stack([parts[p] for p in parts], axis=2).reshape(steps, -1)
        return pd.DataFrame(data, index=index, columns=cols)

    def score(self, y, X=None):
        """R^2 of the forecast of ``y``'s periods, averaged uniformly over
        targets.

        ``y`` must come after the data the forecaster was fitted on, as a
        ``TimeSeriesSplit`` test fold does (with ``gap=g``, g periods later:
        the forecast then runs g + len(y) steps and its last len(y) are
        scored). Use this, or a callable scorer ``(forecaster, y_fold,
        _=None)``, with GridSearchCV: scikit-learn's named scorers call
        ``predict(X)`` with the fold as X, which is not a forecaster's
        signature.
        """
        check_is_fitted(self, "estimator_")
        frame = self._conform(y, "y")
        check_finite(frame, "y")
        past = self.last_window_.index
        gap = _periods_between(past, frame.index[0], self.freq_)
        if gap is None:
            expected = future_index(past, 1, self.freq_)[0]
            raise ValueError(
                f"score forecasts periods after the training data, from "
                f"{_show(expected)}; y starts at {_show(frame.index[0])}."
            )
        pred = np.asarray(self.predict(gap + len(frame), X))[gap:]
        return r2_score(frame.to_numpy(), pred.reshape(len(frame), -1))


def _periods_between(past, start, freq):
    """How many periods lie strictly between ``past[-1]`` and ``start`` on the
    grid of ``freq``; None if ``start`` is not after ``past[-1]`` on it."""
    if start <= past[-1]:
        return None
    if isinstance(past, pd.DatetimeIndex):
        grid = pd.date_range(past[-1], start, freq=freq)
        return len(grid) - 2 if grid[-1] == start else None
    if isinstance(past, pd.PeriodIndex):
        return (start - past[-1]).n - 1
    step, rest = divmod(int(start) - int(past[-1]), freq)
    return step - 1 if rest == 0 else None


def _zone(tz):
    return "timezone-naive" if tz is None else f"in time zone {tz}"


def _in_zone_of(data, index, what, like):
    """``data`` indexed like ``index`` (the periods of ``like``): the same kind
    of index, and time zone. A zone-aware index in another zone is converted
    to ``index``'s (the same instants); a naive one against an aware one (or
    the reverse) is refused. Returns ``(data, its original zone or None)``."""
    kind, expected = index_kind(data.index), index_kind(index)
    if kind is None:
        check_labels(data.index, what)  # the error that lists the index types
    if kind != expected:

        def a(k):
            return f"an {k}" if k[0] in "aeiou" else f"a {k}"

        raise ValueError(
            f"{what} is indexed by {a(kind)}, but {like} by {a(expected)}: index "
            f"{what} by the same kind of labels as {like}."
        )
    if kind != "DatetimeIndex" or str(data.index.tz) == str(index.tz):
        return data, None
    tz, expected_tz = data.index.tz, index.tz
    if tz is None or expected_tz is None:
        fix = f"{what}.tz_localize('{expected_tz}')" if tz is None else f"{what}.tz_localize(None)"
        of_like = f"{like}'" if like.endswith("s") else f"{like}'s"
        raise ValueError(
            f"The time zones differ: {what}'s index is {_zone(tz)}, but {of_like} index "
            f"is {_zone(expected_tz)}. Put {what} in that zone first, e.g. {fix}."
        )
    return data.tz_convert(expected_tz), str(tz)


class _NotFinite(ValueError):
    """A step of the array-level pipeline made NaN or infinity: which step
    (``stage``) and where (``row``, ``column`` of its input, or None)."""

    def __init__(self, stage, row=None, column=None):
        super().__init__(f"{stage} made NaN or infinity")
        self.stage, self.row, self.column = stage, row, column


def _call(f, *args):
    """``f(*args)`` as float64, without NumPy's floating-point warnings (NaN
    and infinity it makes are refused by ``_finite``, with a clearer word)."""
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        return np.asarray(f(*args), dtype=np.float64)


def _finite(A, stage, first_row=0):
    """``A`` (rows on its next-to-last axis), or ``_NotFinite`` at its first
    bad value; ``first_row``: the input row of ``A``'s row 0."""
    bad = ~np.isfinite(A)
    if bad.any():
        *_, row, column = np.argwhere(bad)[0]
        raise _NotFinite(stage, int(row) + first_row, int(column))
    return A


def _fit_scaler(A, stage, standardize=True):
    """A StandardScaler fitted on ``A`` (None unless ``standardize``);
    ``_NotFinite`` if the mean or variance of ``A`` overflows float64 (then
    no squared-error model can fit it, standardised or not)."""
    with np.errstate(over="ignore", invalid="ignore"):
        scaler = StandardScaler().fit(A)
    if not standardize:
        if not np.isfinite(scaler.var_).all():
            raise _NotFinite(stage)
        return None
    # an overflowing variance can come back with scale_ 1 (scikit-learn's
    # guard for constant features): check the variance itself
    if not all(np.isfinite(a).all() for a in (scaler.mean_, scaler.var_, scaler.scale_)):
        raise _NotFinite(stage)
    return scaler


def _not_finite_message(err, y, X, what_y="y", what_x="X"):
    """The user's words for ``_NotFinite`` ``err``, whose rows are those of
    the frames ``y`` (targets) and ``X`` (covariates)."""
    on_exog = err.stage.endswith("exog")
    frame, what = (X, what_x) if on_exog else (y, what_y)
    largest = float(np.nanmax(np.abs(frame.to_numpy())))
    rescale = f"Rescale {what} first"
    if np.isfinite(largest) and largest > 0:
        rescale += f" (e.g. divide it by {10.0 ** math.floor(math.log10(largest)):.0e})"
    if err.stage.startswith("transformer"):
        label, column = frame.index[err.row], frame.columns[err.column]
        of_column = f" (column {column!r})" if frame.shape[1] > 1 else ""
        return (
            f"{err.stage} maps {what}'s value {float(frame.iat[err.row, err.column])!r} "
            f"at {_show(label)}{of_column} to NaN or infinity: {what} must lie in the "
            f"transformation's domain (a log needs values > 0)."
        )
    if err.stage == "difference":
        label = frame.index[min(err.row, len(frame) - 1)]
        return (
            f"{what}'s differences overflow float64 at {_show(label)}: its values "
            f"reach {largest:.3g} in absolute value. {rescale}, or pass transformer_y."
        )
    where = (
        "their mean or variance overflows"
        if err.row is None
        else f"the standardised value at {_show(frame.index[min(err.row, len(frame) - 1)])} "
        f"overflows"
    )
    return (
        f"{what}'s values are too large for float64 arithmetic: {where} (the "
        f"largest absolute value is {largest:.3g}). {rescale}, or pass "
        f"transformer_{'exog' if on_exog else 'y'}."
    )


def _apply(transformer, A, inverse=False):
    """A fitted transformer (or None: identity) on the last axis of A."""
    if transformer is None:
        return A
    f = transformer.inverse_transform if inverse else transformer.transform
    return np.asarray(f(A.reshape(-1, A.shape[-1])), dtype=np.float64).reshape(A.shape)


def _pack_frame(obj):
    """A Series/DataFrame on a regular index as plain values (see _unpack_frame)."""
    idx = obj.index
    if isinstance(idx, pd.DatetimeIndex):
        # the instants (UTC), the zone, and the frequency, set again after
        # conversion: a daily index across a daylight-saving change is daily
        # in local time only
        index = {
            "kind": "datetime",
            "values": idx.asi8,
            "unit": idx.unit,
            "tz": None if idx.tz is None else str(idx.tz),
            "freq": None if idx.freq is None else _pack_offset(idx.freq),
        }
    elif isinstance(idx, pd.PeriodIndex):
        index = {"kind": "period", "values": idx.asi8, "freq": idx.freqstr}
    else:
        index = {
            "kind": "range",
            "values": np.asarray(idx, dtype=np.int64),
            "step": idx.step if isinstance(idx, pd.RangeIndex) else None,
        }
    index["name"] = idx.name
    series = isinstance(obj, pd.Series)
    return {
        "series": series,
        "name": obj.name if series else None,
        "columns": None if series else list(obj.columns),
        "values": obj.to_numpy(),
        "index": index,
    }


def _unpack_frame(packed):
    ix = packed["index"]
    if ix["kind"] == "datetime":
        index = pd.DatetimeIndex(ix["values"].astype(f"datetime64[{ix['unit']}]"), name=ix["name"])
        if ix["tz"] is not None:
            index = index.tz_localize("UTC").tz_convert(ix["tz"])
        if ix["freq"] is not None:
            index = pd.DatetimeIndex(index, freq=_unpack_offset(ix["freq"]))
    elif ix["kind"] == "period":
        index = pd.PeriodIndex.from_ordinals(ix["values"], freq=ix["freq"], name=ix["name"])
    else:
        v = ix["values"]
        step = ix.get("step") or (int(v[1] - v[0]) if len(v) > 1 else 1)
        index = pd.RangeIndex(int(v[0]), int(v[-1]) + step, step, name=ix["name"])
    if packed["series"]:
        return pd.Series(packed["values"], index=index, name=packed["name"])
    return pd.DataFrame(packed["values"], index=index, columns=packed["columns"])


def _pack_offset(offset):
    """A pandas offset as plain values, so that skops trusts it: its alias when
    that names it exactly ('D', 'B', 'W-SUN'), else its class in
    ``pd.offsets`` and parameters (a CustomBusinessDay's holidays and
    weekmask, a BusinessHour's opening hours). An offset with parameters of
    other types is kept as it is (pickle saves it; skops then lists it)."""
    try:
        if pd.tseries.frequencies.to_offset(offset.freqstr) == offset:
            return {"freqstr": offset.freqstr}
    except (ValueError, TypeError):
        pass
    try:
        kwds = {
            key: _pack_value(value) for key, value in offset.kwds.items() if key != "calendar"
        }  # a CustomBusinessDay's, from its holidays
    except TypeError:
        return offset
    packed = {
        "offset": type(offset).__name__,
        "n": int(offset.n),
        "normalize": bool(offset.normalize),
        "kwds": kwds,
    }
    return packed if _unpack_offset(packed) == offset else offset


def _pack_value(value):
    if value is None or isinstance(value, (bool, numbers.Integral, float, str)):
        return value
    if isinstance(value, datetime.timedelta):
        return {"microseconds": int(pd.Timedelta(value) // pd.Timedelta(microseconds=1))}
    items = list(value) if isinstance(value, (tuple, list)) else None
    if items is not None and all(isinstance(v, datetime.time) for v in items):
        return {"times": [v.isoformat() for v in items]}
    if items is not None and all(isinstance(v, np.datetime64) for v in items):
        return {"days": np.asarray(items, dtype="datetime64[D]").astype(np.int64)}
    raise TypeError(f"cannot store {value!r} as plain values")


def _unpack_value(value):
    if not isinstance(value, dict):
        return value
    if "microseconds" in value:
        return datetime.timedelta(microseconds=value["microseconds"])
    if "times" in value:
        return tuple(datetime.time.fromisoformat(v) for v in value["times"])
    return tuple(np.asarray(value["days"], dtype=np.int64).astype("datetime64[D]"))


def _unpack_offset(packed):
    """The offset ``_pack_offset`` stored (an alias: older pickles)."""
    if isinstance(packed, str):
        return pd.tseries.frequencies.to_offset(packed)
    if not isinstance(packed, dict):
        return packed
    if "freqstr" in packed:
        return pd.tseries.frequencies.to_offset(packed["freqstr"])
    cls = getattr(pd.offsets, packed["offset"], None)
    if not (isinstance(cls, type) and issubclass(cls, pd.offsets.BaseOffset)):
        raise ValueError(f"{packed['offset']!r} is not a pandas offset.")
    kwds = {key: _unpack_value(value) for key, value in packed["kwds"].items()}
    return cls(n=packed["n"], normalize=packed["normalize"], **kwds)


def _conformal_rank(n, coverage):
    """Rank of the conformal quantile among n scores: ceil((n + 1) coverage)
    (less a rounding margin, so that 10 * 0.9 is 9)."""
    return math.ceil((n + 1) * coverage - 1e-9)


def _out(frame, as_series):
    return frame.iloc[:, 0] if as_series else frame


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
    initial : int
        Periods in the first training fold.
    steps : int
        Periods forecast per fold.
    refit : bool or int, default=True
        True: refit on each fold's data; False: fit once on the first fold,
        then forecast later folds from their data (``last_window``) with the
        same model; an integer k >= 1: refit every k folds.
    X : pandas Series or DataFrame or None
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
    """
    for name, value in (("initial", initial), ("steps", steps)):
        if (
            isinstance(value, (bool, np.bool_))
            or not isinstance(value, numbers.Integral)
            or value < 1
        ):
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}.")
    if isinstance(refit, (bool, np.bool_)):
        every = 1 if refit else 0
    elif isinstance(refit, numbers.Integral) and refit >= 1:
        every = int(refit)
    else:
        raise ValueError(
            f"refit must be True, False or an integer >= 1 (refit every that many "
            f"folds), got {refit!r}."
        )
    y, _ = regularize(
        y, fill=getattr(forecaster, "fill", None), freq=getattr(forecaster, "freq", None), what="y"
    )
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
            metrics.append(
                {
                    "fold": fold,
                    "target": name,
                    "start": truth.index[0],
                    "end": truth.index[-1],
                    "n_steps": k,
                    "MAE": mean_absolute_error(t, p),
                    "RMSE": root_mean_squared_error(t, p),
                    "MAPE": mean_absolute_percentage_error(t, p),
                }
            )
    return pd.concat(rows), pd.DataFrame(metrics)
