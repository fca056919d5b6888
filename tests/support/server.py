"""A real `streamlit run app.py` on a free localhost port, with its own model store and user-data folder."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
# How long a server may take to answer its health check.
START_TIMEOUT_SECONDS = 60


def find_free_port() -> int:
    """A free TCP port on localhost."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_streamlit(models_dir: Path, user_data_dir: Path, extra_env: dict | None = None):
    """Start `streamlit run app.py` on a free port with its own model store; return (process, url)."""
    port = find_free_port()
    # The server's log goes to a file: a pipe nobody reads fills up and then blocks the server.
    log_path = Path(tempfile.mkstemp(prefix="streamlit-", suffix=".log")[1])
    env = {**os.environ, "MNIST_CNN_MODELS": str(models_dir), "MNIST_CNN_USER_DATA": str(user_data_dir),
           "TF_CPP_MIN_LOG_LEVEL": "2", **(extra_env or {})}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true",
         f"--server.port={port}", "--server.address=127.0.0.1", "--browser.gatherUsageStats=false",
         "--server.fileWatcherType=none", "--server.runOnSave=false"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log_path.open("wb"))
    process.log_path = log_path
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited: {log_path.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                if response.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"streamlit did not become healthy within {START_TIMEOUT_SECONDS} s")


# The bundled model's files: its weights, its metadata and its kept test-set evaluation.
BUNDLED_MODEL_FILES = ["default.evaluation.npz", "default.json", "default.keras", "default.snapshots.npz"]


def copy_bundled_models(destination: Path) -> Path:
    """A private copy of models/ (the bundled default), so tests never touch the real store."""
    destination.mkdir(parents=True, exist_ok=True)
    for name in BUNDLED_MODEL_FILES:
        shutil.copy2(PROJECT_ROOT / "models" / name, destination / name)
    return destination
