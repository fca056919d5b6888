"""AppTest of the Training page's replay: a freshly trained tiny model and the bundled one replay epoch by epoch."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from mnist_cnn import config
import mnist_cnn.jobs.manager as jobs
from mnist_cnn.store.model_store import ModelStore
from mnist_cnn.training.run import TrainingHooks, train_and_save
from mnist_cnn.training.settings import TrainingSettings
from tests.conftest import copy_bundled_models

APP_PATH = str(Path(__file__).resolve().parent.parent / "app.py")
RUN_TIMEOUT = 120   # seconds for one script run (the first one imports TensorFlow)


@pytest.fixture
def models_dir(tmp_path, mnist, monkeypatch):
    """A private store: the bundled model and "replayed", a keras_example trained for two epochs on 600 images."""
    directory = copy_bundled_models(tmp_path / "models")
    monkeypatch.setattr(config, "MODELS_DIR", directory)
    monkeypatch.setattr(jobs, "JOB_MANAGER", jobs.JobManager(board_location=tmp_path / "jobs.sqlite3"))
    (x_train, y_train), (x_test, y_test) = mnist
    settings = TrainingSettings(epochs=2, batch_size=64, validation_split=0.1, steps_per_execution=2)
    train_and_save(settings, ModelStore(directory), ((x_train[:600], y_train[:600]), (x_test[:300], y_test[:300])),
                   TrainingHooks(name="replayed", trained_with="a test"))
    return directory


def open_training_page_on(model_name: str) -> AppTest:
    """The app on the Training page, with model_name chosen for the curves and the replay."""
    app = AppTest.from_file(APP_PATH, default_timeout=RUN_TIMEOUT).run()
    app.switch_page("pages/training.py").run()
    return app.selectbox(key="training_history_model").set_value(model_name).run()


def test_the_slider_replays_a_freshly_trained_model_epoch_by_epoch(models_dir):
    app = open_training_page_on("replayed")
    assert not app.exception
    slider = app.select_slider(key="training_replay_epoch_replayed")
    assert list(slider.options) == ["1", "2"] and slider.value == 2
    assert any("After epoch **2**" in markdown.value for markdown in app.markdown)
    slider.set_value(1).run()
    assert not app.exception
    assert any("After epoch **1**" in markdown.value for markdown in app.markdown)
    assert len(app.get("imgs")) + len(app.get("image")) >= 2  # that epoch's kernels and feature maps


def test_the_bundled_model_replays_its_whole_lineage_older_epochs_thinned(models_dir):
    app = open_training_page_on("default")
    assert not app.exception
    captions = " ".join(caption.value for caption in app.caption)
    assert "whole lineage, 19 stages" in captions  # the bundled model's curves cover all its stages
    slider = app.select_slider(key="training_replay_epoch_default")
    epochs = len(ModelStore(models_dir).get("default").metadata["history"]["accuracy"])
    # 48 epochs of snapshots exceed the file's size bound, so every other older one was dropped; first and last stay
    kept = [int(option) for option in slider.options]
    assert kept[0] == 1 and kept[-1] == epochs and slider.value == epochs and kept == sorted(set(kept))
    assert epochs / 2 <= len(kept) < epochs
    slider.set_value(1).run()
    assert not app.exception
    first = next(markdown.value for markdown in app.markdown if "After epoch **1**" in markdown.value)
    assert "test accuracy" in first


def test_a_model_without_snapshots_says_in_one_line_how_to_get_a_replay(models_dir):
    (models_dir / "replayed.snapshots.npz").unlink()
    app = open_training_page_on("replayed")
    assert not app.exception
    captions = " ".join(caption.value for caption in app.caption)
    assert "has no per-epoch snapshots" in captions and "Retrain" in captions


def test_a_corrupt_snapshot_file_gives_a_message_not_a_traceback(models_dir):
    (models_dir / "replayed.snapshots.npz").write_bytes(b"garbage")
    app = open_training_page_on("replayed")
    assert not app.exception
    assert any("replay of **replayed** is unavailable" in warning.value for warning in app.warning)
