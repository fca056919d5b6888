"""The Draw page's non-canvas parts in AppTest: the empty-canvas hint and uploads (bad files and good ones)."""


import cv2
import numpy as np
import pytest

from mnist_cnn.safety.text import escape_markdown
from tests.support.draw_page import (encode_png, find_label_picker, prediction_metrics, save_drawing_as, upload,
                                     upload_a_one)

def test_empty_canvas_shows_a_hint_and_no_prediction(draw_page):
    assert draw_page.title[0].value == "Draw a digit"
    assert not prediction_metrics(draw_page)
    assert any("Draw a digit" in info.value for info in draw_page.info)
    assert draw_page.slider(key="pen_width").value == 24  # 8% of the 300-px canvas


def test_uploader_accepts_only_image_types(draw_page):
    uploader = draw_page.file_uploader(key="digit_upload")
    assert set(uploader.allowed_type) >= {".png", ".jpg", ".jpeg", ".bmp"} or \
        set(uploader.allowed_type) >= {"png", "jpg", "jpeg", "bmp"}


@pytest.mark.parametrize("name, data, words", [
    ("notes.png", b"these are my shopping notes, not a picture", "not a PNG, JPEG or BMP"),
    ("empty.png", b"", "empty"),
    ("broken.png", encode_png(np.full((60, 60), 255, np.uint8))[:40], "damaged"),
    ("www.evil.example [prize](https://evil.example).png", b"", "empty"),
], ids=["not-an-image", "empty", "truncated", "markdown-in-the-name"])
def test_a_bad_upload_shows_a_clear_message(draw_page, name, data, words):
    upload(draw_page, name, data)
    messages = [error.value for error in draw_page.error]
    shown_name = escape_markdown(name)  # a file's name is shown as text, never as Markdown
    assert any(words in message and shown_name in message for message in messages), messages
    assert not prediction_metrics(draw_page)


def test_a_blank_picture_says_there_is_nothing_to_classify(draw_page):
    upload(draw_page, "blank.png", encode_png(np.full((80, 80), 255, np.uint8)), "image/png")
    assert not prediction_metrics(draw_page)
    assert any("blank" in info.value for info in draw_page.info)


def test_a_photo_of_a_digit_is_classified_and_shared(draw_page):
    picture = np.full((200, 160), 235, np.uint8)  # dark pen on light paper
    cv2.line(picture, (82, 30), (78, 170), 20, 9, lineType=cv2.LINE_AA)
    upload(draw_page, "one.png", encode_png(picture), "image/png")
    metrics = prediction_metrics(draw_page)
    assert len(metrics) == 1 and metrics[0].value in [str(digit) for digit in range(10)]
    assert metrics[0].delta.endswith("% confidence")  # the confidence is the Prediction's second line
    shared = draw_page.session_state["drawing_input"]
    assert shared.shape == (28, 28) and shared.dtype == np.float32
    assert draw_page.session_state["drawing_source"] == "upload"


def test_picking_the_predicted_digit_saves_the_labelled_drawing(draw_page, tmp_path, monkeypatch):
    from mnist_cnn import config
    from mnist_cnn.my_digits.collections import MyDigitsStore

    monkeypatch.setattr(config, "USER_DATA_DIR", tmp_path)
    upload_a_one(draw_page)
    predicted = int(prediction_metrics(draw_page)[0].value)
    picker = find_label_picker(draw_page)
    assert picker.label.startswith("Teach it your handwriting") and picker.value is None
    save_drawing_as(draw_page, predicted)
    assert not draw_page.exception
    assert find_label_picker(draw_page) is None, "a saved drawing offers no picker, only its confirmation"
    saved = MyDigitsStore(tmp_path / "my_digits.sqlite3").list_digits()
    assert [digit.label for digit in saved] == [predicted]
    assert saved[0].digit.max() > 200 and saved[0].source == "upload"
    assert any("saved" in success.value for success in draw_page.success)


