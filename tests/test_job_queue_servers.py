"""Two real servers on one PostgreSQL: a job started through one shows its progress and result through the other,
its model is listed by the other, and a second start through the other waits in the queue (the Streamlit
protocol, no browser)."""

import time
from concurrent.futures import ThreadPoolExecutor

import pyarrow
import pytest

from benchmarks.streamlit_client import StudentSession
from mnist_cnn.jobs.board import JobBoard
from tests.support.cluster import read_page, run_in_own_loop
from tests.support.server import copy_bundled_models, start_streamlit

WAIT_SECONDS = 240   # a job imports TensorFlow in its worker, on idle CPU of a shared machine
FIRST_JOB_EPOCHS = 8  # long enough to be running still when the other server is asked (3 took 15 s on a fast day)


class TextSession(StudentSession):
    """A protocol session that keeps the text of what it is shown: markdown, progress bars, alerts, tables."""

    def __init__(self, url: str):
        super().__init__(url, timeout=120)
        self.texts: list[str] = []
        self.tables: list = []

    def handle_delta(self, delta) -> None:
        """What StudentSession notes, and each element's text (a table as a pandas DataFrame)."""
        super().handle_delta(delta)
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind in ("markdown", "alert"):
            self.texts.append(getattr(element, kind).body)
        elif kind == "progress":
            self.texts.append(element.progress.text)
        elif kind == "dataframe":
            self.tables.append(pyarrow.ipc.open_stream(element.dataframe.arrow_data.data).read_all().to_pandas())


def read_training_page(url: str) -> TextSession:
    """Open the Training page in a new session; what it showed."""
    async def read() -> TextSession:
        session = TextSession(url)
        try:
            await session.open("training")
            if not session.tables:  # a fresh server's first run can end early, for a rerun of its own
                await session.run_and_wait()
        finally:
            await session.close()
        return session

    return run_in_own_loop(read)


def start_job_through(url: str, epochs: int) -> TextSession:
    """Press the Retrain panel's Start with `epochs` on a 5,000-image subset, in a new session; what it showed."""
    async def start() -> TextSession:
        session = TextSession(url)
        try:
            await session.open("training")
            await session.wait_for_widget("retrain_epochs", WAIT_SECONDS)  # shown once the server has warmed up
            session.set_widget("retrain_epochs", double_value=epochs)
            session.set_widget("retrain_size", string_value="Subset")  # the subset's default size: 5,000
            await session.run_and_wait()
            session.set_widget("retrain_start", trigger_value=True)
            await session.run_and_wait()  # pressed: the job is queued, and the app reruns (cut short by the rerun)
            del session.widget_states[session.widget_ids["retrain_start"]]  # pressed once only
            session.texts.clear()
            await session.run_and_wait()  # what the tab shows now
        finally:
            await session.close()
        return session

    return run_in_own_loop(start)


def wait_for(board: JobBoard, job_id: str, condition):
    """Poll the board until condition(snapshot) holds; the snapshot."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition(job := board.get(job_id)):
        assert time.monotonic() < deadline, f"timed out: {job}"
        time.sleep(0.2)
    return job


@pytest.mark.slow
def test_a_job_through_one_server_shows_on_the_other_which_queues_a_second(postgres_url, tmp_path):
    models = copy_bundled_models(tmp_path / "models")
    with ThreadPoolExecutor(2) as starting:  # both start at once
        servers = list(starting.map(lambda number: start_streamlit(models, tmp_path / f"data-{number}", {
            "MNIST_CNN_DATABASE_URL": postgres_url}), (1, 2)))
    try:
        (_, first_url), (_, second_url) = servers
        start_job_through(first_url, epochs=FIRST_JOB_EPOCHS)
        read_training_page(second_url)  # its first run loads the app (while the job's worker starts): later quick
        board = JobBoard(postgres_url)
        (first,) = board.list_jobs()
        training = wait_for(board, first.job_id, lambda job: job.batch > 0 or not job.is_active)
        assert training.is_running, training.message
        other = read_training_page(second_url)
        shown = " ".join(other.texts)
        assert "Training in progress** (started in another browser session)" in shown
        assert "Epoch " in shown and f"of {FIRST_JOB_EPOCHS}" in shown  # its progress, read from the board
        queued = " ".join(start_job_through(second_url, epochs=3).texts)
        assert "Your job is queued: position 1" in queued, (queued, board.list_jobs())
        second = next(job for job in board.list_jobs() if job.job_id != first.job_id)
        assert second.is_queued and second.owner != first.owner
        finished = wait_for(board, first.job_id, lambda job: not job.is_active)
        assert finished.status == "finished", finished.message
        table = read_training_page(second_url).tables[0]  # the class's queue, through the other server
        assert f"finished · {finished.test_accuracy:.2%}" in list(table["state"])
        models = read_page(second_url).options["Model"]  # the model trained through the first server
        assert any(option.startswith(finished.result_model_name) for option in models), models
        wait_for(board, second.job_id, lambda job: job.is_running)  # the freed slot runs the queued job
        board.request_cancel(second.job_id)
        assert wait_for(board, second.job_id, lambda job: not job.is_active).status == "cancelled"
    finally:
        for process, _ in servers:
            process.terminate()
            process.wait(timeout=30)
