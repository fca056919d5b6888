"""Fine-tuning through the background job (the Retrain panel's code path): it learns the user's hand, keeps MNIST."""

import numpy as np
import pytest

from mnist_cnn.jobs.manager import FINISHED, JobManager, JobSpec
from mnist_cnn.jobs.work import make_finetune_settings
from mnist_cnn.my_digits.collections import MyDigitsStore
from mnist_cnn.store.model_store import ModelStore
from tests.support.pictures import write_in_a_personal_style
from tests.support.server import copy_bundled_models


@pytest.fixture
def my_digits_path(tmp_path, mnist):
    """A drawing database with 12 digits of each class 'written' in an unusual style."""
    _, (x_test, y_test) = mnist
    rng = np.random.default_rng(7)
    index = np.concatenate([rng.choice(np.flatnonzero(y_test == digit), 12, replace=False) for digit in range(10)])
    store = MyDigitsStore(tmp_path / "my_digits.sqlite3")
    for image, label in zip(write_in_a_personal_style(x_test[index]), y_test[index], strict=True):
        store.add(int(label), image.astype(np.float32) / 255.0, collection="class-7a")
    return store.path


@pytest.mark.slow
def test_finetuning_the_bundled_model_through_a_job_keeps_mnist_and_learns_the_hand(tmp_path, my_digits_path):
    models_dir = copy_bundled_models(tmp_path / "models")
    base = ModelStore(models_dir).get("default")
    manager = JobManager(models_dir=models_dir, board_location=tmp_path / "jobs.sqlite3")
    settings = make_finetune_settings(architecture=base.metadata["architecture"], base_model="default", epochs=2,
                                      learning_rate=1e-4, augment=True, collection="class-7a")
    manager.start(JobSpec(settings, kind="finetune", options={"user_digits_path": str(my_digits_path)}))
    finished = manager.wait(600)
    assert finished.status == FINISHED, finished.message
    metadata = ModelStore(models_dir).get(finished.result_model_name).metadata
    assert metadata["collection"] == "class-7a"  # the model is tied to the collection it learnt
    report = metadata["finetune"]
    before, after = report["before"], report["after"]
    assert report["user_digits"] == 120 and report["held_out"] == 30
    assert 0 < report["blend"] <= 1  # the share of the weight change kept to stay within the MNIST limit
    assert after["user_holdout_accuracy"] > before["user_holdout_accuracy"]
    assert after["mnist_test_accuracy"] >= before["mnist_test_accuracy"] - 0.002
    assert before["mnist_test_accuracy"] == pytest.approx(base.metadata["test_accuracy"], abs=1e-4)


def test_the_job_reads_only_its_collections_newest_drawings_up_to_the_bound(tmp_path, monkeypatch):
    from mnist_cnn import config
    from mnist_cnn.jobs.work import read_my_digits

    monkeypatch.setattr(config, "MAX_FINETUNE_DIGITS", 3)
    store = MyDigitsStore(tmp_path / "my_digits.sqlite3")
    for label in range(6):
        store.add(label, np.zeros((28, 28), np.float32), collection="anna")
    store.add(9, np.zeros((28, 28), np.float32))
    options = {"user_digits_path": str(store.path)}
    images, labels = read_my_digits(make_finetune_settings(collection="anna"), options)
    assert labels.tolist() == [3, 4, 5] and images.shape == (3, 28, 28)
    assert read_my_digits(make_finetune_settings(), options)[1].tolist() == [9]


def test_a_finetuning_job_outside_the_bounds_is_refused_when_it_starts(tmp_path):
    from mnist_cnn import config

    manager = JobManager(models_dir=tmp_path / "models", board_location=tmp_path / "jobs.sqlite3")
    settings = make_finetune_settings(base_model="default", epochs=config.MAX_FINETUNE_EPOCHS + 1)
    with pytest.raises(ValueError, match="Fine-tuning epochs"):
        manager.start(JobSpec(settings, kind="finetune", options={"user_digits_path": str(tmp_path / "my.db")}))
    assert manager.current() is None
