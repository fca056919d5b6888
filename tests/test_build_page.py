"""The Build page (AppTest): load a preset, edit a row and see the shapes change, a refused list shows its message,
Train it hands the list to the Retrain panel, which starts a job with it; a trained built network opens on every page
and can be taken home."""


import pytest
from streamlit.testing.v1 import AppTest

import mnist_cnn.jobs.manager as jobs
from mnist_cnn import config
from mnist_cnn.model.built_network import BUILT_ARCHITECTURE, preset_spec
from mnist_cnn.model.layer_spec import validate_spec
from tests.support.apptest import open_app_page
from tests.support.built import BUILT_MODEL_NAME, BUILT_SPEC, train_built_model
from tests.support.server import copy_bundled_models
from tests.test_training_page import show_sidebar_only

BUILD_PAGE = "pages/build.py"


def list_app_pages() -> list[str]:
    """Every page of the app's menu (ui/menu.py), as AppTest names it ('pages/<file>')."""
    from ui.menu import PAGES

    return [f"pages/{file}" for file, _, _, _ in PAGES]


def measurements(app: AppTest):
    """The page's measurements table (the read-only one with output shapes)."""
    return next(frame.value for frame in app.dataframe if "output shape" in frame.value.columns)


def shapes(app: AppTest) -> dict[str, str]:
    """Layer name -> output shape, from the page's measurements table."""
    table = measurements(app)
    return dict(zip(table["layer"], table["output shape"]))


def edit_table(app: AppTest, edited_rows: dict) -> AppTest:
    """Edit cells of the layer table (row -> {column: value}) as a person would, and rerun."""
    app.session_state[app.data_editor[0].key] = {"edited_rows": edited_rows, "added_rows": [], "deleted_rows": []}
    return app.run()


def test_load_a_preset_edit_a_row_and_see_a_refused_list_explained():
    app = open_app_page(BUILD_PAGE)
    assert shapes(app)["conv2"] == "11×11×64" and not app.error  # keras_example, the starting point
    app.selectbox(key="build_start").set_value("batchnorm_cnn")
    app.button(key="build_load").click().run()
    assert len(measurements(app)) == len(preset_spec("batchnorm_cnn")) + 1
    assert shapes(app)["conv2"] == "14×14×32"
    edit_table(app, {0: {"filters": 8}, 2: {"filters": 12}})  # fewer filters in conv1 and conv2
    assert shapes(app)["conv1"] == "28×28×8" and shapes(app)["conv2"] == "14×14×12"
    assert measurements(app)["parameters"][0] == 8 * 9  # no bias: a batch norm follows
    assert not app.error, [error.value for error in app.error]
    assert not app.button(key="build_train_it").disabled
    edit_table(app, {row: {"kernel": 7, "padding": "valid"} for row in (0, 2, 5, 7)})  # 28 → 22 → 8 → 2 → …
    errors = [error.value for error in app.error]
    assert errors and "window does not fit" in errors[0] and "below 1×1" in errors[0]
    assert app.button(key="build_train_it").disabled


@pytest.fixture
def recorded_starts(monkeypatch, tmp_path):
    """A job manager that checks and records the specs it is asked to start, and trains nothing."""
    from tests.test_teacher import running_snapshot

    monkeypatch.setattr(config, "MODELS_DIR", copy_bundled_models(tmp_path / "models"))
    monkeypatch.setattr(jobs, "JOB_MANAGER", jobs.JobManager(board_location=tmp_path / "jobs.sqlite3"))
    started, manager = [], jobs.get_job_manager()
    monkeypatch.setattr(manager, "current", lambda owner=None: None)
    monkeypatch.setattr(manager, "start",
                        lambda spec, owner="", resources=None: spec.validate() or started.append(spec)
                        or running_snapshot())
    return started


def test_train_it_sends_the_list_to_the_retrain_panel_which_trains_it(recorded_starts):
    app = open_app_page(BUILD_PAGE)
    app.button(key="build_train_it").click().run()
    sent = app.session_state["built_spec"]
    assert sent == preset_spec("keras_example") and app.session_state["retrain_architecture"] == BUILT_ARCHITECTURE
    assert any("Sent to the **Retrain** panel" in message.value for message in app.success)
    sidebar = AppTest.from_function(show_sidebar_only, default_timeout=180)
    sidebar.session_state["built_spec"] = sent
    sidebar.session_state["retrain_architecture"] = BUILT_ARCHITECTURE
    sidebar.run()
    assert sidebar.selectbox(key="retrain_architecture").value == BUILT_ARCHITECTURE
    assert any("Your network from the Build page: conv 32 → max pooling" in caption.value
               for caption in sidebar.caption)
    sidebar.number_input(key="retrain_epochs").set_value(1)
    sidebar.button(key="retrain_start").click().run()
    assert not sidebar.exception and not sidebar.error
    (spec,) = recorded_starts
    assert spec.settings.architecture == BUILT_ARCHITECTURE and spec.settings.architecture_spec == sent


@pytest.fixture(scope="module")
def built_store(tmp_path_factory, mnist):
    """A store with the bundled models and a trained built network."""
    directory = copy_bundled_models(tmp_path_factory.mktemp("built_store") / "models")
    train_built_model(directory, mnist)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(config, "MODELS_DIR", directory)
        yield directory


@pytest.mark.parametrize("page", list_app_pages())
def test_a_trained_built_network_opens_on_every_page(built_store, page):
    app = open_app_page(page, session_state={"active_model_name": BUILT_MODEL_NAME})
    assert app.session_state["active_model_name"] == BUILT_MODEL_NAME
    assert not app.error, [error.value for error in app.error]
    if page == "pages/architecture.py":
        assert any("built on the Build page" in caption.value for caption in app.caption)
        assert {button.key for button in app.get("download_button")} == {"take_home_script", "take_home_notebook"}
        app.button(key="take_home_convert_onnx").click().run()
        assert not app.exception and not app.error
        assert "take_home_download_onnx" in {button.key for button in app.get("download_button")}
    if page == BUILD_PAGE:
        app.selectbox(key="build_start").set_value("the active model")
        app.button(key="build_load").click().run()
        assert len(measurements(app)) == len(validate_spec(BUILT_SPEC)) + 1


def test_the_retrain_panel_offers_to_train_a_built_active_model_again(built_store):
    sidebar = AppTest.from_function(show_sidebar_only, default_timeout=180)
    sidebar.session_state["active_model_name"] = BUILT_MODEL_NAME
    sidebar.run()
    sidebar.button(key="retrain_use_active_layers").click().run()
    assert not sidebar.exception
    assert sidebar.session_state["built_spec"] == validate_spec(BUILT_SPEC)
    assert sidebar.selectbox(key="retrain_architecture").value == BUILT_ARCHITECTURE
