"""Accuracy benchmark: skrnn's defaults beside standard time-series baselines.

Every data set ships inside an installed package (nothing is downloaded):

==========  ==============  ======================================================
set         task            source
==========  ==============  ======================================================
trace       classification  tslearn ``CachedDatasets().load_dataset("Trace")``
unittest    classification  sktime ``load_unit_test``
acsf1       classification  sktime ``load_acsf1`` (1460 steps)
plaid       classification  sktime ``load_plaid`` (variable length)
pickup      classification  aeon ``load_pickup_gesture_wiimoteZ`` (variable length)
digits      classification  skrnn ``load_digits_sequences``, 25% test split
adding      regression      skrnn ``make_adding_problem``, T=50, 2000/1000
adding200   regression      the same at T=200 (only with --sets or --adding200)
cardano     regression      aeon ``load_cardano_sentiment`` (2 channels)
tecator     regression      sktime ``load_tecator``
==========  ==============  ======================================================

Each method is fitted on the package's own train split and scored on its test
split (accuracy for classification, R^2 for regression), all in one process:

* ``defaults``: ``default_model(task)``, skrnn with its default settings;
* ``search``: ``GridSearchCV`` over ``hidden_size`` in 16, 32, 64 (cv=3) around
  the same model, as the user guide suggests;
* ``mlp``: scikit-learn's MLP on the flattened, standardised series (equal
  length only);
* ``dtw``: 1-nearest neighbour under full-window DTW (aeon's numba code);
* ``rocket``: MiniRocket + ridge (aeon for equal length, zero-padded to
  MiniRocket's minimum of 9 steps; sktime's ``MiniRocketMultivariateVariable``
  with the same scaler and ridge as aeon's for variable length);
* ``ridge``: ``RidgeCV`` on the flattened, standardised series (regression);
* ``const``: always run, a constant predictor (majority class or mean).

Run ``python benchmarks/bench_accuracy.py --help`` for the options. Another
script can import this module and call ``evaluate(factory, names)`` to score a
candidate model on a few sets.
"""

import argparse
import json
import os
import sys
import time
import warnings
from typing import NamedTuple

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import RidgeClassifierCV, RidgeCV
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skrnn import RNNClassifier, RNNRegressor
from skrnn.preprocessing import SequenceScaler

CLASSIFICATION, REGRESSION = "classification", "regression"


# ---------------------------------------------------------------- data sets


class Dataset(NamedTuple):
    """One benchmark set: X as (n, T, F) float arrays or lists of (T_i, F)."""

    name: str
    task: str
    X_train: object
    y_train: np.ndarray
    X_test: object
    y_test: np.ndarray

    @property
    def variable_length(self):
        return isinstance(self.X_train, list)

    def lengths(self):
        if self.variable_length:
            return [len(x) for x in self.X_train + self.X_test]
        return [self.X_train.shape[1]]

    def describe(self):
        """n_train/n_test, length (or min-max) and channels, as strings."""
        low, high = min(self.lengths()), max(self.lengths())
        span = f"{low}" if low == high else f"{low}-{high}"
        channels = self.X_train[0].shape[-1]
        return f"{len(self.X_train)}/{len(self.X_test)}", span, f"{channels}"


def _channels_last(X):
    """An aeon/sktime ``(n, C, T)`` array as a float64 ``(n, T, C)`` array."""
    return np.ascontiguousarray(np.transpose(np.asarray(X, dtype=np.float64), (0, 2, 1)))


def _nested_to_list(df):
    """A nested pandas frame (one Series per cell) as a list of (T_i, C) arrays."""
    return [
        np.column_stack([np.asarray(df.iat[i, c], dtype=np.float64) for c in range(df.shape[1])])
        for i in range(len(df))
    ]


def load_trace():
    """Trace (4 classes, 275 steps), tslearn's cached copy."""
    from tslearn.datasets import CachedDatasets

    X_train, y_train, X_test, y_test = CachedDatasets().load_dataset("Trace")
    return X_train.astype(np.float64), y_train, X_test.astype(np.float64), y_test


