"""Take a model home, bring your own, on the Training page (AppTest): a download button, and an upload that is
checked, stored and made the active model."""

import shutil

from streamlit.testing.v1 import AppTest

from mnist_cnn import config
from mnist_cnn.model.architectures import build_model

APP_PATH = str(config.PROJECT_ROOT / "app.py")
TIMEOUT = 240  # seconds per run: the machine is small and shared, and an upload is evaluated on 10,000 digits


def open_training_page(store_dir, monkeypatch) -> AppTest:
    for name in ("default.keras", "default.json"):
        shutil.copy2(config.MODELS_DIR / name, store_dir / name)
    monkeypatch.setattr(config, "MODELS_DIR", store_dir)
    app = AppTest.from_file(APP_PATH, default_timeout=TIMEOUT)
    app.run()
    app.switch_page("pages/training.py")
    app.run()
    assert not app.exception, [item.value for item in app.exception]
    return app


def test_a_good_upload_is_stored_and_becomes_active_and_a_bad_one_is_explained(tmp_path, monkeypatch):
    store_dir = tmp_path / "store"
    store_dir.mkdir()
    app = open_training_page(store_dir, monkeypatch)
    assert len(app.get("download_button")) == 1

    app.file_uploader(key="exchange_upload").upload("notes.keras", b"not a model", "application/octet-stream")
    app.run()
    app.button[[button.label for button in app.button].index("Add it to the store")].click().run()
    assert not app.exception, [item.value for item in app.exception]
    assert any("not a Keras model" in item.value for item in app.error)

    model_path = tmp_path / "mine.keras"
    build_model("keras_example").save(model_path)
    app.file_uploader(key="exchange_upload").upload("mine.keras", model_path.read_bytes(), "application/zip")
    app.run()
    app.button[[button.label for button in app.button].index("Add it to the store")].click().run()
    assert not app.exception, [item.value for item in app.exception]
    assert any(item.value.startswith("Added **uploaded-mine-") for item in app.success)
    active = app.session_state["active_model_name"]  # the sidebar's model picker is bound to it
    assert active.startswith("uploaded-mine-") and (store_dir / f"{active}.keras").exists()
