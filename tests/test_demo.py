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
    accuracy = main(["--n-jobs", "1"])
    out = capsys.readouterr().out
    assert accuracy >= 0.95
    for size in ("8", "16", "32", "64"):
        assert any(line.split()[:1] == [size] for line in out.splitlines())
    assert "chosen hidden_size:" in out
    assert f"test accuracy: {accuracy:.4f}" in out


def test_demo_help_lists_options():
    out = subprocess.run(
        [sys.executable, "-m", "skrnn", "--help"], capture_output=True, text=True,
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
    [("plot_hidden_size_cv.py", "chosen: {'hidden_size':"),
     ("plot_variable_length.py", "test accuracy")],
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
    """examples/plot_learning_quality.py: the figures of issue 5, item 9."""
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
