"""The Retrain panel and the Training page in AppTest, and the training charts on small histories."""

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from mnist_cnn import config
import mnist_cnn.jobs.manager as jobs
from mnist_cnn.model.architectures import ARCHITECTURES
from mnist_cnn.plots.training import (make_comparison_chart, make_history_chart, make_history_frame, make_live_chart,
                                      make_models_table)
from mnist_cnn.store.model_store import ModelStore, build_metadata
from tests.support.server import copy_bundled_models
from tests.support.stores import save_trained_model

APP_PATH = str(Path(__file__).resolve().parent.parent / "app.py")
RUN_TIMEOUT = 120   # seconds for one script run (the first one imports TensorFlow and builds six models)


@pytest.fixture
def models_dir(tmp_path, monkeypatch):
    """The app's store points at a private copy of the bundled model; the job manager is fresh."""
    directory = copy_bundled_models(tmp_path / "models")
    monkeypatch.setattr(config, "MODELS_DIR", directory)
    monkeypatch.setattr(jobs, "JOB_MANAGER", jobs.JobManager(board_location=tmp_path / "jobs.sqlite3"))
    return directory


def open_training_page() -> AppTest:
    """The app, on the Training page."""
    app = AppTest.from_file(APP_PATH, default_timeout=RUN_TIMEOUT).run()
    return app.switch_page("pages/training.py").run()


def test_the_training_page_lists_models_and_protects_the_default(models_dir, tiny_trained_model):
    save_trained_model(models_dir, tiny_trained_model, "keras_example-test")
    app = open_training_page()
    assert not app.exception
    table = app.dataframe[0].value
    assert list(table["model"]) == ["default (bundled)", "keras_example-test"]
    assert app.selectbox(key="training_delete_choice").options == ["keras_example-test"]  # never the default
    assert "No training job is running" in " ".join(caption.value for caption in app.caption)


def test_deleting_a_trained_model_asks_first_and_removes_its_files(models_dir, tiny_trained_model):
    stored = save_trained_model(models_dir, tiny_trained_model, "keras_example-test")
    app = open_training_page()
    app.button[[b.label for b in app.button].index("Delete…")].click().run()
    assert stored.model_path.exists()  # only asked so far
    assert any("cannot be undone" in warning.value for warning in app.warning)
    app.button[[b.label for b in app.button].index("Yes, delete it")].click().run()
    assert not app.exception
    assert not stored.model_path.exists() and not stored.metadata_path.exists()
    assert (models_dir / "default.keras").exists()
    assert [m.name for m in ModelStore(models_dir).list_models()] == ["default"]


def show_sidebar_only():
    """The app's sidebar as a script of its own (AppTest reruns only the page of a st.navigation app)."""
    from ui.sidebar import show_sidebar
    from ui.state import init_session_state

    init_session_state()
    show_sidebar()


def open_sidebar() -> AppTest:
    """The sidebar (model picker and Retrain panel), run once."""
    return AppTest.from_function(show_sidebar_only, default_timeout=RUN_TIMEOUT).run()


def test_a_corrupt_stored_model_is_reported_and_skipped(models_dir, tiny_trained_model):
    (models_dir / "broken.keras").write_bytes(b"this is not a zip archive")
    (models_dir / "broken.json").write_text(json.dumps({"architecture": "keras_example"}))
    (models_dir / "half.keras").write_bytes(b"PK")  # no metadata: an interrupted save
    app = open_training_page()
    assert not app.exception
    warnings = " ".join(warning.value for warning in app.warning)
    assert "broken" in warnings and "half" in warnings
    assert list(app.dataframe[0].value["model"]) == ["default (bundled)"]
    sidebar = open_sidebar()
    assert not sidebar.exception
    options = sidebar.selectbox(key="active_model_name").options  # as displayed: "name · accuracy"
    assert len(options) == 1 and options[0].startswith("default")
    assert "broken" in " ".join(warning.value for warning in sidebar.warning)


