"""Training jobs on a real two-node Ray cluster (head 127.0.0.2, worker 127.0.0.3, token auth on).

One cluster serves the whole module (Ray's start takes ~20 s). First the engine with plain commands (placement,
token, Ray's reasons, a GPU refused), then board jobs that train: progress through the board, Cancel, the queue,
and the worker node's kill -9; the cluster's stop comes last.
"""

import sys
import urllib.error
import urllib.request
from dataclasses import replace
from types import SimpleNamespace

import pytest

from mnist_cnn.cluster.processes import is_running, list_process_tree, read_pid
from mnist_cnn.cluster.ray_nodes import pid_file
from mnist_cnn.jobs.board import JobBoard
from mnist_cnn.jobs.ray_connection import connection_from_environment
from mnist_cnn.jobs.ray_engine import NoNodeForJobError, RayEngine
from mnist_cnn.jobs.spec import CANCELLED, FAILED, QUEUED, RUNNING, JobSpec
from tests.support.jobs import TINY_SPEC
from tests.support.ray_cluster import (dispatch_once, kill_worker_node, node_ip_of_job, start_test_ray_cluster,
                                       stop_test_ray_cluster, wait_until)
from tests.support.server import copy_bundled_models

pytestmark = pytest.mark.slow
SLEEPER = f"{sys.executable} -c 'import time; print(\"started\", flush=True); time.sleep(600)'"
PRINT_ONE = f"{sys.executable} -c 'print(1)'"


class CommandEngine(RayEngine):
    """The Ray engine running each job's own shell command instead of the board runner."""

    def build_entrypoint(self, job) -> str:
        """The job's command."""
        return job.command


def make_job(job_id: str, command: str, resources: dict | None = None, cancel_requested: bool = False):
    """What the engine reads of a board job, with the command it runs."""
    return SimpleNamespace(job_id=job_id, command=command, resources=resources or {}, owner="tester",
                           cancel_requested=cancel_requested, phase="training")


@pytest.fixture(scope="module")
def ray_cluster():
    """A running two-node cluster: (its settings, the environment a server is given to use it)."""
    settings, environment = start_test_ray_cluster()
    yield settings, environment
    stop_test_ray_cluster(settings)


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory):
    """The shared model store of this cluster (a copy of the bundled default)."""
    return copy_bundled_models(tmp_path_factory.mktemp("ray") / "models")


@pytest.fixture(scope="module")
def board(models_dir):
    """The servers' job board (a SQLite file: every node of this cluster is on this machine)."""
    return JobBoard(models_dir.parent / "jobs.sqlite3")


@pytest.fixture(scope="module")
def command_engine(ray_cluster, models_dir, board):
    """A server's Ray engine running plain commands."""
    return CommandEngine(models_dir, board.location, connection_from_environment(ray_cluster[1]))


@pytest.fixture(scope="module")
def engine(ray_cluster, models_dir, board):
    """A server's Ray engine running board jobs (python -m mnist_cnn.jobs.board_runner)."""
    return RayEngine(models_dir, board.location, connection_from_environment(ray_cluster[1]))


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


def test_the_job_api_refuses_requests_without_the_right_token(command_engine):
    url = f"{command_engine.connection.address}/api/jobs/"
    assert answer_status(url, {}) == 401
    assert answer_status(url, {"Authorization": "Bearer not-the-token"}) == 403
    assert answer_status(url, command_engine.connection.headers) == 200


def test_a_command_runs_on_the_worker_node_once_and_a_failure_keeps_rays_reason(command_engine, ray_cluster):
    job = make_job("job-once", PRINT_ONE)
    command_engine.launch(job)
    assert "without reporting its end" in wait_until(lambda: command_engine.poll(job))
    assert ray_status(command_engine, job) == "SUCCEEDED"
    assert node_ip_of_job(command_engine.connection, job.job_id) == ray_cluster[0].worker_ip
    with pytest.raises(RuntimeError, match="already exists"):
        command_engine.launch(job)
    failing = make_job("job-fails", f"{sys.executable} -c 'raise SystemExit(3)'")
    command_engine.launch(failing)
    assert "failed on the Ray cluster" in wait_until(lambda: command_engine.poll(failing))
    assert "exit code 3" in command_engine.poll(failing)