def test_picking_another_digit_saves_the_right_label(draw_page, tmp_path, monkeypatch):
    from mnist_cnn import config
    from mnist_cnn.my_digits.collections import MyDigitsStore

    monkeypatch.setattr(config, "USER_DATA_DIR", tmp_path)
    upload_a_one(draw_page)
    save_drawing_as(draw_page, 7)
    assert not draw_page.exception
    assert [d.label for d in MyDigitsStore(tmp_path / "my_digits.sqlite3").list_digits()] == [7]


def arrays_in_widget_callbacks(app):
    """Every NumPy array held in the page's widget callback arguments (what each rerun keeps alive)."""
    widget_state = app._session_state._state._new_widget_state  # Streamlit internals: the widgets' metadata
    arrays = []
    for metadata in widget_state.widget_metadata.values():
        arguments = list(metadata.callback_args or ()) + list((metadata.callback_kwargs or {}).values())
        arrays += [argument for argument in arguments if isinstance(argument, np.ndarray)]
    return arrays


def test_a_large_upload_is_decoded_once_and_kept_small(draw_page, tmp_path, monkeypatch):
    from mnist_cnn import config
    from mnist_cnn.my_digits.collections import MAX_DRAWING_SIDE, MyDigitsStore
    import ui.draw.uploads

    monkeypatch.setattr(config, "USER_DATA_DIR", tmp_path)
    decodes, decode_upload = [], ui.draw.uploads.decode_upload

    def count_and_decode(data):
        decodes.append(len(data))
        return decode_upload(data)

    monkeypatch.setattr(ui.draw.uploads, "decode_upload", count_and_decode)
    picture = np.full((3000, 2400), 235, np.uint8)  # 7.2 MP: a dark '1' on light paper
    cv2.line(picture, (1230, 450), (1170, 2550), 20, 120, lineType=cv2.LINE_AA)
    upload(draw_page, "big-one.png", encode_png(picture), "image/png")
    assert len(prediction_metrics(draw_page)) == 1
    kept = draw_page.session_state["decoded_upload"]["image"]
    assert max(kept.shape[:2]) == 1000  # shrunk right after decoding
    assert not arrays_in_widget_callbacks(draw_page), "the label picker's callback holds no image"
    save_drawing_as(draw_page, 1)  # the store keeps only a thumbnail
    (saved,) = MyDigitsStore(tmp_path / "my_digits.sqlite3").list_digits()
    assert max(MyDigitsStore(tmp_path / "my_digits.sqlite3").get_drawing(saved.id).shape) <= MAX_DRAWING_SIDE
    draw_page.slider(key="pen_width").set_value(30).run()  # any rerun of the page
    assert not draw_page.exception and len(prediction_metrics(draw_page)) == 1
    assert len(decodes) == 1, "the upload was decoded again on a rerun"


def send_from_canvas(app, monkeypatch, data_url):
    """Rerun the page as if the canvas had sent data_url; Pillow (CanvasResult.image_data) must not be used."""
    import streamlit_drawable_canvas
    from streamlit_drawable_canvas import CanvasResult

    def refuse_pillow(*args, **kwargs):
        raise AssertionError("the canvas value was decoded by Pillow")

    monkeypatch.setattr(CanvasResult, "image_data", property(refuse_pillow))
    monkeypatch.setattr(streamlit_drawable_canvas, "st_canvas",
                        lambda **kwargs: CanvasResult(None, data_url, return_image_data=True))
    app.run()
    assert not app.exception, app.exception
    return app


def png_data_url(image):
    """A data URL of an image's PNG, as the canvas sends it."""
    import base64

    return "data:image/png;base64," + base64.b64encode(encode_png(image)).decode()


