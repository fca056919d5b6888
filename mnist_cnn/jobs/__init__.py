"""Background training jobs: the job board (queue), its dispatcher and engines, the worker's run, and its guards."""

from mnist_cnn.jobs.board import JobBoard, QueueLimitError
from mnist_cnn.jobs.manager import JobBusyError, JobManager, get_job_manager
from mnist_cnn.jobs.spec import CANCELLED, FAILED, FINISHED, QUEUED, RUNNING, JobSnapshot, JobSpec

__all__ = ["CANCELLED", "FAILED", "FINISHED", "QUEUED", "RUNNING", "JobBoard", "JobBusyError", "JobManager",
           "JobSnapshot", "JobSpec", "QueueLimitError", "get_job_manager"]
