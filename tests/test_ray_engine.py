"""The Ray engine's choices without a cluster: the token and address, what a job asks for, Ray's reasons."""

import socket
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest

from mnist_cnn.cluster.processes import is_running, list_process_tree, stop_process_tree
from mnist_cnn.cluster.ray_nodes import RaySettings, make_token, ray_start_command
from mnist_cnn.jobs.ray_connection import RayConnection, RayConnectionError, connection_from_environment, request_json
from mnist_cnn.jobs.ray_engine import STOP_GRACE_SECONDS, RayEngine, ray_resources, shorten_reason
from tests.support.ray_cluster import wait_until


def test_without_an_address_the_local_engine_is_used():
    assert connection_from_environment({}) is None


def test_the_token_comes_from_its_file_or_variable_and_is_required(tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("secret-from-file\n")
    from_file = connection_from_environment({"MNIST_CNN_RAY_ADDRESS": "127.0.0.2:8265",
                                             "MNIST_CNN_RAY_TOKEN_FILE": str(token_file)})
    assert from_file == RayConnection("http://127.0.0.2:8265", "secret-from-file")
    assert from_file.headers == {"Authorization": "Bearer secret-from-file"}
    from_variable = connection_from_environment({"MNIST_CNN_RAY_ADDRESS": "http://h:1/",
                                                 "MNIST_CNN_RAY_TOKEN": "secret"})
    assert from_variable == RayConnection("http://h:1", "secret")
    with pytest.raises(ValueError, match="no token"):
        connection_from_environment({"MNIST_CNN_RAY_ADDRESS": "http://h:1"})
    with pytest.raises(ValueError, match="cannot be read"):
        connection_from_environment({"MNIST_CNN_RAY_ADDRESS": "http://h:1",
                                     "MNIST_CNN_RAY_TOKEN_FILE": str(tmp_path / "missing")})


def test_an_unreachable_cluster_is_a_clear_error():
    with pytest.raises(RayConnectionError, match="cannot be reached"):
        request_json(RayConnection("http://127.0.0.1:9", "token"), "/api/v0/nodes")


def test_rays_job_client_gives_up_on_a_head_that_never_answers():
    """A head that accepts the connection but never answers (a hung process, dropped packets) costs each Ray call
    its timeout, not the minutes Ray's own client would wait."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        connection = RayConnection(f"http://127.0.0.1:{silent.getsockname()[1]}", "token")
        started = time.monotonic()
        with pytest.raises(Exception, match="(?i)timed? ?out|timeout"):
            connection.make_client(timeout=1)  # Ray's client asks for the head's version when made
        assert time.monotonic() - started < 15


def test_the_engine_needs_the_address(monkeypatch, tmp_path):
    monkeypatch.delenv("MNIST_CNN_RAY_ADDRESS", raising=False)
    with pytest.raises(ValueError, match="MNIST_CNN_RAY_ADDRESS"):
        RayEngine(tmp_path)


def test_a_job_asks_for_the_trainer_resource_or_a_gpu():
    assert ray_resources({}) == ray_resources(None) == {"trainer": 1}
    assert ray_resources({"gpu": 1}) == ray_resources({"GPU": 1}) == {"GPU": 1}


def test_rays_long_failure_message_becomes_a_short_reason():
    message = ("Job entrypoint command failed with exit code 1, last available logs (truncated to 20,000 chars):\n"
               + "Traceback (most recent call last):\n  File x\n" * 50 + "ValueError: bad settings\n")
    assert shorten_reason(message) == ("Job entrypoint command failed with exit code 1, last available logs "
                                       "(truncated to 20,000 chars): … ValueError: bad settings")
    assert shorten_reason("") == "The Ray job failed without a message."


def test_a_job_runs_the_board_runner_with_the_shared_database_and_models_but_not_the_token(monkeypatch, tmp_path):
    monkeypatch.setenv("MNIST_CNN_RAY_TOKEN", "secret")
    monkeypatch.setenv("MNIST_CNN_TEACHER_PASSWORD", "chalk")
    monkeypatch.setenv("MNIST_CNN_DATA", "/data/mnist.npz")
    engine = RayEngine(tmp_path / "my models", "postgresql+psycopg://db/x", RayConnection("http://h:1", "secret"))
    job = type("Job", (), {"job_id": "abc123", "resources": {}})()
    assert engine.build_entrypoint(job) == (f"python -m mnist_cnn.jobs.board_runner abc123 "
                                            f"--models '{tmp_path / 'my models'}'")
    environment = engine.build_environment()
    assert environment["MNIST_CNN_DATABASE_URL"] == "postgresql+psycopg://db/x"
    assert environment["MNIST_CNN_MODELS"] == str(tmp_path / "my models")
    assert environment["MNIST_CNN_DATA"] == "/data/mnist.npz"
    assert not [name for name in environment if name.startswith("MNIST_CNN_RAY") or "PASSWORD" in name]
    assert "secret" not in str(environment) and "chalk" not in str(environment)


def test_the_nodes_are_pinned_to_loopback_addresses_with_the_token_file_private(tmp_path):
    settings = RaySettings(folder=tmp_path)
    token = make_token(settings.token_path)
    assert make_token(settings.token_path) == token and len(token) == 64
    assert oct(settings.token_path.stat().st_mode & 0o777) == "0o600"
    head, worker = ray_start_command(settings, "head"), ray_start_command(settings, "worker")
    assert {"--head", "--block", "--node-ip-address=127.0.0.2", "--dashboard-host=127.0.0.2",
            "--disable-usage-stats", "--num-gpus=0"} <= set(head)
    assert {"--node-ip-address=127.0.0.3", "--address=127.0.0.2:6390", '--resources={"trainer": 1}'} <= set(worker)
    assert f"--temp-dir={tmp_path / 'ray' / 'worker'}" in worker


def test_stopping_a_node_stops_what_it_started_and_nothing_else(tmp_path):
    script = ("import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; "
              "time.sleep(60)'], start_new_session=True); time.sleep(60)")
    node = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    pid_file = tmp_path / "node.pid"
    pid_file.write_text(f"{node.pid}\n")
    try:
        tree = wait_until(lambda: (lambda found: found if len(found) == 2 else None)(list_process_tree(node.pid)))
        assert stop_process_tree(pid_file) and node.wait(timeout=30) is not None
        assert not [pid for pid in tree if is_running(pid)], "the child in a session of its own is stopped too"
        assert bystander.poll() is None, "a process it did not start keeps running"
    finally:
        bystander.kill()
        bystander.wait()


class FakeRayClient:
    """Ray's job client, answering one status for every job and noting the jobs asked to stop."""

    def __init__(self, status: str, message: str = "", error: Exception | None = None,
                 submit_error: Exception | None = None):
        self.status, self.message, self.error, self.stopped = status, message, error, []
        self.submit_error, self.submitted = submit_error, []

    def submit_job(self, submission_id: str, **settings) -> str:
        """Note the submission, then raise the submission error it was given, if any."""
        self.submitted.append(submission_id)
        if self.submit_error is not None:
            raise self.submit_error
        return submission_id

    def get_job_info(self, job_id: str):
        """The status (or the error) it was given."""
        if self.error is not None:
            raise self.error
        return SimpleNamespace(status=SimpleNamespace(value=self.status), message=self.message)

    def stop_job(self, job_id: str) -> bool:
        """Note the stop."""
        self.stopped.append(job_id)
        return True


def make_engine(tmp_path, client, nodes: list[str] | None = None, monkeypatch=None) -> RayEngine:
    """An engine talking to a fake client; the cluster's live nodes offer the job's resources when nodes is given."""
    engine = RayEngine(tmp_path, tmp_path / "jobs.sqlite3", RayConnection("http://h:1", "secret"))
    engine.client = client
    monkeypatch.setattr("mnist_cnn.jobs.ray_engine.nodes_offering", lambda connection, resources: nodes or [])
    return engine


def make_job(**changes):
    """What the engine reads of a board job."""
    return SimpleNamespace(**{"job_id": "j1", "resources": {}, "cancel_requested": False, "phase": "training",
                              "owner": "anna", "started_at": time.time() - 60, **changes})


@pytest.mark.parametrize("status, message, expected", [
    ("RUNNING", "", None),
    ("PENDING", "", None),
    ("SUCCEEDED", "", "Its Ray job ended without reporting its end to the job board."),
    ("STOPPED", "", "Stopped on the Ray cluster; nothing was saved."),
    ("FAILED", "Job supervisor actor died: ...\nThe actor died because its node has died.",
     "It failed on the Ray cluster: Job supervisor actor died: ... … The actor died because its node has died."),
])
def test_poll_says_why_a_job_ended_on_ray(status, message, expected, tmp_path, monkeypatch):
    engine = make_engine(tmp_path, FakeRayClient(status, message), nodes=["127.0.0.3"], monkeypatch=monkeypatch)
    assert engine.poll(make_job()) == expected


def test_a_killed_runners_half_written_files_are_removed_and_a_finished_ones_kept(tmp_path, monkeypatch):
    leftover = tmp_path / ".tmp-job-j1-abc.keras"
    leftover.write_bytes(b"half a model")
    assert make_engine(tmp_path, FakeRayClient("SUCCEEDED"), monkeypatch=monkeypatch).poll(make_job())
    assert leftover.exists()
    assert make_engine(tmp_path, FakeRayClient("FAILED", "killed"), monkeypatch=monkeypatch).poll(make_job())
    assert not leftover.exists()


def test_a_job_unknown_to_ray_fails_and_an_unreachable_head_leaves_it_to_the_heartbeat(tmp_path, monkeypatch):
    missing = FakeRayClient("", error=RuntimeError("Request failed with status code 404: no such job."))
    assert "no longer knows this job" in make_engine(tmp_path, missing, monkeypatch=monkeypatch).poll(make_job())
    just_claimed = make_job(started_at=time.time())  # another server claimed it and is submitting it now
    assert make_engine(tmp_path, missing, monkeypatch=monkeypatch).poll(just_claimed) is None
    down = FakeRayClient("", error=ConnectionError("refused"))
    assert make_engine(tmp_path, down, monkeypatch=monkeypatch).poll(make_job()) is None


def test_a_waiting_job_is_cancelled_at_once_or_failed_when_no_node_can_run_it(tmp_path, monkeypatch):
    client = FakeRayClient("PENDING")
    engine = make_engine(tmp_path, client, nodes=[], monkeypatch=monkeypatch)
    assert engine.poll(make_job(cancel_requested=True)) == "Cancelled before it started."
    assert client.stopped == ["j1"], "Ray is told too, or it would start the job later"
    assert "offers the 'trainer' resource" in engine.poll(make_job(job_id="j2"))
    assert "asks for a GPU" in engine.poll(make_job(job_id="j3", resources={"gpu": 1}))
    assert client.stopped == ["j1", "j2", "j3"]


def test_a_refused_token_is_an_unknown_status_not_an_error(tmp_path, monkeypatch):
    class AuthenticationError(Exception):
        """What Ray 2.60 raises for a 401 or 403 (a plain Exception)."""

    refused = FakeRayClient("", error=AuthenticationError("Authentication failed: token rejected"))
    engine = make_engine(tmp_path, refused, monkeypatch=monkeypatch)
    assert engine.read_status(make_job())[0] == "UNKNOWN" and engine.poll(make_job()) is None


def test_a_job_waits_in_the_queue_while_no_worker_is_up_but_a_gpu_job_no_node_can_run_is_refused(tmp_path,
                                                                                                monkeypatch):
    from mnist_cnn.jobs.ray_connection import RayConnectionError
    from mnist_cnn.jobs.ray_engine import NoNodeForJobError
    from mnist_cnn.jobs.spec import LaunchLaterError

    client = FakeRayClient("PENDING")
    engine = make_engine(tmp_path, client, nodes=[], monkeypatch=monkeypatch)
    with pytest.raises(LaunchLaterError, match="offers the 'trainer' resource"):
        engine.launch(make_job())
    with pytest.raises(NoNodeForJobError, match="asks for a GPU"):
        engine.launch(make_job(resources={"gpu": 1}))

    def unreachable(connection, resources):
        raise RayConnectionError("The Ray cluster at http://h:1 cannot be reached: refused")

    monkeypatch.setattr("mnist_cnn.jobs.ray_engine.nodes_offering", unreachable)
    with pytest.raises(LaunchLaterError, match="cannot be reached"):
        engine.launch(make_job())


def test_a_submission_whose_answer_is_lost_counts_when_ray_holds_the_job_and_else_goes_back_to_the_queue(
        tmp_path, monkeypatch):
    import requests

    from mnist_cnn.jobs.spec import LaunchLaterError

    def launch(client):
        make_engine(tmp_path, client, nodes=["127.0.0.3"], monkeypatch=monkeypatch).launch(make_job())
        return client.submitted

    timeout = requests.exceptions.ReadTimeout("Read timed out. (read timeout=10)")
    assert launch(FakeRayClient("RUNNING", submit_error=timeout)) == ["j1"]  # the head took it: launched
    not_there = RuntimeError("Request failed with status code 404: Job j1 does not exist.")
    with pytest.raises(LaunchLaterError, match="did not answer the job's submission"):
        launch(FakeRayClient("", error=not_there, submit_error=timeout))
    with pytest.raises(LaunchLaterError):
        launch(FakeRayClient("", error=requests.exceptions.ConnectionError("refused"),
                             submit_error=requests.exceptions.ConnectionError("reset")))
    # the next try of a job an earlier one had submitted after all: Ray refuses the id, and the job runs once
    taken = RuntimeError("Request failed with status code 400: Job with submission_id j1 already exists. "
                         "Please use a different submission_id.")
    assert launch(FakeRayClient("RUNNING", submit_error=taken)) == ["j1"]
    with pytest.raises(RuntimeError, match="status code 500"):
        launch(FakeRayClient("", submit_error=RuntimeError("Request failed with status code 500: broken.")))
    assert launch(FakeRayClient("PENDING")) == ["j1"]


def test_a_job_waiting_for_a_busy_node_says_so_and_is_kept_alive_on_the_board(tmp_path, monkeypatch):
    from mnist_cnn.jobs.board import JobBoard
    from tests.support.jobs import TINY_SPEC

    board = JobBoard(tmp_path / "jobs.sqlite3")
    board.submit(TINY_SPEC, "anna", engine="ray")
    job = board.claim_next("ray", "a-server", slots=2)
    engine = make_engine(tmp_path, FakeRayClient("PENDING"), nodes=["127.0.0.3"], monkeypatch=monkeypatch)
    monkeypatch.setattr(engine, "location", board.location)
    board.run(lambda connection: connection.exec_driver_sql("UPDATE jobs SET heartbeat_at = 0"), write=True)
    assert engine.poll(job) is None
    waiting = board.get(job.job_id)
    assert waiting.phase == "waiting for a Ray node" and board.fail_stale(15) == []
    assert engine.poll(waiting) is None and board.get(job.job_id).is_running


def test_cancel_reaches_ray_after_a_grace_and_never_while_saving(tmp_path, monkeypatch):
    client = FakeRayClient("RUNNING")
    engine = make_engine(tmp_path, client, monkeypatch=monkeypatch)
    engine.stop(make_job(cancel_requested=True))
    assert client.stopped == [], "the runner stops by itself between batches first"
    engine.stop_asked_at["j1"] -= STOP_GRACE_SECONDS
    engine.stop(make_job(cancel_requested=True, phase="saving"))
    assert client.stopped == [], "a save is never cut"
    engine.stop(make_job(cancel_requested=True))
    assert client.stopped == ["j1"]


def test_the_cluster_command_starts_ray_when_asked_and_down_stops_its_nodes(tmp_path):
    from mnist_cnn.cluster.__main__ import parse_arguments
    from mnist_cnn.cluster.cluster import ClusterSettings, bring_down, bring_up
    from mnist_cnn.cluster.ray_nodes import pid_file

    assert parse_arguments(["up", "--ray"]).ray and not parse_arguments(["up"]).ray
    settings = ClusterSettings(folder=tmp_path, ray=True, ray_dashboard_port=18265)
    assert settings.ray_settings.address == "http://127.0.0.2:18265"
    node = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
    pid_file(settings.ray_settings, "worker").parent.mkdir(parents=True)
    pid_file(settings.ray_settings, "worker").write_text(f"{node.pid}\n")
    with pytest.raises(ValueError, match="already running"):  # its Ray node counts: nothing else is started
        bring_up(settings)
    assert bring_down(settings) == ["ray-worker"] and node.wait(timeout=30) is not None
