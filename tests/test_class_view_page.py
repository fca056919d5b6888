"""AppTest for the Class view: refused without teacher mode; with it, per-collection accuracy, the confusion matrix,
a cell opened on its drawings, the "not a digit" flags, the exports and the leaderboard."""

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from mnist_cnn import config
from mnist_cnn.lessons.teacher import PASSWORD_ENVIRONMENT_VARIABLE, fingerprint_password
from mnist_cnn.my_digits.class_records import ClassRecords
from mnist_cnn.my_digits.collections import MyDigitsStore
from tests.support.apptest import APP_PATH, PAGE_RUN_TIMEOUT

PASSWORD = "chalk-and-slate"
PAGE = "pages/class_view.py"


@pytest.fixture
def class_store(tmp_path, monkeypatch, mnist):
    """A private drawings database: 'anna' holds six MNIST test digits, 'ben' four, and one 'not a digit' flag."""
    monkeypatch.setattr(config, "USER_DATA_DIR", tmp_path)
    monkeypatch.delenv(PASSWORD_ENVIRONMENT_VARIABLE, raising=False)
    store = MyDigitsStore(tmp_path / "my_digits.sqlite3")
    _, (x_test, y_test) = mnist
    for index in range(10):
        store.add(int(y_test[index]), x_test[index], collection="anna" if index < 6 else "ben")
    scribble = np.zeros((28, 28), np.uint8)
    scribble[4:24:3, :] = 255  # stripes: no digit
    ClassRecords(tmp_path / "my_digits.sqlite3").add_non_digit(scribble, None, 3, collection="ben")
    return store


def open_class_view(teacher: bool) -> AppTest:
    """The Class view in a new session, on a server with a teacher password (unlocked in this session if teacher)."""
    app = AppTest.from_file(str(APP_PATH), default_timeout=PAGE_RUN_TIMEOUT)
    app.secrets["teacher_password"] = PASSWORD
    if teacher:
        app.session_state["teacher_unlocked"] = fingerprint_password(PASSWORD)  # as the sidebar's Unlock does
    app.switch_page(PAGE).run()
    assert not app.exception, [item.value for item in app.exception]
    return app


def frame(app: AppTest, *columns: str):
    """The first DataFrame shown with these columns."""
    return next(element.value for element in app.dataframe if set(columns) <= set(element.value.columns))


def test_without_teacher_mode_the_view_is_refused(class_store):
    app = open_class_view(teacher=False)
    assert any("for the teacher" in warning.value for warning in app.warning)
    assert not app.dataframe and not app.metric[2:], "no student's drawing is shown"


def test_the_teacher_sees_the_class_opens_a_cell_and_can_export(class_store, mnist):
    app = open_class_view(teacher=True)
    assert app.title[0].value == "Class view"
    by_collection = frame(app, "collection", "right").set_index("collection")
    assert by_collection.loc["anna", "drawings"] == 6 and by_collection.loc["ben", "drawings"] == 4
    accuracy = by_collection.loc["anna", "right"] / 6
    assert by_collection.loc["anna", "accuracy"] == pytest.approx(accuracy)
    assert frame(app, "digit", "most often read as")["drawings"].sum() == 10
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Drawings"] == "10" and metrics["Collections"] == "2"

    cell_picker = app.selectbox(key="class_view_cell")
    assert cell_picker.value is None and cell_picker.options, "every non-empty cell can be opened"
    _, (x_test, y_test) = mnist
    first_label = int(y_test[0])
    # Shown as "7 read right (1 drawing)" or "7 read as 1 (2 drawings)"; chosen by its code "7-7" or "7-1".
    shown = next(option for option in cell_picker.options if option.startswith(f"{first_label} "))
    predicted = first_label if "read right" in shown else int(shown.split("read as ")[1][0])
    cell_picker.select(f"{first_label}-{predicted}").run()
    assert not app.exception
    drawings = frame(app, "collection", "id", "predicted")
    assert len(drawings) >= 1 and set(drawings["label"]) == {first_label}
    assert set(drawings["collection"]) <= {"anna", "ben"}

    assert any("Flagged \"not a digit\" by students: 1" in text.value for text in app.markdown)
    exports = {element.proto.label for element in app.get("download_button")}
    assert {"Download the reads (.csv)", "Download the drawings (.npz)"} <= exports
    assert app.button(key="class_finetune").disabled, "the class set is empty: nothing to fine-tune on"

    class_store.add(int(y_test[10]), x_test[10], collection="cleo")  # a new student draws during the lesson
    app.button(key="class_view_refresh").click().run()
    metrics = {metric.label: metric.value for metric in app.metric}
    assert (metrics["Drawings"], metrics["Collections"]) == ("11", "3"), "the cached reads follow the database"


def test_the_teacher_fine_tunes_a_class_model_on_the_class_set_and_clears_the_flags(class_store, monkeypatch):
    import ui.class_view.class_model as class_model
    from mnist_cnn.my_digits.class_set import CLASS_SET, file_wrong_answer

    records = ClassRecords(class_store.path)
    for label in (1, 2, 3, 4):  # four drawings the model read as a 0
        file_wrong_answer(class_store, records, label, (0, True), np.full((28, 28), label / 10, np.float32), None,
                          "canvas", "anna", save_own_copy=False)
    started = []
    monkeypatch.setattr(class_model, "start_finetune_job",
                        lambda base, architecture, collection: started.append((base, collection)) or True)
    app = open_class_view(teacher=True)
    by_collection = frame(app, "collection", "right").set_index("collection")
    assert by_collection.loc[CLASS_SET, "drawings"] == 4
    assert app.metric[0].value == "10", "the class-wide figures leave the class set's copies out"
    app.button(key="class_finetune").click().run()
    assert started == [(config.DEFAULT_MODEL_NAME, CLASS_SET)]

    assert app.button(key="class_view_clear_flags").disabled, "clearing needs the confirmation first"
    app.checkbox(key="class_view_confirm_clear_flags").check().run()
    app.button(key="class_view_clear_flags").click().run()
    assert not app.exception and records.list_non_digits() == []
    assert any("Flagged \"not a digit\" by students: 0" in text.value for text in app.markdown)


@pytest.mark.parametrize("teacher", [False, True])
def test_a_link_to_the_class_set_opens_it_for_the_teacher_only(class_store, teacher):
    from mnist_cnn.my_digits.class_set import CLASS_SET, ensure_class_set

    ensure_class_set(class_store)
    app = AppTest.from_file(str(APP_PATH), default_timeout=PAGE_RUN_TIMEOUT)
    app.secrets["teacher_password"] = PASSWORD
    if teacher:
        app.session_state["teacher_unlocked"] = fingerprint_password(PASSWORD)
    app.query_params["collection"] = CLASS_SET
    app.run()
    assert not app.exception, [item.value for item in app.exception]
    assert (app.session_state["collection"] == CLASS_SET) is teacher
    if not teacher:
        shown = [*app.sidebar.warning, *app.sidebar.info, *app.sidebar.caption, *app.warning, *app.info]
        assert any("kept by the teacher" in item.value for item in shown)
