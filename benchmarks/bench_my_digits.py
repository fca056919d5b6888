"""My digits under load: a full collection's page runs (first and cached), and the memory a refused .npz bomb costs."""

import io
import os
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Digits the bomb's header declares: 200,000 × 784 bytes ≈ 157 MB once unpacked.
BOMB_DIGITS = 200_000
# Page reruns timed after the first run (same data: cached evaluation and export).
RERUNS = 3


def make_bomb() -> bytes:
    """A deflated .npz whose x_train holds BOMB_DIGITS digits of zeros (a few hundred KB)."""
    import numpy as np
    from numpy.lib import format as npy_format

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("x_train.npy", "w") as member:
            npy_format.write_array_header_1_0(
                member, {"descr": "|u1", "fortran_order": False, "shape": (BOMB_DIGITS, 28, 28)})
            for _ in range(BOMB_DIGITS // 1000):
                member.write(bytes(28 * 28 * 1000))
        labels = io.BytesIO()
        np.save(labels, np.zeros(BOMB_DIGITS, np.uint8))
        archive.writestr("y_train.npy", labels.getvalue())
    return buffer.getvalue()


def measure_bomb_refusal() -> dict:
    """Peak memory (MB) and seconds of refusing the bomb, and the peak np.load would have needed."""
    import numpy as np

    from mnist_cnn.my_digits.collections import MyDigitsError, read_mnist_layout

    bomb = make_bomb()
    tracemalloc.start()
    started = time.perf_counter()
    try:
        read_mnist_layout(bomb)
    except MyDigitsError:
        pass
    seconds = time.perf_counter() - started
    refused_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.reset_peak()
    with np.load(io.BytesIO(bomb), allow_pickle=False) as archive:
        archive["x_train"]
    unpacked_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"bomb_bytes": len(bomb), "refused_peak_mb": refused_peak / 2**20, "refused_seconds": seconds,
            "np_load_peak_mb": unpacked_peak / 2**20}


def measure_full_collection_page() -> dict:
    """Seconds of the My digits page's first run and of its reruns, with a full collection."""
    import numpy as np
    from streamlit.testing.v1 import AppTest

    from mnist_cnn import config
    from mnist_cnn.data.mnist import load_mnist
    from mnist_cnn.my_digits.collections import MyDigitsStore

    _, (x_test, y_test) = load_mnist()
    count = config.MAX_COLLECTION_DIGITS
    with tempfile.TemporaryDirectory() as folder:
        config.USER_DATA_DIR = Path(folder)
        buffer = io.BytesIO()
        np.savez_compressed(buffer, x_train=x_test[:count], y_train=y_test[:count])
        MyDigitsStore(Path(folder) / "my_digits.sqlite3").import_npz(buffer.getvalue(), collection="full")
        app = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=300)
        app.query_params["collection"] = "full"
        app.run()
        app.switch_page("pages/my_digits.py")
        started = time.perf_counter()
        app.run()
        first = time.perf_counter() - started
        assert not app.exception, app.exception
        reruns = []
        for _ in range(RERUNS):
            started = time.perf_counter()
            app.run()
            reruns.append(time.perf_counter() - started)
    return {"drawings": count, "first_run_seconds": first, "rerun_seconds": min(reruns)}


def main() -> None:
    """Print the figures."""
    bomb = measure_bomb_refusal()
    print(f"npz bomb ({bomb['bomb_bytes'] / 1024:.0f} KB declaring {BOMB_DIGITS:,} digits): refused in "
          f"{bomb['refused_seconds'] * 1000:.1f} ms with a peak of {bomb['refused_peak_mb']:.2f} MB "
          f"(np.load would peak at {bomb['np_load_peak_mb']:.0f} MB)")
    page = measure_full_collection_page()
    print(f"My digits with a full collection ({page['drawings']:,} drawings): first run "
          f"{page['first_run_seconds']:.2f} s, rerun {page['rerun_seconds']:.2f} s (best of {RERUNS})")


if __name__ == "__main__":
    main()
