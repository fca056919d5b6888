"""The test-set explorer page in AppTest (totals, filters, paging, selection, tabs, comparison) and in a browser."""

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from mnist_cnn import config
from mnist_cnn.store.model_store import ModelStore, build_metadata, load_keras_model
from tests.support.server import PROJECT_ROOT, copy_bundled_models

PAGE = "pages/mistakes.py"
# Must match pages/mistakes.py.
PAGE_SIZE = 20
TAB_KEY = "explorer_tab"


def predict_digits(model, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The model's answers and confidences, computed here independently of mnist_cnn.evaluation.metrics."""
    outputs = [np.asarray(model(images[start:start + 1000, :, :, None].astype("float32") / 255.0, training=False))
               for start in range(0, len(images), 1000)]
    probabilities = np.concatenate(outputs)  # (10000, 10)
    return probabilities.argmax(axis=1), probabilities.max(axis=1)


@pytest.fixture(scope="module")
def explorer_store(tmp_path_factory, tiny_trained_model, mnist):
    """A private model store (the bundled default and a tiny model) and each model's test predictions."""
    directory = copy_bundled_models(tmp_path_factory.mktemp("explorer") / "models")
    _, (x_test, y_test) = mnist
    ModelStore(directory).save(tiny_trained_model, build_metadata(
        tiny_trained_model, "keras_example", {}, {}, [1.0], 1.0, 0.0, 0.5), name="tiny")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(config, "MODELS_DIR", directory)
        default_predictions, default_confidences = predict_digits(load_keras_model(directory / "default.keras"),
                                                                  x_test)
        yield {
            "labels": y_test,
            "default": default_predictions,
            "default_confidences": default_confidences,
            "tiny": predict_digits(tiny_trained_model, x_test)[0],
        }


def open_explorer(tab: str | None = None) -> AppTest:
    """The app switched to the explorer page (on the given tab), after one run."""
    app = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=180)
    app.run()
    app.switch_page(PAGE)
    if tab is not None:
        app.session_state[TAB_KEY] = tab
    app.run()
    assert not app.exception, app.exception
    return app


def expected_mistakes(predictions, labels, true_digit=None, predicted_digit=None) -> set:
    """Indices of wrong answers matching the filters."""
    wrong = predictions != labels
    if true_digit is not None:
        wrong &= labels == true_digit
    if predicted_digit is not None:
        wrong &= predictions == predicted_digit
    return set(np.flatnonzero(wrong).tolist())


def shown_card_indices(app: AppTest) -> list[int]:
    """Test-digit indices of the gallery cards on screen, from their Select buttons' keys."""
    return [int(button.key.rsplit("_", 1)[1]) for button in app.button
            if button.key and button.key.startswith("mistakes_select_")]


def metric_value(app: AppTest, label: str) -> str:
    """The shown value of the metric with this label."""
    return next(metric.value for metric in app.metric if metric.label == label)


def test_page_shows_the_error_count_of_a_known_model(explorer_store):
    app = open_explorer()
    labels, predictions = explorer_store["labels"], explorer_store["default"]
    errors = int(np.sum(predictions != labels))
    assert metric_value(app, "Errors") == str(errors)
    assert metric_value(app, "Test accuracy") == f"{1 - errors / len(labels):.2%}"
    assert metric_value(app, "Test digits") == "10,000"
    assert len(shown_card_indices(app)) == min(PAGE_SIZE, errors)


def test_the_explorer_reads_the_kept_evaluation_instead_of_evaluating(explorer_store, monkeypatch):
    import streamlit as st

    import mnist_cnn.evaluation.metrics

    def refuse_to_evaluate(*arguments, **keywords):
        raise AssertionError("the bundled model was evaluated again instead of reading its kept evaluation")

    st.cache_data.clear()  # no evaluation in this process's cache: it must come from default.evaluation.npz
    monkeypatch.setattr(mnist_cnn.evaluation.metrics, "evaluate_model", refuse_to_evaluate)
    app = open_explorer()
    errors = int(np.sum(explorer_store["default"] != explorer_store["labels"]))
    assert metric_value(app, "Errors") == str(errors)


def test_filters_show_exactly_the_matching_mistakes(explorer_store):
    labels, predictions = explorer_store["labels"], explorer_store["default"]
    wrong = predictions != labels
    pairs = np.zeros((10, 10), int)
    np.add.at(pairs, (labels[wrong], predictions[wrong]), 1)
    true_digit, predicted_digit = np.unravel_index(pairs.argmax(), pairs.shape)
    app = open_explorer()
    app.selectbox(key="mistakes_true_digit").set_value(int(true_digit))
    app.selectbox(key="mistakes_predicted_digit").set_value(int(predicted_digit))
    app.run()
    expected = expected_mistakes(predictions, labels, true_digit, predicted_digit)
    shown = shown_card_indices(app)
    assert set(shown) <= expected and len(shown) == min(PAGE_SIZE, len(expected))
    noun = "mistake" if len(expected) == 1 else "mistakes"
    assert any(f"**{len(expected):,} {noun}**" in block.value for block in app.markdown)
    # Only a true-digit filter: every mistake on that digit, whatever the answer.
    app.selectbox(key="mistakes_predicted_digit").set_value(-1)
    app.run()
    expected = expected_mistakes(predictions, labels, true_digit=true_digit)
    assert set(shown_card_indices(app)) <= expected
    assert any(f"**{len(expected):,} mistake" in block.value for block in app.markdown)


