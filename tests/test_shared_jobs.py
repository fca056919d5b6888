"""The one-job rule and the model list across replicas that share a PostgreSQL database (no browser, no replicas:
two JobManagers and two stores in this process stand for two servers)."""

import os
import signal
import subprocess
import sys
import time

import pytest

from mnist_cnn.database import DATABASE_URL_VARIABLE
from mnist_cnn.database.advisory_lock import is_lock_held
from mnist_cnn.jobs.guard import JOB_LOCK_KEY, DatabaseJobLock, StoreLockedError, acquire_job_lock
from mnist_cnn.store import list_version
from mnist_cnn.store.model_store import ModelStore
from tests.support.server import PROJECT_ROOT, copy_bundled_models

# A holder of the job lock in another process, killed with SIGKILL mid-job.
HOLDER = """
import sys, time
from mnist_cnn.jobs.guard import DatabaseJobLock
lock = DatabaseJobLock.acquire(sys.argv[1])
print("held", flush=True)
time.sleep(600)
"""


@pytest.fixture
def shared_database(postgres_url, monkeypatch):
    """MNIST_CNN_DATABASE_URL set to a new PostgreSQL database, as on every replica of a cluster."""
    monkeypatch.setenv(DATABASE_URL_VARIABLE, postgres_url)
    monkeypatch.setattr(list_version, "VERSION_CACHE_SECONDS", 0.0)
    return postgres_url


def test_one_job_lock_across_servers_and_released_when_its_holder_dies(shared_database, tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, shared_database], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(StoreLockedError, match="Another training job"):
            acquire_job_lock(tmp_path / "other-models-folder")  # another server, even with another folder
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    deadline = time.monotonic() + 10
    while is_lock_held(shared_database, JOB_LOCK_KEY) and time.monotonic() < deadline:
        time.sleep(0.1)  # PostgreSQL notices the closed socket at once; the wait is only for a busy machine
    lock = acquire_job_lock(tmp_path)
    assert isinstance(lock, DatabaseJobLock)
    lock.close()
    assert not is_lock_held(shared_database, JOB_LOCK_KEY)


def test_a_model_saved_by_one_server_is_listed_by_another_at_once(shared_database, tmp_path):
    folder = copy_bundled_models(tmp_path / "models")
    one, other = ModelStore(folder), ModelStore(folder)
    assert [m.name for m in other.list_models()] == ["default"]
    version = list_version.read_list_version()
    stored = one.get("default")
    finished = folder / ".tmp-copy.keras"
    finished.write_bytes(stored.model_path.read_bytes())
    one.install(finished, dict(stored.metadata), "copy")
    assert list_version.read_list_version() == version + 1
    assert [m.name for m in other.list_models()] == ["default", "copy"]
    other.delete("copy")
    assert list_version.read_list_version() == version + 2 and [m.name for m in one.list_models()] == ["default"]
