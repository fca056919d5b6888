"""Training benchmarks: the quick retrain through the job code path, and seconds per epoch of each architecture."""

import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from mnist_cnn.jobs.manager import FINISHED, JobManager, JobSpec

# The target: keras_example on the full training set, >= 99.0% test accuracy within 2 minutes.
QUICK_TARGET_ACCURACY = 0.990
QUICK_TARGET_SECONDS = 120.0
# Epoch timing: train this many images for two epochs and time the second (the first includes tracing).
EPOCH_SUBSET = 6_000


def measure_quick_retrain(spec: JobSpec | None = None) -> dict:
    """Run the Retrain panel's default job (keras_example, full set) through the job manager; time it."""
    spec = spec or JobSpec()
    with tempfile.TemporaryDirectory(prefix="bench-training-") as directory:
        manager = JobManager(models_dir=Path(directory), board_location=Path(directory) / "jobs.sqlite3")
        started = time.perf_counter()
        manager.start(spec)
        first_batch_at = None
        while (snapshot := manager.current()).is_active:
            if first_batch_at is None and snapshot.batch > 0:
                first_batch_at = time.perf_counter() - started
            time.sleep(0.05)
        wall_seconds = time.perf_counter() - started
        manager.dispatcher.stop()  # before its board's folder is removed
        if snapshot.status != FINISHED:
            raise RuntimeError(f"the quick retrain ended {snapshot.status}: {snapshot.message}")
        from mnist_cnn.store.model_store import ModelStore

        metadata = ModelStore(Path(directory)).get(snapshot.result_model_name).metadata
    result = {
        "settings": spec.settings.to_dict(),
        "wall_seconds": round(wall_seconds, 1),               # Start pressed -> model saved
        "startup_seconds": round(first_batch_at or 0.0, 1),  # worker start, TensorFlow import, data loading
        "training_seconds": metadata["training_seconds"],      # model.fit, validation included
        "epoch_seconds": metadata["epoch_seconds"],
        "test_accuracy": snapshot.test_accuracy,              # the full 10,000-image test set
        "meets_target": snapshot.test_accuracy >= QUICK_TARGET_ACCURACY and wall_seconds <= QUICK_TARGET_SECONDS,
    }
    settings = spec.settings
    print(f"quick retrain ({settings.architecture}, {settings.epochs} epochs, batch {settings.batch_size}, "
          f"lr {settings.learning_rate:g} {settings.lr_schedule}, full training set): "
          f"{result['wall_seconds']:.1f} s from Start to saved model "
          f"({result['startup_seconds']:.1f} s start-up, {result['training_seconds']:.1f} s training), "
          f"test accuracy {result['test_accuracy']:.2%} -> "
          f"{'meets' if result['meets_target'] else 'MISSES'} the target of "
          f"{QUICK_TARGET_ACCURACY:.1%} within {QUICK_TARGET_SECONDS:.0f} s")
    return result


def measure_epoch_seconds(architectures: list | None = None, subset: int = EPOCH_SUBSET) -> dict:
    """Seconds per full-training-set epoch of each architecture, timed on a subset and scaled up."""
    from mnist_cnn.data.mnist import load_mnist
    from mnist_cnn.model.architectures import ARCHITECTURES
    from mnist_cnn.training.fit import train_model
    from mnist_cnn.training.settings import TrainingSettings

    (x_train, y_train), _ = load_mnist()
    full_images = JobSpec().settings.training_images()
    results = {}
    for name in architectures or list(ARCHITECTURES):
        settings = TrainingSettings(architecture=name, epochs=2, batch_size=128, train_subset=subset)
        measured = train_model(x_train, y_train, settings).epoch_seconds[-1]
        subset_images = replace(JobSpec().settings, train_subset=subset).training_images()
        results[name] = round(measured * full_images / subset_images, 1)
        print(f"{name:28s} {results[name]:6.1f} s per full epoch (measured {measured:.2f} s on "
              f"{subset_images:,} images)")
    return results


if __name__ == "__main__":
    print(f"CPU cores: {os.cpu_count()}, load average now: {os.getloadavg()[0]:.1f}")
    measure_quick_retrain()
    measure_epoch_seconds()
