"""scikit-learn's own estimator checks, unmodified, with no expected failures."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skrnn import RNNClassifier, RNNRegressor

# Small networks keep the suite fast; every solver and both activations run
# the full set of checks (the accuracy checks included).
SGD_RELU = dict(
    solver="sgd", activation="relu", learning_rate_init=0.01, batch_size=32,
    max_grad_norm=1.0,
)
CONFIGURATIONS = [
    RNNRegressor(random_state=0),  # the defaults
    RNNRegressor(hidden_size=16, learning_rate_init=0.01, random_state=0),
    RNNRegressor(hidden_size=8, solver="lbfgs", random_state=0),
    RNNRegressor(hidden_size=16, random_state=0, **SGD_RELU),
    RNNClassifier(random_state=0),
    RNNClassifier(hidden_size=8, solver="lbfgs", random_state=0),
    RNNClassifier(hidden_size=16, random_state=0, **SGD_RELU),
    RNNRegressor(cell="lstm", hidden_size=8, learning_rate_init=0.01, random_state=0),
    RNNRegressor(cell="gru", num_layers=2, bidirectional=True, hidden_size=4,
                 solver="lbfgs", random_state=0),
    RNNClassifier(cell="gru", hidden_size=8, learning_rate_init=0.01, random_state=0),
    RNNClassifier(cell="lstm", num_layers=2, bidirectional=True, dropout=0.2,
                  hidden_size=8, learning_rate_init=0.01, random_state=0),
]


@parametrize_with_checks(CONFIGURATIONS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