def test_the_panel_shows_every_architecture_with_its_parameter_count_and_the_limits(models_dir):
    sidebar = open_sidebar()
    assert not sidebar.exception
    architectures = sidebar.selectbox(key="retrain_architecture")
    assert [option.split(" (")[0] for option in architectures.options] == list(ARCHITECTURES)
    assert architectures.value == "keras_example"
    assert architectures.options[architectures.index] == "keras_example (34,826)"
    captions = " ".join(caption.value for caption in sidebar.caption)
    assert "34,826 parameters" in captions and f"{config.MAX_EPOCHS} epochs" in captions
    assert sidebar.number_input(key="retrain_epochs").max == config.MAX_EPOCHS
    held_out = f"{jobs.JobSpec().settings.validation_split:.0%} are held out"  # the share the job really holds out
    assert held_out in sidebar.radio(key="retrain_size").help
    assert "retrain_gpu" not in [box.key for box in sidebar.checkbox], "a GPU is offered only on a Ray cluster"


@pytest.mark.slow
def test_the_panel_starts_a_job_that_is_saved_listed_and_can_become_active(models_dir):
    sidebar = open_sidebar()
    sidebar.number_input(key="retrain_epochs").set_value(1)
    sidebar.radio(key="retrain_size").set_value("Subset").run()
    sidebar.number_input(key="retrain_subset").set_value(1000)
    sidebar.button(key="retrain_start").click().run()
    assert not sidebar.exception
    job = jobs.get_job_manager().current()
    assert job is not None and job.spec.settings.epochs == 1 and job.spec.settings.train_subset == 1000

    # A second visitor sees the job, and a start of theirs would wait in the queue.
    other = open_sidebar()
    if jobs.get_job_manager().current().is_running:
        assert other.button(key="retrain_start").label == "Queue training"
        assert any("another browser session" in markdown.value for markdown in other.markdown)

    finished = jobs.get_job_manager().wait(240)
    assert finished.status == jobs.FINISHED, finished.message
    sidebar.run()
    options = sidebar.selectbox(key="active_model_name").options  # as displayed: "name · accuracy"
    assert any(option.startswith(finished.result_model_name) for option in options)
    assert (models_dir / f"{finished.result_model_name}.keras").exists()
    assert any("100%" in text for text in [bar.proto.text for bar in sidebar.get("progress")])
    sidebar.button(key="make_active_sidebar").click().run()
    assert sidebar.session_state["active_model_name"] == finished.result_model_name
    assert sidebar.selectbox(key="active_model_name").value == finished.result_model_name


def test_a_start_past_the_sessions_queue_limit_is_refused_with_a_message(models_dir, monkeypatch):
    def refuse(spec, owner="", resources=None):
        raise jobs.QueueLimitError("This browser tab already has 2 training jobs queued or running (at most 2).")

    sidebar = open_sidebar()
    monkeypatch.setattr(jobs.get_job_manager(), "start", refuse)
    sidebar.button(key="retrain_start").click().run()
    assert not sidebar.exception
    assert any("already has 2 training jobs queued" in warning.value for warning in sidebar.warning)


HISTORY = {"loss": [0.9, 0.4, 0.3], "accuracy": [0.7, 0.9, 0.95], "val_loss": [0.5, 0.35, 0.3],
           "val_accuracy": [0.85, 0.92, 0.94]}


def test_history_frame_has_one_row_per_epoch_metric_and_split():
    frame = make_history_frame(HISTORY)
    assert len(frame) == 12
    validation_loss = frame[(frame.metric == "loss") & (frame.split == "validation")]
    assert list(validation_loss.value) == [0.5, 0.35, 0.3]
    assert list(validation_loss.epoch) == [1, 2, 3]
    assert len(make_history_frame({"loss": [1.0], "accuracy": [0.5]})) == 2  # no validation split


def test_history_and_live_charts_build_and_refuse_unknown_metrics():
    assert make_history_chart(HISTORY, "accuracy").to_dict()["mark"]["type"] == "line"
    trace = [{"epoch": 0.5, "loss": 1.0, "accuracy": 0.6}, {"epoch": 1.0, "loss": 0.8, "accuracy": 0.7}]
    assert len(make_live_chart(trace, {"val_loss": [0.7]}, "loss").to_dict()["layer"]) == 2
    with pytest.raises(ValueError):
        make_history_chart(HISTORY, "f1")


