"""Collection owners in the app (AppTest, a teacher password set): only the creating browser or the teacher can
delete a collection's drawings, the teacher can delete a whole collection, and a reload keeps ownership."""

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from mnist_cnn import config
from mnist_cnn.lessons.teacher import PASSWORD_ENVIRONMENT_VARIABLE, fingerprint_password
from mnist_cnn.my_digits.collections import DEFAULT_COLLECTION, MyDigitsStore
from tests.support.clock import FakeClock, put_limits_on_clock

APP_PATH = str(Path(__file__).resolve().parent.parent / "app.py")
RUN_TIMEOUT = 120  # seconds: the first run imports TensorFlow and loads the model
PASSWORD = "chalk-and-slate"
COLLECTION = "anna room"


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A private drawings database, a teacher password in no environment variable, limits on a fake clock."""
    monkeypatch.setattr(config, "USER_DATA_DIR", tmp_path)
    monkeypatch.delenv(PASSWORD_ENVIRONMENT_VARIABLE, raising=False)
    put_limits_on_clock(monkeypatch, FakeClock())
    return MyDigitsStore(tmp_path / "my_digits.sqlite3")


def start_app(collection: str | None = None, teacher: bool = False) -> AppTest:
    """A new browser's first run of the app (a teacher password set), on ?collection= if given."""
    app = AppTest.from_file(APP_PATH, default_timeout=RUN_TIMEOUT)
    app.secrets["teacher_password"] = PASSWORD
    if collection is not None:
        app.query_params["collection"] = collection
    if teacher:
        app.session_state["teacher_unlocked"] = fingerprint_password(PASSWORD)  # as the sidebar's Unlock does
    app.run()
    assert not app.exception, app.exception
    return app


def open_my_digits(app: AppTest) -> AppTest:
    app.switch_page("pages/my_digits.py").run()
    assert not app.exception, app.exception
    return app


def delete_buttons(app: AppTest) -> list:
    return [button for button in app.button if button.key and button.key.startswith("delete_")]


def create_owned_collection(store: MyDigitsStore) -> AppTest:
    """Anna's browser creates COLLECTION in the sidebar; two drawings are saved in it."""
    anna = start_app()
    anna.sidebar.text_input(key="collection_new_name").input(COLLECTION)
    anna.sidebar.button(key="collection_create").click().run()
    assert anna.session_state["collection"] == COLLECTION
    digit = np.zeros((28, 28), np.float32)
    digit[6:22, 12:16] = 1.0
    for label in (1, 7):
        store.add(label, digit, collection=COLLECTION)
    return anna


def test_only_the_creating_browser_can_delete_its_drawings(store):
    anna = create_owned_collection(store)
    ben = open_my_digits(start_app(COLLECTION))
    assert delete_buttons(ben) == []
    assert any("Only the browser that created this collection" in caption.value for caption in ben.caption)
    open_my_digits(anna)
    assert len(delete_buttons(anna)) == 2
    delete_buttons(anna)[0].click().run()
    assert not anna.exception and len(store.list_digits(collection=COLLECTION)) == 1


def test_a_reload_of_the_creating_browser_keeps_ownership_through_its_cookie(store, monkeypatch):
    import ui.ownership

    anna = create_owned_collection(store)
    secret = anna.session_state["owner_secret"]
    monkeypatch.setattr(ui.ownership, "read_cookie_secret", lambda: secret)  # the cookie a reload sends back
    reloaded = open_my_digits(start_app(COLLECTION))
    assert len(delete_buttons(reloaded)) == 2


def cookie_script():
    """Make this browser's secret and write its cookie, as the collection picker does after a creation."""
    from ui.ownership import get_owner_secret, write_owner_cookie

    get_owner_secret()
    write_owner_cookie()


def test_a_new_secret_is_written_to_the_browsers_cookie_once():
    app = AppTest.from_function(cookie_script, default_timeout=RUN_TIMEOUT).run()
    secret = app.session_state["owner_secret"]
    assert len(app.html) == 1 and f"document.cookie = 'mnist_cnn_owner={secret};" in app.html[0].value
    assert "SameSite=Strict" in app.html[0].value
    app.run()
    assert len(app.html) == 0 and app.session_state["owner_secret"] == secret


def test_the_teacher_can_delete_drawings_and_the_whole_collection(store):
    create_owned_collection(store)
    teacher = open_my_digits(start_app(COLLECTION, teacher=True))
    assert len(delete_buttons(teacher)) == 2
    delete_buttons(teacher)[0].click().run()
    assert len(store.list_digits(collection=COLLECTION)) == 1
    delete_collection = next(button for button in teacher.button if button.label == "Delete collection")
    assert delete_collection.disabled, "deleting a collection needs the confirmation first"
    teacher.checkbox(key="confirm_delete_collection").check().run()
    next(button for button in teacher.button if button.label == "Delete collection").click().run()
    assert not teacher.exception
    assert COLLECTION not in store.list_collections() and store.list_digits(collection=COLLECTION) == []
    assert teacher.session_state["collection"] == DEFAULT_COLLECTION


def test_students_see_neither_delete_all_nor_delete_collection(store):
    create_owned_collection(store)
    ben = open_my_digits(start_app(COLLECTION))
    labels = [button.label for button in ben.button]
    assert "Delete all" not in labels and "Delete collection" not in labels


def test_the_default_collection_cannot_be_deleted_from_the_page(store):
    teacher = open_my_digits(start_app(teacher=True))
    labels = [button.label for button in teacher.button]
    assert "Delete all" in labels and "Delete collection" not in labels


def picker_script():
    """The sidebar's collection picker on its own (AppTest reruns only the page of an st.navigation app)."""
    from ui.collections import show_collection_picker

    show_collection_picker()


def test_a_session_whose_collection_was_deleted_falls_back_to_the_default(store):
    store.create_collection(COLLECTION)
    ben = AppTest.from_function(picker_script, default_timeout=RUN_TIMEOUT)
    ben.query_params["collection"] = COLLECTION
    ben.run()
    assert ben.session_state["collection"] == COLLECTION
    store.delete_collection(COLLECTION)  # by the teacher, in another browser
    ben.run()
    assert not ben.exception and ben.session_state["collection"] == DEFAULT_COLLECTION
    assert any("is no longer on this server" in warning.value for warning in ben.sidebar.warning)
    assert ben.sidebar.selectbox(key="collection_picker").value == DEFAULT_COLLECTION
