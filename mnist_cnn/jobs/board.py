"""The job board: every training job as a row of the app's database (SQLite by default, the replicas' PostgreSQL
when MNIST_CNN_DATABASE_URL is set), so that every server process sees, queues, claims and cancels the same jobs.

A job is submitted "queued"; a dispatcher claims the oldest queued job of its engine when a slot is free (one write
transaction: two claimers never get the same job); its runner writes progress and heartbeats; anyone may ask it to
cancel; it ends "finished", "cancelled" or "failed". A running job whose heartbeat stops is failed by fail_stale.
"""

import json
import time
import uuid
from pathlib import Path

from sqlalchemy import text

from mnist_cnn import config
from mnist_cnn.database import database_location, migrate_to_latest
from mnist_cnn.database.engine import run_transaction
from mnist_cnn.jobs.queue_estimate import add_queue_estimates
from mnist_cnn.jobs.spec import (ACTIVE_STATUSES, CANCELLED, ENDED_STATUSES, FINISHED, QUEUED, RUNNING, JobSnapshot,
                                 JobSpec)

# The SQLite file of the default database (the same one as the drawings').
DATABASE_NAME = "my_digits.sqlite3"
SHOW_ENDED_SECONDS = 15 * 60       # list_jobs includes the jobs that ended this recently
KEEP_ENDED_SECONDS = 7 * 24 * 3600  # ended jobs older than this are deleted when a new job is submitted
STALE_MESSAGE = ("Its worker stopped responding (its server or node stopped, or was cut off) for {seconds:.0f} s; "
                 "nothing was saved.")
TOO_LATE_MESSAGE = "Cancel came too late: the model had already been saved."
COLUMNS = ("job_id, owner, engine, runner, status, phase, spec, resources, progress, outcome, message, submitted_at, "
           "started_at, training_started_at, heartbeat_at, cancel_requested_at, ended_at")
EMPTY_PROGRESS = {"epoch": 0, "batch": 0, "batches_per_epoch": 0, "history": {}, "batch_trace": []}


class QueueLimitError(ValueError):
    """This browser session already has as many jobs queued or running as it may."""


def default_location():
    """The app's database: MNIST_CNN_DATABASE_URL's, else the SQLite file in the user-data folder."""
    return database_location() or Path(config.USER_DATA_DIR) / DATABASE_NAME


def estimate_eta(training_started_at: float | None, epochs: int, progress: dict, now: float) -> float | None:
    """Seconds of training left for a running job, from its pace so far (None until it can be estimated)."""
    total = epochs * progress["batches_per_epoch"]
    done = (progress["epoch"] - 1) * progress["batches_per_epoch"] + progress["batch"] if progress["epoch"] else 0
    if training_started_at is None or not total or done <= 0:
        return None
    return max((now - training_started_at) * (total - done) / done, 0.0)


def make_snapshot(row, now: float) -> JobSnapshot:
    """A JobSnapshot of one row of the jobs table."""
    spec = JobSpec.from_json(row.spec)
    progress = {**EMPTY_PROGRESS, **json.loads(row.progress or "{}")}
    outcome = json.loads(row.outcome) if row.outcome else {}
    started_at = row.started_at or row.submitted_at
    end = row.ended_at if row.ended_at is not None else now
    eta = estimate_eta(row.training_started_at, spec.settings.epochs, progress, now) if row.status == RUNNING else None
    return JobSnapshot(
        job_id=row.job_id, spec=spec, status=row.status, phase=row.phase, epoch=progress["epoch"],
        batch=progress["batch"], batches_per_epoch=progress["batches_per_epoch"], history=progress["history"],
        batch_trace=progress["batch_trace"], started_at=started_at, elapsed_seconds=max(end - started_at, 0.0),
        eta_seconds=eta,
        cancel_requested=row.cancel_requested_at is not None, result_model_name=outcome.get("model_name"),
        test_accuracy=outcome.get("test_accuracy"), test_loss=outcome.get("test_loss"), message=row.message or "",
        owner=row.owner, engine=row.engine, runner=row.runner or "", resources=json.loads(row.resources or "{}"),
        submitted_at=row.submitted_at, ended_at=row.ended_at)


