"""The class's training queue: whose job is whose (this browser tab's session key), a queued job's place and
estimated start, the queue as a small table on the Training page, and Cancel for a job's owner or the teacher."""

import pandas as pd
import streamlit as st

from mnist_cnn import config
from mnist_cnn.database import DatabaseUnavailableError
from mnist_cnn.jobs import get_job_manager
from ui import limits
from ui.teacher import is_teacher


def session_owner() -> str:
    """This browser tab's identity as a job's owner (the key of its per-session limits)."""
    return limits.session_key()


def is_mine(job) -> bool:
    """Whether this browser tab started the job."""
    return job.owner == session_owner() or job.job_id in st.session_state.get("retrain_started_jobs", set())


UNREADABLE_QUEUE = ("The training queue cannot be read right now (the shared database may be restarting); it "
                    "comes back by itself.")


def read_class_jobs() -> list:
    """The class's jobs from the board (running, queued, recently ended); none, with a note, while it is
    unreachable."""
    try:
        return get_job_manager().list_jobs()
    except DatabaseUnavailableError:
        st.caption(UNREADABLE_QUEUE)
        return []


def read_session_job():
    """The job this tab should see (its own, else a running one: shown_job), or None (with a note while the board
    is unreachable)."""
    try:
        return shown_job(get_job_manager().current(owner=session_owner()))
    except DatabaseUnavailableError:
        st.caption(UNREADABLE_QUEUE)
        return None


def is_session_full(jobs: list | None = None) -> bool:
    """Whether this tab has as many jobs queued or running as it may (MAX_QUEUED_JOBS_PER_SESSION)."""
    jobs = read_class_jobs() if jobs is None else jobs
    return sum(job.is_active and is_mine(job) for job in jobs) >= config.MAX_QUEUED_JOBS_PER_SESSION


def shown_job(job):
    """The job to show this tab as "the" job: its own, or a running one; another tab's queued job is not."""
    return None if job is not None and job.is_queued and not is_mine(job) else job


def may_cancel(job) -> bool:
    """Its owner may cancel a job; the teacher (or anyone, on a server without a teacher password) any job."""
    return is_mine(job) or is_teacher()


def describe_wait(seconds: float | None) -> str:
    """An estimated wait in words: "now", "in about 3 min", or "when a slot frees" when unknown."""
    if seconds is None:
        return "when a slot frees"
    if seconds < 30:
        return "in less than a minute"
    return f"in about {max(round(seconds / 60), 1)} min"


def describe_settings(spec) -> str:
    """A short plain-text summary of a job's settings."""
    settings = spec.settings
    images = f"{settings.train_subset:,} images" if settings.train_subset else "all images"
    kind = "fine-tune " if spec.kind == "finetune" else ""
    return f"{kind}{settings.architecture} · {settings.epochs} ep · {images} · batch {settings.batch_size}"


def describe_state(job) -> str:
    """What a job is doing, in a few words."""
    if job.is_queued:
        return f"queued, starts {describe_wait(job.estimated_start_seconds)}"
    if job.is_running:
        state = "cancelling" if job.cancel_requested else job.phase
        return f"{state} · {job.overall_fraction:.0%}"
    if job.status == "finished":
        return f"finished · {job.test_accuracy:.2%}" if job.test_accuracy is not None else "finished"
    return job.status


def make_queue_table(jobs: list) -> pd.DataFrame:
    """The queue as rows: place, owner ("you" or "another student"), settings and state."""
    return pd.DataFrame([{"place": "running" if job.is_running else (f"#{job.queue_position}" if job.is_queued
                                                                      else "ended"),
                          "owner": "you" if is_mine(job) else "another student",
                          "settings": describe_settings(job.spec), "state": describe_state(job)}
                         for job in jobs], columns=["place", "owner", "settings", "state"])


def cancel_job(job_id: str) -> None:
    """Button callback: cancel a job (the button is offered to its owner and the teacher only)."""
    try:
        job = get_job_manager().get(job_id)
        if job is not None and may_cancel(job):
            get_job_manager().cancel(job_id, "Cancelled by its owner." if is_mine(job)
                                     else "Cancelled by the teacher.")
    except DatabaseUnavailableError:
        st.session_state["retrain_notice"] = ("error", UNREADABLE_QUEUE)


def show_queued_job(job, key: str) -> None:
    """A queued job of this tab: its place in the queue, its estimated start, and Cancel."""
    st.markdown(f"**Your job is queued: position {job.queue_position}**, it starts "
                f"{describe_wait(job.estimated_start_seconds)}.")
    st.caption(f"{describe_settings(job.spec)}. Up to {config.JOB_SLOTS} job{'s' if config.JOB_SLOTS != 1 else ''} "
               "run at once for the whole class; this page follows it when it starts.")
    if job.message:  # why it went back to the queue (the training cluster cannot take it yet)
        st.info(f"Waiting: {job.message}", icon=":material/hourglass_top:")
    st.button("Cancel queued job", key=f"cancel_queued_{key}", on_click=cancel_job, args=(job.job_id,),
              icon=":material/close:")


QUEUE_POLL_SECONDS = 5.0   # how often the Training page redraws the class's queue


@st.fragment(run_every=QUEUE_POLL_SECONDS)
def show_job_queue() -> None:
    """The class's queue (running, queued, recently ended), with Cancel for the jobs this tab may cancel."""
    jobs = read_class_jobs()
    active = [job for job in jobs if job.is_active]
    if not jobs:
        return
    st.markdown(f"**The class's queue** ({len(active)} waiting or running, {config.JOB_SLOTS} at a time)")
    st.dataframe(make_queue_table(jobs), hide_index=True, width="stretch", key="job_queue_table")
    for job in active:
        if may_cancel(job) and not job.cancel_requested:
            whose = "your" if is_mine(job) else "another student's"
            place = "running" if job.is_running else f"queued #{job.queue_position}"
            st.button(f"Cancel {whose} {place} job", key=f"cancel_queue_{job.job_id}", on_click=cancel_job,
                      args=(job.job_id,), icon=":material/close:", type="tertiary")
