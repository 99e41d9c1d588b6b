"""The forecasting methods of ``bench_forecast.py``: a registry of rows.

``METHODS`` maps a row name to a callable ``(train, horizon, period)``:
``train`` a list of pandas Series (each named, on a regular index),
``horizon`` the number of periods to forecast, ``period`` the seasonal
period (1: none). It returns an array (n_series, horizon), or a
``Forecasts`` with notes: {note: [names of the series it concerns]}, e.g.
the series that fell back to naive. A method that does not apply to the
data (SARIMA without a season) raises ``NotApplicable``; a method fitted on
all series at once simply uses the whole list. Adding a row is adding one
function to ``METHODS``.
"""

import warnings
from typing import NamedTuple

import numpy as np
from sklearn.linear_model import Ridge
from statsmodels.tools.sm_exceptions import ConvergenceWarning

#: base of the global NumPy seed set before each default RNN fit (the
#: defaults' ``random_state=None`` draws from NumPy's global generator)
SEED = 0


def seed_global(seed):
    """Seed NumPy's global generator, which ``random_state=None`` (the
    RNN's default, kept) draws from: the default fits repeat run to run."""
    np.random.seed(seed)  # noqa: NPY002 -- the generator the default uses


class NotApplicable(Exception):
    """The method does not apply to this kind of series."""


class Forecasts(NamedTuple):
    values: np.ndarray  # (n_series, horizon)
    notes: dict  # note -> list of series names


def _noted(notes, key, name):
    notes.setdefault(key, []).append(name)


def naive_one(y, horizon, period):
    """The last value, or with ``period > 1`` the value one season back."""
    y = np.asarray(y, float)
    if period > 1 and len(y) >= period:
        return y[len(y) - period + np.arange(horizon) % period]
    return np.repeat(y[-1], horizon)


def naive(train, horizon, period):
    return np.vstack([naive_one(y, horizon, period) for y in train])


# ------------------------------------------------------------------- ETS
def _ets_specs(y, period):
    """The ETS forms searched: error A or M (M for positive data only),
    trend none, additive or additive damped, and with a season (``period >
    1`` and two full seasons) none, additive or multiplicative; additive
    error with multiplicative season is left out (numerically unstable,
    as Hyndman et al., "Forecasting with Exponential Smoothing", 2008,
    discuss), as is multiplicative trend (often explosive)."""
    positive = bool((y > 0).all())
    seasons = [None]
    if period > 1 and len(y) >= 2 * period:
        seasons += ["add", "mul"] if positive else ["add"]
    for error in ["add", "mul"] if positive else ["add"]:
        for trend, damped in [(None, False), ("add", False), ("add", True)]:
            for season in seasons:
                if error == "add" and season == "mul":
                    continue
                yield dict(
                    error=error,
                    trend=trend,
                    damped_trend=damped,
                    seasonal=season,
                    seasonal_periods=period if season else None,
                )


def _ets_code(spec):
    """'AAdN'-style name of an ETS form."""
    letter = {None: "N", "add": "A", "mul": "M"}
    trend = letter[spec["trend"]] + ("d" if spec["damped_trend"] else "")
    return letter[spec["error"]] + trend + letter[spec["seasonal"]]


def _ets_n_params(spec):
    """Smoothing parameters plus initial states of an ETS form."""
    trend, season = spec["trend"] is not None, spec["seasonal"] is not None
    smoothing = 1 + trend + spec["damped_trend"] + season
    return smoothing + 1 + trend + (spec["seasonal_periods"] if season else 0)