def _sktime_equal(loader, **kwargs):
    """Train and test splits of an equal-length set bundled with sktime."""
    parts = []
    for split in ("train", "test"):
        X, y = loader(split=split, return_X_y=True, return_type="numpy3d", **kwargs)
        parts += [_channels_last(X), np.asarray(y)]
    return tuple(parts)


def load_unit_test():
    """UnitTest (2 classes, 24 steps), bundled with sktime."""
    from sktime.datasets import load_unit_test as loader

    return _sktime_equal(loader)


def load_acsf1():
    """ACSF1 (10 classes, 1460 steps), bundled with sktime."""
    from sktime.datasets import load_acsf1 as loader

    return _sktime_equal(loader)


def load_tecator():
    """Tecator (regression: fat content, 100 steps), bundled with sktime."""
    from sktime.datasets import load_tecator as loader

    X_train, y_train, X_test, y_test = _sktime_equal(loader)
    return X_train, y_train.astype(np.float64), X_test, y_test.astype(np.float64)


def load_plaid():
    """PLAID (11 classes, variable length), bundled with sktime."""
    from sktime.datasets import load_plaid as loader

    parts = []
    for split in ("train", "test"):
        X, y = loader(split=split, return_X_y=True)
        parts += [_nested_to_list(X), np.asarray(y)]
    return tuple(parts)


def load_pickup():
    """PickupGestureWiimoteZ (10 classes, variable length), bundled with aeon."""
    from aeon.datasets import load_pickup_gesture_wiimoteZ as loader

    parts = []
    for split in ("train", "test"):
        X, y = loader(split=split)  # a list of (C, T_i) arrays
        parts += [[np.asarray(x, dtype=np.float64).T.copy() for x in X], np.asarray(y)]
    return tuple(parts)


def load_cardano():
    """CardanoSentiment (regression, 2 channels, 24 steps), bundled with aeon."""
    from aeon.datasets import load_cardano_sentiment as loader

    parts = []
    for split in ("train", "test"):
        X, y = loader(split=split)
        parts += [_channels_last(X), np.asarray(y, dtype=np.float64)]
    return tuple(parts)


