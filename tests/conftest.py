"""Shared fixtures: quiet TensorFlow, the bundled MNIST, and a tiny trained model in a temporary store."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest

from mnist_cnn.data import load_mnist


@pytest.fixture(scope="session")
def mnist():
    """The bundled MNIST: ((x_train, y_train), (x_test, y_test))."""
    return load_mnist()


@pytest.fixture(scope="session")
def small_training_set(mnist):
    """2,000 training images and labels: enough for a model that learns something in seconds."""
    (x_train, y_train), _ = mnist
    return x_train[:2000], y_train[:2000]


@pytest.fixture(scope="session")
def tiny_trained_model(small_training_set):
    """The keras example trained for one epoch on 2,000 images (shared, never mutate it)."""
    from mnist_cnn.training import train_model
    from mnist_cnn.training_settings import TrainingSettings

    x, y = small_training_set
    return train_model(x, y, TrainingSettings(architecture="keras_example", epochs=1, validation_split=0.1)).model


@pytest.fixture
def random_images():
    """Eight random images shaped like model input: (8, 28, 28, 1) floats in [0, 1]."""
    return np.random.default_rng(0).random((8, 28, 28, 1), dtype=np.float32)


# ---------------------------------------------------------------------------------------------
# Browser tests: a real Streamlit server on localhost and Debian's Chromium driven by Playwright.
# ---------------------------------------------------------------------------------------------
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


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
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited: {log_path.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                if response.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("streamlit did not become healthy within 60 s")


# The bundled model's files: its weights, its metadata and its kept test-set evaluation.
BUNDLED_MODEL_FILES = ["default.evaluation.npz", "default.json", "default.keras"]


def copy_bundled_models(destination: Path) -> Path:
    """A private copy of models/ (the bundled default), so tests never touch the real store."""
    destination.mkdir(parents=True, exist_ok=True)
    for name in BUNDLED_MODEL_FILES:
        shutil.copy2(PROJECT_ROOT / "models" / name, destination / name)
    return destination


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    """A Streamlit server of the app with a private model store and user-data folder: its URL."""
    root = tmp_path_factory.mktemp("server")
    process, url = start_streamlit(copy_bundled_models(root / "models"), root / "user_data")
    yield url
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, launched headless by Playwright."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM_PATH).exists():
        pytest.fail(f"{CHROMIUM_PATH} is missing: run `make test`, which installs Debian's chromium.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    """A fresh browser page (its own context) at a desktop size."""
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()
