"""Processes the cluster starts: each with a pid file, so that `down` stops exactly those and nothing else."""

import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

# How long `down` waits for a process to end after SIGTERM before it sends SIGKILL.
STOP_SECONDS = 15
# How long a replica may take to answer its health check after its start (it imports TensorFlow).
HEALTH_TIMEOUT_SECONDS = 120


def start_logged(command: list[str], pid_file: Path, log_file: Path, env: dict, cwd: Path) -> subprocess.Popen:
    """Start a command in its own session, its output in log_file, its pid in pid_file."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    pid_file.write_text(f"{process.pid}\n")
    return process


def read_pid(pid_file: Path) -> int | None:
    """The pid recorded in a pid file, if the file exists and that process is still alive."""
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


def is_running(pid: int) -> bool:
    """Whether a process is alive (a zombie child counts as ended)."""
    try:
        finished, _ = os.waitpid(pid, os.WNOHANG)
        if finished == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def stop_pid_file(pid_file: Path) -> bool:
    """Stop the process a pid file names (SIGTERM, then SIGKILL after STOP_SECONDS) and remove the file; True if
    a process was stopped."""
    pid = read_pid(pid_file)
    pid_file.unlink(missing_ok=True)
    if pid is None:
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    while is_running(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if is_running(pid):
        os.kill(pid, signal.SIGKILL)
    return True


def wait_until_healthy(url: str, process: subprocess.Popen | None = None,
                       timeout: float = HEALTH_TIMEOUT_SECONDS) -> None:
    """Wait until a Streamlit server answers /_stcore/health; RuntimeError if it exits or takes too long."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server for {url} exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not become healthy within {timeout:.0f} s")
