"""A fresh server shows the Draw page and answers before TensorFlow is loaded (in a process of its own, where no
other test has imported TensorFlow already)."""

import json
import os
import subprocess
import sys
import threading

from mnist_cnn import config
from tests.support.apptest import open_app_page
from tests.support.draw_page import prediction_metrics, upload_a_one
from tests.support.server import PROJECT_ROOT
from ui import network_ready

# Runs app.py's first page run (the Draw page) and an upload's answer in AppTest, with the warm-up held back.
FIRST_RUN_SCRIPT = """
import json, sys
from streamlit.testing.v1 import AppTest
from tests.support.draw_page import prediction_metrics, upload_a_one

app = AppTest.from_file("app.py", default_timeout=120)
app.run()
first_run = {"tensorflow": "tensorflow" in sys.modules, "keras": "keras" in sys.modules,
             "exceptions": [item.value for item in app.exception], "title": [item.value for item in app.title],
             "sidebar": {metric.label: metric.value for metric in app.sidebar.metric},
             "sidebar_info": [item.value for item in app.sidebar.info]}
upload_a_one(app)
answer = {"tensorflow": "tensorflow" in sys.modules, "keras": "keras" in sys.modules,
          "predictions": [metric.value for metric in prediction_metrics(app)],
          "captions": [item.value for item in app.caption], "bars": len(app.get("html"))}
print(json.dumps({"first_run": first_run, "answer": answer}))
"""


def run_held_app(tmp_path) -> dict:
    """What FIRST_RUN_SCRIPT saw, run in a fresh Python with MNIST_CNN_HOLD_WARMUP=1."""
    env = {**os.environ, "MNIST_CNN_HOLD_WARMUP": "1", "MNIST_CNN_USER_DATA": str(tmp_path / "user_data"),
           "PYTHONPATH": str(PROJECT_ROOT)}
    finished = subprocess.run([sys.executable, "-c", FIRST_RUN_SCRIPT], cwd=PROJECT_ROOT, env=env,
                              capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[-3000:]
    return json.loads(finished.stdout.strip().splitlines()[-1])


def test_the_first_run_and_the_first_answer_need_no_tensorflow(tmp_path):
    """app.py's first run shows the Draw page and the sidebar's metadata; a drawing is answered by NumPy."""
    seen = run_held_app(tmp_path)
    first_run, answer = seen["first_run"], seen["answer"]
    assert first_run["exceptions"] == []
    assert not first_run["tensorflow"] and not first_run["keras"]
    assert first_run["title"] == ["Draw a digit"]
    recorded = json.loads((PROJECT_ROOT / "models" / "default.json").read_text())["test_accuracy"]
    assert first_run["sidebar"]["Test accuracy"] == f"{recorded:.2%}"  # read from the model's JSON
    assert any("Warming up the network" in text for text in first_run["sidebar_info"])  # the Retrain panel's place
    assert not answer["tensorflow"] and not answer["keras"]
    assert answer["predictions"] == ["1"]  # the uploaded '1', read by the NumPy forward pass
    assert any("NumPy copy" in text for text in answer["captions"])


def test_a_model_numpy_cannot_run_waits_for_tensorflow_without_an_error(tmp_path, monkeypatch):
    """An active model with a layer the NumPy pass lacks: while TensorFlow warms up, a placeholder, not an error."""
    import keras

    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.AveragePooling2D(2), keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])
    model.save(tmp_path / "default.keras")
    (tmp_path / "default.json").write_text(json.dumps({"architecture": "keras_example", "test_accuracy": 0.1,
                                                       "parameter_count": model.count_params()}))
    monkeypatch.setattr(config, "MODELS_DIR", tmp_path)
    monkeypatch.setenv(network_ready.HOLD_VARIABLE, "1")  # this process: the network is not ready yet
    monkeypatch.setattr(network_ready, "NETWORK_READY", threading.Event())
    app = upload_a_one(open_app_page("pages/draw.py"))
    assert not app.exception
    assert not prediction_metrics(app)
    assert any(network_ready.WARMING_UP_TEXT in info.value for info in app.main.info)  # where the answer goes
