"""`python -m skrnn`: the demo the README promises, the bundled data, and the examples
(the gallery's scripts) in their short form."""

import runpy
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_digits
from threadpoolctl import threadpool_limits

from skrnn.__main__ import main
from skrnn.datasets import load_digits_sequences


def test_load_digits_sequences_reads_images_row_by_row():
    bunch = load_digits_sequences()
    digits = load_digits()
    assert bunch.data.shape == (1797, 8, 8)
    np.testing.assert_array_equal(bunch.data * 16, digits.images)
    np.testing.assert_array_equal(bunch.target, digits.target)
    X, y = load_digits_sequences(return_X_y=True)
    np.testing.assert_array_equal(X, bunch.data)
    assert "row by row" in bunch.DESCR


def test_demo_reaches_095_test_accuracy(capsys):
    # CI runs the whole demo (python -m skrnn); here two sizes, two folds
    accuracy = main(["--n-jobs", "2", "--sizes", "32,64", "--folds", "2"])
    out = capsys.readouterr().out
    assert accuracy >= 0.95
    for size in ("32", "64"):
        assert any(line.split()[:1] == [size] for line in out.splitlines())
    assert "chosen hidden_size:" in out
    assert f"test accuracy: {accuracy:.4f}" in out


def test_demo_help_lists_options():
    out = subprocess.run(
        [sys.executable, "-m", "skrnn", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for option in ("--cell", "--sizes", "--folds", "--seed"):
        assert option in out


def test_demo_rejects_bad_options():
    proc = subprocess.run(
        [sys.executable, "-m", "skrnn", "--sizes", "8,x"], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "expected integers like 8,16,32" in proc.stderr


EXAMPLES = Path(__file__).parents[1] / "examples"


def run_example(name, *flags, monkeypatch, tmp_path, run_name="__main__"):
    """Run ``examples/<name>`` as ``python examples/<name> *flags`` would, with one
    BLAS thread (their matrices are small); return the script's globals and the
    number of figures it drew. Filters, thread limits and figures are restored."""
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = EXAMPLES / name
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [str(path), *flags])
    plt.close("all")
    with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="FigureCanvasAgg is non-interactive")
        namespace = runpy.run_path(str(path), run_name=run_name)
    figures = len(plt.get_fignums())
    plt.close("all")
    return namespace, figures


def test_hidden_size_example_chooses_by_cv(monkeypatch, tmp_path, capsys):
    ns, figures = run_example(
        "plot_hidden_size_cv.py", "--fast", monkeypatch=monkeypatch, tmp_path=tmp_path
    )
    search = ns["search"]
    scores = search.cv_results_["mean_test_score"]
    assert search.best_params_["hidden_size"] == ns["sizes"][int(np.argmax(scores))]
    assert f"chosen: {search.best_params_}" in capsys.readouterr().out
    assert figures == 1


def test_variable_length_example_learns_from_a_list(monkeypatch, tmp_path):
    ns, figures = run_example(
        "plot_variable_length.py", "--fast", monkeypatch=monkeypatch, tmp_path=tmp_path
    )
    assert isinstance(ns["X_train"], list)
    assert len({len(seq) for seq in ns["X_train"]}) > 1
    assert np.mean(ns["pred"] == ns["y_test"]) > 0.9
    assert figures == 1


def test_learning_quality_example_lstm_and_gru_reach_the_mlp(monkeypatch, tmp_path):
    """examples/plot_learning_quality.py, as the gallery runs it: both RNNs reach
    the MLP's test accuracy on the digits under the same early stopping."""
    ns, figures = run_example(
        "plot_learning_quality.py", monkeypatch=monkeypatch, tmp_path=tmp_path
    )
    accuracy = ns["results"]
    assert accuracy["LSTM (8 x 8)"] >= accuracy["MLP (64 pixels)"] > 0.9
    assert accuracy["GRU (8 x 8)"] >= accuracy["MLP (64 pixels)"]
    assert ns["behind"] == []
    assert figures == 1


def test_long_range_example_runs_every_cell(monkeypatch, tmp_path):
    ns, figures = run_example(
        "plot_long_range_dependencies.py", "--fast", monkeypatch=monkeypatch, tmp_path=tmp_path
    )
    assert set(ns["mse"]) == {"rnn", "lstm", "gru"}
    assert all(
        len(v) == len(ns["timesteps"]) and np.all(np.isfinite(v)) for v in ns["mse"].values()
    )
    assert ns["baseline"][0] == pytest.approx(1 / 6, abs=0.02)  # predicting 1
    assert figures == 1


def test_forecast_airline_example_beats_the_baselines_fast(monkeypatch, tmp_path):
    """examples/plot_forecast_airline.py --fast: the RNN beats the seasonal naive
    forecast and the ridge on raw lags, and the baselines keep their figures."""
    ns, figures = run_example(
        "plot_forecast_airline.py", "--fast", monkeypatch=monkeypatch, tmp_path=tmp_path
    )
    mae = ns["scores"]["test MAE"]
    rnn = mae.iloc[0]
    assert rnn < mae["seasonal naive"]
    assert rnn < mae["ridge, 12 lags of y"]
    assert mae["seasonal naive"] == pytest.approx(60.08, abs=0.005)
    assert mae["ridge, 12 lags of diff(y)"] == pytest.approx(15.63, abs=0.005)
    assert 0.5 <= ns["inside"].mean() <= 1.0
    assert figures == 1


def test_tune_forecaster_example_grid_search_equals_hand_loop(monkeypatch, tmp_path):
    ns, _ = run_example(
        "tune_forecaster_window.py", "--fast", monkeypatch=monkeypatch, tmp_path=tmp_path
    )
    assert ns["same_as_hand_loop"]
    assert set(ns["best"]) == {"estimator__hidden_size", "window"}


def test_distributed_grid_search_example_equals_serial(monkeypatch, tmp_path, capsys):
    pytest.importorskip("distributed")
    # not as __main__: the cluster's worker processes would run the script again
    ns, _ = run_example(
        "distributed_grid_search.py",
        "--fast",
        monkeypatch=monkeypatch,
        tmp_path=tmp_path,
        run_name="example",
    )
    with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search, X_train, y_train = ns["search_on_cluster"]()
        assert ns["equals_serial"](search, X_train, y_train)
    assert "cluster: 2 workers" in capsys.readouterr().out
    assert len(search.cv_results_["params"]) == 4
