"""The sidebar's Retrain panel: choose settings, start a background training job, watch it live, cancel it."""

import time
from dataclasses import replace

import streamlit as st

from mnist_cnn import config
from mnist_cnn.database import DatabaseUnavailableError
from mnist_cnn.jobs import CANCELLED, FAILED, FINISHED, JobSpec, get_job_manager
from mnist_cnn.jobs.engines import chosen_engine_name
from mnist_cnn.model.architectures import ARCHITECTURES, build_model
from mnist_cnn.model.built_network import BUILT_ARCHITECTURE
from mnist_cnn.plots.training import make_live_chart
from mnist_cnn.training.settings import LR_SCHEDULES, PANEL_SETTINGS
from ui.built_architecture import (count_built_parameters, describe_built, list_panel_architectures,
                                   offer_active_models_layers, read_built_spec)
from ui.finetune_panel import show_finetune_block, show_finetune_report
from ui.job_queue import (UNREADABLE_QUEUE, is_mine, is_session_full, read_class_jobs, read_session_job,
                          show_queued_job)
from ui.job_start import start_job_or_explain
from ui.runtime import is_streamlit_server
from ui.teacher import TEACHER_ONLY_CAPTION, is_teacher

# The panel's defaults: the quick retrain (training_settings.PANEL_SETTINGS).
QUICK_SETTINGS = PANEL_SETTINGS
PANEL_DEFAULTS = {
    "retrain_architecture": QUICK_SETTINGS.architecture,
    "retrain_epochs": QUICK_SETTINGS.epochs,
    "retrain_batch_size": QUICK_SETTINGS.batch_size,
    "retrain_learning_rate": QUICK_SETTINGS.learning_rate,
    "retrain_schedule": QUICK_SETTINGS.lr_schedule,
    "retrain_augment": QUICK_SETTINGS.augment,
    "retrain_size": "Full set",
    "retrain_subset": 5_000,
    "retrain_gpu": False,   # ask for a GPU node (offered only when jobs run on a Ray cluster)
}
BATCH_SIZES = [size for size in (8, 16, 32, 64, 128, 256, 512, 1024)
               if config.MIN_BATCH_SIZE <= size <= config.MAX_BATCH_SIZE]
LEARNING_RATES = [rate for rate in (1e-5, 3e-5, 1e-4, 3e-4, 5e-4, 1e-3, 2e-3, 3e-3, 5e-3, 1e-2, 2e-2, 5e-2)
                  if config.MIN_LEARNING_RATE <= rate <= config.MAX_LEARNING_RATE]
POLL_SECONDS = 1.0               # how often the Training page redraws a running job's progress and curves
# How often the sidebar redraws it (bars and captions only: the curves, an Altair chart per poll, are on the
# Training page). Every open session polls, so a class of 30 polling every second made 30 script runs a second:
# the session that started the job polls every SIDEBAR_POLL_SECONDS, the others every OTHERS_POLL_SECONDS.
SIDEBAR_POLL_SECONDS = 2.0
OTHERS_POLL_SECONDS = 15.0
SHOW_RESULT_SECONDS = 15 * 60    # a job that ended this recently is shown to the sessions open then


@st.cache_resource(show_spinner=False)
def count_architecture_parameters() -> dict:
    """Parameter count of every architecture (built once per server)."""
    return {name: build_model(name).count_params() for name in ARCHITECTURES}


def format_duration(seconds: float | None) -> str:
    """Seconds as m:ss (or h:mm:ss); '?' when unknown."""
    if seconds is None:
        return "?"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def describe_spec(spec: JobSpec) -> str:
    """A one-line summary of a job's settings."""
    settings = spec.settings
    images = f"{settings.train_subset:,} images" if settings.train_subset else "full training set"
    return (f"`{settings.architecture}` · {settings.epochs} epoch{'s' if settings.epochs != 1 else ''} · "
            f"{images} · batch {settings.batch_size} · lr {settings.learning_rate:g} {settings.lr_schedule}"
            f"{' · augmented' if settings.augment else ''}")


