"""A Ray cluster on loopback addresses: a head and one worker node with the "trainer" resource, token auth on.

Ray rewrites 127.0.0.1 to the host's external address, so each node is pinned to its own 127.0.0.x. Each node is
`ray start --block` in its own session, with a pid file: stopping it stops exactly its processes (never `ray stop`,
which stops every Ray process of the user on the machine). Ray's temporary files, the token (mode 0600) and the
logs live in the cluster's folder, which the project ignores.
"""

import json
import os
import secrets
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from mnist_cnn import config
from mnist_cnn.cluster.processes import read_pid, start_logged, stop_process_tree
from mnist_cnn.jobs.ray_connection import (ADDRESS_VARIABLE, TOKEN_FILE_VARIABLE, RayConnection,
                                           RayConnectionError, list_alive_nodes)

# What each node offers: one CPU, a small object store (jobs pass nothing through it), and on the worker the
# resource every training job asks for (so jobs run on worker nodes, never beside the head).
NODE_CPUS = 1
OBJECT_STORE_BYTES = 100_000_000
TRAINER_RESOURCE = "trainer"
# A node that misses this many health checks, one a second, is dead: its jobs fail within seconds, not a minute.
HEALTH_CHECK_ENV = {"RAY_health_check_period_ms": "1000", "RAY_health_check_failure_threshold": "4"}
START_TIMEOUT_SECONDS = 90


class RayNodeError(RuntimeError):
    """A Ray node did not start or join; the message says where its log is."""


@dataclass
class RaySettings:
    """Where the nodes listen (each on its own loopback address) and what the worker node offers."""

    folder: Path                       # Ray's temporary files, token, logs and pid files go under folder/ray
    head_ip: str = "127.0.0.2"
    worker_ip: str = "127.0.0.3"
    port: int = 6390                   # the head's GCS: where worker nodes join
    dashboard_port: int = 8265         # the head's HTTP API: where jobs are submitted
    worker_resources: dict = field(default_factory=lambda: {TRAINER_RESOURCE: 1})
    head_resources: dict = field(default_factory=dict)  # {"trainer": 1}: the head trains too (two jobs at once)
    worker_gpus: int = 0

    @property
    def address(self) -> str:
        """The job API's address (what MNIST_CNN_RAY_ADDRESS holds)."""
        return f"http://{self.head_ip}:{self.dashboard_port}"

    @property
    def token_path(self) -> Path:
        """The file that holds the cluster's token."""
        return self.folder / "ray" / "token"


def make_token(path: Path) -> str:
    """The token kept in path (mode 0600), made the first time."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    token = secrets.token_hex(32)
    path.write_text(token + "\n")
    return token


def find_free_port(host: str) -> int:
    """A free TCP port on host."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


# The shell's variables a node (and so every job it runs) is not given: the app's secrets.
PRIVATE_VARIABLES = ("MNIST_CNN_TEACHER_PASSWORD", "MNIST_CNN_DATABASE_URL")


def node_environment(settings: RaySettings) -> dict:
    """A node's environment: token auth on (the token from its file), fast health checks, the venv first on PATH
    (a job's `python` is the project's)."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    inherited = {name: value for name, value in os.environ.items() if name not in PRIVATE_VARIABLES
                 and not name.startswith("MNIST_CNN_RAY_")}  # jobs inherit the node's environment
    return {**inherited, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(settings.token_path),
            "PATH": path, **HEALTH_CHECK_ENV}


def ray_start_command(settings: RaySettings, node: str) -> list[str]:
    """`ray start --block` for the head or the worker node, every port of the node on its own address."""
    ip = settings.head_ip if node == "head" else settings.worker_ip
    command = [str(Path(sys.executable).parent / "ray"), "start", "--block", f"--node-ip-address={ip}",
               f"--num-cpus={NODE_CPUS}", f"--object-store-memory={OBJECT_STORE_BYTES}", "--disable-usage-stats",
               f"--temp-dir={settings.folder / 'ray' / node}",
               f"--dashboard-agent-listen-port={find_free_port(ip)}"]
    if node == "head":
        return command + ["--head", f"--port={settings.port}", f"--dashboard-host={ip}",
                          f"--dashboard-port={settings.dashboard_port}", "--num-gpus=0",
                          f"--ray-client-server-port={find_free_port(ip)}",
                          f"--resources={json.dumps(settings.head_resources)}"]
    return command + [f"--address={settings.head_ip}:{settings.port}", f"--num-gpus={settings.worker_gpus}",
                      f"--resources={json.dumps(settings.worker_resources)}"]


def pid_file(settings: RaySettings, node: str) -> Path:
    """The pid file of a node's `ray start --block`."""
    return settings.folder / "ray" / "pids" / f"{node}.pid"


def start_node(settings: RaySettings, node: str):
    """Start the head or the worker node in its own session; its process (with its log_file)."""
    log_file = settings.folder / "logs" / f"ray-{node}.log"
    process = start_logged(ray_start_command(settings, node), pid_file(settings, node), log_file,
                           node_environment(settings), config.PROJECT_ROOT)
    process.log_file = log_file
    return process


def read_last_line(path: Path) -> str:
    """The last non-empty line of a log file ("" if there is none)."""
    try:
        lines = [line.strip() for line in path.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return ""
    return lines[-1][:500] if lines else ""


def wait_for_nodes(settings: RaySettings, count: int, process) -> None:
    """Wait until the head's API answers with the token and lists count live nodes; RayNodeError otherwise."""
    connection = RayConnection(settings.address, make_token(settings.token_path))
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RayNodeError(f"A Ray node exited (status {process.returncode}): {read_last_line(process.log_file)} "
                               f"(its log: {process.log_file}).")
        try:
            if len(list_alive_nodes(connection)) >= count:
                return
        except RayConnectionError:
            pass
        time.sleep(0.5)
    raise RayNodeError(f"The Ray cluster did not show {count} nodes within {START_TIMEOUT_SECONDS} s; see the "
                       f"logs in {settings.folder / 'logs'}.")


def start_ray_cluster(settings: RaySettings) -> dict:
    """Start the head, then the worker node; the environment a replica needs to use it (address, token file)."""
    make_token(settings.token_path)
    if any(read_pid(pid_file(settings, node)) for node in ("head", "worker")):
        raise ValueError(f"A Ray cluster from {settings.folder} is already running; stop it first with `down`.")
    try:
        wait_for_nodes(settings, 1, start_node(settings, "head"))
        wait_for_nodes(settings, 2, start_node(settings, "worker"))
    except BaseException:
        stop_ray_cluster(settings)
        raise
    return {ADDRESS_VARIABLE: settings.address, TOKEN_FILE_VARIABLE: str(settings.token_path)}


def stop_ray_cluster(settings: RaySettings) -> list[str]:
    """Stop the worker node, then the head, with every process each started; the names of those stopped."""
    return [f"ray-{node}" for node in ("worker", "head") if stop_process_tree(pid_file(settings, node))]