def test_models_table_and_comparison_chart(tmp_path, tiny_trained_model):
    stored = save_trained_model(copy_bundled_models(tmp_path / "models"), tiny_trained_model, "m1")
    table = make_models_table([stored])
    row = table.iloc[0]
    assert (row["model"], row["epochs"], row["training images"], row["test accuracy"]) == ("m1", 2, 2000, 0.91)
    assert row["parameters"] == tiny_trained_model.count_params()
    assert make_comparison_chart(table).to_dict()["mark"]["type"] == "circle"
    with pytest.raises(ValueError):
        make_comparison_chart(table.drop(columns=["test accuracy"]))


def show_report_of_the_finetuned_model():
    """The fine-tune report of the model named keras_example-finetuned, as a script of its own."""
    from ui.finetune_panel import show_finetune_report

    show_finetune_report("keras_example-finetuned")


def test_a_finetune_report_shows_before_and_after_and_how_much_was_kept(models_dir, tiny_trained_model):
    history = {"loss": [0.4], "accuracy": [0.9]}
    report = {"before": {"mnist_test_accuracy": 0.99, "user_holdout_accuracy": 0.5},
              "after": {"mnist_test_accuracy": 0.989, "user_holdout_accuracy": 0.8},
              "user_digits": 40, "held_out": 10, "blend": 0.8}
    metadata = build_metadata(tiny_trained_model, "keras_example", {"epochs": 1}, history, [1.0], 1.0, 0.3, 0.989,
                              finetune=report)
    ModelStore(models_dir).save(tiny_trained_model, metadata, "keras_example-finetuned")
    app = AppTest.from_function(show_report_of_the_finetuned_model, default_timeout=RUN_TIMEOUT).run()
    assert not app.exception
    table = app.dataframe[0].value
    assert list(table["before"]) == [0.99, 0.5] and list(table["after"]) == [0.989, 0.8]
    caption = app.caption[0].value
    assert "10 of your 40 drawings were held out" in caption
    assert "80% of the fine-tuning's weight change was kept" in caption


def test_a_model_with_badly_typed_metadata_is_reported_and_every_page_works(models_dir, tiny_trained_model):
    stored = save_trained_model(models_dir, tiny_trained_model, "typed-wrong")
    metadata = json.loads(stored.metadata_path.read_text())
    stored.metadata_path.write_text(json.dumps({**metadata, "test_accuracy": "99%", "created_at": 17,
                                                "parameter_count": None}))
    app = open_training_page()
    assert not app.exception
    assert "typed-wrong" in " ".join(warning.value for warning in app.warning)
    assert list(app.dataframe[0].value["model"]) == ["default (bundled)"]
    for page in ("pages/draw.py", "pages/architecture.py"):
        app.switch_page(page).run()
        assert not app.exception, page


def test_the_teacher_can_delete_unreadable_model_files_too(models_dir, tiny_trained_model):
    nan_loss = save_trained_model(models_dir, tiny_trained_model, "nan-loss")
    nan_loss.metadata_path.write_text(json.dumps({**nan_loss.metadata, "test_loss": float("nan")}))
    (models_dir / "broken.keras").write_bytes(b"this is not a zip archive")
    app = open_training_page()
    assert not app.exception
    choice = app.selectbox(key="training_delete_choice")
    assert choice.options == ["broken (unreadable)", "nan-loss (unreadable)"]
    for _ in range(2):
        app.button[[b.label for b in app.button].index("Delete…")].click().run()
        app.button[[b.label for b in app.button].index("Yes, delete it")].click().run()
        assert not app.exception
    assert sorted(path.name for path in models_dir.glob("*.keras")) == ["default.keras"]
    assert ModelStore(models_dir).count_trained_models() == 0


def finished_snapshot(ended_seconds_ago: float) -> jobs.JobSnapshot:
    """A training job someone else started that ended this many seconds ago, having saved `their-model`."""
    import time

    elapsed = 120.0
    return jobs.JobSnapshot(job_id="someone-else", spec=jobs.JobSpec(), status=jobs.FINISHED, phase="done", epoch=1,
                            batch=100, batches_per_epoch=100, history={}, batch_trace=[],
                            started_at=time.time() - ended_seconds_ago - elapsed, elapsed_seconds=elapsed,
                            eta_seconds=None, cancel_requested=False, result_model_name="their-model",
                            test_accuracy=0.99, test_loss=0.03)


