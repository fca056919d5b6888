"""Training jobs on a real two-node Ray cluster (head 127.0.0.2, worker 127.0.0.3, token auth on).

One cluster serves the whole module (Ray's start takes ~20 s). First the engine with plain commands (the token, a
GPU refused), then board jobs that train on the worker node: progress seen by another
server process, one submission per job, Cancel and the queue through another server's dispatcher (as after a
restart of the first), and the worker node's kill -9; the cluster's stop comes last.
"""

import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import replace
from types import SimpleNamespace

import pytest
from streamlit.testing.v1 import AppTest

import mnist_cnn.jobs.manager as jobs
from mnist_cnn import config
from mnist_cnn.cluster.processes import is_running, list_process_tree, read_pid
from mnist_cnn.cluster.ray_nodes import pid_file
from mnist_cnn.jobs.board import JobBoard
from mnist_cnn.jobs.dispatcher import Dispatcher
from mnist_cnn.jobs.ray_connection import connection_from_environment
from mnist_cnn.jobs.ray_engine import NoNodeForJobError, RayEngine
from mnist_cnn.jobs.spec import CANCELLED, FAILED, FINISHED, QUEUED, RUNNING, JobSpec
from tests.support.jobs import TINY_SPEC
from tests.support.ray_cluster import (kill_worker_node, node_ip_of_job, restart_worker_node,
                                       start_test_ray_cluster, stop_test_ray_cluster, wait_until)
from tests.support.server import PROJECT_ROOT, copy_bundled_models

APP_PATH = str(PROJECT_ROOT / "app.py")

pytestmark = pytest.mark.slow
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
def dispatcher(board, engine):
    """A server's dispatcher for the Ray engine, one job at a time (its rounds are run by the tests)."""
    return Dispatcher(board, {"ray": engine}, slots=1, runner="test-server")


@pytest.fixture(scope="module")
def other_server(board, models_dir, ray_cluster):
    """Another server's dispatcher (or the first one restarted): its own engine, its own name on the board."""
    engine = RayEngine(models_dir, board.location, connection_from_environment(ray_cluster[1]))
    return Dispatcher(board, {"ray": engine}, slots=1, runner="other-server")


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


def test_a_gpu_job_on_a_cluster_without_a_gpu_is_refused_with_a_clear_message(command_engine):
    with pytest.raises(NoNodeForJobError, match="asks for a GPU, and no node of the Ray cluster has one"):
        command_engine.launch(make_job("job-gpu", PRINT_ONE, resources={"gpu": 1}))
    assert ray_status(command_engine, make_job("job-gpu", "")) == "MISSING", "nothing was submitted"


def serve_from(board: JobBoard, models_dir, environment: dict, monkeypatch) -> jobs.JobManager:
    """This test process becomes a server of the cluster: its settings (the Ray address and token), its model store
    and a job manager on the board (its dispatcher runs only when a start calls it)."""
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(config, "MODELS_DIR", models_dir)
    manager = jobs.JobManager(models_dir=models_dir, board_location=board.location)
    monkeypatch.setattr(manager, "ensure_dispatching", lambda forever=True: None)
    monkeypatch.setattr(jobs, "JOB_MANAGER", manager)
    return manager


def show_sidebar_only():
    """The app's sidebar as a script of its own (model picker and Retrain panel)."""
    from ui.sidebar import show_sidebar
    from ui.state import init_session_state

    init_session_state()
    show_sidebar()


def shown_texts(app: AppTest) -> str:
    """The text of what an AppTest run shows: markdown, alerts, captions and progress bars."""
    texts = [element.value for kind in ("markdown", "error", "warning", "info", "caption")
             for element in getattr(app, kind)]
    return " ".join(texts + [bar.proto.text for bar in app.get("progress")])


def test_the_retrain_panel_asks_for_a_gpu_node_and_says_so_when_the_cluster_has_none(ray_cluster, models_dir,
                                                                                   tmp_path, monkeypatch):
    board = JobBoard(tmp_path / "gpu-jobs.sqlite3")  # its own board: the cluster's trainer slot stays free
    serve_from(board, models_dir, ray_cluster[1], monkeypatch)
    sidebar = AppTest.from_function(show_sidebar_only, default_timeout=180).run()
    sidebar.number_input(key="retrain_epochs").set_value(1)
    sidebar.checkbox(key="retrain_gpu").check()
    sidebar.button(key="retrain_start").click().run()
    assert not sidebar.exception
    (job,) = board.list_jobs()
    assert job.resources == {"gpu": 1} and job.engine == "ray"
    assert job.status == FAILED and "asks for a GPU, and no node of the Ray cluster has one" in job.message
    assert "asks for a GPU, and no node of the Ray cluster has one" in shown_texts(sidebar)


