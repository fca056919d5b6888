"""Snapshot benchmark: size of one epoch's snapshot and seconds it adds to an epoch, per architecture."""

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from mnist_cnn import config  # noqa: E402

# Each architecture's snapshot is taken this many times; the median is reported (the first one traces).
REPEATS = 5


def measure_snapshot_cost(architectures: list | None = None) -> dict:
    """Per architecture: bytes per epoch, median seconds per snapshot, epochs (of MAX_EPOCHS) that fit."""
    import numpy as np

    from mnist_cnn.data.mnist import load_mnist
    from mnist_cnn.model.architectures import ARCHITECTURES, build_model
    from mnist_cnn.training.snapshots import SnapshotRecorder

    _, (x_test, y_test) = load_mnist()
    images, labels = x_test[:config.SNAPSHOT_TEST_DIGITS], y_test[:config.SNAPSHOT_TEST_DIGITS]
    results = {}
    for name in architectures or list(ARCHITECTURES):
        recorder = SnapshotRecorder(images, labels)
        recorder.set_model(build_model(name))
        recorder.on_train_begin()
        seconds = []
        for epoch in range(REPEATS):
            started = time.perf_counter()
            recorder.on_epoch_end(epoch)
            seconds.append(time.perf_counter() - started)
        epoch_bytes = sum(array.nbytes for array in recorder.entries[-1][3])
        results[name] = {"bytes_per_epoch": epoch_bytes, "seconds_per_snapshot": float(np.median(seconds[1:])),
                         "epochs_that_fit": min(config.MAX_EPOCHS, config.MAX_SNAPSHOT_BYTES // epoch_bytes)}
        print(f"{name:28s} {epoch_bytes / 1024:8.0f} KiB per epoch  {results[name]['seconds_per_snapshot']:5.2f} s "
              f"per snapshot ({len(labels):,} test digits)  keeps all {config.MAX_EPOCHS} epochs: "
              f"{'yes' if epoch_bytes * config.MAX_EPOCHS <= config.MAX_SNAPSHOT_BYTES else 'no, thinned'}")
    return results


if __name__ == "__main__":
    print(f"CPU cores: {os.cpu_count()}, load average now: {os.getloadavg()[0]:.1f}")
    measure_snapshot_cost(sys.argv[1:] or None)
