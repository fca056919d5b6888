"""A throw-away PostgreSQL server for the tests (initdb in a temporary folder, 127.0.0.1 only) and fresh databases."""

import itertools
import os
import shutil
import tempfile
from pathlib import Path

from mnist_cnn.cluster.postgres import (DATABASE, TEST_SETTINGS, USER, PostgresServer, make_server,
                                        stop_server)
from tests.support.server import find_free_port

DATABASE_NUMBERS = itertools.count(1)


def start_test_postgres() -> PostgresServer:
    """initdb and start a server in a new temporary folder (readable by the postgres user when we are root)."""
    folder = Path(tempfile.mkdtemp(prefix="mnist-cnn-postgres-"))
    os.chmod(folder, 0o755)  # the postgres system user must reach its data folder inside
    return make_server(folder / "data", find_free_port(), TEST_SETTINGS)


def stop_test_postgres(server: PostgresServer) -> None:
    """Stop the server and remove its temporary folder."""
    stop_server(server.data_dir, mode="immediate")
    shutil.rmtree(server.data_dir.parent, ignore_errors=True)


def create_fresh_database(server: PostgresServer) -> str:
    """A new empty database on the server (one per test, so tests never see each other's rows): its URL."""
    import psycopg

    name = f"test_{os.getpid()}_{next(DATABASE_NUMBERS)}"
    with psycopg.connect(host="127.0.0.1", port=server.port, user=USER, password=server.password,
                         dbname="postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    return server.url.removesuffix(f"/{DATABASE}") + f"/{name}"
