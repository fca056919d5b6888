"""Tests for the command line: train a tiny model, list it, evaluate it, and fail clearly."""

import json
import re
import shutil

import numpy as np
import pytest

from mnist_cnn import config
from mnist_cnn.cli import main
from mnist_cnn.evaluation.metrics import evaluate_model
from mnist_cnn.model.architectures import ARCHITECTURES


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


def test_bundled_default_evaluates_from_the_cli(tmp_path, capsys):
    # A copy of the bundled model, so that the evaluation file `evaluate` keeps lands in tmp_path, not in models/.
    for suffix in (".keras", ".json"):
        shutil.copy(config.MODELS_DIR / f"{config.DEFAULT_MODEL_NAME}{suffix}", tmp_path)
    assert main(["--models-dir", str(tmp_path), "evaluate"]) == 0
    assert re.search(r"model default: test loss \d\.\d+, test accuracy 0\.\d{4}", capsys.readouterr().out)
    assert (tmp_path / f"{config.DEFAULT_MODEL_NAME}.evaluation.npz").exists()


def test_errors_are_one_clear_line(tmp_path, capsys):
    assert main(["--models-dir", str(tmp_path), "evaluate", "missing"]) == 2
    assert capsys.readouterr().err.startswith("error: No usable model called 'missing'")
    assert main(["evaluate", str(tmp_path / "absent.keras")]) == 2
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.parametrize("arguments, message", [
    (["--epochs", "0"], "Epochs must be between 1 and"),
    (["--subset", "3"], "The training subset must have between"),
    (["--init-from", "../default"], "Invalid base model name"),
])
def test_train_refuses_a_setting_outside_the_bounds_before_it_starts(tmp_path, capsys, arguments, message):
    assert main(["--models-dir", str(tmp_path), "train", *arguments]) == 2
    assert capsys.readouterr().err.startswith(f"error: {message}")
    assert list(tmp_path.iterdir()) == []  # nothing trained, nothing saved


def test_architectures_lists_every_registered_network(capsys):
    assert main(["architectures"]) == 0
    output = capsys.readouterr().out
    assert output.count("| `") == len(ARCHITECTURES)
    assert all(f"`{name}`" in output for name in ARCHITECTURES)



def write_sideways_npz(path, mnist, train_per_digit: int = 5, test_per_digit: int = 10):
    """An MNIST-layout .npz of sideways-written digits: a few per digit to learn from, others to test on."""
    from tests.support.pictures import write_sideways

    _, (x_test, y_test) = mnist
    rng = np.random.default_rng(5)
    picked = [rng.choice(np.flatnonzero(y_test == digit), train_per_digit + test_per_digit, replace=False)
              for digit in range(10)]
    train = np.concatenate([index[:train_per_digit] for index in picked])
    test = np.concatenate([index[train_per_digit:] for index in picked])
    np.savez(path, x_train=write_sideways(x_test[train]), y_train=y_test[train],
             x_test=write_sideways(x_test[test]), y_test=y_test[test])
    return path


def read_json_line(output: str) -> dict:
    """The JSON object printed as the last line of the output."""
    return json.loads(output.strip().splitlines()[-1])


def test_evaluate_on_a_data_file_and_after_personal_adaptation(tmp_path, capsys, mnist, tiny_trained_model):
    model_path = tmp_path / "tiny.keras"
    tiny_trained_model.save(model_path)
    data = write_sideways_npz(tmp_path / "sideways.npz", mnist)
    assert main(["evaluate", str(model_path), "--data", str(data), "--json"]) == 0
    plain = read_json_line(capsys.readouterr().out)
    assert plain["count"] == 100 and plain["personal"] is None
    expected = evaluate_model(tiny_trained_model, np.load(data)["x_test"], np.load(data)["y_test"])
    assert plain["accuracy"] == pytest.approx(expected.accuracy) and plain["loss"] == pytest.approx(
        expected.mean_loss, rel=1e-4)
    assert main(["evaluate", str(model_path), "--data", str(data), "--personal", str(data), "--json"]) == 0
    output = capsys.readouterr().out
    adapted = read_json_line(output)
    assert "adapted to 50 drawings" in output and adapted["personal_count"] == 50 and adapted["count"] == 100
    assert adapted["accuracy"] > plain["accuracy"] + 0.2
    assert adapted["loss"] < plain["loss"]


def test_evaluate_refuses_a_bad_data_file_clearly(tmp_path, capsys):
    floats = tmp_path / "floats.npz"
    np.savez(floats, x_test=np.zeros((3, 28, 28), np.float32), y_test=np.zeros(3, np.uint8))
    assert main(["evaluate", "--data", str(floats)]) == 2
    assert "x_test must be uint8 of shape (n, 28, 28)" in capsys.readouterr().err
    no_test = tmp_path / "train_only.npz"
    np.savez(no_test, x_train=np.zeros((3, 28, 28), np.uint8), y_train=np.zeros(3, np.uint8))
    assert main(["evaluate", "--data", str(no_test)]) == 2
    assert "has no x_test/y_test arrays" in capsys.readouterr().err
    assert main(["evaluate", "--data", str(tmp_path / "absent.npz")]) == 2
    assert "cannot be read" in capsys.readouterr().err


@pytest.mark.slow
def test_a_blend_keeps_the_tuned_models_replay_ending_on_the_blended_weights(tmp_path, capsys):
    from mnist_cnn.store.model_store import ModelStore
    from mnist_cnn.training.snapshots import load_snapshots

    common = ["--epochs", "1", "--subset", "600", "--batch-size", "64"]
    folder = ["--models-dir", str(tmp_path)]
    assert main([*folder, "train", "--arch", "keras_example", *common, "--name", "base"]) == 0
    assert main([*folder, "train", "--init-from", "base", *common, "--seed", "2", "--name", "tuned"]) == 0
    assert main([*folder, "blend", "base", "tuned", "--share", "0.5", "--name", "mixed"]) == 0
    store = ModelStore(tmp_path)
    tuned, mixed = load_snapshots(store.snapshot_path("tuned")), load_snapshots(store.snapshot_path("mixed"))
    assert mixed.epochs.tolist() == tuned.epochs.tolist() == [1, 2]
    np.testing.assert_array_equal(mixed.weights[0][0], tuned.weights[0][0])  # the lineage's first epoch, unchanged
    blended = store.load("mixed").get_weights()[0].astype(np.float16)
    np.testing.assert_array_equal(mixed.weights[-1][0], blended)             # the last one is the blend
    assert not np.array_equal(mixed.weights[-1][0], tuned.weights[-1][0])
