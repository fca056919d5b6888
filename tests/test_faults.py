"""Fault tests: a save killed half-way, corrupted files, and no unpickling of untrusted data anywhere."""

import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from mnist_cnn.store.model_store import ModelStore, build_metadata

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# A child process that saves one model, then starts a second save that hangs half-written until killed.
KILLED_SAVE_SCRIPT = textwrap.dedent("""
    import sys, time
    from mnist_cnn.model.architectures import build_model
    from mnist_cnn.store.model_store import ModelStore, build_metadata
    store = ModelStore(sys.argv[1])
    model = build_model("keras_example")
    metadata = build_metadata(model, "keras_example", {}, {}, [], 0.0, 1.0, 0.5)
    store.save(model, metadata, "first")
    def hang_half_way(path):
        with open(path, "wb") as handle:
            handle.write(b"PK\\x03\\x04 half a model")
            handle.flush()
        print("saving", flush=True)
        time.sleep(600)
    model.save = hang_half_way
    store.save(model, metadata, "second")
""")


def run_until_killed(script: str, folder: Path, signal_line: bytes) -> None:
    """Run script on folder in a child process and kill -9 it as soon as it prints signal_line."""
    child = subprocess.Popen([sys.executable, "-c", script, str(folder)], cwd=PROJECT_ROOT,
                             stdout=subprocess.PIPE, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    try:
        assert child.stdout.readline().strip() == signal_line
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)


@pytest.mark.slow
def test_a_save_killed_half_way_leaves_the_previous_models_and_no_partial_listing(tmp_path):
    run_until_killed(KILLED_SAVE_SCRIPT, tmp_path, b"saving")
    assert any(path.name.startswith(".tmp-") for path in tmp_path.iterdir()), "the kill hit mid-save"
    store = ModelStore(tmp_path)  # "on restart"
    models, problems = store.scan()
    assert [stored.name for stored in models] == ["first"]
    assert problems == []
    inputs = np.zeros((1, 28, 28, 1), np.float32)
    assert np.asarray(store.load("first")(inputs, training=False)).shape == (1, 10)


def test_truncated_metadata_json_is_reported_and_skipped(tmp_path, tiny_trained_model):
    store = ModelStore(tmp_path)
    metadata = build_metadata(tiny_trained_model, "keras_example", {}, {}, [], 0.0, 1.0, 0.5)
    store.save(tiny_trained_model, metadata, "kept")
    broken = store.save(tiny_trained_model, metadata, "broken")
    broken.metadata_path.write_text(broken.metadata_path.read_text()[:40])
    models, problems = store.scan()
    assert [stored.name for stored in models] == ["kept"]
    assert [problem.name for problem in problems] == ["broken"] and "metadata" in problems[0].message


def test_no_code_unpickles_untrusted_data():
    pattern = re.compile(r"allow_pickle\s*=\s*True|pickle\.loads?\(|safe_mode\s*=\s*False|import pickle")
    offenders = [str(path.relative_to(PROJECT_ROOT))
                 for folder in ("mnist_cnn", "pages", "ui", "app.py")
                 for path in ([PROJECT_ROOT / folder] if folder.endswith(".py")
                              else (PROJECT_ROOT / folder).rglob("*.py"))
                 if pattern.search(path.read_text())]
    assert offenders == []


# A child process that saves one model, then is killed between a second save's metadata and its model rename.
KILLED_BETWEEN_STEPS_SCRIPT = textwrap.dedent("""
    import os, sys, time
    from mnist_cnn.model.architectures import build_model
    from mnist_cnn.store.model_store import ModelStore, build_metadata
    import mnist_cnn.store.model_store as store_module
    store = ModelStore(sys.argv[1])
    model = build_model("keras_example")
    metadata = build_metadata(model, "keras_example", {}, {}, [], 0.0, 1.0, 0.5)
    store.save(model, metadata, "first")
    replace = os.replace
    def hang_before_the_model(source, target):
        if str(target).endswith("second.keras"):
            print("between", flush=True)
            time.sleep(600)
        replace(source, target)
    store_module.os.replace = hang_before_the_model
    store.save(model, metadata, "second")
""")


def test_a_crash_between_metadata_and_model_shows_no_half_model_and_is_cleaned_up(tmp_path):
    run_until_killed(KILLED_BETWEEN_STEPS_SCRIPT, tmp_path, b"between")
    names = sorted(path.name for path in tmp_path.iterdir())
    assert "second.json" in names and "second.keras" not in names, names  # killed between the two steps
    store = ModelStore(tmp_path)  # "on restart"
    models, problems = store.scan()
    assert [stored.name for stored in models] == ["first"] and problems == []
    removed = store.remove_leftovers(older_than_seconds=0)
    assert "second.json" in removed and any(name.startswith(".tmp-") for name in removed)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["first.json", "first.keras"]
