"""Two replicas behind HAProxy sharing one PostgreSQL and one model folder (`python -m mnist_cnn.cluster`).

One cluster serves the whole module (each replica imports TensorFlow on its first page); the replica-killing test
comes last. Pages are read by the Streamlit protocol, pinned to a replica with HAProxy's cookie; uploads go
through the balancer in Chromium.
"""

import io
import os
import shutil
import signal
import threading
import urllib.request

import numpy as np
import pytest

from mnist_cnn.cluster.cluster import bring_down, bring_up
from mnist_cnn.cluster.processes import read_pid
from mnist_cnn.database import DATABASE_URL_VARIABLE
from mnist_cnn.jobs.board import JobBoard
from mnist_cnn.jobs.spec import JobSpec
from mnist_cnn.store.model_store import ModelStore
from tests.support.browser import DESKTOP_VIEWPORT, FIRST_RUN_TIMEOUT_MS
from tests.support.cluster import make_cluster_settings, read_page, run_in_own_loop

pytestmark = pytest.mark.slow
REPLICAS = ("r1", "r2")  # HAProxy's cookie values, one per replica


@pytest.fixture(scope="module")
def cluster():
    """A running cluster of two replicas: its settings (url, folder, database URL in folder/database_url)."""
    settings = make_cluster_settings(replicas=2)
    bring_up(settings)
    yield settings
    bring_down(settings)
    shutil.rmtree(settings.folder, ignore_errors=True)


def database_url(cluster) -> str:
    """The cluster's PostgreSQL URL (what every replica is given)."""
    return (cluster.folder / "database_url").read_text().strip()


def the_other(replica: str) -> str:
    """The other replica's cookie value."""
    return REPLICAS[1 - REPLICAS.index(replica)]


def make_upload(count: int) -> bytes:
    """An MNIST-layout .npz of count digits."""
    buffer = io.BytesIO()
    np.savez(buffer, x_train=np.full((count, 28, 28), 200, np.uint8), y_train=np.arange(count, dtype=np.uint8) % 10,
             x_test=np.zeros((0, 28, 28), np.uint8), y_test=np.zeros((0,), np.uint8))
    return buffer.getvalue()


@pytest.mark.browser
def test_an_upload_through_the_balancer_is_listed_by_the_other_replica(cluster, chromium):
    from playwright.sync_api import expect

    context = chromium.new_context(viewport=DESKTOP_VIEWPORT)
    page = context.new_page()
    page.goto(f"{cluster.url}/my_digits")
    uploader = page.get_by_test_id("stFileUploaderDropzoneInput")
    expect(page.get_by_text("No drawings yet")).to_be_visible(timeout=FIRST_RUN_TIMEOUT_MS)
    uploader.set_input_files({"name": "three.npz", "mimeType": "application/octet-stream",
                              "buffer": make_upload(3)})
    page.get_by_role("button", name="Add these digits").click()
    expect(page.get_by_text("Added 3 digits from three.npz")).to_be_visible()
    served_by = {cookie["name"]: cookie["value"] for cookie in context.cookies()}["SERVERID"]
    context.close()
    other = read_page(cluster.url, "my_digits", cookie=f"SERVERID={the_other(served_by)}")
    assert other.errors == [] and other.metrics["Drawings"] == "3"


def test_a_model_saved_by_one_replica_is_listed_by_both_without_a_restart(cluster, monkeypatch):
    for replica in REPLICAS:  # both have listed the models once (and cached the list)
        assert not any("shared-model" in option for option in read_page(
            cluster.url, cookie=f"SERVERID={replica}").options["Model"])
    monkeypatch.setenv(DATABASE_URL_VARIABLE, database_url(cluster))  # as a replica's training worker saves
    store = ModelStore(cluster.extra_env["MNIST_CNN_MODELS"])
    store.save(store.load("default"), dict(store.get("default").metadata), "shared-model")
    for replica in REPLICAS:
        options = read_page(cluster.url, cookie=f"SERVERID={replica}").options["Model"]
        assert any(option.startswith("shared-model") for option in options), (replica, options)


def keep_alive(board: JobBoard, job_id: str, stop: threading.Event) -> None:
    """Heartbeat a job every second until stop is set (a worker somewhere that is alive)."""
    while not stop.wait(1.0):
        board.heartbeat(job_id)


@pytest.mark.browser
def test_a_second_job_is_queued_whichever_replica_asks(cluster, chromium):
    from playwright.sync_api import expect

    board = JobBoard(database_url(cluster))
    running = board.submit(JobSpec(), "a-student-elsewhere")
    board.claim_next("local", "a-server-elsewhere", slots=1)  # a job started on some replica, taking the slot
    stop = threading.Event()
    threading.Thread(target=keep_alive, args=(board, running, stop), daemon=True).start()
    try:
        for position, replica in enumerate(REPLICAS, start=1):
            context = chromium.new_context(viewport=DESKTOP_VIEWPORT)
            context.add_cookies([{"name": "SERVERID", "value": replica, "url": cluster.url}])
            page = context.new_page()
            page.goto(cluster.url)
            sidebar = page.get_by_test_id("stSidebar")
            expect(sidebar.get_by_text("Retrain", exact=True)).to_be_visible(timeout=FIRST_RUN_TIMEOUT_MS)
            sidebar.get_by_text("Retrain", exact=True).click()
            sidebar.get_by_role("button", name="Queue training").click()
            expect(sidebar.get_by_text(f"Your job is queued: position {position}").first).to_be_visible()
            context.close()
    finally:
        for job in board.list_jobs():
            board.request_cancel(job.job_id)  # the queued jobs never start
        stop.set()
        board.mark_ended(running, "cancelled")


def test_a_killed_replica_leaves_the_class_served(cluster):
    from benchmarks.canvas_values import render_known_drawings
    from benchmarks.streamlit_client import StudentSession

    pid = read_pid(cluster.folder / "pids" / "replica-1.pid")
    os.kill(pid, signal.SIGKILL)
    for _ in range(10):  # the page and its health check still answer through the balancer
        with urllib.request.urlopen(f"{cluster.url}/_stcore/health", timeout=10) as response:
            assert response.status == 200
    expected, variants = next(iter(render_known_drawings().values()))

    async def draw_as_a_student_of_the_dead_replica():
        session = StudentSession(cluster.url, timeout=90, cookie="SERVERID=r1")
        try:
            await session.open()
            return await session.draw(variants[0]), session.errors
        finally:
            await session.close()

    (waited, shown), errors = run_in_own_loop(draw_as_a_student_of_the_dead_replica)
    assert errors == [] and waited is not None and shown.startswith(str(expected))
    reading = read_page(cluster.url, "my_digits", cookie="SERVERID=r1")  # their drawings are still there
    assert reading.metrics.get("Drawings") == "3"