def make_active(name: str) -> None:
    """Button callback: make a stored model the session's active model (runs before the sidebar is drawn)."""
    st.session_state["active_model_name"] = name


def dismiss(job_id: str) -> None:
    """Button callback: stop showing a finished job's result in this session."""
    st.session_state["retrain_dismissed_job"] = job_id


def show_progress(job, large: bool = False) -> None:
    """Epoch and batch progress bars, elapsed time and ETA, and live loss (and accuracy) curves."""
    if job.is_running and job.epoch == 0:  # the worker is still importing TensorFlow or loading MNIST
        st.progress(0.0, text=f"{job.phase.capitalize()}… (elapsed {format_duration(job.elapsed_seconds)})")
        return
    st.progress(job.overall_fraction, text=f"Epoch {job.epoch} of {job.spec.settings.epochs} · "
                                           f"{job.overall_fraction:.0%} overall")
    batch_fraction = 1.0 if job.status == FINISHED else job.epoch_fraction
    st.progress(batch_fraction, text=f"Batch {job.batch} of {job.batches_per_epoch} · "
                                     f"{batch_fraction:.0%} of this epoch")
    if job.is_running:
        st.caption(f"{job.phase.capitalize()} · elapsed {format_duration(job.elapsed_seconds)} · "
                   f"about {format_duration(job.eta_seconds)} left")
    else:
        st.caption(f"Took {format_duration(job.elapsed_seconds)} from Start to saved model.")
    if not job.batch_trace:
        return
    if large:
        columns = st.columns(2)
        for column, metric in zip(columns, ("loss", "accuracy")):
            column.altair_chart(make_live_chart(job.batch_trace, job.history, metric, height=260),
                                width="stretch", alt=f"Live line chart of the job's {metric} per batch and epoch")
    elif job.is_running:
        st.caption("Live loss and accuracy curves, updated every second: the Training page.")
    else:
        st.altair_chart(make_live_chart(job.batch_trace, job.history, "loss", height=170,
                                        compact=True), width="stretch",
                        alt="Live line chart of the job's loss per batch and epoch")
        st.caption(":blue[training] (running mean over the epoch) · :orange[validation] (end of each epoch)")


def show_running_job(job, large: bool) -> None:
    """A running job: who runs what, its progress, and Cancel."""
    mine = is_mine(job)
    where = "your job" if mine else "started in another browser session"
    st.markdown(f"**Training in progress** ({where})")
    st.caption(describe_spec(job.spec))
    show_progress(job, large)
    if job.cancel_requested:
        st.info("Cancelling… nothing will be saved.")
    elif not (mine or is_teacher()):  # with a teacher password, only the teacher cancels someone else's job
        st.caption(f"Cancel training: {TEACHER_ONLY_CAPTION}")
    elif st.button("Cancel training", key=f"cancel_{'page' if large else 'sidebar'}", icon=":material/stop:"):
        try:
            get_job_manager().cancel(job.job_id)
        except DatabaseUnavailableError:
            st.session_state["retrain_notice"] = ("error", UNREADABLE_QUEUE)
        st.rerun(scope="fragment")


def show_live_job(large: bool) -> None:
    """Redraw the session's job (running, or queued: its place); when it ends or starts, rerun the whole app so
    the model list, the panel and the queue refresh."""
    job = read_session_job()
    shown = st.session_state.get(f"retrain_shown_{large}")
    if job is None or not job.is_active or (shown is not None and shown != (job.job_id, job.status)):
        st.session_state[f"retrain_shown_{large}"] = None
        st.rerun(scope="app")
    st.session_state[f"retrain_shown_{large}"] = (job.job_id, job.status)
    st.session_state.setdefault("retrain_watched_jobs", set()).add(job.job_id)
    if job.is_queued:
        show_queued_job(job, "page" if large else "sidebar")
    else:
        show_running_job(job, large)


@st.fragment(run_every=SIDEBAR_POLL_SECONDS)
def show_live_job_in_sidebar() -> None:
    """The sidebar's live view of the running job, for the session that started it (polls while it runs)."""
    show_live_job(large=False)


