"""AppTest for "It got this wrong" on the Draw page: one click files the drawing in the student's collection and in
the class set (or as a "not a digit" flag), and an answer the model already gave is refused."""

import numpy as np
import pytest

from mnist_cnn import config
from mnist_cnn.my_digits.class_records import ClassRecords
from mnist_cnn.my_digits.class_set import CLASS_SET
from mnist_cnn.my_digits.collections import DEFAULT_COLLECTION, MyDigitsStore
from tests.support.draw_page import prediction_metrics, upload_a_one


@pytest.fixture
def database(tmp_path, monkeypatch):
    """The path of a private drawings database."""
    monkeypatch.setattr(config, "USER_DATA_DIR", tmp_path)
    return tmp_path / "my_digits.sqlite3"


def pick(app, key: str, value):
    """Click one choice of a pills row and rerun."""
    app.pills(key=key).set_value(value).run()
    assert not app.exception, app.exception
    return app


def test_a_wrong_answer_is_filed_in_the_collection_and_the_class_set(draw_page, database):
    upload_a_one(draw_page)  # classified by the page itself
    read = prediction_metrics(draw_page)[0].value
    right = 4 if read != "4" else 1  # a digit the model did not read
    pick(draw_page, "flag_pick_upload", right)
    store = MyDigitsStore(database)
    own, class_set = store.list_digits(), store.list_digits(collection=CLASS_SET)
    assert [digit.label for digit in own] == [right] and own[0].source == "upload"
    assert [digit.label for digit in class_set] == [right]
    assert class_set[0].source == f"flag:{DEFAULT_COLLECTION}", "the class set says whose drawing it is"
    assert np.array_equal(own[0].digit, class_set[0].digit)
    assert any("class set" in toast.value for toast in draw_page.toast)
    assert not store.is_allowed_to_delete(CLASS_SET, "a-students-secret"), "only the teacher may delete the class set"

    pick(draw_page, "flag_pick_upload", right)  # the same drawing again
    assert len(store.list_digits(collection=CLASS_SET)) == 1
    assert any("already filed" in toast.value for toast in draw_page.toast)


def leave_stripes_on_the_canvas(app) -> None:
    """What a stroke leaves for the canvas's rows (a run with no canvas value forgets it): stripes, read as an 8."""
    drawing = np.zeros((300, 300, 4), np.uint8)
    drawing[60:240:20, 30:270] = 255
    model_input = np.zeros((28, 28), np.float32)
    model_input[4:24:3, 2:26] = 1.0
    app.session_state["label_drawing_canvas"] = (model_input, drawing)
    app.session_state["label_answer_canvas"] = (8, True)  # (the model's digit, whether it called it a digit)


def test_the_canvas_row_files_not_a_digit_and_refuses_the_models_own_answer(draw_page, database):
    leave_stripes_on_the_canvas(draw_page)
    pick(draw_page, "flag_pick_canvas", 8)
    assert any("already reads this as a 8" in error.value for error in draw_page.error)
    assert draw_page.pills(key="flag_pick_canvas").value is None, "the row is ready for the next drawing"

    leave_stripes_on_the_canvas(draw_page)
    pick(draw_page, "flag_pick_canvas", "not a digit")
    flags = ClassRecords(database).list_non_digits()
    assert [(flag.collection, flag.predicted) for flag in flags] == [(DEFAULT_COLLECTION, 8)]
    assert MyDigitsStore(database).count_by_collection() == {DEFAULT_COLLECTION: 0}, "no digit label was invented"


def test_students_neither_see_nor_create_the_class_set(database, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from mnist_cnn.lessons.teacher import PASSWORD_ENVIRONMENT_VARIABLE
    from mnist_cnn.my_digits.class_set import ensure_class_set
    from tests.support.apptest import APP_PATH, PAGE_RUN_TIMEOUT

    monkeypatch.delenv(PASSWORD_ENVIRONMENT_VARIABLE, raising=False)
    ensure_class_set(MyDigitsStore(database))
    app = AppTest.from_file(str(APP_PATH), default_timeout=PAGE_RUN_TIMEOUT)
    app.secrets["teacher_password"] = "chalk-and-slate"  # set, and not unlocked in this session: a student
    app.run()  # the sidebar is read in the first run's tree only (see tests/test_collections_page.py)
    assert not app.exception, app.exception
    assert CLASS_SET not in app.sidebar.selectbox(key="collection_picker").options
    app.sidebar.text_input(key="collection_new_name").input(CLASS_SET)
    app.sidebar.button(key="collection_create").click().run()
    assert not app.exception and app.session_state["collection"] == DEFAULT_COLLECTION
    # AppTest drops the sidebar's elements after the first run (see tests/test_collections_page.py): read the notice
    # from the state.
    assert "the class's shared set" in app.session_state["collection_notice"]
