"""Download and upload of models: a round trip through the zip, and bad or hostile uploads refused with a clear
reason, judged from their config or tried in a separate, limited, low-priority process, never stored."""

import io
import os
import resource
import threading
import time
import zipfile
from datetime import datetime, timezone

import keras
import numpy as np
import pytest

import mnist_cnn.store.exchange as exchange
import mnist_cnn.store.model_store as store_module
from mnist_cnn import config
from mnist_cnn.jobs.upload_runner import current_check_pid
from mnist_cnn.model.architectures import build_model
from mnist_cnn.model.inference import classify
from mnist_cnn.store.exchange import (ModelExchangeError, UploadBusyError, UploadsDisabledError, export_model_zip,
                                      find_keras_problem, import_model, make_upload_stem)
from mnist_cnn.store.model_store import ModelStore, StoreFullError
from mnist_cnn.store.upload_config import ModelTooLargeError
from tests.support.uploads import (build_lambda_model, build_nan_on_digits_model, build_upsampling_model,
                                   make_conv_stack_config, make_dense_giant_config, make_keras_archive, make_layer,
                                   make_sequential_config, save_model_bytes, save_single_layer_bytes)

# The checking process is TensorFlow plus one small model and a batch of digits: well under this resident peak.
MAX_CHECK_RESIDENT_BYTES = 2 * 2**30


@pytest.fixture
def store(tmp_path):
    return ModelStore(tmp_path / "store")


@pytest.fixture
def test_set(mnist):
    """The first 500 test digits and labels: enough to measure a model in a few seconds."""
    _, (x_test, y_test) = mnist
    return x_test[:500], y_test[:500]


def measure_children_peak_bytes() -> int:
    """The largest resident size any finished child process of this one reached (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024


def list_store_files(store: ModelStore) -> list[str]:
    """The names of every file in the store's folder (none if it was never made)."""
    return sorted(path.name for path in store.directory.iterdir()) if store.directory.exists() else []


def test_download_then_upload_round_trips_the_model(tiny_trained_model, store, test_set, tmp_path):
    original = store.save(tiny_trained_model, {"architecture": "keras_example", "test_accuracy": 0.9}, "mine")
    archive = zipfile.ZipFile(io.BytesIO(export_model_zip(original)))
    assert sorted(archive.namelist()) == ["mine.json", "mine.keras"]
    assert b'"test_accuracy": 0.9' in archive.read("mine.json")
    uploaded = import_model(store, export_model_zip(original), "mine.zip", *test_set)
    assert uploaded.name.startswith("uploaded-mine-")
    assert uploaded.metadata["architecture"] == "uploaded" and 0.5 < uploaded.metadata["test_accuracy"] <= 1.0
    assert uploaded.metadata["parameter_count"] == tiny_trained_model.count_params()
    reloaded = store.load(uploaded.name)
    image = test_set[0][0].astype("float32") / 255.0
    np.testing.assert_allclose(classify(reloaded, image).probabilities,
                               classify(tiny_trained_model, image).probabilities, atol=1e-6)
    assert [name for name in list_store_files(store) if name.startswith("uploaded")] == [
        f"{uploaded.name}.evaluation.npz", f"{uploaded.name}.json", f"{uploaded.name}.keras"]
    assert measure_children_peak_bytes() < MAX_CHECK_RESIDENT_BYTES


@pytest.mark.parametrize("build, words", [
    (lambda: keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Flatten(),
                               keras.layers.Dense(10, activation="softmax")]), "28×28×1"),
    (lambda: keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                               keras.layers.Dense(5, activation="softmax")]), "10 outputs"),
    (lambda: keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)]),
     "softmax"),
    (build_lambda_model, "'Lambda', which an uploaded model may not use"),
])
def test_models_of_the_wrong_shape_or_with_code_are_refused(build, words, store, tmp_path, test_set):
    with pytest.raises(ModelExchangeError, match=words):
        import_model(store, save_model_bytes(build(), tmp_path), "bad.keras", *test_set)
    assert list_store_files(store) == []


def test_not_a_model_and_too_large_are_refused(store, test_set, monkeypatch):
    with pytest.raises(ModelExchangeError, match="not a Keras model"):
        import_model(store, b"hello", "notes.keras", *test_set)
    monkeypatch.setattr("mnist_cnn.store.exchange.MAX_MODEL_BYTES", 100)
    with pytest.raises(ModelExchangeError, match="limit"):
        import_model(store, b"x" * 101, "big.keras", *test_set)


