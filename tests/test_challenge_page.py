"""AppTest for the Class challenge page and its leaderboard in the class view (no teacher password: teacher mode)."""

import numpy as np
import pytest

from mnist_cnn import config
from mnist_cnn.lessons.teacher import PASSWORD_ENVIRONMENT_VARIABLE
from mnist_cnn.my_digits.class_records import ClassRecords
from mnist_cnn.my_digits.collections import DEFAULT_COLLECTION, MyDigitsStore
from tests.support.apptest import open_app_page

PAGE = "pages/challenge.py"


@pytest.fixture
def database(tmp_path, monkeypatch, mnist):
    """A drawings database where 'ben' saved twenty MNIST test digits; no teacher password."""
    monkeypatch.setattr(config, "USER_DATA_DIR", tmp_path)
    monkeypatch.delenv(PASSWORD_ENVIRONMENT_VARIABLE, raising=False)
    store = MyDigitsStore(tmp_path / "my_digits.sqlite3")
    _, (x_test, y_test) = mnist
    for index in range(20):
        store.add(int(y_test[index]), x_test[index], collection="ben")
    return tmp_path / "my_digits.sqlite3"


def a_test_seven(mnist) -> np.ndarray:
    """An MNIST test 7 that no collection holds, as the Draw page leaves a drawing: (28, 28) float32 in [0, 1]."""
    _, (x_test, y_test) = mnist
    return x_test[np.flatnonzero(y_test == 7)[5]].astype(np.float32) / 255


def test_without_a_drawing_the_page_points_to_the_draw_page(database):
    app = open_app_page(PAGE)
    assert any("Draw a digit on the Draw page first" in info.value for info in app.info)


def test_a_drawing_is_scored_submitted_and_ranked_in_the_class_view(database, mnist):
    app = open_app_page(PAGE, session_state={"drawing_input": a_test_seven(mnist)})
    assert app.selectbox(key="challenge_choice").value == "7-as-1"
    metrics = {metric.label: metric for metric in app.metric}
    assert metrics["The model reads"].value == "7", "a plain 7 does not fool the model"
    assert metrics["Score"].value == "0"
    assert metrics["Classmates' reader"].value.endswith("of 5")
    assert any("knew 20 drawings of other collections" in caption.value for caption in app.caption)

    app.button(key="challenge_submit").click().run()
    assert not app.exception
    attempts = ClassRecords(database).list_attempts("7-as-1")
    assert [(attempt.collection, attempt.score, attempt.fooled) for attempt in attempts] == [
        (DEFAULT_COLLECTION, 0, False)]
    assert any("Your collection's best so far: 0" in caption.value for caption in app.caption)
    app.button(key="challenge_submit").click().run()
    assert len(ClassRecords(database).list_attempts()) == 1, "one drawing is submitted once"

    app.switch_page("pages/class_view.py").run()
    assert not app.exception
    board = next(frame.value for frame in app.dataframe if "best_score" in frame.value.columns)
    assert board[["rank", "collection", "best_score", "attempts"]].values.tolist() == [[1, DEFAULT_COLLECTION, 0, 1]]