def load_digits():
    """scikit-learn's digits as 8 steps of 8 pixels, 25% held out."""
    from skrnn.datasets import load_digits_sequences

    X, y = load_digits_sequences(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    return X_train, y_train, X_test, y_test


def load_adding(n_timesteps=50):
    """The adding problem: 2000 train and 1000 test sequences of n_timesteps."""
    from skrnn.datasets import make_adding_problem

    X, y = make_adding_problem(3000, n_timesteps, random_state=0)
    return X[:2000], y[:2000], X[2000:], y[2000:]


def _aeon(loader_name):
    """A loader of a classification set bundled with aeon (equal or variable
    length): (n, C, T) arrays or lists of (C, T_i) arrays, in our layout."""

    def load():
        import aeon.datasets

        parts = []
        for split in ("train", "test"):
            with warnings.catch_warnings():  # osuleaf's deprecation notice
                warnings.simplefilter("ignore", FutureWarning)
                X, y = getattr(aeon.datasets, loader_name)(split=split)
            if isinstance(X, np.ndarray):
                X = _channels_last(X)
            else:
                X = [np.asarray(x, dtype=np.float64).T.copy() for x in X]
            parts += [X, np.asarray(y)]
        return tuple(parts)

    load.__doc__ = f"aeon.datasets.{loader_name}'s train and test splits."
    return load


#: sets outside the development panel, bundled with aeon: a check that a
#: default chosen on the panel does not merely fit it (not in DEFAULT_SETS)
CHECK_SETS = {
    "gunpoint": "load_gunpoint",
    "arrowhead": "load_arrow_head",
    "italypower": "load_italy_power_demand",
    "basicmotions": "load_basic_motions",
    "japanesevowels": "load_japanese_vowels",
    "osuleaf": "load_osuleaf",
}

LOADERS = {
    "trace": (load_trace, CLASSIFICATION),
    "unittest": (load_unit_test, CLASSIFICATION),
    "acsf1": (load_acsf1, CLASSIFICATION),
    "plaid": (load_plaid, CLASSIFICATION),
    "pickup": (load_pickup, CLASSIFICATION),
    "digits": (load_digits, CLASSIFICATION),
    "adding": (load_adding, REGRESSION),
    "adding200": (lambda: load_adding(200), REGRESSION),
    "cardano": (load_cardano, REGRESSION),
    "tecator": (load_tecator, REGRESSION),
}
DEFAULT_SETS = [name for name in LOADERS if name != "adding200"]
LOADERS.update({name: (_aeon(loader), CLASSIFICATION) for name, loader in CHECK_SETS.items()})


def load_panel(names=None):
    """Load the named sets (default: the whole panel) as a list of Dataset."""
    panel = []
    for name in names or DEFAULT_SETS:
        if name not in LOADERS:
            raise ValueError(f"unknown set {name!r}; choose from {', '.join(LOADERS)}")
        loader, task = LOADERS[name]
        panel.append(Dataset(name, task, *loader()))
    return panel


# ------------------------------------------------------------------ methods


def default_model(task):
    """skrnn with its defaults behind a SequenceScaler: the model under test."""
    if task == CLASSIFICATION:
        return make_pipeline(SequenceScaler(), RNNClassifier(random_state=0))
    return make_pipeline(SequenceScaler(), RNNRegressor(random_state=0))


def search_model(task):
    """The documented search: hidden_size in 16, 32, 64 by 3-fold CV on the defaults."""
    model = default_model(task)
    key = f"{model.steps[-1][0]}__hidden_size" if isinstance(model, Pipeline) else "hidden_size"
    return GridSearchCV(model, {key: [16, 32, 64]}, cv=3, n_jobs=2)


def _flatten(X):
    return np.asarray(X).reshape(len(X), -1)


def _channels_first(X):
    """Our layout to aeon's: (n, C, T), or a list of (C, T_i) arrays."""
    if isinstance(X, list):
        return [np.ascontiguousarray(x.T) for x in X]
    return np.ascontiguousarray(np.transpose(X, (0, 2, 1)))


def _pad_to_nine(X):
    """Channels first, zero-padded at the end to MiniRocket's minimum of 9 steps."""
    X = _channels_first(X)
    short = max(0, 9 - X.shape[2])
    return np.pad(X, ((0, 0), (0, 0), (0, short))) if short else X


class VariableMiniRocket(TransformerMixin, BaseEstimator):
    """sktime's MiniRocketMultivariateVariable on a list of (T_i, F) arrays."""

    def __init__(self, random_state=None):
        self.random_state = random_state

    @staticmethod
    def _frames(X):
        import pandas as pd

        return [pd.DataFrame(x) for x in X]

    def fit(self, X, y=None):
        from sktime.transformations.panel.rocket import MiniRocketMultivariateVariable

        self.transformer_ = MiniRocketMultivariateVariable(random_state=self.random_state)
        self.transformer_.fit(self._frames(X))
        return self

    def transform(self, X):
        return np.asarray(self.transformer_.transform(self._frames(X)), dtype=np.float64)


def mlp_model(task, variable_length):
    """MLP on the flattened series, standardised per column (equal length)."""
    if variable_length:
        return None
    mlp = (MLPClassifier if task == CLASSIFICATION else MLPRegressor)(random_state=0, max_iter=500)
    return make_pipeline(FunctionTransformer(_flatten), StandardScaler(), mlp)


def dtw_model(task, variable_length):
    """1-nearest neighbour, full-window DTW, aeon's numba implementation."""
    if task == CLASSIFICATION:
        from aeon.classification.distance_based import KNeighborsTimeSeriesClassifier as knn
    else:
        from aeon.regression.distance_based import KNeighborsTimeSeriesRegressor as knn
    return make_pipeline(FunctionTransformer(_channels_first), knn(n_neighbors=1, distance="dtw"))


def rocket_model(task, variable_length):
    """MiniRocket (10,000 features) + ridge with CV over alpha, seeded."""
    if variable_length:
        ridge = (RidgeClassifierCV if task == CLASSIFICATION else RidgeCV)(np.logspace(-3, 3, 10))
        return make_pipeline(
            VariableMiniRocket(random_state=0), StandardScaler(with_mean=False), ridge
        )
    if task == CLASSIFICATION:
        from aeon.classification.convolution_based import MiniRocketClassifier as rocket
    else:
        from aeon.regression.convolution_based import MiniRocketRegressor as rocket
    return make_pipeline(FunctionTransformer(_pad_to_nine), rocket(random_state=0))


def ridge_model(task, variable_length):
    """RidgeCV on the flattened, standardised series (equal-length regression)."""
    if task != REGRESSION or variable_length:
        return None
    return make_pipeline(
        FunctionTransformer(_flatten), StandardScaler(), RidgeCV(alphas=np.logspace(-3, 3, 13))
    )


def const_model(task, variable_length):
    """The majority class, or the mean of y: the floor every method must beat."""
    return DummyClassifier() if task == CLASSIFICATION else DummyRegressor()


METHODS = {
    "defaults": lambda task, variable_length: default_model(task),
    "search": lambda task, variable_length: search_model(task),
    "mlp": mlp_model,
    "dtw": dtw_model,
    "rocket": rocket_model,
    "ridge": ridge_model,
    "const": const_model,
}
IMPLEMENTATIONS = {
    "dtw": "aeon KNeighborsTimeSeries{Classifier,Regressor}(n_neighbors=1, distance='dtw')",
    "rocket": "aeon MiniRocket{Classifier,Regressor} (equal length); sktime "
    "MiniRocketMultivariateVariable + StandardScaler + Ridge{Classifier,}CV (variable)",
}


# --------------------------------------------------------------- evaluation


def _score(task, y_true, y_pred):
    return accuracy_score(y_true, y_pred) if task == CLASSIFICATION else r2_score(y_true, y_pred)


def _final_estimator(model):
    if isinstance(model, GridSearchCV):
        model = model.best_estimator_
    return model[-1] if isinstance(model, Pipeline) else model


def fit_and_score(model, data, train_score=True):
    """Fit ``model`` on the train split of ``data``; score it on both splits."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.filterwarnings("ignore", message=".*unsafe cast.*")
        warnings.filterwarnings("ignore", message="X is univariate, consider using MiniRocket")
        tic = time.perf_counter()
        model.fit(data.X_train, data.y_train)
        fit_seconds = time.perf_counter() - tic
        tic = time.perf_counter()
        score = _score(data.task, data.y_test, model.predict(data.X_test))
        predict_seconds = time.perf_counter() - tic
        train = None
        if train_score:
            train = _score(data.task, data.y_train, model.predict(data.X_train))
    result = {
        "set": data.name,
        "score": float(score),
        "train_score": None if train is None else float(train),
        "fit_seconds": fit_seconds,
        "predict_seconds": predict_seconds,
    }
    n_iter = getattr(_final_estimator(model), "n_iter_", None)
    if n_iter is not None:
        result["n_iter"] = int(np.max(n_iter))
    if isinstance(model, GridSearchCV):
        result["best_params"] = dict(model.best_params_)
    return result


def evaluate(model_factory, names=None, panel=None):
    """Score ``model_factory(task)`` on the named sets (or a loaded panel).

    Returns one dict per set: set, score, train_score, fit_seconds,
    predict_seconds and, when the final estimator has ``n_iter_``, n_iter.
    """
    results = []
    for data in panel if panel is not None else load_panel(names):
        results.append(fit_and_score(model_factory(data.task), data))
    return results


# ---------------------------------------------------------------------- CLI


def environment_lines():
    """Library versions and the BLAS/OpenMP pools that run (threadpoolctl)."""
    import sklearn

    import skrnn

    lines = [
        f"python {sys.version.split()[0]}, numpy {np.__version__}, "
        f"scikit-learn {sklearn.__version__}, skrnn {skrnn.__version__}"
    ]
    for module in ("aeon", "sktime", "tslearn"):
        try:
            lines[0] += f", {module} {__import__(module).__version__}"
        except ImportError:
            lines[0] += f", {module} missing"
    from threadpoolctl import threadpool_info

    for info in threadpool_info():
        where = "/".join(str(info.get("filepath", "?")).split("/")[-2:])
        lines.append(
            "threadpool: {}/{} {} {} num_threads={} architecture={}".format(
                info.get("user_api"),
                info.get("internal_api"),
                where,
                info.get("version"),
                info.get("num_threads"),
                info.get("architecture", "-"),
            )
        )
    names = (
        "OPENBLAS_NUM_THREADS",
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
        "NUMBA_NUM_THREADS",
        "OPENBLAS_CORETYPE",
    )
    env = ", ".join(f"{k}={os.environ[k]}" for k in names if k in os.environ)
    lines.append("thread/kernel env vars: " + (env or "none set"))
    return lines


def _cell(result):
    if result is None:
        return "--"
    text = f"{result['score']:.3f} ({result['fit_seconds']:.1f} s"
    if result["predict_seconds"] >= 1:
        text += f"; predict {result['predict_seconds']:.0f} s"
    return text + ")"


def warm_up(methods, tasks):
    """Fit the baselines once on a tiny set so numba compiles before any timing."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(12, 16, 1))
    tiny = {CLASSIFICATION: np.arange(12) % 2, REGRESSION: rng.normal(size=12)}
    for task in tasks:
        for X_any in (X, [x[: 10 + i % 6] for i, x in enumerate(X)]):
            data = Dataset("warm-up", task, X_any, tiny[task], X_any, tiny[task])
            for method in methods:
                if method in ("defaults", "search"):
                    continue
                model = METHODS[method](task, data.variable_length)
                if model is not None:
                    fit_and_score(model, data, train_score=False)


def run(panel_names, methods, json_path=None):
    """Fit every method on every set; print a markdown row per set as it goes."""
    header = ["set", "n_train/n_test", "length", "channels"] + methods
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|", flush=True)
    sets, results = {}, []
    for name in panel_names:
        data = load_panel([name])[0]
        n, length, channels = data.describe()
        sets[name] = {
            "task": data.task,
            "n_train/n_test": n,
            "length": length,
            "channels": channels,
        }
        cells = []
        for method in methods:
            model = METHODS[method](data.task, data.variable_length)
            result = None if model is None else fit_and_score(model, data, method != "dtw")
            if result is not None:
                result["method"] = method
                results.append(result)
            cells.append(_cell(result))
        print("| " + " | ".join([name, n, length, channels] + cells) + " |", flush=True)
        if json_path:  # rewritten after every set, so a stopped run keeps its numbers
            with open(json_path, "w") as f:
                json.dump(
                    {
                        "environment": environment_lines(),
                        "implementations": IMPLEMENTATIONS,
                        "sets": sets,
                        "results": results,
                    },
                    f,
                    indent=1,
                )
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sets", default=",".join(DEFAULT_SETS), help=f"comma-separated, from {','.join(LOADERS)}"
    )
    parser.add_argument(
        "--methods",
        default="defaults,search,mlp,dtw,rocket,ridge",
        help=f"comma-separated, from {','.join(METHODS)} (const always runs)",
    )
    parser.add_argument("--no-search", action="store_true", help="skip the GridSearchCV")
    parser.add_argument("--no-dtw", action="store_true", help="skip 1-NN DTW")
    parser.add_argument("--adding200", action="store_true", help="add the adding problem at T=200")
    parser.add_argument("--json", metavar="PATH", help="write every number to this JSON file")
    args = parser.parse_args(argv)
    names = [s for s in args.sets.split(",") if s]
    if args.adding200 and "adding200" not in names:
        names.append("adding200")
    methods = [m for m in args.methods.split(",") if m]
    methods = [
        m
        for m in methods
        if not (args.no_search and m == "search")
        and not (args.no_dtw and m == "dtw")
        and m != "const"
    ] + ["const"]
    unknown = [m for m in methods if m not in METHODS] + [s for s in names if s not in LOADERS]
    if unknown:
        parser.error(f"unknown set or method: {', '.join(unknown)}")
    print("\n".join(environment_lines()))
    print("dtw: " + IMPLEMENTATIONS["dtw"] + "\nrocket: " + IMPLEMENTATIONS["rocket"])
    print(
        "scores: accuracy (classification), R^2 (regression) on the test split; "
        "(fit seconds; predict seconds when >= 1)\n",
        flush=True,
    )
    warm_up(methods, sorted({LOADERS[name][1] for name in names}))
    run(names, methods, args.json)


if __name__ == "__main__":
    main()