def test_a_saved_layer_is_refused_with_a_message_not_an_attribute_error(store, tmp_path, test_set):
    with pytest.raises(ModelExchangeError, match="uploads must be a keras.Sequential model"):
        import_model(store, save_single_layer_bytes(tmp_path), "layer.keras", *test_set)


def test_thirty_hostile_uploads_are_refused_before_any_process_starts_and_training_stays_possible(
        store, tmp_path, test_set, monkeypatch):
    monkeypatch.setattr("mnist_cnn.jobs.upload_runner.run_upload_check", lambda *args: pytest.fail("started"))
    hostile = [save_model_bytes(build_upsampling_model(), tmp_path), save_model_bytes(build_lambda_model(), tmp_path),
               make_keras_archive(make_dense_giant_config()), make_keras_archive(make_conv_stack_config(16, 512)),
               make_keras_archive(make_sequential_config(make_layer("Evil", "evil")))]
    for attempt in range(30):
        with pytest.raises(ModelExchangeError):
            import_model(store, hostile[attempt % len(hostile)], f"hostile{attempt}.keras", *test_set)
    assert store.count_trained_models() == 0
    store.check_room()  # a training job may still start


def test_a_model_finite_on_blanks_but_nan_on_digits_is_refused_and_blocks_nothing(store, tmp_path, test_set,
                                                                                   monkeypatch):
    monkeypatch.setattr(config, "MAX_STORED_MODELS", 1)  # one stored NaN model would now block every job
    with pytest.raises(ModelExchangeError, match="on the test digits are not finite numbers"):
        import_model(store, save_model_bytes(build_nan_on_digits_model(), tmp_path), "nan.keras", *test_set)
    assert list_store_files(store) == []
    store.check_room()
    assert measure_children_peak_bytes() < MAX_CHECK_RESIDENT_BYTES


def test_the_store_cap_counts_uploads_on_it_and_refuses_one_past(store, tmp_path, test_set, monkeypatch):
    monkeypatch.setattr(config, "MAX_STORED_MODELS", 1)
    model = save_model_bytes(build_model("keras_example"), tmp_path)
    import_model(store, model, "first.keras", *test_set)  # the store held 0 of 1: it may take one
    with pytest.raises(StoreFullError) as refused:
        import_model(store, model, "second.keras", *test_set)
    with pytest.raises(StoreFullError) as job_refusal:
        store.check_room()
    assert str(refused.value) == str(job_refusal.value) and store.count_trained_models() == 1


def test_two_uploads_in_the_same_second_keep_both(store, tmp_path, test_set, monkeypatch):
    class FrozenClock(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)

    monkeypatch.setattr(store_module, "datetime", FrozenClock)
    model = save_model_bytes(build_model("keras_example"), tmp_path)
    first = import_model(store, model, "same.keras", *test_set)
    second = import_model(store, model, "same.keras", *test_set)
    assert first.name == "uploaded-same-20300102-030405" and second.name == f"{first.name}-2"
    assert {stored.name for stored in store.list_models()} == {first.name, second.name}


def test_a_check_past_its_time_limit_is_killed_and_leaves_nothing(store, tmp_path, test_set, monkeypatch):
    monkeypatch.setattr(config, "MAX_UPLOAD_CHECK_SECONDS", 1)  # TensorFlow alone takes longer to start
    with pytest.raises(ModelExchangeError, match="longer than this server's limit of 1 seconds"):
        import_model(store, save_model_bytes(build_model("keras_example"), tmp_path), "slow.keras", *test_set)
    assert current_check_pid() is None and list_store_files(store) == []


def test_a_check_past_its_memory_limit_is_refused(store, tmp_path, test_set, monkeypatch):
    monkeypatch.setattr(config, "MAX_UPLOAD_CHECK_MEMORY_BYTES", 2**20)  # 1 MB beyond TensorFlow's start
    with pytest.raises(ModelExchangeError, match="memory"):
        import_model(store, save_model_bytes(build_model("keras_example"), tmp_path), "big.keras", *test_set)
    assert store.count_trained_models() == 0


