"""AppTest for app.py: it starts, shows the active model and its accuracy, and survives a broken store."""

import json
import shutil
from pathlib import Path

from streamlit.testing.v1 import AppTest

from mnist_cnn import config

APP_PATH = str(Path(__file__).resolve().parent.parent / "app.py")


def run_app() -> AppTest:
    app = AppTest.from_file(APP_PATH, default_timeout=120)
    app.run()
    return app


def test_app_starts_and_shows_the_active_model_and_accuracy():
    app = run_app()
    assert not app.exception
    metrics = {metric.label: metric.value for metric in app.sidebar.metric}
    recorded = json.loads((config.MODELS_DIR / "default.json").read_text())["test_accuracy"]
    assert metrics["Test accuracy"] == f"{recorded:.2%}"
    assert app.sidebar.selectbox(key="active_model_name").value == config.DEFAULT_MODEL_NAME


def test_a_corrupt_model_file_is_reported_and_skipped(tmp_path, monkeypatch):
    for name in ("default.keras", "default.json"):
        shutil.copy2(config.MODELS_DIR / name, tmp_path / name)
    (tmp_path / "broken.keras").write_bytes(b"PK\x03\x04 truncated")
    (tmp_path / "broken.json").write_text(json.dumps({"architecture": "keras_example"}))
    monkeypatch.setattr(config, "MODELS_DIR", tmp_path)
    app = run_app()
    assert not app.exception
    assert any("broken" in warning.value for warning in app.sidebar.warning)
    picker = app.sidebar.selectbox(key="active_model_name")
    assert len(picker.options) == 1 and picker.value == config.DEFAULT_MODEL_NAME


def test_a_missing_model_store_gives_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "MODELS_DIR", tmp_path / "empty")
    app = run_app()
    assert not app.exception
    assert any("No usable model" in error.value for error in app.sidebar.error)
    # The advice fits a folder other than the bundled one: copy the default there (git cannot restore it).
    advice = next(error.value for error in app.sidebar.error if "No usable model" in error.value)
    assert "cp " in advice and str(tmp_path / "empty") in advice and "git checkout" not in advice


def test_a_store_without_the_default_opens_on_the_model_it_holds(tmp_path, monkeypatch):
    for suffix in (".keras", ".json"):
        shutil.copy2(config.MODELS_DIR / f"default{suffix}", tmp_path / f"mine{suffix}")
    monkeypatch.setattr(config, "MODELS_DIR", tmp_path)
    app = run_app()
    assert not app.exception and not app.error and not app.sidebar.error
    assert app.sidebar.selectbox(key="active_model_name").value == "mine"
    assert app.title[0].value == "Draw a digit"
