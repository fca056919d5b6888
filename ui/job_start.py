"""Starting a background job from the sidebar: a busy server, a bad setting or too many starts become its notice."""

import streamlit as st

from mnist_cnn.jobs import JobBusyError, JobSnapshot, JobSpec, get_job_manager
from mnist_cnn.safety.rate_limit import RateLimitError
from ui import limits
from ui.teacher import is_unlocked_teacher


def start_job_or_explain(spec: JobSpec, refusal: str) -> JobSnapshot | None:
    """Start the job and follow it in this session; None after the panel's notice says why it could not start.

    A session starts at most MAX_JOB_STARTS_PER_SESSION jobs per JOB_START_WINDOW_SECONDS (a job that did not
    start is not counted); a session that unlocked the teacher password has no such limit.
    """
    counted = not is_unlocked_teacher()
    if counted:
        try:
            limits.acquire_for_session(limits.JOB_STARTS)
        except RateLimitError as error:
            st.session_state["retrain_notice"] = ("warning", f"{refusal}: {error}")
            return None
    try:
        job = get_job_manager().start(spec)
    except (JobBusyError, ValueError) as error:
        if counted:
            limits.refund_for_session(limits.JOB_STARTS)
        busy = isinstance(error, JobBusyError)
        st.session_state["retrain_notice"] = ("warning", str(error)) if busy else ("error", f"{refusal}: {error}")
        return None
    st.session_state.setdefault("retrain_watched_jobs", set()).add(job.job_id)
    st.session_state["retrain_notice"] = None
    return job
