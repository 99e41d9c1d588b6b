"""One network for many series (a global model).

``RNNForecaster.fit`` on a panel (``_panel``) checks every series as it
checks one (its own index, frequency, missing values), fits a level pipeline
per series -- so each series is transformed, differenced and standardised by
its own statistics -- and one network on the windows of all of them. Each
series is then held by a fitted single-series forecaster sharing that
network (``series_forecasters_``): what it knows of its series (last window,
frequency, scaling) is what a forecaster fitted on that series alone would
know. ``predict`` forecasts all (or some) series with one network call per
step, and returns them in the layout ``fit`` was given.
"""

from typing import NamedTuple

import numpy as np
from sklearn.base import clone

from .._windows import future_index, window_arrays
from ._inputs import not_finite_message
from ._levels import History, LevelPipeline, NetworkInputs, NotFinite
from ._panel import read_panel, write_panel
from ._strategies import STRATEGIES, network_for_windows

#: fitted attributes of a single-series forecaster that a panel's series
#: hold each for themselves (None on the panel forecaster)
PER_SERIES = (
    "transformer_y_",
    "transformer_exog_",
    "scaler_y_",
    "scaler_exog_",
    "freq_",
    "target_names_",
    "exog_names_",
    "last_window_",
    "last_window_exog_",
    "calibration_residuals_",
)


def _in_series(key, err):
    """``err`` (a ValueError or TypeError) re-raised naming the series."""
    return type(err)(f"Series {key!r}: {err}")


class FittedState(NamedTuple):
    """What fit learns, as the array level uses it. The forecaster stores
    it as its attributes (``estimator_``, ``transformer_y_``, ...,
    ``n_windows_``; see ``RNNForecaster._fitted``)."""

    estimator: object  # the network, fitted on windows
    levels: LevelPipeline
    n_windows: int


class GlobalMixin:
    """The panel side of ``RNNForecaster`` (see the module docstring)."""

    def _single(self):
        """An unfitted single-series copy of this forecaster."""
        return clone(self).set_params(series_id=None, time_column=None)

    def _fit_panel(self, y, X):
        if X is not None:
            raise ValueError(
                "Exogenous variables with many series are not supported yet: "
                "fit a panel without X (or one forecaster per series with X)."
            )
        if self.calibration_size is not None:
            raise ValueError(
                "calibration_size with many series is not supported yet: fit the "
                "panel with calibration_size=None."
            )
        panel = read_panel(y, self.series_id, self.time_column)
        subs, levels, windows = {}, {}, []
        for key, series in panel.series.items():
            sub = self._single()
            try:
                data = sub._read_training(series, None)
                sub._calibration_periods(len(data.targets))
                fitted = sub._fit_levels(data.targets.to_numpy(), None)
            except NotFinite as err:
                raise ValueError(
                    f"Series {key!r}: {not_finite_message(err, data.targets, None)}"
                ) from None
            except (ValueError, TypeError) as err:
                raise _in_series(key, err) from None
            sub._set_data(data, series)
            subs[key], levels[key] = sub, fitted.pipeline
            windows.append(
                window_arrays(fitted.series.targets, None, self.window, self._steps_out)
            )
        widths = {w.X.shape[2] for w in windows}
        if len(widths) > 1:
            raise ValueError(
                "The series of a panel must have the same number of target columns; "
                f"got {sorted(widths)}."
            )
        X_all = np.concatenate([w.X for w in windows])
        Y_all = np.concatenate([w.Y for w in windows]).reshape(len(X_all), -1)
        estimator = network_for_windows(self.estimator)
        estimator.fit(X_all, Y_all[:, 0] if Y_all.shape[1] == 1 else Y_all)
        for (key, sub), w in zip(subs.items(), windows):
            sub._set_fitted(FittedState(estimator, levels[key], len(w.X)))
            sub.calibration_residuals_ = None
            sub.series_ids_ = sub.series_forecasters_ = sub._layout = None
        # everything checked and fitted: now set the state
        self.estimator_, self.n_windows_ = estimator, len(X_all)
        self.series_forecasters_, self.series_ids_ = subs, list(subs)
        self._layout = panel.layout
        for name in PER_SERIES:  # each series' own, in series_forecasters_
            setattr(self, name, None)
        return self

    def _chosen(self, series, last_window):
        """(key, forecaster, last window or None) of the series to forecast."""
        subs = self.series_forecasters_
        starts = {}
        if last_window is not None:
            starts = read_panel(last_window, self.series_id, self.time_column, "last_window")
            starts = starts.series
        keys = list(subs) if series is None and not starts else series
        if keys is None:
            keys = list(starts)
        elif not isinstance(keys, (list, tuple)) or isinstance(keys, str):
            keys = [keys]
        unknown = [k for k in list(keys) + list(starts) if k not in subs]
        if unknown:
            raise ValueError(
                f"Unknown series {unknown[0]!r}: the forecaster was fitted on "
                f"{len(subs)} series ({', '.join(map(repr, list(subs)[:5]))}"
                f"{', ...' if len(subs) > 5 else ''})."
            )
        return [(k, subs[k], starts.get(k)) for k in keys]

    def _predict_panel(self, steps, X, last_window, series):
        if X is not None:
            raise ValueError("The forecaster was fitted on many series without X; X must be None.")
        chosen = self._chosen(series, last_window)
        inputs, origins, levels = [], [], []
        for key, sub, start in chosen:
            try:
                sub._check_steps(steps)
                frames = sub._read_start(start, None)
                history = History(frames.targets.to_numpy()[None], None, None)
                levels.append(sub._fitted().levels)
                inputs.append(levels[-1].forward(history))
            except NotFinite as err:
                raise ValueError(
                    f"Series {key!r}: "
                    + not_finite_message(err, frames.targets, None, what_y="last_window")
                ) from None
            except (ValueError, TypeError) as err:
                raise _in_series(key, err) from None
            origins.append(frames.targets.index)
        stacked = NetworkInputs(
            np.concatenate([i.targets for i in inputs]),
            tuple(np.concatenate(t) for t in zip(*[i.tails for i in inputs])),
            None,
        )
        out = STRATEGIES[self.strategy](
            self.estimator_, stacked, window=self.window, steps_out=self._steps_out, steps=steps
        )
        forecasts = {}
        for b, ((key, sub, _), one, index) in enumerate(zip(chosen, inputs, origins)):
            values = levels[b].inverse(out[b : b + 1], one.tails)[0]
            forecasts[key] = sub._output(values, future_index(index, steps, sub.freq_))
        return write_panel(forecasts, self._layout)
