"""Replicas behind HAProxy on this machine (`python -m mnist_cnn.cluster`): what the balancer costs per stroke,
and what a second replica adds.

Three class runs on one cluster of two replicas: (1) a class drawing on replica 1 directly, (2) the same class
through HAProxy, every student pinned to replica 1 by its cookie (the balancer's cost), (3) the same class through
HAProxy with its own cookie choice (two replicas: how sessions split). Each run reports the stroke → Prediction
p95, and the CPU per stroke of the replicas, of PostgreSQL and of HAProxy.
"""

import argparse
import asyncio
import json
import shutil
import time
from collections import Counter
from pathlib import Path

from benchmarks.canvas_values import render_known_drawings
from benchmarks.server_probe import percentile, read_cpu_seconds, wait_until_warm
from benchmarks.streamlit_client import play_student
from mnist_cnn.cluster.processes import read_pid

# The class each run plays: its size, how long it draws, and the seconds over which students arrive.
STUDENTS = 60
SECONDS = 45.0
ARRIVAL_SECONDS = 10.0


def list_process_tree(pid: int) -> list[int]:
    """A process and all its descendants (PostgreSQL's backends are children of its postmaster)."""
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, queue = [], [pid]
    while queue:
        current = queue.pop()
        tree.append(current)
        queue += children.get(current, [])
    return tree


def read_tree_cpu_seconds(pid: int) -> float:
    """CPU seconds a process and its descendants have used (ended ones not counted)."""
    total = 0.0
    for member in list_process_tree(pid):
        try:
            total += read_cpu_seconds(member)
        except OSError:
            pass
    return total


def read_cluster_pids(folder: Path) -> dict:
    """The pids of the cluster's parts: replica-1, replica-2, haproxy and postgres."""
    pids = {path.stem: read_pid(path) for path in (folder / "pids").glob("*.pid")}
    pids["postgres"] = int((folder / "postgres" / "postmaster.pid").read_text().splitlines()[0])
    return pids


async def play_class(url: str, students: int, seconds: float, cookie: str = "") -> list:
    """Play a class against url (every student with cookie, if given); each student's StudentResult."""
    drawings = render_known_drawings()

    async def arrive(number: int):
        await asyncio.sleep(ARRIVAL_SECONDS * number / max(1, students))
        return await play_student(url, number, seconds, 10_000, 0, drawings, cookie=cookie)

    return await asyncio.gather(*(arrive(number) for number in range(students)))


def measure_class_run(url: str, pids: dict, students: int, seconds: float, cookie: str = "") -> dict:
    """One class run's p95, lost strokes, errors, how sessions split, and CPU ms per stroke of each part."""
    before = {name: read_tree_cpu_seconds(pid) for name, pid in pids.items()}
    results = asyncio.run(play_class(url, students, seconds, cookie))
    used = {name: read_tree_cpu_seconds(pid) - before[name] for name, pid in pids.items()}
    latencies = [value for result in results for value in result.latencies]
    strokes = len(latencies) + sum(result.lost for result in results)
    split = Counter(part.split("=", 1)[1] for result in results for part in result.cookie.split("; ")
                    if part.startswith("SERVERID="))
    return {"students": students, "strokes": strokes, "p95_ms": 1000 * percentile(latencies, 0.95),
            "lost": sum(result.lost for result in results),
            "errors": sum(len(result.errors) for result in results), "sessions_per_replica": dict(split),
            "cpu_ms_per_stroke": {name: round(1000 * seconds_used / max(1, strokes), 2)
                                  for name, seconds_used in used.items()}}


def measure_replicas(students: int = STUDENTS, seconds: float = SECONDS) -> dict:
    """Start a two-replica cluster, run the three classes, stop it: their figures."""
    from mnist_cnn.cluster.cluster import bring_down, bring_up
    from tests.support.cluster import make_cluster_settings

    settings = make_cluster_settings(replicas=2)
    bring_up(settings)
    try:
        pids = read_cluster_pids(settings.folder)
        direct = settings.replica_urls()[0]
        asyncio.run(play_class(direct, 1, 5.0))  # each replica's page warm, as after a teacher's first visit
        asyncio.run(play_class(settings.url, 1, 5.0, cookie="SERVERID=r2"))
        for cookie in ("SERVERID=r1", "SERVERID=r2"):  # and each one's network warm
            asyncio.run(wait_until_warm(settings.url, cookie=cookie))
        time.sleep(2.0)
        return {"direct": measure_class_run(direct, pids, students, seconds),
                "one_replica_via_haproxy": measure_class_run(settings.url, pids, students, seconds, "SERVERID=r1"),
                "two_replicas_via_haproxy": measure_class_run(settings.url, pids, students, seconds)}
    finally:
        bring_down(settings)
        shutil.rmtree(settings.folder, ignore_errors=True)


def describe_run(run: dict) -> str:
    """One run as a table cell."""
    cpu = run["cpu_ms_per_stroke"]
    replicas = sum(value for name, value in cpu.items() if name.startswith("replica"))
    split = ", ".join(f"{name} {count}" for name, count in sorted(run["sessions_per_replica"].items()))
    return (f"{run['students']} students: p95 {run['p95_ms']:.0f} ms, {run['lost']} lost, {run['errors']} errors; "
            f"sessions {split or 'all direct'}; CPU per stroke: replicas {replicas:.1f} ms, PostgreSQL "
            f"{cpu.get('postgres', 0):.1f} ms, HAProxy {cpu.get('haproxy', 0):.2f} ms")


def make_rows(figures: dict) -> list[tuple[str, str]]:
    """The README table's rows of measure_replicas' figures."""
    return [("Replicas: one replica, direct", describe_run(figures["direct"])),
            ("Replicas: the same replica through HAProxy", describe_run(figures["one_replica_via_haproxy"])),
            ("Replicas: 2 replicas through HAProxy (2 cores)", describe_run(figures["two_replicas_via_haproxy"]))]


def main() -> None:
    """Print the figures (and the table rows) for a class of --students drawing --seconds."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=STUDENTS)
    parser.add_argument("--seconds", type=float, default=SECONDS)
    arguments = parser.parse_args()
    figures = measure_replicas(arguments.students, arguments.seconds)
    print(json.dumps(figures, indent=2))
    for name, value in make_rows(figures):
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