def _ets_fit(y, spec, horizon):
    """(AICc, forecast, converged) of one ETS form, or None if it fails."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = ETSModel(y, **spec).fit(disp=False)
            forecast = np.asarray(res.forecast(horizon), float)
    except (ValueError, np.linalg.LinAlgError, FloatingPointError):
        return None
    if not (np.isfinite(res.aicc) and np.isfinite(forecast).all()):
        return None
    warned = any(issubclass(w.category, ConvergenceWarning) for w in caught)
    converged = not warned and (res.mle_retvals or {}).get("converged", True)
    return res.aicc, forecast, converged


def ets_one(y, horizon, period, notes, name):
    """The ETS form of least AICc among those with fewer parameters than
    ``n - 4`` for ``n`` observations; naive if every admitted form fails."""
    y = np.asarray(y, float)
    best, too_big = None, False
    for spec in _ets_specs(y, period):
        if _ets_n_params(spec) > len(y) - 4:
            too_big = True
            continue
        fit = _ets_fit(y, spec, horizon)
        if fit is not None and (best is None or fit[0] < best[1][0]):
            best = (spec, fit)
    if too_big:
        _noted(notes, "short: some forms too big", name)
    if best is None:
        _noted(notes, "every form failed: naive", name)
        return naive_one(y, horizon, period)
    _noted(notes, "chose " + _ets_code(best[0]), name)
    if not best[1][2]:
        _noted(notes, "chosen fit not converged", name)
    return best[1][1]


def ets(train, horizon, period):
    notes = {}
    values = [ets_one(y, horizon, period, notes, y.name) for y in train]
    return Forecasts(np.vstack(values), notes)


# ----------------------------------------------------------- Theta, SARIMA
def theta(train, horizon, period):
    """statsmodels' ThetaModel (theta 2, SES drift) per series, deseasonalised
    (its default test and decomposition) only for ``period > 1``."""
    from statsmodels.tsa.forecasting.theta import ThetaModel

    notes, values = {}, []
    for y in train:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = ThetaModel(y.to_numpy(), period=period, deseasonalize=period > 1)
                forecast = np.asarray(model.fit().forecast(horizon), float)
            if not np.isfinite(forecast).all():
                raise ValueError("non-finite forecast")
        except (ValueError, np.linalg.LinAlgError):
            _noted(notes, "failed: naive", y.name)
            forecast = naive_one(y, horizon, period)
        values.append(forecast)
    return Forecasts(np.vstack(values), notes)


def sarima(train, horizon, period):
    """The airline model: SARIMAX (0,1,1)(0,1,1)_period on the log, forecast
    exp(mean of the log forecast) (the median; no bias adjustment)."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    if period == 1 or any((y <= 0).any() for y in train):
        raise NotApplicable("needs a season and positive data")
    values = []
    for y in train:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = SARIMAX(
                np.log(y.to_numpy()), order=(0, 1, 1), seasonal_order=(0, 1, 1, period)
            )
            values.append(np.exp(model.fit(disp=False).forecast(horizon)))
    return np.vstack(values)


# ------------------------------------------------------------ global ridge
def ridge_lags(period):
    """Lags the global ridge reads: 6 for yearly data, a season plus one else."""
    return 6 if period == 1 else period + 1


def _scale(window):
    """A window's normaliser: its mean absolute value (its mean, for the
    positive series here), 1 for an all-zero window."""
    s = np.abs(window).mean(axis=-1, keepdims=True)
    return np.where(s > 0, s, 1.0)


def _lag_windows(train, lags):
    """Every window of ``lags`` values of every series, and the value after
    it, both divided by the window's ``_scale``."""
    X, t = [], []
    for y in train:
        y = np.asarray(y, float)
        for end in range(lags, len(y)):
            window = y[end - lags : end]
            s = _scale(window)
            X.append(window / s)
            t.append(y[end] / s[0])
    return np.array(X), np.array(t)


def _tail(y, lags):
    """The last ``lags`` values of ``y``, padded in front with its first."""
    y = np.asarray(y, float)[-lags:]
    return np.pad(y, (lags - len(y), 0), mode="edge")


def ridge_global(train, horizon, period):
    """scikit-learn's Ridge (default alpha=1) on the pooled, normalised lag
    windows of all series, forecasting one step at a time, each forecast fed
    back; a series shorter than the lags is padded with its first value."""
    lags = ridge_lags(period)
    X, t = _lag_windows(train, lags)
    model = Ridge().fit(X, t)
    last = np.vstack([_tail(y, lags) for y in train])
    out = np.empty((len(train), horizon))
    for step in range(horizon):
        s = _scale(last)
        out[:, step] = model.predict(last / s) * s[:, 0]
        last = np.column_stack([last[:, 1:], out[:, step]])
    return out


# -------------------------------------------------------------------- RNN
def rnn_one(y, horizon, period, notes, seed):
    """``RNNForecaster()`` (every default) on one series; naive where it
    cannot be fitted (too short for its window), with a note."""
    from skrnn.forecasting import RNNForecaster

    seed_global(seed)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            forecaster = RNNForecaster().fit(y)
            forecast = forecaster.predict(horizon).to_numpy()
    except ValueError as err:
        short = "need at least" in str(err)
        _noted(notes, "too short: naive" if short else f"failed ({err}): naive", y.name)
        return naive_one(y, horizon, period)
    est = forecaster.estimator_
    if getattr(est, "n_iter_", 0) >= getattr(est, "max_iter", np.inf):
        _noted(notes, "ran max_iter epochs", y.name)
    return forecast


def rnn(train, horizon, period):
    notes = {}
    values = [rnn_one(y, horizon, period, notes, SEED + i) for i, y in enumerate(train)]
    return Forecasts(np.vstack(values), notes)


def rnn_global(train, horizon, period):
    """One ``RNNForecaster()`` fitted on all series at once (a dict of
    Series), forecasting each: for the global fit under construction; until
    it exists the row reports the error."""
    from skrnn.forecasting import RNNForecaster

    seed_global(SEED)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        forecaster = RNNForecaster().fit({y.name: y for y in train})
        pred = forecaster.predict(horizon)
    return np.vstack([np.asarray(pred[y.name], float) for y in train])


METHODS = {
    "naive": naive,
    "ets": ets,
    "theta": theta,
    "sarima": sarima,
    "ridge": ridge_global,
    "rnn": rnn,
    "rnn_global": rnn_global,
}
