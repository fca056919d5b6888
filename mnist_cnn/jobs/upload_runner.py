"""The server's side of checking an uploaded model: a spawned process with limits, waited for, killed past its time,
and its reply read as plain bytes (never unpickled: the process handled an untrusted file)."""

import json
import multiprocessing
import multiprocessing.connection
import os
import threading
import time
from pathlib import Path

import numpy as np

from mnist_cnn import config
from mnist_cnn.config import NUM_CLASSES
from mnist_cnn.jobs.manager import main_module_hidden
from mnist_cnn.jobs.upload_check import CheckLimits, check_upload_in_child, find_probability_problem
from mnist_cnn.store.upload_errors import ModelExchangeError

# The checking process's verdict (JSON) is at most this many bytes; its probabilities are exactly n × 10 float32.
MAX_VERDICT_BYTES = 64 * 1024
# When the checking process's pipe closes without a verdict, how long to wait for its exit code.
EXIT_GRACE_SECONDS = 5

# The pid of the checking process now running in this server, if any (read by tests and status displays).
RUNNING_CHECK = {"pid": None}
RUNNING_CHECK_LOCK = threading.Lock()


def current_check_pid() -> int | None:
    """The pid of the process checking an upload right now, or None."""
    with RUNNING_CHECK_LOCK:
        return RUNNING_CHECK["pid"]


def read_limits() -> CheckLimits:
    """The checking process's limits, from mnist_cnn.config (read at each upload, so tests may lower them)."""
    return CheckLimits(config.MAX_UPLOAD_CHECK_SECONDS, config.MAX_UPLOAD_CHECK_MEMORY_BYTES,
                       config.UPLOAD_EVALUATION_BATCH_SIZE, os.getpid())


def describe_silent_end(exit_code: int | None, limits: CheckLimits) -> str:
    """The message for a checking process that ended without a verdict."""
    return (f"Checking the model stopped without an answer (exit code {exit_code}): most likely it needed more "
            f"memory than this server allows for an upload ({limits.memory_bytes // 2**20} MB). It was refused.")


def receive(reader, process, deadline: float, max_bytes: int, limits: CheckLimits) -> bytes:
    """The next message of the checking process, waiting until deadline; ModelExchangeError if it ran out of
    time or ended without one."""
    ready = multiprocessing.connection.wait([reader, process.sentinel], timeout=max(deadline - time.monotonic(), 0))
    if not ready:
        raise ModelExchangeError(f"Checking the model took longer than this server's limit of {limits.seconds:g} "
                                 "seconds, so it was stopped and refused. Upload a smaller or faster model.")
    try:
        return reader.recv_bytes(max_bytes)
    except (EOFError, OSError):
        process.join(EXIT_GRACE_SECONDS)
        raise ModelExchangeError(describe_silent_end(process.exitcode, limits)) from None


def read_reply(reader, process, count: int, limits: CheckLimits) -> np.ndarray:
    """The test-digit probabilities the checking process sends, or ModelExchangeError with its reason."""
    deadline = time.monotonic() + limits.seconds
    try:
        verdict = json.loads(receive(reader, process, deadline, MAX_VERDICT_BYTES, limits))
    except ValueError as error:
        if isinstance(error, ModelExchangeError):
            raise
        raise ModelExchangeError("Checking the model gave no readable answer; it was refused.") from None
    if not isinstance(verdict, dict) or verdict.get("status") != "ok":
        message = verdict.get("message") if isinstance(verdict, dict) else None
        raise ModelExchangeError(str(message or "Checking the model failed; it was refused.")[:600])
    data = receive(reader, process, deadline, count * NUM_CLASSES * 4, limits)
    if len(data) != count * NUM_CLASSES * 4:
        raise ModelExchangeError("Checking the model gave an answer of the wrong size; it was refused.")
    probabilities = np.frombuffer(data, dtype="<f4").reshape(count, NUM_CLASSES).astype(np.float32)
    problem = find_probability_problem(probabilities, count, "the test digits")
    if problem:
        raise ModelExchangeError(problem)
    return probabilities


def stop_process(process) -> None:
    """Kill the checking process if it still runs (it has answered, or its time is up) and reap it."""
    if process.is_alive():
        process.kill()
    process.join()


def run_upload_check(keras_bytes: bytes, images: np.ndarray, output_path: Path) -> np.ndarray:
    """Try an uploaded model in a separate, limited process (see mnist_cnn.jobs.upload_check) that saves it again at
    output_path; its (n, 10) probabilities on images, or ModelExchangeError saying why it was refused."""
    limits = read_limits()
    context = multiprocessing.get_context("spawn")
    reader, writer = context.Pipe(duplex=False)
    process = context.Process(target=check_upload_in_child, name="upload-check", daemon=True,
                              args=(keras_bytes, images, str(output_path), writer, limits))
    try:
        with main_module_hidden():
            process.start()
    except Exception as error:
        reader.close()
        writer.close()
        raise ModelExchangeError(f"The process that checks uploads could not start: {error}") from None
    writer.close()  # the child holds the only writer: its end is our end of file
    with RUNNING_CHECK_LOCK:
        RUNNING_CHECK["pid"] = process.pid
    try:
        return read_reply(reader, process, len(images), limits)
    finally:
        reader.close()
        stop_process(process)
        with RUNNING_CHECK_LOCK:
            RUNNING_CHECK["pid"] = None
