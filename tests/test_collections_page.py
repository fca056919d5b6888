"""AppTest of personal collections: ?collection= opens one, bad names get a message, clearing one leaves the others,
the Draw page saves into the current one, and a corrupt database breaks only My digits."""

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from mnist_cnn import config
from mnist_cnn.my_digits.collections import DEFAULT_COLLECTION, MyDigitsStore

APP_PATH = str(Path(__file__).resolve().parent.parent / "app.py")
RUN_TIMEOUT = 120  # seconds: the first run imports TensorFlow and loads the model


@pytest.fixture
def user_store(tmp_path, monkeypatch):
    """A private drawing database: two drawings in 'anna', three in 'Ben 2', one in the default collection."""
    monkeypatch.setattr(config, "USER_DATA_DIR", tmp_path)
    store = MyDigitsStore(tmp_path / "my_digits.sqlite3")
    digit = np.zeros((28, 28), np.float32)
    digit[6:22, 12:16] = 1.0
    for collection, labels in (("anna", (1, 7)), ("Ben 2", (1, 2, 3)), (DEFAULT_COLLECTION, (4,))):
        for label in labels:
            store.add(label, digit, collection=collection)
    return store


def start_app(collection: str | None = None) -> AppTest:
    """The app after its first run (the Draw page), with ?collection= in its URL if given.

    The sidebar is used only in this first run's tree: Streamlit 1.67's AppTest drops the sidebar's elements on every
    later run of an st.navigation app, so a sidebar interaction sets all its widgets, then runs once.
    """
    app = AppTest.from_file(APP_PATH, default_timeout=RUN_TIMEOUT)
    if collection is not None:
        app.query_params["collection"] = collection
    app.run()
    assert not app.exception, app.exception
    return app


def switch_to(app: AppTest, page: str) -> AppTest:
    """The app switched to another page and run."""
    app.switch_page(page)
    app.run()
    assert not app.exception, app.exception
    return app


def open_app(page: str, collection: str | None = None) -> AppTest:
    """The app opened on a page, with ?collection= in its URL if given."""
    return switch_to(start_app(collection), page)


def drawings_metric(app: AppTest) -> str:
    return next(metric.value for metric in app.metric if metric.label == "Drawings")


def test_a_url_with_a_collection_opens_it(user_store):
    app = start_app("anna")
    assert app.sidebar.selectbox(key="collection_picker").value == "anna"
    assert not app.sidebar.warning
    switch_to(app, "pages/my_digits.py")
    assert app.session_state["collection"] == "anna" and drawings_metric(app) == "2"


def test_without_a_url_the_default_collection_is_shown(user_store):
    app = open_app("pages/my_digits.py")
    assert app.session_state["collection"] == DEFAULT_COLLECTION and drawings_metric(app) == "1"


@pytest.mark.parametrize("name, words", [("nobody", "no collection named 'nobody'"),
                                         ("../etc/passwd", "not a valid collection name"),
                                         ("x" * 200, "not a valid collection name")])
def test_an_unknown_or_malformed_name_gets_a_clear_message(user_store, name, words):
    app = start_app(name)
    warnings = [warning.value for warning in app.sidebar.warning]
    assert any(words in warning for warning in warnings), warnings
    switch_to(app, "pages/my_digits.py")
    assert app.session_state["collection"] == DEFAULT_COLLECTION and drawings_metric(app) == "1"


@pytest.mark.parametrize("name", ["[free marks](https://evil.example)", "ok](https://evil.example"])
def test_markdown_in_a_links_collection_name_is_shown_as_text(user_store, name):
    from tests.support.markdown import render_markdown

    app = start_app(name)
    warnings = [warning.value for warning in app.sidebar.warning]
    assert any("not a valid collection name" in warning for warning in warnings), warnings
    for warning in warnings:
        assert "<a " not in render_markdown(warning), warning
    assert any("https\\://evil\\.example" in warning for warning in warnings), "the text is kept, escaped"


def test_deleting_all_in_one_collection_leaves_the_others(user_store):
    app = open_app("pages/my_digits.py", "Ben 2")
    app.checkbox(key="confirm_clear").check().run()
    next(button for button in app.button if button.label == "Delete all").click().run()
    assert not app.exception
    assert drawings_metric(app) == "0"
    assert user_store.count_by_collection() == {DEFAULT_COLLECTION: 1, "anna": 2, "Ben 2": 0}


def test_the_gallery_and_the_teachers_table_show_only_what_they_should(user_store):
    app = open_app("pages/my_digits.py", "anna")
    deletes = [button for button in app.button if button.key and button.key.startswith("delete_")]
    assert len(deletes) == 2
    table = next(frame.value for frame in app.dataframe if "collection" in frame.value.columns)
    counts = dict(zip(table["collection"], table["drawings"], strict=True))
    assert counts == {DEFAULT_COLLECTION: 1, "anna": 2, "Ben 2": 3}


def test_creating_a_collection_in_the_sidebar_switches_to_it(user_store):
    app = start_app()
    app.sidebar.text_input(key="collection_new_name").input("Class 4b")
    app.sidebar.button(key="collection_create").click().run()
    assert not app.exception
    assert app.session_state["collection"] == "Class 4b"
    assert app.session_state["collection_picker"] == "Class 4b"
    assert "Class 4b" in user_store.list_collections()
    switch_to(app, "pages/my_digits.py")
    assert drawings_metric(app) == "0"