def test_a_drawing_from_the_canvas_is_decoded_without_pillow(draw_page, monkeypatch):
    drawing = np.zeros((600, 600, 4), np.uint8)  # a device pixel ratio of 2
    drawing[:, :, 3] = 255
    cv2.line(drawing, (300, 100), (300, 500), (255, 255, 255, 255), 40)
    send_from_canvas(draw_page, monkeypatch, png_data_url(drawing))
    assert len(prediction_metrics(draw_page)) == 1
    assert draw_page.session_state["drawing_source"] == "canvas"


@pytest.mark.parametrize("data_url, words", [
    ("data:image/png;base64," + "QUJD" * 50, "not a PNG"),
    ("not a data url at all", "not a base64 data URL"),
    ("data:image/png;base64,@@@", "empty"),  # base64 skips what is not in its alphabet
    ("data:image/gif;base64,R0lGODlhAQABAAAAACw=", "not a PNG"),
    (None, None),
], ids=["garbage", "no-data-url", "bad-base64", "gif", "nothing-yet"])
def test_a_bad_canvas_value_shows_a_clear_message(draw_page, monkeypatch, data_url, words):
    send_from_canvas(draw_page, monkeypatch, data_url)
    messages = [error.value for error in draw_page.error]
    if words is None:
        assert messages == []
    else:
        assert any(words in message and "Clear the canvas" in message for message in messages), messages
    assert not prediction_metrics(draw_page)
    assert any("Draw a digit" in info.value for info in draw_page.info)


def test_a_9000_pixel_canvas_png_is_refused_from_its_header(draw_page, monkeypatch):
    import base64

    from tests.support.pictures import make_forged_png

    send_from_canvas(draw_page, monkeypatch, "data:image/png;base64," + base64.b64encode(
        make_forged_png(9000, 9000)).decode())
    assert any("9,000 × 9,000" in error.value for error in draw_page.error)
    assert not prediction_metrics(draw_page)

