"""Shared fixtures: quiet TensorFlow, the bundled MNIST, a tiny trained model, a server of the app and Chromium."""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from pathlib import Path

import numpy as np
import pytest

from mnist_cnn.data.mnist import load_mnist
from tests.support.browser import CHROMIUM_ARGS, CHROMIUM_PATH, DESKTOP_VIEWPORT, EXPECT_TIMEOUT_MS
from tests.support.server import PROJECT_ROOT, copy_bundled_models, start_streamlit  # noqa: F401 (imported by tests)


@pytest.fixture(autouse=True)
def fresh_limits():
    """Each test starts with no counted actions in the process-wide rate limits and password throttle (if loaded)."""
    if "ui.limits" in sys.modules:
        sys.modules["ui.limits"].reset_all()
    if "ui.teacher" in sys.modules:
        sys.modules["ui.teacher"].GUESS_THROTTLE.record_right_guess()


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
    from mnist_cnn.training.fit import train_model
    from mnist_cnn.training.settings import TrainingSettings

    x, y = small_training_set
    return train_model(x, y, TrainingSettings(architecture="keras_example", epochs=1, validation_split=0.1)).model


@pytest.fixture
def random_images():
    """Eight random images shaped like model input: (8, 28, 28, 1) floats in [0, 1]."""
    return np.random.default_rng(0).random((8, 28, 28, 1), dtype=np.float32)


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    """A Streamlit server of the app with a private model store and user-data folder: its URL."""
    root = tmp_path_factory.mktemp("server")
    process, url = start_streamlit(copy_bundled_models(root / "models"), root / "user_data")
    yield url
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="session")
def postgres_server():
    """A private PostgreSQL server for this test process (127.0.0.1 only, temporary folder), stopped at the end."""
    from mnist_cnn.cluster.postgres import PostgresError
    from tests.support.postgres import start_test_postgres, stop_test_postgres

    try:
        server = start_test_postgres()
    except PostgresError as error:
        pytest.fail(f"{error} Run `make test`, which installs Debian's postgresql.")
    yield server
    stop_test_postgres(server)


@pytest.fixture
def postgres_url(postgres_server):
    """The URL of a new, empty database on the test PostgreSQL server."""
    from tests.support.postgres import create_fresh_database

    return create_fresh_database(postgres_server)


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, launched headless by Playwright."""
    from playwright.sync_api import expect, sync_playwright

    # expect(...) waits up to 5 s by default; the suite runs on two workers on a shared 2-core machine, where a
    # page's answer can take longer while the other worker trains. A passing check still returns at once.
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    if not Path(CHROMIUM_PATH).exists():
        pytest.fail(f"{CHROMIUM_PATH} is missing: run `make test`, which installs Debian's chromium.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    """A fresh browser page (its own context) at a desktop size."""
    context = chromium.new_context(viewport=DESKTOP_VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


@pytest.fixture
def draw_page():
    """The app, opened on the Draw page."""
    from tests.support.apptest import open_app_page

    return open_app_page("pages/draw.py")