def test_paging_reaches_every_mistake_most_confident_first(explorer_store):
    labels, predictions = explorer_store["labels"], explorer_store["default"]
    expected = expected_mistakes(predictions, labels)
    pages = max(1, -(-len(expected) // PAGE_SIZE))
    app = open_explorer()
    seen = []
    for page in range(1, min(pages, 3) + 1):  # the first pages, one by one
        app.number_input(key="mistakes_page").set_value(page)
        app.run()
        seen += shown_card_indices(app)
    app.number_input(key="mistakes_page").set_value(pages)
    app.run()
    last = shown_card_indices(app)
    assert len(last) == len(expected) - (pages - 1) * PAGE_SIZE
    assert any(f"page **{pages}** of **{pages}**" in block.value for block in app.markdown)
    assert set(seen) | set(last) <= expected
    if pages <= 3:  # every page was visited: each mistake exactly once
        assert sorted(seen) == sorted(expected)
    else:
        assert len(set(seen + last)) == len(seen) + len(last)
    confidences = explorer_store["default_confidences"][seen]
    assert np.all(np.diff(confidences) <= 1e-5), "most confident mistakes must come first"


def test_selecting_a_mistake_shows_its_probabilities_and_opens_it_in_feature_maps(explorer_store):
    app = open_explorer()
    cards = shown_card_indices(app)
    chosen = cards[min(2, len(cards) - 1)]
    app.button(key=f"mistakes_select_{chosen}").click()
    app.run()
    assert any(header.value == f"Test digit #{chosen}" for header in app.subheader)
    assert app.button(key=f"mistakes_select_{chosen}").label == "Selected"
    assert any("Probability of each digit" in html.proto.body for html in app.get("html"))  # the bars
    next(button for button in app.button if button.label == "Open in feature maps").click()
    app.run()
    assert not app.exception, app.exception
    assert any(title.value == "Feature maps" for title in app.title)
    assert app.session_state["feature_maps_test_index"] == chosen


def test_confusion_tab_shows_the_matrix_and_per_digit_metrics(explorer_store):
    app = open_explorer("Confusion matrix")
    assert len(app.get("vega_lite_chart")) == 1
    table = app.dataframe[0].value
    labels, predictions = explorer_store["labels"], explorer_store["default"]
    assert list(table["test images"]) == np.bincount(labels, minlength=10).tolist()
    assert list(table["errors"]) == np.bincount(labels[predictions != labels], minlength=10).tolist()
    assert not shown_card_indices(app)  # the gallery lives on the Mistakes tab


def test_sample_grid_redraws_with_a_new_seed(explorer_store):
    app = open_explorer("Sample grid")
    assert len(app.get("image")) == 1  # the grid figure
    seed = app.session_state["sample_grid_seed"]
    next(button for button in app.button if button.label == "New random sample").click()
    app.run()
    assert app.session_state["sample_grid_seed"] != seed
    assert any(f"(seed {app.session_state['sample_grid_seed']})" in block.value for block in app.markdown)


def test_compare_models_counts_who_gets_which_digits_right(explorer_store):
    app = open_explorer("Compare models")
    assert app.selectbox(key="compare_first_model").value == "default"
    assert app.selectbox(key="compare_second_model").value == "tiny"
    labels = explorer_store["labels"]
    default_right = explorer_store["default"] == labels
    tiny_right = explorer_store["tiny"] == labels
    assert metric_value(app, "A right, B wrong") == str(int(np.sum(default_right & ~tiny_right)))
    assert metric_value(app, "B right, A wrong") == str(int(np.sum(tiny_right & ~default_right)))
    assert metric_value(app, "Both wrong") == str(int(np.sum(~tiny_right & ~default_right)))
    app.selectbox(key="compare_second_model").set_value("default")
    app.run()
    assert any("two different models" in warning.value for warning in app.warning)


@pytest.mark.browser
def test_clicking_a_confusion_cell_filters_the_gallery(app_server, page):
    from playwright.sync_api import expect

    page.goto(app_server)
    page.get_by_role("link", name="Test-set explorer").click()
    expect(page.get_by_text("Errors").first).to_be_visible(timeout=120_000)
    page.get_by_role("tab", name="Confusion matrix").click()
    cells = page.locator('[data-testid="stVegaLiteChart"] g.mark-rect path')
    expect(cells).to_have_count(100, timeout=60_000)
    box = cells.nth(4 * 10 + 9).bounding_box()  # row: true 4, column: predicted 9
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # on the count, as people do
    expect(page.get_by_role("tab", name="Mistakes", selected=True)).to_be_visible(timeout=60_000)
    expect(page.get_by_text("true 4 → predicted 9", exact=False).first.or_(
        page.get_by_text("No mistakes for true 4 → predicted 9"))).to_be_visible(timeout=60_000)