def read_queue_from_another_process(board: JobBoard) -> list[str]:
    """The class's queue as another server process reads it (what its Training page shows): one line per job."""
    script = ("import sys; from mnist_cnn.jobs.manager import JobManager\n"
              "for job in JobManager(board_location=sys.argv[1]).list_jobs():\n"
              "    print(job.owner, job.engine, job.status, job.epoch, job.batch, job.queue_position)")
    result = subprocess.run([sys.executable, "-c", script, str(board.location)], capture_output=True, text=True,
                            cwd=PROJECT_ROOT, check=True)
    return result.stdout.splitlines()


def ended(board: JobBoard, job_id: str):
    """The job's snapshot once it has ended, else None."""
    job = board.get(job_id)
    return job if not job.is_active else None


def test_board_jobs_train_on_the_worker_seen_by_every_server_cancel_and_queue(board, dispatcher, other_server,
                                                                             ray_cluster, models_dir, monkeypatch):
    long_spec = JobSpec(replace(TINY_SPEC.settings, epochs=30))
    first = board.submit(long_spec, "anna", engine="ray")
    second = board.submit(long_spec, "ben", engine="ray")
    dispatcher.tick()  # the server that claims and launches it; from now on only the other server watches
    assert (board.get(first).status, board.get(second).status) == (RUNNING, QUEUED)
    engine = dispatcher.engines["ray"]
    with pytest.raises(RuntimeError, match="already exists"):  # Ray refuses a second submission: it runs once
        engine.get_client().submit_job(entrypoint="true", submission_id=first)
    engine.launch(board.get(first))  # so a retry whose first answer was lost counts as launched, and runs nothing
    assert [job.submission_id for job in engine.get_client().list_jobs()].count(first) == 1
    training = wait_until(lambda: other_server.tick() or (lambda job: job if job.batch else None)(board.get(first)))
    assert training.phase == "training" and training.batches_per_epoch == 15 and training.batch_trace
    assert node_ip_of_job(other_server.engines["ray"].connection, first) == ray_cluster[0].worker_ip
    anna, ben = read_queue_from_another_process(board)
    assert anna.split()[:3] == ["anna", "ray", "running"] and int(anna.split()[3]) >= 1, anna  # its epoch
    assert ben == "ben ray queued 0 0 1"
    serve_from(board, models_dir, ray_cluster[1], monkeypatch)  # a replica's Training page, on the same board
    page = AppTest.from_file(APP_PATH, default_timeout=180).switch_page("pages/training.py").run()
    shown = shown_texts(page)
    assert "Training in progress** (started in another browser session)" in shown, shown
    assert "Epoch " in shown and " of 30" in shown, shown  # its progress bar, read from the board
    assert board.request_cancel(first, "Cancelled by the teacher; nothing was saved.")
    cancelled = wait_until(lambda: other_server.tick() or ended(board, first))
    assert (cancelled.status, cancelled.message) == (CANCELLED, "Cancelled by the teacher; nothing was saved.")
    wait_until(lambda: other_server.tick() or board.get(second).batch > 0)  # the queued job started in the slot
    assert node_ip_of_job(other_server.engines["ray"].connection, second) == ray_cluster[0].worker_ip


def test_kill_of_the_worker_node_fails_its_job_frees_the_slot_and_the_queue_waits(board, other_server, ray_cluster):
    running = board.list_running(engine="ray")
    assert [job.owner for job in running] == ["ben"], "the previous test's second job trains"
    waiting = board.submit(TINY_SPEC, "carl", engine="ray")
    kill_worker_node(ray_cluster[0])
    failed = wait_until(lambda: other_server.tick() or ended(board, running[0].job_id))
    assert failed.status == FAILED and "node" in failed.message and "died" in failed.message, failed.message
    assert not board.list_running(), "the slot is free"
    other_server.tick()  # claims the waiting job into the free slot: no worker node, so it goes back in its place
    still = board.get(waiting)
    assert still.status == QUEUED and still.queue_position == 1, still
    assert "offers the 'trainer' resource" in still.message, still.message
    restart_worker_node(ray_cluster[0])
    done = wait_until(lambda: other_server.tick() or ended(board, waiting))
    assert done.status == FINISHED, done.message  # the job waited, then ran once the node was back
    assert node_ip_of_job(other_server.engines["ray"].connection, waiting) == ray_cluster[0].worker_ip


def test_stopping_the_cluster_stops_every_process_it_started(ray_cluster):
    settings, _ = ray_cluster
    started = list_process_tree(read_pid(pid_file(settings, "head")))
    assert len(started) > 3, "the head runs its GCS, raylet, dashboard and agents"
    stop_test_ray_cluster(settings)
    assert not [pid for pid in started if is_running(pid)]
