"""Background training jobs: the server-side manager, the worker process, the work it does and its guards."""

from mnist_cnn.jobs.manager import (CANCELLED, FAILED, FINISHED, RUNNING, JobBusyError, JobManager, JobSnapshot,
                                    JobSpec, get_job_manager)

__all__ = ["CANCELLED", "FAILED", "FINISHED", "RUNNING", "JobBusyError", "JobManager", "JobSnapshot", "JobSpec",
           "get_job_manager"]