def test_picking_another_collection_in_the_sidebar_switches_to_it(user_store):
    app = start_app()
    app.sidebar.selectbox(key="collection_picker").select("Ben 2").run()
    assert app.session_state["collection"] == "Ben 2"
    switch_to(app, "pages/my_digits.py")
    assert drawings_metric(app) == "3"


def test_a_pasted_name_over_40_characters_is_refused_with_a_message_not_cut_short(user_store):
    app = start_app()
    field = app.sidebar.text_input(key="collection_new_name")
    assert field.max_chars > 41  # the browser passes a longer paste on whole, for the check to explain
    field.input("x" * 41)
    app.sidebar.button(key="collection_create").click().run()
    assert not app.exception and app.session_state["collection"] == DEFAULT_COLLECTION
    # The sidebar shows this notice (AppTest drops the sidebar's elements after the first run: read it from the state).
    notice = app.session_state["collection_notice"]
    assert "No collection was created" in notice and "not a valid collection name" in notice and "40" in notice
    assert "x" * 40 not in user_store.list_collections()


def test_a_malformed_new_name_is_refused(user_store):
    app = start_app()
    app.sidebar.text_input(key="collection_new_name").input("a/b")
    app.sidebar.button(key="collection_create").click().run()
    assert app.session_state["collection"] == DEFAULT_COLLECTION
    assert not app.exception and user_store.list_collections() == [DEFAULT_COLLECTION, "Ben 2", "anna"]


def test_the_draw_page_saves_into_the_current_collection(user_store):
    from tests.support.draw_page import save_drawing_as, upload_a_one

    app = start_app("anna")
    upload_a_one(app)
    save_drawing_as(app, 1)
    assert not app.exception
    assert len(user_store.list_digits(collection="anna")) == 3
    assert len(user_store.list_digits()) == 1, "the default collection is untouched"


@pytest.mark.parametrize(("page", "title", "last_part"), [
    ("pages/draw.py", "Draw a digit", "Dark ink on light paper and light ink on dark both work"),
    ("pages/architecture.py", "Architecture", "The maths, layer by layer"),
    ("pages/training.py", "Training", "Delete a trained model"),
])
def test_a_corrupt_database_leaves_the_other_pages_working(tmp_path, monkeypatch, page, title, last_part):
    monkeypatch.setattr(config, "USER_DATA_DIR", tmp_path)
    (tmp_path / "my_digits.sqlite3").write_bytes(np.random.default_rng(0).bytes(16384))
    app = open_app(page, "anna")  # asserts no exception
    assert [element.value for element in app.title] == [title]
    texts = [element.value for element in (*app.header, *app.subheader, *app.caption)]
    assert any(last_part in text for text in texts), texts  # the page is drawn to its end
    assert [error.value for error in app.error] == []  # only My digits speaks of the damaged database
    assert app.session_state["collection"] == "anna", "the person's collection is kept while the database is down"


def test_a_corrupt_database_makes_my_digits_explain_the_fault(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "USER_DATA_DIR", tmp_path)
    (tmp_path / "my_digits.sqlite3").write_bytes(np.random.default_rng(0).bytes(16384))
    app = open_app("pages/my_digits.py")
    assert any("damaged" in error.value for error in app.error), [error.value for error in app.error]


def test_the_gallery_is_paged(user_store, monkeypatch):
    from ui.my_digits import gallery as my_digits

    digit = np.zeros((28, 28), np.float32)
    for index in range(my_digits.GALLERY_PAGE_SIZE + 5):
        user_store.add(index % 10, digit, collection="many")
    app = open_app("pages/my_digits.py", "many")

    def shown() -> int:
        return len([button for button in app.button if button.key and button.key.startswith("delete_")])

    assert shown() == my_digits.GALLERY_PAGE_SIZE
    app.number_input(key="gallery_page_None").set_value(2).run()
    assert shown() == 5
    app.segmented_control(key="gallery_digit").set_value(3).run()
    threes = [digit.id for digit in user_store.list_digits(collection="many", label=3)]
    assert shown() == 5 and {f"delete_{digit_id}" for digit_id in threes} == {
        button.key for button in app.button if button.key and button.key.startswith("delete_")}


def test_evaluation_and_export_are_recomputed_only_when_the_data_changes(user_store, monkeypatch):
    from ui.my_digits import gallery as my_digits

    calls = {"evaluate": 0, "export": 0}
    evaluate, export = my_digits.evaluate_model, MyDigitsStore.export_npz

    def counting_evaluate(*args, **kwargs):
        calls["evaluate"] += 1
        return evaluate(*args, **kwargs)

    def counting_export(self, *args, **kwargs):
        calls["export"] += 1
        return export(self, *args, **kwargs)

    monkeypatch.setattr(my_digits, "evaluate_model", counting_evaluate)
    monkeypatch.setattr(MyDigitsStore, "export_npz", counting_export)
    app = open_app("pages/my_digits.py", "anna")
    assert calls == {"evaluate": 1, "export": 1}
    app.checkbox(key="confirm_clear").check().run()
    app.run()
    assert calls == {"evaluate": 1, "export": 1}, "reruns with the same data use the cache"
    user_store.add(5, np.ones((28, 28), np.float32), collection="anna")
    app.run()
    assert calls == {"evaluate": 2, "export": 2} and drawings_metric(app) == "3"