class JobBoard:
    """The jobs table of one database; every method is one short transaction, safe from any thread or process."""

    def __init__(self, location=None):
        self.location = location if location is not None else default_location()
        migrate_to_latest(self.location)

    def run(self, work, write: bool = False):
        """work(connection) in one transaction (writes one at a time across every process)."""
        return run_transaction(self.location, work, write=write)

    def read_rows(self, where: str, parameters: dict) -> list:
        """The rows matching a WHERE clause, oldest first."""
        query = text(f"SELECT {COLUMNS} FROM jobs WHERE {where} ORDER BY id")
        return self.run(lambda connection: connection.execute(query, parameters).all())

    def submit(self, spec: JobSpec, owner: str, engine: str = "local", resources: dict | None = None) -> str:
        """Queue a new job; its id. QueueLimitError when owner already has MAX_QUEUED_JOBS_PER_SESSION jobs
        queued or running."""
        job_id, now = uuid.uuid4().hex[:12], time.time()
        limit = config.MAX_QUEUED_JOBS_PER_SESSION

        def insert(connection) -> None:
            waiting = connection.execute(text("SELECT COUNT(*) FROM jobs WHERE owner = :owner AND status IN "
                                              "('queued', 'running')"), {"owner": owner}).scalar()
            if waiting >= limit:
                raise QueueLimitError(f"This browser tab already has {waiting} training job"
                                      f"{'s' if waiting != 1 else ''} queued or running (at most {limit}); wait "
                                      "for one to end, or cancel one, before starting another.")
            connection.execute(text("DELETE FROM jobs WHERE ended_at < :old"), {"old": now - KEEP_ENDED_SECONDS})
            connection.execute(text(
                "INSERT INTO jobs (job_id, owner, engine, status, phase, spec, resources, progress, message, "
                "submitted_at) VALUES (:job_id, :owner, :engine, 'queued', 'queued', :spec, :resources, "
                ":progress, '', :now)"),
                {"job_id": job_id, "owner": owner, "engine": engine, "spec": spec.to_json(),
                 "resources": json.dumps(resources or {}), "progress": json.dumps(EMPTY_PROGRESS), "now": now})

        self.run(insert, write=True)
        return job_id

    def claim_next(self, engine: str, runner: str, slots: int) -> JobSnapshot | None:
        """Turn the oldest queued job of engine into "running" for runner, if fewer than slots of engine's jobs
        run; None otherwise. Atomic: one job is never handed to two callers."""
        def claim(connection) -> str | None:
            running = connection.execute(text("SELECT COUNT(*) FROM jobs WHERE status = 'running' AND "
                                              "engine = :engine"), {"engine": engine}).scalar()
            if running >= slots:
                return None
            lock = " FOR UPDATE SKIP LOCKED" if connection.dialect.name == "postgresql" else ""
            row = connection.execute(text("SELECT id, job_id FROM jobs WHERE status = 'queued' AND engine = :engine "
                                          f"ORDER BY id LIMIT 1{lock}"), {"engine": engine}).first()
            if row is None:
                return None
            now = time.time()
            claimed = connection.execute(text(
                "UPDATE jobs SET status = 'running', runner = :runner, phase = 'starting', started_at = :now, "
                "heartbeat_at = :now WHERE id = :id AND status = 'queued'"),
                {"runner": runner, "now": now, "id": row.id}).rowcount
            return row.job_id if claimed == 1 else None

        job_id = self.run(claim, write=True)
        return self.get(job_id) if job_id else None

    def release(self, job_id: str, message: str = "") -> bool:
        """Put a claimed job that could not be launched back in the queue, in its place (its order is its id), with
        a note of why; False if it is no longer running."""
        return self.run(lambda connection: connection.execute(text(
            "UPDATE jobs SET status = 'queued', phase = 'queued', runner = NULL, started_at = NULL, "
            "heartbeat_at = NULL, message = :message WHERE job_id = :job_id AND status = 'running'"),
            {"job_id": job_id, "message": message}).rowcount == 1, write=True)

    def get(self, job_id: str) -> JobSnapshot | None:
        """The job's snapshot (a queued one with its queue position and estimated start), or None."""
        rows = self.read_rows("job_id = :job_id", {"job_id": job_id})
        if not rows:
            return None
        if rows[0].status == QUEUED:
            return next((job for job in self.list_jobs(ended_within=0) if job.job_id == job_id), None)
        return make_snapshot(rows[0], time.time())

    def list_jobs(self, ended_within: float = SHOW_ENDED_SECONDS, owner: str | None = None,
                  slots: int | None = None) -> list[JobSnapshot]:
        """Queued and running jobs (oldest first, each queued one with its position and estimated start with
        `slots` slots per engine), then those that ended within `ended_within` seconds (latest first);
        only owner's if given."""
        now = time.time()
        rows = self.read_rows("status IN ('queued', 'running') OR ended_at >= :since", {"since": now - ended_within})
        jobs = add_queue_estimates([make_snapshot(row, now) for row in rows], slots or config.JOB_SLOTS)
        active = [job for job in jobs if job.is_active]
        ended = sorted((job for job in jobs if not job.is_active), key=lambda job: -(job.ended_at or 0.0))
        return [job for job in active + ended if owner is None or job.owner == owner]

    def list_running(self, engine: str | None = None, runner: str | None = None) -> list[JobSnapshot]:
        """The running jobs, of one engine and runner if given."""
        now = time.time()
        rows = self.read_rows("status = 'running'", {})
        return [make_snapshot(row, now) for row in rows
                if (engine is None or row.engine == engine) and (runner is None or row.runner == runner)]

    def update_running(self, job_id: str, assignments: str, parameters: dict) -> bool:
        """Set columns of a running job (and its heartbeat); False if it is not running (it ended meanwhile)."""
        statement = text(f"UPDATE jobs SET {assignments}heartbeat_at = :now WHERE job_id = :job_id "
                         "AND status = 'running'")
        values = {**parameters, "job_id": job_id, "now": time.time()}
        return self.run(lambda connection: connection.execute(statement, values).rowcount == 1, write=True)

    def report(self, job_id: str, phase: str | None = None, progress: dict | None = None,
               training_started_at: float | None = None) -> bool:
        """Write a running job's phase and/or progress (epoch, batch, batches_per_epoch, history, batch_trace),
        with a heartbeat; False if the job is no longer running."""
        assignments, parameters = "", {}
        for name, value in (("phase", phase), ("progress", json.dumps(progress) if progress is not None else None),
                            ("training_started_at", training_started_at)):
            if value is not None:
                assignments += f"{name} = :{name}, "
                parameters[name] = value
        return self.update_running(job_id, assignments, parameters)

    def report_phase(self, job_id: str, phase: str) -> bool:
        """Write a running job's phase ("loading data", "training", "saving", ...)."""
        return self.report(job_id, phase=phase)

    def heartbeat(self, job_id: str) -> bool:
        """Note that a running job's worker is alive; False if the job is no longer running."""
        return self.update_running(job_id, "", {})

    def request_cancel(self, job_id: str, reason: str = "Cancelled; nothing was saved.") -> bool:
        """Cancel a queued job at once, or ask a running one to stop (its runner sees it); False if it had ended."""
        def cancel(connection) -> bool:
            now, parameters = time.time(), {"job_id": job_id, "reason": reason}
            if connection.execute(text("UPDATE jobs SET status = 'cancelled', phase = 'cancelled', message = "
                                       ":reason, ended_at = :now WHERE job_id = :job_id AND status = 'queued'"),
                                  {**parameters, "now": now}).rowcount:
                return True
            connection.execute(text("UPDATE jobs SET cancel_requested_at = :now, message = :reason WHERE job_id = "
                                    ":job_id AND status = 'running' AND cancel_requested_at IS NULL"),
                               {**parameters, "now": now})
            status = connection.execute(text("SELECT status FROM jobs WHERE job_id = :job_id"), parameters).scalar()
            return status == RUNNING

        return self.run(cancel, write=True)

    def is_cancel_requested(self, job_id: str) -> bool:
        """True when the job should stop: cancel was asked, or the board no longer has it running."""
        rows = self.read_rows("job_id = :job_id", {"job_id": job_id})
        return not rows or rows[0].status != RUNNING or rows[0].cancel_requested_at is not None

    def mark_ended(self, job_id: str, status: str, message: str = "", outcome: dict | None = None,
                   progress: dict | None = None) -> bool:
        """End a queued or running job (FINISHED with its outcome, CANCELLED or FAILED with a message); a cancel's
        reason is kept. False if it had already ended (the first end stands)."""
        if status not in ENDED_STATUSES:
            raise ValueError(f"A job ends {', '.join(ENDED_STATUSES)}, not {status!r}.")

        def end(connection) -> bool:
            row = connection.execute(text("SELECT status, message, cancel_requested_at FROM jobs WHERE job_id = "
                                          ":job_id"), {"job_id": job_id}).first()
            if row is None or row.status not in ACTIVE_STATUSES:
                return False
            text_message = message
            if status == CANCELLED and row.message:
                text_message = row.message
            elif status == FINISHED and row.cancel_requested_at is not None:
                text_message = TOO_LATE_MESSAGE
            progress_assignment = ", progress = :progress" if progress is not None else ""
            connection.execute(text(
                f"UPDATE jobs SET status = :status, phase = :phase, message = :message, outcome = :outcome, "
                f"ended_at = :now{progress_assignment} WHERE job_id = :job_id"),
                {"status": status, "phase": "done" if status == FINISHED else status, "message": text_message,
                 "outcome": json.dumps(outcome) if outcome else None, "now": time.time(), "job_id": job_id,
                 "progress": json.dumps(progress) if progress is not None else None})
            return True

        return self.run(end, write=True)

    def fail_stale(self, seconds: float) -> list[str]:
        """Mark failed every running job whose last sign of life is older than seconds (its worker stopped
        responding), freeing its slot; their ids."""
        def fail(connection) -> list[str]:
            now = time.time()
            stale = [row.job_id for row in connection.execute(text(
                "SELECT job_id FROM jobs WHERE status = 'running' AND COALESCE(heartbeat_at, started_at) < :before"),
                {"before": now - seconds})]
            for job_id in stale:
                connection.execute(text("UPDATE jobs SET status = 'failed', phase = 'failed', message = :message, "
                                        "ended_at = :now WHERE job_id = :job_id AND status = 'running'"),
                                   {"message": STALE_MESSAGE.format(seconds=seconds), "now": now,
                                    "job_id": job_id})
            return stale

        return self.run(fail, write=True)

    def count_active(self, owner: str | None = None) -> int:
        """How many jobs are queued or running (owner's only, if given)."""
        return sum(1 for job in self.list_jobs(ended_within=0) if owner is None or job.owner == owner)
