"""HAProxy in front of the replicas: its configuration from deploy/haproxy.cfg.template, started and checked."""

import shutil
import string
import subprocess
from pathlib import Path

from mnist_cnn import config

# The configuration template a real deployment uses too.
TEMPLATE_PATH = config.PROJECT_ROOT / "deploy" / "haproxy.cfg.template"
# Connections HAProxy accepts at once (it needs about two file descriptors each: keep it under `ulimit -n` / 2).
MAXCONN = 4000


class HAProxyError(RuntimeError):
    """HAProxy is not installed, or its configuration was refused; the message says which."""


def render_config(bind: str, replicas: list[tuple[str, int]], pid_file: Path, maxconn: int = MAXCONN) -> str:
    """The configuration for HAProxy listening on bind ("127.0.0.1:8500") in front of (host, port) replicas."""
    servers = "\n".join(f"    server r{number} {host}:{port} check cookie r{number}"
                        for number, (host, port) in enumerate(replicas, start=1))
    return string.Template(TEMPLATE_PATH.read_text()).substitute(
        bind=bind, servers=servers, pid_file=pid_file, maxconn=maxconn)


def find_haproxy() -> str:
    """The haproxy program; HAProxyError if it is not installed."""
    found = shutil.which("haproxy") or next((path for path in ("/usr/sbin/haproxy",) if Path(path).exists()), None)
    if not found:
        raise HAProxyError("HAProxy was not found: install Debian's haproxy package (`make servers` does).")
    return found


def start_haproxy(config_path: Path) -> None:
    """Check the configuration, then start HAProxy as a daemon (its pid goes to the configuration's pidfile)."""
    program = find_haproxy()
    for arguments in (["-c", "-q", "-f", str(config_path)], ["-D", "-f", str(config_path)]):
        result = subprocess.run([program, *arguments], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise HAProxyError(f"haproxy {' '.join(arguments[:-2])} failed: {(result.stderr or result.stdout)[-1500:]}")
