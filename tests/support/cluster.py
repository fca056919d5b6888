"""A cluster of replicas for the tests (PostgreSQL, two Streamlit replicas, HAProxy) and a reader of what a page
shows through it, by the Streamlit protocol (benchmarks/streamlit_client.py), pinned to a replica by its cookie."""

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
import socket
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.streamlit_client import StudentSession
from mnist_cnn.cluster.cluster import ClusterSettings
from tests.support.server import copy_bundled_models, find_free_port


def find_free_port_run(count: int) -> int:
    """The first of count consecutive free ports on 127.0.0.1."""
    while True:
        first = find_free_port()
        try:
            for port in range(first, first + count):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue


def make_cluster_settings(replicas: int = 2) -> ClusterSettings:
    """Settings for a test cluster: a new folder (readable by the postgres user), free ports, private models."""
    folder = Path(tempfile.mkdtemp(prefix="mnist-cnn-cluster-"))
    os.chmod(folder, 0o755)
    models = copy_bundled_models(folder / "models")
    return ClusterSettings(folder=folder, replicas=replicas, port=find_free_port(),
                           first_replica_port=find_free_port_run(replicas), database_port=find_free_port(),
                           extra_env={"MNIST_CNN_MODELS": str(models), "MNIST_CNN_USER_DATA": str(folder / "data")})


@dataclass
class PageReading:
    """What one run of a page showed: metrics by label, selectbox options by label, and errors."""

    metrics: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)


class ReadingSession(StudentSession):
    """A protocol session that also notes the metrics and the selectboxes' options it is sent."""

    def __init__(self, url: str, cookie: str = ""):
        super().__init__(url, timeout=90, cookie=cookie)
        self.reading = PageReading()

    def handle_delta(self, delta) -> None:
        """What StudentSession notes, and the element's metric or selectbox options."""
        super().handle_delta(delta)
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "metric":
            self.reading.metrics[element.metric.label] = element.metric.body
        elif kind == "selectbox":
            self.reading.options[element.selectbox.label] = list(element.selectbox.options)


def read_page(url: str, page: str = "", cookie: str = "") -> PageReading:
    """Open a page through url (sending cookie, e.g. "SERVERID=r2" to pick a replica behind HAProxy); what it shows."""
    async def read() -> PageReading:
        session = ReadingSession(url, cookie)
        try:
            await session.open(page)
            if not session.reading.metrics:  # a fresh server's first run can end early, for a rerun of its own
                await session.run_and_wait()
        finally:
            await session.close()
        session.reading.errors = list(session.errors)
        return session.reading

    with ThreadPoolExecutor(1) as thread:  # its own event loop, beside Playwright's in this thread
        return thread.submit(asyncio.run, read()).result()


def run_in_own_loop(coroutine_function):
    """Run a coroutine function in a new event loop in another thread (Playwright's may be running here)."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(lambda: asyncio.run(coroutine_function())).result()
