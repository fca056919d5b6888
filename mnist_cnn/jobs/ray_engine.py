"""The Ray engine: a claimed job from the board runs as a Ray job (Job Submission API) on a node chosen by resources.

Each board job becomes one Ray job whose submission id is the board's job id, so Ray refuses a second submission
of it (no job runs twice). Its entrypoint is `python -m mnist_cnn.jobs.board_runner JOB_ID --models DIR`, which
writes progress, heartbeats and the end to the shared database; every node has the project at the same path and
the model volume mounted where the servers have it (nothing is uploaded). A job asks for the worker nodes'
"trainer" resource, or for a GPU when its resources say so; a job no live node can run is refused with a message
instead of waiting silently.
"""

import os
import shlex
import time
from pathlib import Path

import requests

from mnist_cnn import config
from mnist_cnn.database import to_url
from mnist_cnn.jobs.board import JobBoard, default_location
from mnist_cnn.jobs.spec import LaunchLaterError
from mnist_cnn.jobs.ray_connection import (ADDRESS_VARIABLE, RayConnection, RayConnectionError,
                                           connection_from_environment, nodes_offering)

# The custom resource every worker node offers (one job at a time on each); the head offers none, so no job runs
# beside it.
TRAINER_RESOURCE = "trainer"
# The server's settings a job inherits when set (where the training data is); nothing else of the server's
# environment, so neither the cluster's token nor the teacher's password reaches a job (Ray keeps a job's
# environment in its record).
JOB_VARIABLES = ("MNIST_CNN_DATA", "MNIST_CNN_PENDIGITS")
# The phase a job shows while Ray holds it until a node with its resources is free (more slots than such nodes).
WAITING_PHASE = "waiting for a Ray node"
# A job Ray does not know is failed only once it has been claimed this long (its server submits it right after).
LAUNCH_GRACE_SECONDS = 30.0
# After Cancel, a runner that has not stopped by itself (between batches) is stopped by Ray after this long.
STOP_GRACE_SECONDS = 3.0
# How much of Ray's message about a failed job is kept as its reason.
MAX_REASON_CHARACTERS = 600
# Ray's states of a job that ended (or that Ray no longer knows), and the reason the board is given for each (a
# job that ended well has already marked its end on the board: the dispatcher's mark then changes nothing).
ENDED_REASONS = {
    "SUCCEEDED": lambda message: "Its Ray job ended without reporting its end to the job board.",
    "STOPPED": lambda message: "Stopped on the Ray cluster; nothing was saved.",
    "FAILED": lambda message: f"It failed on the Ray cluster: {shorten_reason(message)}",
    "MISSING": lambda message: "The Ray cluster no longer knows this job (was its head restarted?).",
}


class NoNodeForJobError(ValueError):
    """No live node of the Ray cluster has what a job asks for (a GPU, the trainer resource)."""


def wants_gpu(resources: dict | None) -> int:
    """How many GPUs a job's resources ask for ({"gpu": 1} or {"GPU": 1}; 0 when none)."""
    resources = resources or {}
    return int(resources.get("gpu") or resources.get("GPU") or 0)


def ray_resources(resources: dict | None) -> dict:
    """What Ray must find on one node for the job: {"GPU": n} for a GPU job, else {"trainer": 1}."""
    gpus = wants_gpu(resources)
    return {"GPU": gpus} if gpus else {TRAINER_RESOURCE: 1}


def shorten_reason(message: str) -> str:
    """Ray's message about a failed job, without its long log excerpt: the first line and the last log line."""
    lines = [line.strip() for line in (message or "").splitlines() if line.strip()]
    if not lines:
        return "The Ray job failed without a message."
    reason = lines[0] if len(lines) == 1 else f"{lines[0]} … {lines[-1]}"
    return reason[:MAX_REASON_CHARACTERS]