def wait_for_check_process(seconds: float = 120) -> int:
    """The pid of the checking process, once it runs with its lowered priority."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pid = current_check_pid()
        try:
            if pid and (os.sched_getscheduler(pid) == os.SCHED_IDLE or os.getpriority(os.PRIO_PROCESS, pid) >= 10):
                return pid
        except OSError:
            pass
        time.sleep(0.05)
    pytest.fail("no checking process with a lowered priority")


def test_while_one_upload_is_checked_elsewhere_others_get_answers_and_a_second_upload_waits(
        store, tmp_path, test_set, tiny_trained_model):
    image = test_set[0][0].astype("float32") / 255.0
    classify(tiny_trained_model, image)  # compiled before the upload starts
    data = save_model_bytes(build_model("keras_example"), tmp_path)
    outcome = {}
    upload = threading.Thread(target=lambda: outcome.update(stored=import_model(store, data, "one.keras",
                                                                                *test_set)))
    upload.start()
    try:
        pid = wait_for_check_process()
        assert pid != os.getpid()
        assert classify(tiny_trained_model, image).digit in range(10)  # a stroke answered meanwhile
        with pytest.raises(UploadBusyError, match="another model is being checked|try again in a minute"):
            import_model(store, data, "two.keras", *test_set)
        assert current_check_pid() == pid  # the answer came while the check still ran
    finally:
        upload.join(timeout=300)
    assert outcome["stored"].name.startswith("uploaded-one-") and store.count_trained_models() == 1


def test_uploads_are_off_with_a_keras_older_than_the_floor(store, tmp_path, test_set, monkeypatch):
    assert find_keras_problem("3.12.1") is None and find_keras_problem("3.15.1") is None
    assert "3.12.0" in find_keras_problem("3.12.0") and "CVE-2025-12058" in find_keras_problem("3.11.3")
    monkeypatch.setattr(keras, "__version__", "3.11.3")
    exchange.describe_uploads_off.cache_clear()
    try:
        with pytest.raises(UploadsDisabledError, match="Model uploads are off on this server: its Keras is 3.11.3"):
            import_model(store, save_model_bytes(build_model("keras_example"), tmp_path), "mine.keras", *test_set)
    finally:
        exchange.describe_uploads_off.cache_clear()
    assert not store.directory.exists() or store.count_trained_models() == 0


@pytest.mark.parametrize("excess", [0, 1], ids=["on-limit", "one-past"])
def test_the_stored_size_cap_admits_a_saved_file_of_exactly_its_bytes(excess, tmp_path, monkeypatch):
    path = tmp_path / "saved.keras"
    build_model("keras_example").save(path)
    monkeypatch.setattr(config, "MAX_STORED_MODEL_BYTES", path.stat().st_size - excess)
    if excess:
        with pytest.raises(ModelTooLargeError, match="once saved; the limit is"):
            exchange.check_saved_model(path)
    else:
        assert exchange.check_saved_model(path).parameters == 34_826


@pytest.mark.parametrize("outputs, words", [
    (np.full((2, 10), np.nan, "float32"), "not finite numbers"),
    (np.full((2, 10), np.inf, "float32"), "not finite numbers"),
    (np.full((2, 10), 0.2, "float32"), "must be probabilities"),
    (np.full((2, 5), 0.2, "float32"), "shape"),
], ids=["nan", "infinity", "not-summing-to-one", "shape"])
def test_outputs_must_be_finite_probabilities(outputs, words):
    from mnist_cnn.jobs.upload_check import find_probability_problem

    assert words in find_probability_problem(outputs, 2, "a blank image")
    assert find_probability_problem(np.full((2, 10), 0.1, "float32"), 2, "a blank image") is None


@pytest.mark.parametrize(("filename", "stem"), [
    ("keras_example-20261207-004428.keras", "uploaded-keras_example"),   # downloaded from a store: one stamp
    ("keras_example-20261207-004428-2.zip", "uploaded-keras_example"),
    ("my net [v2].keras", "uploaded-my-net-v2"),
    ("20261207-004428.keras", "uploaded-20261207-004428"),                # only a time: nothing left to drop
    ("....keras", "uploaded-model"),
])
def test_an_uploads_name_keeps_one_time_stamp(filename, stem):
    assert make_upload_stem(filename) == stem
