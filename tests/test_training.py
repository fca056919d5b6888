"""Tests for the trainer: callbacks fire per batch and per epoch, and cancellation keeps nothing."""

import threading

import pytest

from mnist_cnn.training.fit import TrainingCancelled, TrainingProgress, train_model
from mnist_cnn.training.settings import TrainingSettings, validate_settings


@pytest.mark.slow
def test_one_epoch_on_a_subset_reports_batches_and_epochs(small_training_set):
    x, y = small_training_set
    batches, epochs = [], []
    progress = TrainingProgress(on_batch=lambda e, b, n, logs: batches.append((e, b, n, logs)),
                                on_epoch=lambda e, logs: epochs.append((e, logs)))
    settings = TrainingSettings(architecture="keras_example", epochs=1, batch_size=100,
                              validation_split=0.1, train_subset=1000, augment=True, steps_per_execution=1)
    result = train_model(x, y, settings, progress)
    assert [b for _, b, _, _ in batches] == list(range(1, 10))  # 900 images / 100
    assert all(n == 9 for _, _, n, _ in batches)
    assert "loss" in batches[-1][3]
    assert len(epochs) == 1 and epochs[0][0] == 1
    assert {"loss", "accuracy", "val_loss", "val_accuracy", "seconds"} <= set(epochs[0][1])
    assert len(result.history["loss"]) == 1 and len(result.epoch_seconds) == 1


@pytest.mark.slow
def test_several_batches_per_call_report_every_call_and_end_at_the_last_batch(small_training_set):
    x, y = small_training_set
    batches = []
    settings = TrainingSettings(architecture="keras_example", epochs=1, batch_size=100, validation_split=0.1,
                              train_subset=1000, steps_per_execution=4)
    train_model(x, y, settings, TrainingProgress(on_batch=lambda e, b, n, logs: batches.append((b, n))))
    assert batches == [(4, 9), (8, 9), (9, 9)]  # 9 batches in calls of 4: Keras's last call overshoots to 12


@pytest.mark.slow
def test_cancel_between_batches_raises_and_stops_early(small_training_set):
    x, y = small_training_set
    cancel = threading.Event()
    seen = []

    def on_batch(epoch, batch, batches, logs):
        seen.append(batch)
        if batch == 3:
            cancel.set()

    settings = TrainingSettings(architecture="keras_example", epochs=3, batch_size=50, train_subset=2000,
                              steps_per_execution=1)
    with pytest.raises(TrainingCancelled):
        train_model(x, y, settings, TrainingProgress(on_batch=on_batch), cancel)
    assert max(seen) <= 4  # stopped right after the batch that set the event


@pytest.mark.parametrize("change, message", [
    ({"architecture": "nope"}, "Unknown architecture"),
    ({"epochs": 0}, "Epochs"),
    ({"learning_rate": 5.0}, "Learning rate"),
    ({"validation_split": 0.9}, "validation split"),
    ({"train_subset": 3}, "subset"),
])
def test_invalid_settings_are_value_errors(change, message):
    with pytest.raises(ValueError, match=message):
        validate_settings(TrainingSettings(**change))
