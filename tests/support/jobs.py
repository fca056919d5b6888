"""Background jobs in tests: a job small enough to run in seconds, a stuck one, and what a store folder holds."""

import time
from dataclasses import replace
from pathlib import Path

from mnist_cnn.jobs.manager import JobSpec
from mnist_cnn.training.settings import PANEL_SETTINGS

# A run small enough for a test: one epoch on 1,000 images (TensorFlow's import in the worker dominates).
TINY_SPEC = JobSpec(replace(PANEL_SETTINGS, architecture="keras_example", epochs=1, batch_size=64,
                            train_subset=1000))


def files_in(directory: Path) -> list[str]:
    """Every file name in a folder, hidden ones included, sorted."""
    return sorted(path.name for path in directory.iterdir())


# The phase a stuck worker reports before it stops looking at Cancel.
STUCK_PHASE = "stuck"


def work_that_never_checks_cancel(spec, store, reporter) -> dict:
    """A kind of work (for jobs.work.WORK_KINDS in a test) busy where it cannot see Cancel, as an import would be.

    It has begun a save first: its own temporary file lies in the store, as a killed worker's would.
    """
    from mnist_cnn.store.files import write_temporary

    write_temporary(store.directory, ".keras", lambda path: path.write_bytes(b"half a model"))
    reporter.phase(STUCK_PHASE)
    time.sleep(600)
    return {}


# The quick fake work: batches per epoch and seconds per batch (a few seconds per job, no TensorFlow).
FAKE_BATCHES = 10
FAKE_BATCH_SECONDS = 0.1


def work_that_trains_quickly(spec, store, reporter) -> dict:
    """A kind of work that reports phases, batches and epochs as training does, without TensorFlow or saving;
    it stops between batches when cancelled. Its epochs are spec.settings.epochs."""
    reporter.phase("training")
    for epoch in range(1, spec.settings.epochs + 1):
        for batch in range(1, FAKE_BATCHES + 1):
            time.sleep(FAKE_BATCH_SECONDS)
            reporter.raise_if_cancelled()
            reporter.on_batch(epoch, batch, FAKE_BATCHES, {"loss": 1.0 / batch, "accuracy": batch / FAKE_BATCHES})
        reporter.on_epoch(epoch, {"loss": 0.5, "accuracy": 0.8, "seconds": FAKE_BATCHES * FAKE_BATCH_SECONDS})
    return {"model_name": f"fake-{spec.settings.epochs}-epochs", "test_accuracy": 0.8, "test_loss": 0.5}


def work_that_fails(spec, store, reporter) -> dict:
    """A kind of work that fails while loading its data."""
    reporter.phase("loading data")
    raise ValueError("The data could not be read.")
