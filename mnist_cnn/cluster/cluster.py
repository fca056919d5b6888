"""`up` and `down` of a cluster on one machine: PostgreSQL, N Streamlit replicas and HAProxy, all on 127.0.0.1,
and with `ray=True` a Ray head and worker node (ray_nodes.py) that run the replicas' training jobs.

Everything lives in one folder the project ignores (`.cluster/` by default): the database's data, the shared
cookie secret and the database URL (made once, kept for the next `up`), the HAProxy configuration, logs and pid files.
"""

import os
import secrets
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from mnist_cnn import config
from mnist_cnn.cluster import haproxy, postgres
from mnist_cnn.cluster.ray_nodes import RaySettings, start_ray_cluster, stop_ray_cluster
from mnist_cnn.cluster.ray_nodes import pid_file as ray_pid_file
from mnist_cnn.cluster.processes import read_pid, start_logged, stop_pid_file, wait_until_healthy
from mnist_cnn.database import DATABASE_URL_VARIABLE

# The folder of a cluster started from this checkout (in .gitignore).
DEFAULT_FOLDER = config.PROJECT_ROOT / ".cluster"
HOST = "127.0.0.1"


@dataclass
class ClusterSettings:
    """Where the cluster lives and listens: replicas on consecutive ports from first_replica_port."""

    folder: Path = DEFAULT_FOLDER
    replicas: int = 2
    port: int = 8500                 # HAProxy: the URL students open
    first_replica_port: int = 8601
    database_port: int = 5433
    extra_env: dict = field(default_factory=dict)  # e.g. MNIST_CNN_MODELS for a shared model volume
    ray: bool = False                # also a Ray head and worker node; the replicas' jobs run there
    ray_port: int = 6390
    ray_dashboard_port: int = 8265

    @property
    def ray_settings(self) -> RaySettings:
        """The Ray nodes' settings (their files under this cluster's folder)."""
        return RaySettings(folder=self.folder, port=self.ray_port, dashboard_port=self.ray_dashboard_port)

    @property
    def url(self) -> str:
        """The address students open (through HAProxy)."""
        return f"http://{HOST}:{self.port}"

    def replica_urls(self) -> list[str]:
        """Each replica's own address (for checks; students go through HAProxy)."""
        return [f"http://{HOST}:{self.first_replica_port + number}" for number in range(self.replicas)]


def read_or_make_secret(path: Path, make) -> str:
    """The secret kept in path, made by make() and written (mode 0600) the first time."""
    if path.exists():
        return path.read_text().strip()
    value = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(value + "\n")
    return value


def start_database(settings: ClusterSettings) -> str:
    """Start the cluster's PostgreSQL (initdb on the first `up`); its URL."""
    settings.folder.mkdir(parents=True, exist_ok=True)
    os.chmod(settings.folder, 0o755)  # the postgres system user reaches its data folder inside (when root)
    data_dir = settings.folder / "postgres"
    url_file = settings.folder / "database_url"
    if not url_file.exists():  # first `up` (or one whose initdb failed): make the server
        shutil.rmtree(data_dir, ignore_errors=True)
        server = postgres.make_server(data_dir, settings.database_port)
        url_file.touch(mode=0o600)
        url_file.write_text(server.url + "\n")
        return server.url
    if not (data_dir / "postmaster.pid").exists():
        postgres.start_server(data_dir, settings.database_port)
    return url_file.read_text().strip()


def start_replicas(settings: ClusterSettings, database_url: str, cookie_secret: str) -> None:
    """Start every replica (they import TensorFlow at once, in parallel) and wait until each is healthy."""
    env = {**os.environ, DATABASE_URL_VARIABLE: database_url, "TF_CPP_MIN_LOG_LEVEL": "2",
           "STREAMLIT_SERVER_COOKIE_SECRET": cookie_secret,  # the same on every replica (not allowed as a flag)
           **settings.extra_env}
    started = []
    for number, url in enumerate(settings.replica_urls(), start=1):
        port = settings.first_replica_port + number - 1
        command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true",
                   f"--server.address={HOST}", f"--server.port={port}",
                   "--browser.gatherUsageStats=false", "--server.fileWatcherType=none", "--server.runOnSave=false"]
        process = start_logged(command, settings.folder / "pids" / f"replica-{number}.pid",
                               settings.folder / "logs" / f"replica-{number}.log", env, config.PROJECT_ROOT)
        started.append((url, process))
    for url, process in started:
        wait_until_healthy(url, process)


def start_balancer(settings: ClusterSettings) -> None:
    """Write HAProxy's configuration from the template and start it."""
    replicas = [(HOST, settings.first_replica_port + number) for number in range(settings.replicas)]
    config_path = settings.folder / "haproxy.cfg"
    config_path.write_text(haproxy.render_config(f"{HOST}:{settings.port}", replicas,
                                                 settings.folder / "pids" / "haproxy.pid"))
    haproxy.start_haproxy(config_path)


def running_pid_files(settings: ClusterSettings) -> list[Path]:
    """The pid files of this cluster (its Ray nodes' too) whose process is still alive."""
    folders = [settings.folder / "pids", ray_pid_file(settings.ray_settings, "head").parent]
    return [path for folder in folders if folder.exists() for path in sorted(folder.glob("*.pid"))
            if read_pid(path) is not None]


def bring_up(settings: ClusterSettings) -> str:
    """Start PostgreSQL, the replicas and HAProxy; the URL to open. ValueError if this cluster is already up."""
    if settings.replicas < 1:
        raise ValueError("A cluster needs at least one replica.")
    if running_pid_files(settings):
        raise ValueError(f"A cluster from {settings.folder} is already running; stop it first with `down`.")
    (settings.folder / "pids").mkdir(parents=True, exist_ok=True)
    cookie_secret = read_or_make_secret(settings.folder / "cookie_secret", lambda: secrets.token_urlsafe(32))
    database_url = start_database(settings)
    try:
        if settings.ray:  # the replicas learn its address and token file
            settings.extra_env = {**settings.extra_env, **start_ray_cluster(settings.ray_settings)}
        start_replicas(settings, database_url, cookie_secret)
        start_balancer(settings)
    except BaseException:
        bring_down(settings)
        raise
    return settings.url


def bring_down(settings: ClusterSettings) -> list[str]:
    """Stop HAProxy, the replicas, the Ray nodes and PostgreSQL that this folder's pid files name; what was
    stopped."""
    stopped = []
    folder = settings.folder / "pids"
    for pid_file in sorted(folder.glob("*.pid")) if folder.exists() else []:
        if stop_pid_file(pid_file):
            stopped.append(pid_file.stem)
    stopped += stop_ray_cluster(settings.ray_settings)
    data_dir = settings.folder / "postgres"
    if (data_dir / "postmaster.pid").exists():
        postgres.stop_server(data_dir)
        stopped.append("postgres")
    return stopped
