"""A private PostgreSQL server: initdb in a folder, listening on 127.0.0.1 only, stopped by pg_ctl.

Debian's postgresql package keeps initdb and pg_ctl in /usr/lib/postgresql/<version>/bin. PostgreSQL refuses to
run as root: as root, every program runs as the `postgres` user (runuser), which owns the data folder.
"""

import glob
import os
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

# The role and database the app uses.
USER = "mnist_cnn"
DATABASE = "mnist_cnn"
# The system user that runs PostgreSQL when we are root (Debian's postgresql package creates it).
SYSTEM_USER = "postgres"
START_TIMEOUT_SECONDS = 60
# Settings of a throw-away test server: no fsync (a crash loses nothing that matters), few connections.
TEST_SETTINGS = ("-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60 "
                 "-c shared_buffers=32MB")
# A cluster's server: room for every replica's pool (POOL_SIZE + POOL_OVERFLOW each) and the job locks.
CLUSTER_SETTINGS = "-c max_connections=200 -c shared_buffers=128MB"


class PostgresError(RuntimeError):
    """PostgreSQL is not installed, or its server could not be made or started; the message says which."""


@dataclass
class PostgresServer:
    """A server's data folder, port and the app's password: what a client needs to connect."""

    data_dir: Path
    port: int
    password: str

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of the app's database (psycopg 3 driver)."""
        return f"postgresql+psycopg://{USER}:{self.password}@127.0.0.1:{self.port}/{DATABASE}"


def find_program(name: str) -> str:
    """The path of a PostgreSQL server program (initdb, pg_ctl, postgres); PostgresError if not installed."""
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda path: int(path.split("/")[4]))
    found = candidates[-1] if candidates else shutil.which(name)
    if not found:
        raise PostgresError(f"PostgreSQL's {name} was not found: install Debian's postgresql package "
                            f"(`make postgres` does).")
    return found


def as_server_user(command: list[str]) -> list[str]:
    """The command, run as the postgres system user when we are root (PostgreSQL refuses root)."""
    return ["runuser", "-u", SYSTEM_USER, "--", *command] if os.geteuid() == 0 else command


def give_to_server_user(path: Path) -> None:
    """Let the postgres system user own a folder we made as root."""
    if os.geteuid() == 0:
        shutil.chown(path, SYSTEM_USER, SYSTEM_USER)


def run_checked(command: list[str], what: str) -> None:
    """Run a command; PostgresError with its output if it fails."""
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise PostgresError(f"{what} failed: {(result.stderr or result.stdout).strip()[-1500:]}")


def init_server(data_dir: Path, password: str | None = None) -> str:
    """initdb a new server in data_dir (its parent must exist) with the app's role; the role's password."""
    password = password or secrets.token_urlsafe(24)
    data_dir.mkdir(mode=0o700)
    give_to_server_user(data_dir)
    if subprocess.run(as_server_user(["test", "-w", str(data_dir)]), check=False).returncode != 0:
        raise PostgresError(f"The {SYSTEM_USER} user cannot reach {data_dir} (a folder above it is private to "
                            f"root?): put the cluster's folder where it can, e.g. --folder /var/tmp/mnist-cluster.")
    password_file = data_dir.parent / ".initdb-password"  # outside the folder: initdb wants it empty
    password_file.write_text(password + "\n")
    give_to_server_user(password_file)
    try:
        run_checked(as_server_user([find_program("initdb"), "-D", str(data_dir), "-U", USER,
                                    f"--pwfile={password_file}", "-A", "scram-sha-256", "-E", "UTF8",
                                    "--no-sync", "--no-instructions"]), "initdb")
    finally:
        password_file.unlink(missing_ok=True)
    return password


def start_server(data_dir: Path, port: int, settings: str = CLUSTER_SETTINGS) -> None:
    """Start the server in data_dir on 127.0.0.1:port (socket in data_dir), waiting until it accepts connections."""
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {data_dir} {settings}"
    run_checked(as_server_user([find_program("pg_ctl"), "-D", str(data_dir), "-l", str(data_dir / "server.log"),
                                "-o", options, "-w", "-t", str(START_TIMEOUT_SECONDS), "start"]), "pg_ctl start")


def stop_server(data_dir: Path, mode: str = "fast") -> None:
    """Stop the server in data_dir (mode: smart, fast or immediate); nothing happens if it is not running."""
    if not (data_dir / "postmaster.pid").exists():
        return
    subprocess.run(as_server_user([find_program("pg_ctl"), "-D", str(data_dir), "-m", mode, "-w", "stop"]),
                   capture_output=True, check=False)


def create_database(server: PostgresServer) -> None:
    """Create the app's database on a started server (nothing happens if it exists)."""
    import psycopg

    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        try:
            with psycopg.connect(host="127.0.0.1", port=server.port, user=USER, password=server.password,
                                 dbname="postgres", autocommit=True) as connection:
                if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone():
                    connection.execute(f'CREATE DATABASE "{DATABASE}"')
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def make_server(data_dir: Path, port: int, settings: str = CLUSTER_SETTINGS) -> PostgresServer:
    """initdb, start and create the app's database: a new server ready for the app."""
    password = init_server(data_dir)
    start_server(data_dir, port, settings)
    server = PostgresServer(data_dir, port, password)
    create_database(server)
    return server