@pytest.mark.parametrize("opened_before_it_ended", [True, False], ids=["open-then", "arrived-later"])
def test_an_ended_job_is_shown_to_sessions_open_then_not_to_later_visitors(models_dir, monkeypatch,
                                                                          opened_before_it_ended):
    import time

    monkeypatch.setattr(jobs.JOB_MANAGER, "current", lambda owner=None: finished_snapshot(ended_seconds_ago=60))
    app = AppTest.from_file(APP_PATH, default_timeout=RUN_TIMEOUT)
    if opened_before_it_ended:
        app.session_state["session_opened_at"] = time.time() - 600  # this tab was open while the job ran
    app.run()
    app.switch_page("pages/training.py").run()
    assert not app.exception
    shown = any("their-model" in success.value for success in app.success)
    assert shown == opened_before_it_ended


def test_stage_labels_take_as_few_rows_as_keep_them_apart_and_never_run_past_the_last_epoch():
    from mnist_cnn.plots.training import LABEL_ROW_PIXELS, place_stage_labels

    # 30 epochs on a 300-px plot: 10 px per epoch, so "stage 2" (48 px) spans 4.8 epochs, a number 1.2 or 1.8
    starts = [(3, "stage 2: continued"), (6, "stage 3: x"), (9, "stage 4: x"), (12, "stage 5: x"),
              (28, "stage 6: x"), (29, "stage 7: x"), (30, "stage 12: x")]
    placed = place_stage_labels(starts, last_epoch=30)
    assert [row["short"] for row in placed] == ["stage 2", "3", "4", "5", "6", "7", "12"]
    rows = [(row["pixels"] - 2) // LABEL_ROW_PIXELS for row in placed]
    # "3" starts inside "stage 2" (2.5 + 4.8 > 5.5), "4" clears it; "7" starts inside "6"; "12" would run past
    # epoch 30.5, so it ends at its rule (27.7 to 29.5), inside both "6" and "7"
    assert rows == [0, 1, 0, 0, 0, 1, 2]
    assert [row["align"] for row in placed] == ["left"] * 6 + ["right"]
    assert [row["epoch"] for row in placed] == [first - 0.5 for first, _ in starts]
    chart = make_history_chart({}, "accuracy", stage_starts=starts).to_dict()  # a lineage without its curves
    rules = next(layer for layer in chart["layer"] if layer["mark"]["type"] == "rule")
    assert len(chart["datasets"][rules["data"]["name"]]) == len(starts)


def test_the_bundled_models_curves_mark_where_each_stage_begins_and_say_why_training_accuracy_drops(models_dir):
    from mnist_cnn.training.lineage import list_stage_starts

    metadata = json.loads((models_dir / "default.json").read_text())
    # stages 1-3 trained 16, 5 and 6 epochs, stages 6, 8-10, 12, 13, 15 and 16 6, 3, 2, 2, 2, 2, 2 and 2; the
    # blends (4, 5, 7, 11, 14, 17-19) none
    starts = list_stage_starts(metadata)
    assert [first for first, _ in starts] == [17, 22, 28, 34, 37, 39, 41, 43, 45, 47]
    assert starts[1][1] == "stage 3: continued, + pen digits and non-digits" and "non-digits" not in starts[0][1]
    assert [label.split(":")[0] for _, label in starts[2:]] == ["stage 6", "stage 8", "stage 9", "stage 10",
                                                                 "stage 12", "stage 13", "stage 15", "stage 16"]
    chart = make_history_chart(metadata["history"], "accuracy", stage_starts=starts).to_dict()
    rules = next(layer for layer in chart["layer"] if layer["mark"]["type"] == "rule")
    assert [row["epoch"] for row in chart["datasets"][rules["data"]["name"]]] == [16.5, 21.5, 27.5, 33.5, 36.5,
                                                                                  38.5, 40.5, 42.5, 44.5, 46.5]
    app = open_training_page()
    assert not app.exception
    assert any("training accuracy drops there" in caption.value for caption in app.caption)