class RayEngine:
    """Runs board jobs on a Ray cluster: launch submits, poll reads Ray's status, stop asks Ray to stop it.

    Any server may poll or stop a Ray job (it does not live in the server that claimed it), and the runner on its
    node heartbeats the job itself: a dead node's job goes stale on the board even if Ray were slow to say so.
    """

    name = "ray"
    tied_to_runner = False
    keeps_heartbeat = False

    def __init__(self, models_dir, location=None, connection: RayConnection | None = None, python: str = "python"):
        self.connection = connection or connection_from_environment()
        if self.connection is None:
            raise ValueError(f"The Ray engine needs {ADDRESS_VARIABLE} (the head's job API address).")
        self.models_dir = str(models_dir)
        self.location = location if location is not None else default_location()
        self.database_url = to_url(self.location)
        self.board = None  # the job board, opened when a waiting job must be noted on it
        self.python = python
        self.client = None
        self.stop_asked_at: dict[str, float] = {}  # job id -> when this server first passed on its Cancel

    def get_client(self):
        """Ray's JobSubmissionClient, made on first use (it checks the cluster's version when made)."""
        if self.client is None:
            self.client = self.connection.make_client()
        return self.client

    def check_resources(self, resources: dict | None) -> None:
        """Raise NoNodeForJobError with a clear message when no live node has what a job asks for."""
        needed = ray_resources(resources)
        if nodes_offering(self.connection, needed):
            return
        if "GPU" in needed:
            raise NoNodeForJobError("This job asks for a GPU, and no node of the Ray cluster has one: start it "
                                    "without a GPU, or add a GPU node (README, 'Training on a Ray cluster').")
        raise NoNodeForJobError(f"No worker node of the Ray cluster offers the '{TRAINER_RESOURCE}' resource "
                                f"(is its worker node down?); the job cannot run now.")

    def build_entrypoint(self, job) -> str:
        """The shell command the job runs on its node."""
        return (f"{self.python} -m mnist_cnn.jobs.board_runner {shlex.quote(job.job_id)} "
                f"--models {shlex.quote(self.models_dir)}")

    def build_environment(self) -> dict:
        """The job's environment: where the training data is, the database and the model volume."""
        inherited = {name: os.environ[name] for name in JOB_VARIABLES if os.environ.get(name)}
        return {**inherited, "MNIST_CNN_DATABASE_URL": self.database_url, "MNIST_CNN_MODELS": self.models_dir,
                "MNIST_CNN_USER_DATA": str(config.USER_DATA_DIR), "PYTHONPATH": str(config.PROJECT_ROOT),
                "TF_CPP_MIN_LOG_LEVEL": "2"}

    def check_store_room(self) -> None:
        """Raise StoreFullError when the shared model store has no room for another model."""
        from mnist_cnn.store.model_store import ModelStore

        ModelStore(self.models_dir).check_room()

    def launch(self, job) -> None:
        """Submit the job to Ray under its board id (Ray refuses a second one). NoNodeForJobError when it asks for
        a GPU no node has, StoreFullError when the store is full; LaunchLaterError (back to the queue) while the
        cluster cannot be reached or no worker node is up."""
        self.check_store_room()
        try:
            self.check_resources(job.resources)
        except RayConnectionError as error:
            raise LaunchLaterError(str(error)) from error
        except NoNodeForJobError as error:
            if wants_gpu(job.resources):
                raise
            raise LaunchLaterError(str(error)) from error
        gpus = wants_gpu(job.resources)
        try:
            self.get_client().submit_job(
                entrypoint=self.build_entrypoint(job), submission_id=job.job_id,
                runtime_env={"env_vars": self.build_environment()},
                entrypoint_num_gpus=gpus or None, entrypoint_resources=None if gpus else {TRAINER_RESOURCE: 1},
                metadata={"owner": str(job.owner), "app": "mnist-cnn"})
        except Exception as error:
            self.settle_failed_submission(job, error)

    def settle_failed_submission(self, job, error: Exception) -> None:
        """After a submission failed: return when Ray holds the job anyway (the head took it, then the answer was
        lost; or an earlier try did and Ray refuses the same id), LaunchLaterError (back to the queue, where the
        same id keeps Ray from running it twice) when the head did not answer, else raise the error."""
        if isinstance(error, RuntimeError) and "already exists" in str(error):
            return
        if isinstance(error, (requests.exceptions.Timeout, requests.exceptions.ConnectionError)):
            if self.read_status(job)[0] not in ("MISSING", "UNKNOWN"):
                return
            raise LaunchLaterError(f"The Ray cluster did not answer the job's submission: {error}") from error
        raise error

    def read_status(self, job) -> tuple[str, str]:
        """Ray's status of the job ("PENDING", "RUNNING", "SUCCEEDED", ..., "UNKNOWN" while the head cannot be
        reached, "MISSING" when Ray does not know the job) and its message."""
        try:
            info = self.get_client().get_job_info(job.job_id)
        except Exception as error:  # noqa: BLE001 (down, restarting, a changed token: the heartbeat rule decides)
            return ("MISSING" if "status code 404" in str(error) else "UNKNOWN"), str(error)
        return info.status.value, info.message or ""

    def poll(self, job) -> str | None:
        """None while the job waits for its node or runs (or Ray cannot be asked); once it ended on Ray without
        marking its end on the board, or waits for a node no longer there, or was cancelled before it started:
        the reason (the dispatcher marks it failed, or cancelled when Cancel was asked)."""
        status, message = self.read_status(job)
        if status == "MISSING" and time.time() - job.started_at < LAUNCH_GRACE_SECONDS:
            return None  # just claimed: the server that claimed it may not have submitted it yet
        if status == "PENDING" and job.cancel_requested:
            self.stop_on_ray(job)  # else Ray would start it later, ahead of newer jobs
            return "Cancelled before it started."
        if status == "PENDING":
            try:
                self.check_resources(job.resources)
            except NoNodeForJobError as error:
                self.stop_on_ray(job)
                return str(error)
            except RayConnectionError:
                return None
            self.note_waiting(job)
            return None
        reason = ENDED_REASONS.get(status, lambda text: None)(message)
        if reason is not None and status != "SUCCEEDED":
            self.remove_temporary_files(job)
        return reason

    def remove_temporary_files(self, job) -> None:
        """Remove the store's temporary files of a job whose runner was killed (a save it had begun)."""
        from mnist_cnn.jobs.worker import job_temporary_tag

        for path in Path(self.models_dir).glob(f".tmp-{job_temporary_tag(job.job_id)}-*"):
            path.unlink(missing_ok=True)

    def note_waiting(self, job) -> None:
        """A job Ray holds until a node with its resources is free: say so on the board, and vouch for it (its
        runner, not started yet, cannot heartbeat)."""
        if self.board is None:
            self.board = JobBoard(self.location)
        if job.phase == WAITING_PHASE:
            self.board.heartbeat(job.job_id)
        else:
            self.board.report_phase(job.job_id, WAITING_PHASE)

    def stop(self, job) -> None:
        """Cancel was asked (called every second until the job ended). Its runner stops by itself within a batch
        when the board says cancel; after STOP_GRACE_SECONDS, unless it is saving, Ray is asked to stop it (a job
        still waiting for its node is stopped on Ray by poll, which ends it on the board)."""
        now = time.monotonic()
        asked_at = self.stop_asked_at.setdefault(job.job_id, now)
        if now - asked_at < STOP_GRACE_SECONDS or job.phase == "saving":
            return
        self.stop_on_ray(job)

    def stop_on_ray(self, job) -> None:
        """Ask Ray to stop the job (pending or running); errors ignored: the job's end is decided elsewhere."""
        try:
            self.get_client().stop_job(job.job_id)
        except Exception:  # noqa: BLE001
            pass  # unknown to Ray or the head is unreachable: poll says so, the board's heartbeat rule decides
