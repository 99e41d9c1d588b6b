"""`python -m skrnn`: the demo the README promises, and the bundled data."""

import subprocess
import sys

import numpy as np
import pytest
from sklearn.datasets import load_digits

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


@pytest.mark.parametrize(
    "script,expected",
    [
        ("plot_hidden_size_cv.py", "chosen: {'hidden_size':"),
        ("plot_variable_length.py", "test accuracy"),
    ],
)
def test_example_scripts_run(script, expected, tmp_path, monkeypatch, capsys):
    """examples/ stay runnable (with or without matplotlib)."""
    import runpy
    from pathlib import Path

    path = Path(__file__).parents[1] / "examples" / script
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(path), run_name="__main__")
    out = capsys.readouterr().out
    assert expected in out
    accuracy = float(out.split("test accuracy")[1].split()[0])
    assert accuracy > 0.9


def test_learning_quality_example_lstm_and_gru_reach_the_mlp(tmp_path, monkeypatch, capsys):
    """examples/plot_learning_quality.py: both RNNs reach the MLP on the digits."""
    import re
    import runpy
    from pathlib import Path

    path = Path(__file__).parents[1] / "examples" / "plot_learning_quality.py"
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(path), run_name="__main__")  # exits with 1 if an RNN is below
    out = capsys.readouterr().out
    accuracy = dict(re.findall(r"^(MLP|LSTM|GRU) \(.*?\)\s+(\d\.\d+)", out, re.M))
    assert set(accuracy) == {"MLP", "LSTM", "GRU"}
    assert float(accuracy["LSTM"]) >= float(accuracy["MLP"]) > 0.9
    assert float(accuracy["GRU"]) >= float(accuracy["MLP"])


def _run_example(name, argv, monkeypatch, tmp_path):
    import runpy
    from pathlib import Path

    path = Path(__file__).parents[1] / "examples" / name
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [str(path), *argv])
    return runpy.run_path(str(path), run_name="not_main")["main"](argv)


def test_distributed_grid_search_example_equals_serial(tmp_path, monkeypatch, capsys):
    pytest.importorskip("distributed")
    search = _run_example("distributed_grid_search.py", ["--max-iter", "2"], monkeypatch, tmp_path)
    out = capsys.readouterr().out
    assert "cluster: 2 workers" in out
    assert "equal to a serial run with one BLAS thread: True" in out
    assert len(search.cv_results_["params"]) == 4


def test_forecast_airline_example_beats_the_baselines_fast(tmp_path, monkeypatch):
    """examples/plot_forecast_airline.py --fast (the README's figures, small grid)."""
    res = _run_example(
        "plot_forecast_airline.py", ["--fast", "--output", "a.png"], monkeypatch, tmp_path
    )
    assert res["rnn_mae"] < res["snaive_mae"]
    assert res["rnn_mae"] < res["ridge_raw_mae"]
    assert 0.5 <= res["coverage"] <= 1.0


def test_tune_forecaster_example_grid_search_equals_hand_loop(tmp_path, monkeypatch):
    res = _run_example("tune_forecaster_window.py", ["--fast"], monkeypatch, tmp_path)
    assert res["same_as_hand_loop"]
    assert set(res["best_params"]) == {"estimator__hidden_size", "window"}
