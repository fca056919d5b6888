"""Starting a background job from the sidebar: a full queue, a bad setting or too many starts become its notice."""

import streamlit as st

from mnist_cnn.database import DatabaseUnavailableError
from mnist_cnn.jobs import JobSnapshot, JobSpec, QueueLimitError, get_job_manager
from mnist_cnn.safety.rate_limit import RateLimitError
from ui import limits
from ui.teacher import is_unlocked_teacher


def start_job_or_explain(spec: JobSpec, refusal: str, resources: dict | None = None) -> JobSnapshot | None:
    """Queue the job as this tab's (it starts at once if a slot is free) and follow it; None after the panel's
    notice says why it could not be queued. resources: what it asks of its node ({"gpu": 1} on a Ray cluster).

    A session starts at most MAX_JOB_STARTS_PER_SESSION jobs per JOB_START_WINDOW_SECONDS (a job that did not
    start is not counted) and has at most MAX_QUEUED_JOBS_PER_SESSION queued or running; a session that unlocked the
    teacher password has no start limit.
    """
    counted = not is_unlocked_teacher()
    if counted:
        try:
            limits.acquire_for_session(limits.JOB_STARTS)
        except RateLimitError as error:
            st.session_state["retrain_notice"] = ("warning", f"{refusal}: {error}")
            return None
    try:
        job = get_job_manager().start(spec, owner=limits.session_key(), resources=resources)
    except (ValueError, DatabaseUnavailableError) as error:  # QueueLimitError is a ValueError
        if counted:
            limits.refund_for_session(limits.JOB_STARTS)
        full = isinstance(error, QueueLimitError)
        st.session_state["retrain_notice"] = ("warning", str(error)) if full else ("error", f"{refusal}: {error}")
        return None
    st.session_state.setdefault("retrain_started_jobs", set()).add(job.job_id)
    st.session_state.setdefault("retrain_watched_jobs", set()).add(job.job_id)
    st.session_state["retrain_notice"] = None
    return job
