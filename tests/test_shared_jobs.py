"""The model list across replicas that share a PostgreSQL database (no browser, no replicas: two stores in this
process stand for two servers). The job queue across servers: tests/test_job_board.py and tests/test_job_guard.py."""

import pytest

from mnist_cnn.database import DATABASE_URL_VARIABLE
from mnist_cnn.store import list_version
from mnist_cnn.store.model_store import ModelStore
from tests.support.server import copy_bundled_models


@pytest.fixture
def shared_database(postgres_url, monkeypatch):
    """MNIST_CNN_DATABASE_URL set to a new PostgreSQL database, as on every replica of a cluster."""
    monkeypatch.setenv(DATABASE_URL_VARIABLE, postgres_url)
    monkeypatch.setattr(list_version, "VERSION_CACHE_SECONDS", 0.0)
    return postgres_url


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
