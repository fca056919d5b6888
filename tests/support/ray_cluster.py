"""A real two-node Ray cluster for the tests (head and worker on loopback addresses, token auth on), and its faults."""

import signal
import shutil
import tempfile
import time
from pathlib import Path

from mnist_cnn.cluster.processes import stop_process_tree
from mnist_cnn.cluster.ray_nodes import RaySettings, find_free_port, pid_file, start_ray_cluster, stop_ray_cluster
from mnist_cnn.jobs.ray_connection import RayConnection, request_json

# Generous: Ray, TensorFlow and the worker start on a shared, busy machine.
WAIT_SECONDS = 180


def start_test_ray_cluster(**changes) -> tuple[RaySettings, dict]:
    """A head (127.0.0.2) and a worker node (127.0.0.3, the "trainer" resource) on free ports in a new temporary
    folder (changes: other RaySettings, e.g. head_resources): their settings and a server's environment for them."""
    folder = Path(tempfile.mkdtemp(prefix="mnist-ray-"))
    settings = RaySettings(folder=folder, port=find_free_port("127.0.0.2"),
                           dashboard_port=find_free_port("127.0.0.2"), **changes)
    return settings, start_ray_cluster(settings)


def stop_test_ray_cluster(settings: RaySettings) -> None:
    """Stop both nodes (every process they started) and remove the folder."""
    stop_ray_cluster(settings)
    shutil.rmtree(settings.folder, ignore_errors=True)


def kill_worker_node(settings: RaySettings) -> None:
    """kill -9 of the worker node: its raylet, its workers and the jobs they run, all at once."""
    stop_process_tree(pid_file(settings, "worker"), signal.SIGKILL)


def restart_worker_node(settings: RaySettings) -> None:
    """Start the worker node again after a kill (same address and resources) and wait until it has joined."""
    from mnist_cnn.cluster.ray_nodes import start_node, wait_for_nodes

    wait_for_nodes(settings, 2, start_node(settings, "worker"))


def node_ip_of_job(connection: RayConnection, job_id: str) -> str:
    """The address of the node whose driver ran (or runs) a Ray job."""
    node_id = request_json(connection, f"/api/jobs/{job_id}")["driver_node_id"]
    nodes = request_json(connection, "/api/v0/nodes?limit=1000")["data"]["result"]["result"]
    return next(node["node_ip"] for node in nodes if node["node_id"] == node_id)


def wait_until(condition, timeout: float = WAIT_SECONDS, pause: float = 0.2):
    """Call condition() until it returns something true; that value. AssertionError when it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(pause)
    raise AssertionError(f"never happened within {timeout:.0f} s: {getattr(condition, '__name__', condition)}")

