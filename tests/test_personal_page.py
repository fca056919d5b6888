"""The 'Use my drawings' toggle in AppTest: a saved, labelled drawing changes the Draw page's answer at once."""

import cv2
import numpy as np

from tests.support.draw_page import encode_png, prediction_metrics, save_drawing_as, upload


def upload_a_hash_sign(app):
    """Upload a photo of a '#': a shape the network calls no digit, which this person says is a 7."""
    picture = np.full((200, 200), 235, np.uint8)
    for position in (70, 130):
        cv2.line(picture, (position, 30), (position, 170), 20, 9, cv2.LINE_AA)
        cv2.line(picture, (30, position), (170, position), 20, 9, cv2.LINE_AA)
    return upload(app, "hash.png", encode_png(picture), "image/png")


def personal_metrics(app) -> dict:
    """The side-by-side answers {label: value} shown when the person's drawings change the answer."""
    return {metric.label: metric.value for metric in app.metric
            if metric.label.startswith("With your") or metric.label == "The network alone"}


def test_a_labelled_drawing_changes_the_answer_and_the_toggle_hides_it(draw_page, tmp_path, monkeypatch):
    from mnist_cnn import config

    monkeypatch.setattr(config, "USER_DATA_DIR", tmp_path)
    upload_a_hash_sign(draw_page)
    predicted = prediction_metrics(draw_page)[0].value
    assert not personal_metrics(draw_page)
    assert "Save a few" in draw_page.toggle(key="use_my_drawings_upload").help  # the hint, with no element
    right_digit = 7 if predicted != "7" else 3
    save_drawing_as(draw_page, right_digit)
    assert not draw_page.exception, draw_page.exception
    answers = personal_metrics(draw_page)
    assert answers["With your 1 drawing"].startswith(f"{right_digit} (")
    assert answers["The network alone"].startswith(f"{predicted} (")
    draw_page.toggle(key="use_my_drawings_upload").set_value(False).run()
    assert not personal_metrics(draw_page) and prediction_metrics(draw_page)[0].value == predicted


def test_a_drawing_labelled_as_the_networks_best_guess_keeps_the_not_a_digit_verdict(draw_page, tmp_path,
                                                                                     monkeypatch):
    """When the person's drawings pick the network's own best guess, the caption keeps its 'not a digit'."""
    import re

    from mnist_cnn import config

    monkeypatch.setattr(config, "USER_DATA_DIR", tmp_path)
    upload_a_hash_sign(draw_page)
    assert prediction_metrics(draw_page)[0].value == "not a digit"
    verdict = next(error.value for error in draw_page.error if "not a digit" in error.value)
    best_guess = int(re.search(r"best guess would be (\d)", verdict).group(1))
    save_drawing_as(draw_page, best_guess)
    assert not draw_page.exception, draw_page.exception
    assert not personal_metrics(draw_page)  # the same digit: one caption, no side-by-side answers
    caption = next(caption.value for caption in draw_page.caption if caption.value.startswith("With your 1 drawing"))
    assert f"**not a digit (best guess {best_guess}," in caption and "the same answer as the network alone" in caption
