"""The process that tries an uploaded model: on idle CPU and under a memory limit, it loads the model in Keras safe
mode, tries it on blank images, measures it on the test digits and saves it again, then reports in plain bytes."""

import json
import os
import re
import resource
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mnist_cnn.config import NUM_CLASSES
from mnist_cnn.jobs.guard import WorkerWatchdog
from mnist_cnn.jobs.worker import lower_worker_priority
from mnist_cnn.store.upload_errors import ModelExchangeError

# TensorFlow threads in the checking process (the server has two cores; the process gets idle CPU time only).
CHECK_THREADS = 2
# How many blank images the model is tried on before the test digits.
BLANK_IMAGE_COUNT = 2
# How far a row of outputs may sum away from 1 and still be probabilities.
PROBABILITY_TOLERANCE = 1e-3
# Words of the errors an allocation past the memory limit raises (Python, TensorFlow, C++, oneDNN's status 1).
OUT_OF_MEMORY_WORDS = ("ResourceExhausted", "bad_alloc", "MemoryError", "OOM when allocating", "Cannot allocate",
                       "Status: 1, message: could not create")
# Terminal colour codes (Keras puts some in its error messages).
ANSI_CODES = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class CheckLimits:
    """What the checking process may use, and whom it belongs to."""

    seconds: float          # the server kills it after this long (its own watchdog too, a little later)
    memory_bytes: int       # address space it may add once TensorFlow has started
    batch_size: int         # test digits per forward pass
    parent_pid: int         # the server: the process ends when it is gone


def find_probability_problem(outputs: np.ndarray, count: int, what: str) -> str | None:
    """Why (count, 10) outputs are not finite probabilities, or None."""
    if outputs.shape != (count, NUM_CLASSES):
        return f"The model's output on {what} has the shape {outputs.shape}, not {(count, NUM_CLASSES)}."
    if not np.all(np.isfinite(outputs)):
        return (f"The model's outputs on {what} are not finite numbers (NaN or infinity): it cannot be used. "
                "Check its weights (a diverged training gives NaN).")
    if np.any(outputs < -PROBABILITY_TOLERANCE) or not np.allclose(outputs.sum(axis=1), 1.0,
                                                                    atol=PROBABILITY_TOLERANCE):
        return f"The model's 10 outputs on {what} must be probabilities (end it with a softmax)."
    return None


def read_address_space() -> int:
    """The bytes of address space this process holds now (Linux)."""
    with open("/proc/self/statm") as status:
        return int(status.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def limit_address_space(extra_bytes: int) -> None:
    """Let this process grow by at most extra_bytes of address space: allocations past it fail (MemoryError)."""
    limit = read_address_space() + extra_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def start_tensorflow() -> None:
    """Import TensorFlow with CHECK_THREADS threads and run one operation, so its thread pools exist before the
    memory limit is set."""
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(CHECK_THREADS)
    tf.config.threading.set_inter_op_parallelism_threads(CHECK_THREADS)
    tf.reduce_sum(tf.ones((4, 4))).numpy()


def check_model_on_blanks(model) -> None:
    """Raise ModelExchangeError unless the model turns blank 28×28×1 images into 10 finite probabilities each."""
    try:
        outputs = np.asarray(model(np.zeros((BLANK_IMAGE_COUNT, 28, 28, 1), "float32"), training=False))
    except Exception as error:
        if is_out_of_memory(error):
            raise
        raise ModelExchangeError(f"The model fails on a blank image: {type(error).__name__}: "
                                 f"{remove_colour_codes(error)[:200]}") from None
    problem = find_probability_problem(outputs, BLANK_IMAGE_COUNT, "a blank image")
    if problem:
        raise ModelExchangeError(problem)


def try_model(keras_bytes: bytes, images: np.ndarray, output_path: str, batch_size: int) -> np.ndarray:
    """Load, try and measure the model, save it again at output_path; its (n, 10) test-digit probabilities."""
    from mnist_cnn.evaluation.metrics import compute_probabilities
    from mnist_cnn.store.model_store import ModelStoreError, load_keras_model

    with tempfile.TemporaryDirectory(prefix="mnist-cnn-upload-") as folder:
        path = Path(folder) / "uploaded.keras"
        path.write_bytes(keras_bytes)
        try:
            model = load_keras_model(path)
        except ModelStoreError as error:
            if error.__cause__ is not None and is_out_of_memory(error.__cause__):
                raise error.__cause__ from None
            raise ModelExchangeError(f"Keras could not load it in safe mode. {error}") from None
    check_model_on_blanks(model)
    probabilities = np.asarray(compute_probabilities(model, images, batch_size), dtype=np.float32)
    problem = find_probability_problem(probabilities, len(images), "the test digits")
    if problem:
        raise ModelExchangeError(problem)
    model.save(output_path)
    return probabilities


def remove_colour_codes(error: BaseException) -> str:
    """An error's message without the terminal colour codes Keras puts in it."""
    return ANSI_CODES.sub("", str(error))


def is_out_of_memory(error: BaseException) -> bool:
    """True for an allocation that failed: Python's MemoryError, TensorFlow's ResourceExhaustedError, bad_alloc, or
    oneDNN's status 1 (out of memory) when it cannot create a primitive."""
    text = f"{type(error).__name__} {str(error)[:4000]}"
    return isinstance(error, MemoryError) or any(word in text for word in OUT_OF_MEMORY_WORDS)


def describe_failure(error: BaseException, limits: CheckLimits) -> str:
    """The student's message for an error raised while trying the model."""
    if isinstance(error, ModelExchangeError):
        return remove_colour_codes(error)
    if is_out_of_memory(error):
        return (f"The model needs more memory than this server allows for checking an upload "
                f"({limits.memory_bytes // 2**20} MB): it was refused.")
    return f"The model failed while it was being tried: {type(error).__name__}: {remove_colour_codes(error)[:300]}"


def send_verdict(connection, verdict: dict, probabilities: np.ndarray | None = None) -> None:
    """Send the verdict as JSON bytes, then the probabilities as raw float32 bytes (nothing is pickled)."""
    verdict = {**verdict, "peak_memory_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}
    connection.send_bytes(json.dumps(verdict).encode())
    if probabilities is not None:
        connection.send_bytes(probabilities.astype("<f4").tobytes())


def check_upload_in_child(keras_bytes: bytes, images: np.ndarray, output_path: str, connection,
                          limits: CheckLimits) -> None:
    """The checking process: lower its priority, watch its server and clock, start TensorFlow, limit its memory,
    try the model and report {"status": "ok"} with the probabilities, or {"status": "refused", "message": ...}."""
    lower_worker_priority()
    WorkerWatchdog(limits.parent_pid, limits.seconds, threading.Event(), threading.Event()).start()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        start_tensorflow()
        limit_address_space(limits.memory_bytes)
        probabilities = try_model(keras_bytes, images, output_path, limits.batch_size)
    except Exception as error:  # every failure becomes a message
        send_verdict(connection, {"status": "refused", "message": describe_failure(error, limits)})
    else:
        send_verdict(connection, {"status": "ok"}, probabilities)
    connection.close()