@st.fragment(run_every=OTHERS_POLL_SECONDS)
def show_others_live_job_in_sidebar() -> None:
    """The sidebar's slower view of a job another session started (polls while it runs)."""
    show_live_job(large=False)


@st.fragment(run_every=POLL_SECONDS)
def show_live_job_on_page() -> None:
    """The Training page's live view of the running job, with larger curves."""
    show_live_job(large=True)


def show_job_result(job, large: bool = False) -> None:
    """A job that has ended: its result, and what the user can do next."""
    key = "page" if large else "sidebar"
    if job.status == FINISHED:
        verb = "Fine-tuned" if job.spec.kind == "finetune" else "Trained"
        st.success(f"{verb} **{job.result_model_name}**: test accuracy **{job.test_accuracy:.2%}** "
                   f"on the 10,000 test digits.")
        show_progress(job, large)
        if job.message:
            st.caption(job.message)
        if job.spec.kind == "finetune":
            show_finetune_report(job.result_model_name)
        if st.session_state.get("active_model_name") == job.result_model_name:
            st.caption("It is the active model.")
        else:
            st.button("Make it the active model", key=f"make_active_{key}", type="primary",
                      on_click=make_active, args=(job.result_model_name,), icon=":material/check:")
    elif job.status == CANCELLED:
        st.info(f"Training was cancelled. {job.message}")
    elif job.status == FAILED:
        st.error(f"Training failed: {job.message}")
    st.button("Dismiss", key=f"dismiss_{key}", on_click=dismiss, args=(job.job_id,), type="tertiary")


def should_show_result(job) -> bool:
    """Show an ended job to the sessions that watched it, and for a while to those open when it ended (a visitor
    who arrives after it ended is not greeted by someone else's old result)."""
    if job is None or job.is_running or st.session_state.get("retrain_dismissed_job") == job.job_id:
        return False
    if job.job_id in st.session_state.get("retrain_watched_jobs", set()):
        return True
    ended_at = job.started_at + job.elapsed_seconds
    opened_at = st.session_state.get("session_opened_at", time.time())
    return opened_at <= ended_at and time.time() - ended_at < SHOW_RESULT_SECONDS


def show_job_status(large: bool = False) -> bool:
    """This session's job, else the class's running job (live; a queued one with its place), or the last job's
    result, in the current container; False if none."""
    job = read_session_job()
    st.session_state[f"retrain_shown_{large}"] = (job.job_id, job.status) if job is not None else None
    if job is not None and job.is_active:
        if large:
            show_live_job_on_page()
        elif is_mine(job):
            show_live_job_in_sidebar()
        else:
            show_others_live_job_in_sidebar()
    elif should_show_result(job):
        show_job_result(job, large)
    else:
        return False
    return True


def read_spec() -> JobSpec:
    """The JobSpec of the panel's current settings (the quick settings, changed where the panel says)."""
    state = st.session_state
    return JobSpec(replace(
        QUICK_SETTINGS, architecture=state["retrain_architecture"], epochs=int(state["retrain_epochs"]),
        batch_size=int(state["retrain_batch_size"]), learning_rate=float(state["retrain_learning_rate"]),
        lr_schedule=state["retrain_schedule"], augment=bool(state["retrain_augment"]),
        architecture_spec=read_built_spec() if state["retrain_architecture"] == BUILT_ARCHITECTURE else None,
        train_subset=int(state["retrain_subset"]) if state["retrain_size"] == "Subset" else None))


def start_job() -> None:
    """Start a job with the panel's settings; a busy server or a bad setting gets a clear message."""
    resources = {"gpu": 1} if st.session_state["retrain_gpu"] and chosen_engine_name() == "ray" else None
    job = start_job_or_explain(read_spec(), "Cannot start", resources)
    if job is not None:
        st.session_state.setdefault("retrain_started_jobs", set()).add(job.job_id)
        st.rerun(scope="app")


