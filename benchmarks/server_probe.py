"""A server of the app seen from outside: its CPU time, when its warm-up is over, and this machine's speed."""

import asyncio
import os
import time
from pathlib import Path

REFERENCE_WORK_ITEMS = 3_000_000  # time_reference_work: a fixed pure-Python workload, timed before each class run
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def read_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (from /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14 and 15)


def count_cpu_seconds(before: float, after: float) -> float:
    """CPU seconds between two read_cpu_seconds readings, as the whole clock ticks they are (no float residue:
    a 3-tick stroke is 0.03 s exactly, so that a median of 30 ms meets a 30 ms target)."""
    return round((after - before) * CLOCK_TICKS) / CLOCK_TICKS


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of values (nan when there are none)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def wait_until_server_idle(pid: int, idle_cpu_share: float = 0.03, timeout: float = 120.0) -> float:
    """Wait until the server uses under idle_cpu_share of a core for a second (its warm-up done); seconds waited."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        before = read_cpu_seconds(pid)
        time.sleep(1.0)
        if read_cpu_seconds(pid) - before < idle_cpu_share:
            break
    return time.perf_counter() - started


async def wait_until_idle(pid: int) -> float:
    """wait_until_server_idle, without blocking the event loop."""
    return await asyncio.to_thread(wait_until_server_idle, pid)


def start_private_server(folder: Path):
    """A server of the app on a free port of 127.0.0.1 with its own model store: (process, url)."""
    from tests.support.server import copy_bundled_models, start_streamlit

    return start_streamlit(copy_bundled_models(folder / "models"), folder / "data")


def time_reference_work() -> float:
    """Seconds for a fixed pure-Python workload (like a script run's): the machine's speed beside each run.

    Machines here vary 2-3x in speed from hour to hour; a class run is comparable with another only beside this.
    """
    started = time.perf_counter()
    sum(len(str(number)) for number in range(REFERENCE_WORK_ITEMS))
    return time.perf_counter() - started


async def wait_until_warm(url: str, cookie: str = "", timeout: float = 180.0) -> None:
    """Open the page until the server has warmed its network (the Retrain panel shows then): a fresh server answers
    its first strokes with NumPy and imports TensorFlow in the background, which a measured class must not meet."""
    from benchmarks.streamlit_client import StudentSession

    session = StudentSession(url, timeout=120.0, cookie=cookie)
    await session.open()
    try:
        await session.wait_for_widget("retrain_epochs", timeout)
    finally:
        await session.close()
