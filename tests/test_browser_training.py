"""Browser test: start a one-epoch training on a subset from the sidebar, watch it finish, use the new model."""

import re

import pytest

from tests.support.server import copy_bundled_models, start_streamlit

# Generous: the worker process imports TensorFlow on a shared two-core machine.
TRAINING_TIMEOUT_MS = 240_000


def wait_until_idle(page) -> None:
    """Wait until no script run is in progress (the page's runs have all ended)."""
    from playwright.sync_api import expect

    expect(page.locator("[data-test-script-state='running']")).to_have_count(0, timeout=120_000)


@pytest.fixture
def training_server(tmp_path):
    """A private Streamlit server (its own store and job manager): (url, models folder)."""
    models_dir = copy_bundled_models(tmp_path / "models")
    process, url = start_streamlit(models_dir, tmp_path / "user_data")
    yield url, models_dir
    process.terminate()
    process.wait(timeout=30)


@pytest.mark.browser
def test_one_epoch_on_a_subset_from_the_sidebar_reaches_100_percent_and_becomes_selectable(training_server, page):
    from playwright.sync_api import expect

    url, models_dir = training_server
    page.goto(url)
    sidebar = page.get_by_test_id("stSidebar")
    wait_until_idle(page)  # settings changed while the first run still builds the panel could be lost
    sidebar.get_by_text("Retrain", exact=True).click()
    expect(sidebar.get_by_text("34,826 parameters.").first).to_be_visible(timeout=60_000)

    epochs = sidebar.get_by_label(re.compile(r"^Epochs"))
    epochs.fill("1")
    epochs.press("Enter")
    expect(epochs).to_have_value("1")
    sidebar.get_by_text("Subset", exact=True).click()
    wait_until_idle(page)
    subset = sidebar.get_by_label(re.compile(r"^Subset size"))
    expect(subset).to_be_visible()
    subset.fill("1000")
    subset.press("Enter")
    expect(subset).to_have_value("1000")
    sidebar.get_by_role("button", name="Start training").click()

    # The job is live in the sidebar, then reaches 100% and offers its model.
    expect(sidebar.get_by_text(re.compile(r"Training in progress|Trained keras_example"))).to_be_visible(
        timeout=30_000)
    expect(sidebar.get_by_text(re.compile(r"Epoch 1 of 1 · 100% overall"))).to_be_visible(
        timeout=TRAINING_TIMEOUT_MS)
    expect(sidebar.get_by_text(re.compile(r"Batch 8 of 8 · 100%"))).to_be_visible()
    make_active = sidebar.get_by_role("button", name="Make it the active model")
    expect(make_active).to_be_visible(timeout=TRAINING_TIMEOUT_MS)  # evaluated on the test set and saved
    expect(sidebar.get_by_text(re.compile(r"Trained keras_example-.*test accuracy"))).to_be_visible()
    trained = sorted(path.stem for path in models_dir.glob("keras_example-*.keras"))
    assert len(trained) == 1 and (models_dir / f"{trained[0]}.json").exists()

    make_active.click()
    picker = sidebar.get_by_role("combobox", name="Model", exact=True)
    expect(picker).to_have_value(re.compile(re.escape(trained[0]) + " · "), timeout=30_000)  # the new model
    expect(sidebar.get_by_text("It is the active model.")).to_be_visible()
