"""``python -m skrnn``: choose an RNN's hidden size by cross-validation on digits.

Runs GridSearchCV over ``hidden_size`` on ``load_digits_sequences()`` (each
8x8 digit read as 8 time steps of 8 pixels), prints the CV table, the chosen
size and the accuracy on a held-out test split.
"""

import argparse
import time
import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split

from . import RNNClassifier, __version__
from .datasets import load_digits_sequences


def _sizes(text):
    try:
        sizes = [int(s) for s in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected integers like 8,16,32, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"hidden sizes must be positive, got {text!r}")
    return sizes


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m skrnn",
        description=(
            "skrnn demo: pick an RNN's hidden size by cross-validation "
            "(GridSearchCV) on scikit-learn's digits read as 8 time steps of 8 "
            "pixels, then report the held-out test accuracy."
        ),
    )
    parser.add_argument(
        "--cell",
        default="gru",
        choices=["rnn", "lstm", "gru"],
        help="recurrent cell (default: gru, the estimators' default)",
    )
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=[8, 16, 32, 64],
        help="comma-separated hidden sizes to try (default: 8,16,32,64)",
    )
    parser.add_argument("--folds", type=int, default=3, help="cross-validation folds (default: 3)")
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="random seed for the split, the folds and the weights (default: 0)",
    )
    parser.add_argument(
        "--max-iter", type=int, default=100, help="maximum epochs per fit (default: 100)"
    )
    parser.add_argument(
        "--n-jobs", type=int, default=2, help="parallel GridSearchCV jobs (default: 2)"
    )
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.folds < 2:
        build_parser().error(f"--folds must be at least 2, got {args.folds}")
    X, y = load_digits_sequences(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=args.seed
    )
    print(
        f"skrnn {__version__}: digits as sequences, X {X.shape} "
        f"(samples, time steps, features); {len(y_train)} train, {len(y_test)} test"
    )
    print(
        f"GridSearchCV over hidden_size {args.sizes}, cell={args.cell!r}, "
        f"{args.folds}-fold CV, n_jobs={args.n_jobs}\n"
    )

    # the estimator's defaults but the cell and the epoch budget
    estimator = RNNClassifier(cell=args.cell, max_iter=args.max_iter, random_state=args.seed)
    search = GridSearchCV(
        estimator,
        {"hidden_size": args.sizes},
        cv=StratifiedKFold(args.folds, shuffle=True, random_state=args.seed),
        n_jobs=args.n_jobs,
    )
    tic = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X_train, y_train)
    elapsed = time.perf_counter() - tic

    res = search.cv_results_
    print(f"{'hidden_size':>11}  {'CV accuracy':>11}  {'std':>6}  {'fit time (s)':>12}")
    for size, mean, std, fit_time in zip(
        res["param_hidden_size"],
        res["mean_test_score"],
        res["std_test_score"],
        res["mean_fit_time"],
    ):
        print(f"{size:>11}  {mean:>11.4f}  {std:>6.4f}  {fit_time:>12.2f}")
    best = search.best_params_["hidden_size"]
    accuracy = search.score(X_test, y_test)
    print(f"\nchosen hidden_size: {best}")
    print(f"test accuracy: {accuracy:.4f} ({len(y_test)} held-out digits)")
    print(f"search time: {elapsed:.1f}s")
    return accuracy


if __name__ == "__main__":
    main()
