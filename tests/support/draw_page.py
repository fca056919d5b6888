"""The Draw page in AppTest: its Prediction metrics, pictures uploaded through its uploader, its label picker."""

import cv2
import numpy as np


def prediction_metrics(app):
    """The Prediction metrics on the page (the sidebar has metrics of its own)."""
    return [metric for metric in app.metric if metric.label == "Prediction"]


def upload(app, name, data, mime="application/octet-stream"):
    """Upload one file through the page's uploader and rerun."""
    app.file_uploader(key="digit_upload").upload(name, data, mime)
    app.run()
    assert not app.exception, app.exception
    return app


def encode_png(image):
    """PNG bytes of a gray image."""
    ok, data = cv2.imencode(".png", image)
    assert ok
    return data.tobytes()


def upload_a_one(app):
    """Upload a photo of a dark '1' on light paper."""
    picture = np.full((200, 160), 235, np.uint8)
    cv2.line(picture, (82, 30), (78, 170), 20, 9, lineType=cv2.LINE_AA)
    return upload(app, "one.png", encode_png(picture), "image/png")


def find_label_picker(app, source="upload"):
    """The 'Teach it your handwriting' digit picker of a source's current drawing, or None when there is none."""
    return next((pills for pills in app.pills if pills.key and pills.key.startswith(f"label_pick_{source}_")), None)


def save_drawing_as(app, digit, source="upload"):
    """Pick `digit` in the label picker (which saves the drawing with that label) and rerun."""
    find_label_picker(app, source).set_value(digit).run()
