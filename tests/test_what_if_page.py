"""What-if on the preprocessing (Draw page, AppTest): switches and sliders change what the network gets."""

from pathlib import Path

import cv2
import numpy as np
from streamlit.testing.v1 import AppTest

APP_PATH = str(Path(__file__).resolve().parent.parent / "app.py")
RUN_TIMEOUT = 180  # seconds: the first run imports TensorFlow and loads the model


def prediction_now(app: AppTest):
    return next(metric for metric in app.metric if metric.label == "The network now reads")


def last_bars(app) -> str:
    """The last probability bars on the page (the page's style-only HTML, its layout CSS, is not a chart)."""
    return [html.proto.body for html in app.get("html") if not html.proto.body.startswith("<style>")][-1]


def test_switches_and_moves_change_the_prediction_of_an_uploaded_digit():
    app = AppTest.from_file(APP_PATH, default_timeout=RUN_TIMEOUT)
    app.run()
    app.switch_page("pages/draw.py")
    app.run()
    picture = np.full((300, 300), 235, np.uint8)  # a small dark '7' in the top-left corner of light paper
    cv2.line(picture, (20, 20), (90, 20), 20, 6)
    cv2.line(picture, (90, 20), (40, 110), 20, 6)
    ok, data = cv2.imencode(".png", picture)
    app.file_uploader(key="digit_upload").upload("seven.png", data.tobytes(), "image/png")
    app.run()
    assert not app.exception, app.exception
    assert not [metric for metric in app.metric if metric.label == "The network now reads"]  # off by default
    app.toggle(key="what_if_on_upload").set_value(True).run()
    assert prediction_now(app).value == "7"  # every step on, no move: the same as the page's prediction
    normal_chart = last_bars(app)  # the what-if's probability bars
    app.toggle(key="what_if_crop_upload").set_value(False).run()
    app.toggle(key="what_if_centre_of_mass_upload").set_value(False).run()
    assert not app.exception, app.exception
    assert last_bars(app) != normal_chart  # other probabilities
    app.toggle(key="what_if_crop_upload").set_value(True).run()
    app.toggle(key="what_if_centre_of_mass_upload").set_value(True).run()
    app.slider(key="what_if_rotation_upload").set_value(90).run()
    assert not app.exception, app.exception
    rotated = prediction_now(app)
    normal = next(item.value for item in app.caption if item.value.startswith("With every step and no move"))
    normal_confidence = float(normal.split("(")[1].split("%")[0])
    rotated_confidence = float(rotated.delta.split("%")[0])
    assert rotated.value != "7" or rotated_confidence < normal_confidence - 5  # a 7 on its side is less of a 7
