"""Training jobs on a real two-node Ray cluster (head 127.0.0.2, worker 127.0.0.3, token auth on).

One cluster serves the whole module (Ray's start takes ~20 s); the worker node's kill -9 and the cluster's stop
come last.
"""

import sys
import urllib.error
import urllib.request
from types import SimpleNamespace

import pytest

from mnist_cnn.cluster.processes import is_running, list_process_tree, read_pid
from mnist_cnn.cluster.ray_nodes import pid_file
from mnist_cnn.jobs.ray_connection import connection_from_environment
from mnist_cnn.jobs.ray_engine import NoNodeForJobError, RayEngine
from tests.support.ray_cluster import (kill_worker_node, node_ip_of_job, start_test_ray_cluster,
                                       stop_test_ray_cluster, wait_until)

pytestmark = pytest.mark.slow
SLEEPER = f"{sys.executable} -c 'import time; print(\"started\", flush=True); time.sleep(600)'"


class CommandEngine(RayEngine):
    """The Ray engine running each job's own shell command instead of the board runner."""

    def build_entrypoint(self, job) -> str:
        """The job's command."""
        return job.command


def make_job(job_id: str, command: str, resources: dict | None = None, cancel_requested: bool = False):
    """What the engine reads of a board job, with the command it runs."""
    return SimpleNamespace(job_id=job_id, command=command, resources=resources or {}, owner="tester",
                           cancel_requested=cancel_requested)


@pytest.fixture(scope="module")
def ray_cluster():
    """A running two-node cluster: (its settings, the environment a server is given to use it)."""
    settings, environment = start_test_ray_cluster()
    yield settings, environment
    stop_test_ray_cluster(settings)


@pytest.fixture(scope="module")
def engine(ray_cluster, tmp_path_factory):
    """The Ray engine of a server of this cluster."""
    _, environment = ray_cluster
    return CommandEngine(connection_from_environment(environment), tmp_path_factory.mktemp("models"),
                         "sqlite:///unused.sqlite3")


def wait_for_end(engine: RayEngine, job) -> tuple[str, str]:
    """Poll the engine until it says the job ended: (status, reason)."""
    return wait_until(lambda: engine.poll(job))


def ray_status(engine: RayEngine, job) -> str:
    """Ray's own status of a job."""
    return engine.read_status(job)[0]


def answer_status(url: str, headers: dict) -> int:
    """The HTTP status the job API answers to a GET with these headers."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_job_api_refuses_requests_without_the_right_token(engine):
    url = f"{engine.connection.address}/api/jobs/"
    assert answer_status(url, {}) == 401
    assert answer_status(url, {"Authorization": "Bearer not-the-token"}) == 403
    assert answer_status(url, engine.connection.headers) == 200


def test_a_job_runs_on_the_worker_node_and_cannot_be_submitted_twice(engine, ray_cluster):
    settings, _ = ray_cluster
    job = make_job("job-once", f"{sys.executable} -c 'print(1)'")
    engine.launch(job)
    assert wait_for_end(engine, job) == ("finished", "")
    assert node_ip_of_job(engine.connection, job.job_id) == settings.worker_ip
    with pytest.raises(RuntimeError, match="already exists"):
        engine.launch(job)


def test_a_failing_job_ends_failed_with_rays_reason(engine):
    job = make_job("job-fails", f"{sys.executable} -c 'raise SystemExit(3)'")
    engine.launch(job)
    status, reason = wait_for_end(engine, job)
    assert status == "failed" and "exit code 3" in reason


def test_stop_ends_a_running_job(engine):
    job = make_job("job-stopped", SLEEPER)
    engine.launch(job)
    wait_until(lambda: ray_status(engine, job) == "RUNNING")
    engine.stop(job)
    assert wait_for_end(engine, job) == ("cancelled", "Stopped on the Ray cluster.")


def test_a_job_waiting_for_the_node_is_cancelled_before_it_starts(engine):
    running = make_job("job-holds-the-node", SLEEPER)
    engine.launch(running)
    waiting = make_job("job-waits", f"{sys.executable} -c 'print(1)'")
    engine.launch(waiting)
    assert ray_status(engine, waiting) == "PENDING" and engine.poll(waiting) is None, "one job per worker node"
    cancelled = make_job("job-waits", "", cancel_requested=True)
    assert engine.poll(cancelled) == ("cancelled", "Cancelled before it started.")
    engine.stop(running)
    wait_for_end(engine, running)


def test_a_gpu_job_on_a_cluster_without_a_gpu_is_refused_with_a_clear_message(engine):
    with pytest.raises(NoNodeForJobError, match="asks for a GPU, and no node of the Ray cluster has one"):
        engine.launch(make_job("job-gpu", f"{sys.executable} -c 'print(1)'", resources={"gpu": 1}))
    with pytest.raises(RuntimeError, match="404|does not exist"):
        engine.get_client().get_job_info("job-gpu")


def test_kill_of_the_worker_node_fails_its_job_within_seconds(engine, ray_cluster):
    settings, _ = ray_cluster
    job = make_job("job-on-a-dying-node", SLEEPER)
    engine.launch(job)
    wait_until(lambda: ray_status(engine, job) == "RUNNING")
    kill_worker_node(settings)
    status, reason = wait_for_end(engine, job)
    assert status == "failed" and "node" in reason and "died" in reason
    with pytest.raises(NoNodeForJobError, match="trainer"):
        engine.launch(make_job("job-after-the-kill", f"{sys.executable} -c 'print(1)'"))


def test_stopping_the_cluster_stops_every_process_it_started(ray_cluster):
    settings, _ = ray_cluster
    head = read_pid(pid_file(settings, "head"))
    started = list_process_tree(head)
    assert len(started) > 3, "the head runs its GCS, raylet, dashboard and agents"
    stop_test_ray_cluster(settings)
    assert not [pid for pid in started if is_running(pid)]
