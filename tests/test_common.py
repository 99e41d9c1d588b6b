"""scikit-learn's own estimator checks, unmodified, with no expected failures."""

import pytest
from sklearn.utils.estimator_checks import (
    check_classifiers_multilabel_output_format_predict_proba,
    check_classifiers_train,
    check_regressors_train,
    parametrize_with_checks,
)

from skrnn import RNNClassifier, RNNRegressor

# Every check, for the defaults and for each option (small networks, and at
# most 50 epochs where that still learns, keep the suite fast): the other poolings, patches, PyTorch's
# initialisation, global and no standardisation, every solver, Elman relu with plain
# sgd, deep bidirectional networks with dropout.
SGD_RELU = dict(
    cell="rnn",
    solver="sgd",
    activation="relu",
    learning_rate_init=0.01,
    batch_size=32,
)
CONFIGURATIONS = [
    RNNRegressor(random_state=0),  # the defaults
    RNNClassifier(random_state=0),
    RNNRegressor(hidden_size=8, pooling="last", solver="lbfgs", random_state=0),
    RNNClassifier(hidden_size=8, pooling="mean", init="uniform", max_iter=50, random_state=0),
    RNNRegressor(hidden_size=8, pooling="max", patch_size=3, max_iter=50, random_state=0),
    RNNClassifier(hidden_size=8, patch_size=2, solver="lbfgs", random_state=0),
    RNNRegressor(hidden_size=8, standardize=False, solver="lbfgs", random_state=0),
    RNNClassifier(hidden_size=8, standardize="global", solver="lbfgs", random_state=0),
    RNNRegressor(hidden_size=16, random_state=0, **SGD_RELU),
    RNNClassifier(hidden_size=16, random_state=0, **SGD_RELU),
    # 400 iterations: at 200, scikit-learn's regression check reaches training
    # R^2 0.57 with scipy 1.17's L-BFGS-B and 0.49 with 1.11's (it needs 0.5)
    RNNRegressor(
        cell="lstm",
        num_layers=2,
        bidirectional=True,
        hidden_size=4,
        solver="lbfgs",
        max_iter=400,
        random_state=0,
    ),
    RNNClassifier(
        cell="lstm",
        num_layers=2,
        bidirectional=True,
        dropout=0.2,
        hidden_size=8,
        max_iter=50,
        random_state=0,
    ),
    RNNClassifier(hidden_size=16, solver="lbfgs", random_state=0),  # saturates its sigmoid
    # the other regression losses; their early stopping scores the negated loss.
    # pooling="last": lbfgs with attention pooling reaches training R^2 0.47 on
    # scikit-learn's regression check with the absolute error (it needs 0.5)
    RNNRegressor(
        hidden_size=8, loss="absolute_error", pooling="last", solver="lbfgs", random_state=0
    ),
    RNNRegressor(hidden_size=8, loss="quantile", quantile=0.6, max_iter=50, random_state=0),
]


@parametrize_with_checks(CONFIGURATIONS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


# The checks that ask the estimator to learn, for every cell and solver at
# their defaults (the other checks do not depend on them: the configurations
# above cover every code path).
AT_DEFAULTS = [
    (Estimator, dict(cell=cell, solver=solver))
    for Estimator in (RNNRegressor, RNNClassifier)
    for cell in ("rnn", "lstm", "gru")
    for solver in ("adam", "sgd", "lbfgs")
]


@pytest.mark.parametrize(
    "Estimator, params",
    AT_DEFAULTS,
    ids=[f"{E.__name__}-{p['cell']}-{p['solver']}" for E, p in AT_DEFAULTS],
)
def test_every_cell_and_solver_learns_at_its_defaults(Estimator, params):
    check = check_regressors_train if Estimator is RNNRegressor else check_classifiers_train
    check(Estimator.__name__, Estimator(random_state=0, **params))


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_saturated_probabilities_stay_inside_zero_and_one(cell):
    """lbfgs drives a multilabel sigmoid to exactly 0 and 1 in floating point
    at its defaults, for every cell; predict_proba must stay strictly inside."""
    check_classifiers_multilabel_output_format_predict_proba(
        "RNNClassifier", RNNClassifier(cell=cell, solver="lbfgs", random_state=0)
    )
