"""Tests for the command line: train a tiny model, list it, evaluate it, and fail clearly."""

import re

import pytest

from mnist_cnn.architectures import ARCHITECTURES
from mnist_cnn.cli import main


@pytest.mark.slow
def test_train_list_and_evaluate_a_tiny_model(tmp_path, capsys):
    assert main(["--models-dir", str(tmp_path), "train", "--arch", "keras_example", "--epochs", "1",
                 "--subset", "600", "--name", "tiny"]) == 0
    trained = capsys.readouterr().out
    assert "epoch 1/1" in trained and "saved" in trained
    accuracy = float(re.search(r"test accuracy (\d\.\d+)", trained).group(1))
    assert main(["--models-dir", str(tmp_path), "list"]) == 0
    assert "tiny" in capsys.readouterr().out
    assert main(["--models-dir", str(tmp_path), "evaluate", "tiny"]) == 0
    evaluated = capsys.readouterr().out
    assert f"test accuracy {accuracy:.4f}" in evaluated and "errors of 10000" in evaluated


def test_bundled_default_evaluates_from_the_cli(capsys):
    assert main(["evaluate"]) == 0
    assert re.search(r"model default: test loss \d\.\d+, test accuracy 0\.\d{4}", capsys.readouterr().out)


def test_errors_are_one_clear_line(tmp_path, capsys):
    assert main(["--models-dir", str(tmp_path), "evaluate", "missing"]) == 2
    assert capsys.readouterr().err.startswith("error: No usable model called 'missing'")
    assert main(["evaluate", str(tmp_path / "absent.keras")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_architectures_lists_every_registered_network(capsys):
    assert main(["architectures"]) == 0
    output = capsys.readouterr().out
    assert output.count("| `") == len(ARCHITECTURES)
    assert all(f"`{name}`" in output for name in ARCHITECTURES)
