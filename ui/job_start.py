"""Starting a background job from the sidebar: a busy server or a bad setting becomes the Retrain panel's notice."""

import streamlit as st

from mnist_cnn.jobs import JobBusyError, JobSnapshot, JobSpec, get_job_manager


def start_job_or_explain(spec: JobSpec, refusal: str) -> JobSnapshot | None:
    """Start the job and follow it in this session; None after the panel's notice says why it could not start."""
    try:
        job = get_job_manager().start(spec)
    except JobBusyError as error:
        st.session_state["retrain_notice"] = ("warning", str(error))
        return None
    except ValueError as error:
        st.session_state["retrain_notice"] = ("error", f"{refusal}: {error}")
        return None
    st.session_state.setdefault("retrain_watched_jobs", set()).add(job.job_id)
    st.session_state["retrain_notice"] = None
    return job
