"""Warnings name the user's line, not skrnn's internals."""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score

from skrnn import RNNClassifier, RNNRegressor


def _data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(20, 4, 2))
    return X, X[:, -1, 0]


def _recorded(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return caught


def test_convergence_warning_points_at_the_fit_call():
    X, y = _data()
    caught = _recorded(lambda: RNNRegressor(hidden_size=3, max_iter=2).fit(X, y))
    ours = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert ours, [str(w.message) for w in caught]
    assert {w.filename for w in ours} == {__file__}
    assert "Maximum iterations (2) reached" in str(ours[0].message)


def test_parameter_warnings_point_at_the_fit_call():
    X, y = _data()
    est = RNNClassifier(hidden_size=3, max_iter=1, dropout=0.5, batch_size=50)
    caught = _recorded(lambda: est.fit(X, y > 0))
    messages = {str(w.message).split(" ")[0]: w.filename for w in caught}
    assert messages["dropout=0.5"] == __file__
    assert messages["batch_size=50"] == __file__


def test_warnings_inside_scikit_learn_tools_point_at_the_tool_call():
    """Through GridSearchCV and cross_val_score (joblib's sequential loop
    included), the line that called them."""
    X, y = _data()
    est = RNNRegressor(hidden_size=3, max_iter=1)
    caught = _recorded(lambda: GridSearchCV(est, {"alpha": [1e-4]}, cv=2).fit(X, y))
    caught += _recorded(lambda: cross_val_score(est, X, y, cv=2))
    ours = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert len(ours) >= 4  # every fit warns
    assert {w.filename for w in ours} == {__file__}


def test_version_warning_points_at_the_load_call(tmp_path):
    """pickle.load and joblib.load of a model saved by another version."""
    import pickle

    import joblib

    import skrnn
    from skrnn.exceptions import InconsistentVersionWarning

    X, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        blob = pickle.dumps(RNNRegressor(hidden_size=2, max_iter=1).fit(X, y))
    old = blob.replace(skrnn.__version__.encode(), b"0.0.1")
    (tmp_path / "old.joblib").write_bytes(old)
    caught = _recorded(lambda: pickle.loads(old))
    caught += _recorded(lambda: joblib.load(tmp_path / "old.joblib"))
    ours = [w for w in caught if issubclass(w.category, InconsistentVersionWarning)]
    assert len(ours) == 2
    assert {w.filename for w in ours} == {__file__}