def count_calls(monkeypatch, owner, name: str) -> list:
    """Replace owner.name (or owner[name], for a dict) by a wrapper that records each call; return the calls."""
    calls, original = [], owner[name] if isinstance(owner, dict) else getattr(owner, name)

    def counted(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    if isinstance(owner, dict):
        monkeypatch.setitem(owner, name, counted)
    else:
        monkeypatch.setattr(owner, name, counted)
    return calls


def test_a_drawing_does_the_costly_work_once_and_only_when_shown(draw_page, monkeypatch):
    """Classification once per run; Grad-CAM and the step images only with the details on, once per drawing."""
    from mnist_cnn.model import inference
    from ui.draw import details

    classified = count_calls(monkeypatch, inference, "classify")
    gradcam = count_calls(monkeypatch, details.SALIENCY_METHODS, "Grad-CAM")
    steps = count_calls(monkeypatch, details, "make_step_gallery")
    overlays = count_calls(monkeypatch, details, "make_saliency_overlay")
    upload_a_one(draw_page)
    assert (len(classified), len(gradcam), len(steps), len(overlays)) == (1, 0, 0, 0)
    assert len(draw_page.get("image")) == 1  # the uploaded picture only: no saliency overlay, no step images

    draw_page.toggle(key="show_details_upload").set_value(True).run()
    assert not draw_page.exception
    assert (len(classified), len(gradcam), len(steps), len(overlays)) == (2, 1, 1, 1)
    assert len(draw_page.get("image")) == 1 + 1 + 6  # the picture, the overlay and the six steps

    draw_page.run()  # the same drawing again (as after a label click): nothing costly is recomputed
    assert (len(gradcam), len(steps), len(overlays)) == (1, 1, 1)

    picture = np.full((200, 160), 235, np.uint8)  # a new drawing: computed once more
    cv2.circle(picture, (80, 100), 55, 20, 9, lineType=cv2.LINE_AA)
    upload(draw_page, "zero.png", encode_png(picture), "image/png")
    assert (len(gradcam), len(steps), len(overlays)) == (2, 2, 2)



def test_a_drawing_that_is_not_a_digit_asks_if_it_is_one(draw_page):
    picture = np.full((200, 200), 235, np.uint8)  # a dark X on light paper: not a digit
    cv2.line(picture, (30, 30), (170, 170), 20, 10, lineType=cv2.LINE_AA)
    cv2.line(picture, (170, 30), (30, 170), 20, 10, lineType=cv2.LINE_AA)
    upload(draw_page, "x.png", encode_png(picture), "image/png")
    assert not draw_page.exception
    assert [metric.value for metric in draw_page.metric][0] == "not a digit"
    assert draw_page.metric[0].delta.endswith("% top probability")
    assert find_label_picker(draw_page).label.startswith("If it is a digit")


def canvas_stroke_left_in_session(app):
    """What a stroke on the canvas leaves for the label picker: its model input and RGBA drawing (a vertical '1')."""
    from mnist_cnn.inputs.preprocess import preprocess_drawing

    drawing = np.zeros((300, 300, 4), np.uint8)  # the canvas: white ink on black, opaque where drawn
    cv2.line(drawing, (150, 45), (152, 255), (255, 255, 255, 255), 24, lineType=cv2.LINE_AA)
    model_input = preprocess_drawing(drawing).model_input
    app.session_state["label_drawing_canvas"] = (model_input, drawing)
    return model_input


def pick_on_canvas_picker(app, digit):
    """Pick a digit in the canvas's 'Teach it' row (drawn outside the stroke's fragment) and rerun."""
    app.pills(key="label_pick_canvas").set_value(digit).run()
    assert not app.exception, app.exception
    return app


def test_the_canvas_picker_saves_the_canvas_drawing_and_empties_itself(draw_page, tmp_path, monkeypatch):
    from mnist_cnn import config
    from mnist_cnn.my_digits.collections import MyDigitsStore

    monkeypatch.setattr(config, "USER_DATA_DIR", tmp_path)
    picker = draw_page.pills(key="label_pick_canvas")
    assert picker.label.startswith("Teach it your handwriting") and picker.value is None
    model_input = canvas_stroke_left_in_session(draw_page)
    pick_on_canvas_picker(draw_page, 4)
    saved = MyDigitsStore(tmp_path / "my_digits.sqlite3").list_digits()
    assert [digit.label for digit in saved] == [4] and saved[0].source == "canvas"
    assert np.abs(saved[0].digit / 255.0 - model_input).max() < 0.01, "the drawing on the canvas is what was saved"
    assert any("Saved as a 4" in toast.value for toast in draw_page.toast)
    assert draw_page.pills(key="label_pick_canvas").value is None, "the row is ready for the next drawing"


def test_the_canvas_picker_saves_a_drawing_once(draw_page, tmp_path, monkeypatch):
    from mnist_cnn import config
    from mnist_cnn.my_digits.collections import MyDigitsStore

    monkeypatch.setattr(config, "USER_DATA_DIR", tmp_path)
    canvas_stroke_left_in_session(draw_page)
    pick_on_canvas_picker(draw_page, 1)
    canvas_stroke_left_in_session(draw_page)  # the same drawing still on the canvas
    pick_on_canvas_picker(draw_page, 7)
    assert [digit.label for digit in MyDigitsStore(tmp_path / "my_digits.sqlite3").list_digits()] == [1]
    assert any("already saved" in toast.value for toast in draw_page.toast)


def test_the_canvas_picker_with_nothing_drawn_saves_nothing_and_says_so(draw_page, tmp_path, monkeypatch):
    from mnist_cnn import config
    from mnist_cnn.my_digits.collections import MyDigitsStore

    monkeypatch.setattr(config, "USER_DATA_DIR", tmp_path)
    pick_on_canvas_picker(draw_page, 3)
    assert any("Draw a digit on the canvas first" in toast.value for toast in draw_page.toast)
    assert MyDigitsStore(tmp_path / "my_digits.sqlite3").list_digits() == []
    assert draw_page.pills(key="label_pick_canvas").value is None
    assert "label_drawing_canvas" not in draw_page.session_state, "an empty canvas leaves nothing to label"
