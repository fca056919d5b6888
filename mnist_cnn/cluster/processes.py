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
    write_pid_file(pid_file, process.pid)
    return process


def read_stat_fields(pid: int | str) -> list[str]:
    """A process's /proc/PID/stat fields after its command name: state, ppid, pgrp, session, ..., starttime (the
    20th). OSError when it is gone."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def read_start_time(pid: int) -> str | None:
    """When a process started (clock ticks after boot), or None if it is gone: with the pid, it names one
    process, even after the pid is reused."""
    try:
        return read_stat_fields(pid)[19]
    except (OSError, IndexError):
        return None


def write_pid_file(pid_file: Path, pid: int) -> None:
    """Record a process in a pid file: its pid and its start time."""
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    pid_file.write_text(f"{pid} {read_start_time(pid) or ''}".strip() + "\n")


def read_pid(pid_file: Path) -> int | None:
    """The pid recorded in a pid file, if the file exists and that very process is still alive: a stale file
    whose pid now belongs to another process (its start time differs) names nothing."""
    try:
        pid, *start_time = pid_file.read_text().split()
        pid = int(pid)
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    if start_time and read_start_time(pid) not in (None, start_time[0]):
        return None
    return pid


def is_running(pid: int) -> bool:
    """Whether a process is alive (a zombie, ours or another's, counts as ended)."""
    try:
        finished, _ = os.waitpid(pid, os.WNOHANG)
        if finished == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
        return read_stat_fields(pid)[0] != "Z"
    except (ProcessLookupError, FileNotFoundError):
        return False
    except (PermissionError, OSError, IndexError):
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


def list_process_tree(pid: int) -> list[int]:
    """A process, its descendants and the processes of its session (when it leads one): what a node started."""
    parents, sessions = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = read_stat_fields(entry.name)
        except (OSError, IndexError):
            continue
        parents.setdefault(int(fields[1]), []).append(int(entry.name))  # fields: state, ppid, pgrp, session
        sessions[int(entry.name)] = int(fields[3])
    tree = [pid]
    for parent in tree:
        tree.extend(child for child in parents.get(parent, []) if child not in tree)
    return tree + [other for other, session in sessions.items() if session == pid and other not in tree]


def signal_processes(pids: list[int], signal_number: int) -> None:
    """Send a signal to each of these processes (those already gone are skipped)."""
    for pid in pids:
        try:
            os.kill(pid, signal_number)
        except ProcessLookupError:
            pass


def wait_until_ended(pids: list[int], seconds: float) -> None:
    """Wait until none of these processes runs, at most seconds."""
    deadline = time.monotonic() + seconds
    while any(is_running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)


def stop_process_tree(pid_file: Path, signal_number: int = signal.SIGTERM) -> bool:
    """Stop the process a pid file names and everything it started: signal it and wait (it stops its own
    children), then signal what remains, then SIGKILL what still remains. Remove the file; True if a process was
    stopped. With SIGKILL, the whole tree is killed at once (as a machine's crash would)."""
    pid = read_pid(pid_file)
    pid_file.unlink(missing_ok=True)
    if pid is None:
        return False
    tree = list_process_tree(pid)
    signal_processes([pid] if signal_number != signal.SIGKILL else tree, signal_number)
    wait_until_ended([pid], STOP_SECONDS)
    for next_signal, seconds in ((signal_number, STOP_SECONDS / 3), (signal.SIGKILL, 0)):
        signal_processes([member for member in tree if is_running(member)], next_signal)
        wait_until_ended(tree, seconds)
    return True
