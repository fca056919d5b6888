"""Take a model home, bring your own, on the Training page (AppTest): a download button, and an upload that is
checked, stored and made the active model."""

import shutil

import keras
from streamlit.testing.v1 import AppTest

from mnist_cnn import config
from mnist_cnn.model.architectures import build_model
from mnist_cnn.store.exchange import describe_uploads_off
from tests.support.uploads import make_keras_archive, make_layer, make_sequential_config, save_single_layer_bytes

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
    assert any(item.value.startswith("Added `uploaded-mine-") for item in app.success)
    active = app.session_state["active_model_name"]  # the sidebar's model picker is bound to it
    assert active.startswith("uploaded-mine-") and (store_dir / f"{active}.keras").exists()


def click_add(app: AppTest, filename: str, data: bytes) -> AppTest:
    """Upload data as filename and press "Add it to the store"."""
    app.file_uploader(key="exchange_upload").upload(filename, data, "application/octet-stream")
    app.run()
    return app.button[[button.label for button in app.button].index("Add it to the store")].click().run()


def test_file_names_and_reasons_are_shown_as_text_and_no_failure_escapes(tmp_path, monkeypatch):
    store_dir = tmp_path / "store"
    store_dir.mkdir()
    app = open_training_page(store_dir, monkeypatch)
    click_add(app, "[prize](https://evil.example) `now`.keras", b"not a model")
    assert not app.exception, [item.value for item in app.exception]
    message = app.error[0].value
    assert message.startswith("`[prize](https://evil.example) 'now'.keras` was not added.")  # a code span: no link
    click_add(app, "layer.keras", save_single_layer_bytes(tmp_path))  # once an AttributeError and a traceback
    assert not app.exception, [item.value for item in app.exception]
    assert "uploads must be a keras\\.Sequential model" in app.error[0].value
    evil_layer = make_keras_archive(make_sequential_config(make_layer("Evil](https://evil.example)", "evil")))
    click_add(app, "evil.keras", evil_layer)
    assert "Evil\\]\\(https\\:" in app.error[0].value and "](https:" not in app.error[0].value
    assert list(store_dir.glob("uploaded-*")) == []


def test_the_uploader_says_why_uploads_are_off_with_an_old_keras(tmp_path, monkeypatch):
    store_dir = tmp_path / "store"
    store_dir.mkdir()
    monkeypatch.setattr(keras, "__version__", "3.11.3")
    describe_uploads_off.cache_clear()
    try:
        app = open_training_page(store_dir, monkeypatch)
    finally:
        describe_uploads_off.cache_clear()
    assert not app.exception
    assert not [uploader for uploader in app.get("file_uploader") if uploader.proto.id.endswith("exchange_upload")]
    assert any("Model uploads are off on this server: its Keras is 3.11.3" in caption.value
               for caption in app.caption)