@st.fragment
def show_settings() -> None:
    """The settings and the Start button; changing a setting reruns only this block."""
    for key, value in PANEL_DEFAULTS.items():
        st.session_state.setdefault(key, value)
    options = list_panel_architectures()
    counts = {**count_architecture_parameters(), **count_built_parameters()}
    architecture = st.selectbox("Architecture", options, key="retrain_architecture",
                                format_func=lambda name: f"{name} ({counts[name]:,})",
                                help="Each network's name and parameter count; 'built' is yours, from the Build "
                                     "page.")
    description = describe_built() if architecture == BUILT_ARCHITECTURE else ARCHITECTURES[architecture].description
    st.caption(f"**{counts[architecture]:,} parameters.** {description}")
    offer_active_models_layers()
    st.number_input(f"Epochs (1–{config.MAX_EPOCHS})", min_value=1, max_value=config.MAX_EPOCHS,
                    step=1, key="retrain_epochs")
    st.select_slider("Batch size", BATCH_SIZES, key="retrain_batch_size")
    st.select_slider("Learning rate", LEARNING_RATES, key="retrain_learning_rate", format_func=lambda r: f"{r:g}")
    st.radio("Learning-rate schedule", list(LR_SCHEDULES), key="retrain_schedule", horizontal=True,
             help="cosine: one epoch of warm-up, then the rate decays smoothly to zero (usually more accurate).")
    st.checkbox("Augment (rotate, shift, zoom, thicken strokes)", key="retrain_augment",
                help="Slower to learn, but better on drawings that look unlike MNIST.")
    st.radio("Training images", ["Full set", "Subset"], key="retrain_size", horizontal=True,
             help=f"Full set: {config.MAX_TRAIN_SUBSET:,} images. {QUICK_SETTINGS.validation_split:.0%} "
                  "are held out for validation.")
    if st.session_state["retrain_size"] == "Subset":
        st.number_input(f"Subset size ({config.MIN_TRAIN_SUBSET:,}–{config.MAX_TRAIN_SUBSET:,})",
                        min_value=config.MIN_TRAIN_SUBSET, max_value=config.MAX_TRAIN_SUBSET, step=500,
                        key="retrain_subset")
    if chosen_engine_name() == "ray":
        st.checkbox("Train on a GPU node", key="retrain_gpu",
                    help="Jobs run on the class's Ray cluster; this one waits for a node with a GPU (refused at "
                         "once if the cluster has none).")
    jobs = read_class_jobs()
    running = sum(job.is_running for job in jobs)
    waiting, full = sum(job.is_queued for job in jobs), is_session_full(jobs)
    if st.button("Start training" if running < config.JOB_SLOTS else "Queue training", type="primary",
                 icon=":material/play_arrow:", width="stretch", key="retrain_start", disabled=full):
        start_job()
    st.divider()
    show_finetune_block(full)
    notice = st.session_state.get("retrain_notice")
    if notice:
        (st.warning if notice[0] == "warning" else st.error)(notice[1])
    st.caption(f"Up to {config.JOB_SLOTS} training job{'s' if config.JOB_SLOTS != 1 else ''} run at once for the "
               f"class ({running} running, {waiting} queued now); later starts wait in the queue, at most "
               f"{config.MAX_QUEUED_JOBS_PER_SESSION} per browser tab."
               + f" Limits: {config.MAX_EPOCHS} epochs, batch size ≤ {config.MAX_BATCH_SIZE}, "
               f"{config.MAX_JOB_SECONDS // 60} minutes per job. The trained model is evaluated on the full "
               "test set and saved to the store; the bundled default model is never overwritten.")


def show_retrain_panel() -> None:
    """The Retrain panel in the sidebar: the job's status (live while it runs) and the settings."""
    if is_streamlit_server():
        try:
            get_job_manager().ensure_dispatching()  # every server process runs queued jobs when a slot frees
        except ValueError as error:  # a job engine set up wrongly (MNIST_CNN_RAY_ADDRESS without its token)
            st.sidebar.error(f"Training jobs cannot run on this server: {error}")
    with st.sidebar:
        with st.expander("Retrain", key="retrain_expander", icon=":material/model_training:"):
            show_settings()
        show_job_status(large=False)