def test_a_job_waiting_for_the_node_is_cancelled_before_it_starts(command_engine):
    running = make_job("job-holds-the-node", SLEEPER)
    command_engine.launch(running)
    waiting = make_job("job-waits", PRINT_ONE)
    command_engine.launch(waiting)
    wait_until(lambda: ray_status(command_engine, running) == "RUNNING")
    assert ray_status(command_engine, waiting) == "PENDING" and command_engine.poll(waiting) is None
    assert command_engine.poll(replace_job(waiting, cancel_requested=True)) == "Cancelled before it started."
    cancelled = replace_job(running, cancel_requested=True)
    reason = wait_until(lambda: command_engine.stop(cancelled) or command_engine.poll(cancelled))
    assert reason == "Stopped on the Ray cluster; nothing was saved."
    wait_until(lambda: ray_status(command_engine, waiting) in ("SUCCEEDED", "STOPPED"))


def replace_job(job, **changes):
    """A copy of a fake job with some fields changed."""
    return SimpleNamespace(**{**vars(job), **changes})


def test_a_gpu_job_on_a_cluster_without_a_gpu_is_refused_with_a_clear_message(command_engine):
    with pytest.raises(NoNodeForJobError, match="asks for a GPU, and no node of the Ray cluster has one"):
        command_engine.launch(make_job("job-gpu", PRINT_ONE, resources={"gpu": 1}))
    assert ray_status(command_engine, make_job("job-gpu", "")) == "MISSING", "nothing was submitted"


def test_board_jobs_run_on_the_worker_show_progress_cancel_and_queue(board, engine, ray_cluster):
    long_spec = JobSpec(replace(TINY_SPEC.settings, epochs=30))
    first = board.submit(long_spec, "anna", engine="ray")
    second = board.submit(long_spec, "ben", engine="ray")
    dispatch_once(board, engine)
    assert (board.get(first).status, board.get(second).status) == (RUNNING, QUEUED)
    training = wait_until(lambda: dispatch_once(board, engine) or
                          (lambda job: job if job.batch > 0 else None)(board.get(first)))
    assert training.phase == "training" and training.batches_per_epoch == 15 and training.batch_trace
    assert node_ip_of_job(engine.connection, first) == ray_cluster[0].worker_ip
    assert board.get(second).queue_position == 1
    assert board.request_cancel(first, "Cancelled by the teacher; nothing was saved.")
    ended = wait_until(lambda: dispatch_once(board, engine) or
                       (lambda job: job if not job.is_running else None)(board.get(first)))
    assert (ended.status, ended.message) == (CANCELLED, "Cancelled by the teacher; nothing was saved.")
    wait_until(lambda: dispatch_once(board, engine) or board.get(second).batch > 0)
    assert node_ip_of_job(engine.connection, second) == ray_cluster[0].worker_ip


def test_kill_of_the_worker_node_fails_its_job_and_frees_the_slot(board, engine, ray_cluster):
    running = board.list_running(engine="ray")
    assert [job.owner for job in running] == ["ben"], "the previous test's second job trains"
    waiting = board.submit(TINY_SPEC, "carl", engine="ray")
    kill_worker_node(ray_cluster[0])
    failed = wait_until(lambda: dispatch_once(board, engine) or
                        (lambda job: job if not job.is_running else None)(board.get(running[0].job_id)))
    assert failed.status == FAILED and "node" in failed.message and "died" in failed.message
    after = wait_until(lambda: dispatch_once(board, engine) or
                       (lambda job: job if job.status != QUEUED else None)(board.get(waiting)))
    assert after.status == FAILED and "offers the 'trainer' resource" in after.message  # claimed: the slot was freed
    with pytest.raises(NoNodeForJobError):
        engine.check_resources({})


def test_stopping_the_cluster_stops_every_process_it_started(ray_cluster):
    settings, _ = ray_cluster
    started = list_process_tree(read_pid(pid_file(settings, "head")))
    assert len(started) > 3, "the head runs its GCS, raylet, dashboard and agents"
    stop_test_ray_cluster(settings)
    assert not [pid for pid in started if is_running(pid)]
