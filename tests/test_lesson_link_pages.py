"""Lessons in a link, page by page (AppTest): a link's layer, channel and options show in the page's widgets."""

import numpy as np
import pytest

from tests.support.apptest import open_app_link


def test_feature_maps_opens_the_links_layer_channel_and_traced_unit():
    app = open_app_link({"page": "feature_maps", "digit": "42", "input": "test", "scale": "channel", "layer": "conv2",
                     "channel": "5", "trace_layer": "conv3", "trace_channel": "7", "row": "3", "col": "4"})
    assert app.title[0].value == "Feature maps"
    assert app.number_input(key="feature_maps_test_index").value == 42
    assert app.radio(key="feature_maps_scale").value == "Per channel"
    assert app.selectbox(key="feature_maps_enlarge_layer").value == "conv2"
    assert app.number_input(key="feature_maps_enlarge_channel_conv2").value == 5
    assert app.selectbox(key="trace_layer").value == "conv3"
    assert app.number_input(key="trace_channel_conv3").value == 7
    assert (app.slider(key="trace_row").value, app.slider(key="trace_col").value) == (3, 4)
    link = next(item.value for item in app.code if item.value.startswith("http"))
    assert "page=feature_maps" in link and "layer=conv2&channel=5" in link and "trace_channel=7" in link


def test_kernels_opens_the_links_layer_filter_and_input_channel():
    app = open_app_link({"page": "kernels", "layer": "conv3", "filter": "9", "input": "2"})
    assert app.selectbox(key="kernels_layer_name").value == "conv3"
    assert app.number_input(key="filter_views_channel_conv3").value == 9
    assert app.selectbox(key="kernels_input_conv3").value == 2


def test_convolution_opens_the_links_kernels_padding_and_stride():
    app = open_app_link({"page": "convolution", "input": "test", "digit": "7", "preset": "laplacian",
                     "kernel": "sobel_y", "padding": "2", "stride": "3", "row": "10", "col": "12"})
    assert app.number_input(key="convolution_test_index").value == 7
    assert app.selectbox(key="convolution_preset").value == "Laplacian"
    assert (app.slider(key="convolution_row").value, app.slider(key="convolution_col").value) == (10, 12)
    assert app.selectbox(key="steps_kernel").value == "Sobel Y"
    assert (app.slider(key="steps_padding").value, app.slider(key="steps_stride").value) == (2, 3)
    assert any("= 10" in item.value for item in app.latex)  # ⌊(28 + 4 − 3) / 3⌋ + 1 = 10


def test_fool_opens_the_links_target_strength_and_method():
    app = open_app_link({"page": "fool", "input": "test", "digit": "3", "method": "pgd", "goal": "target",
                     "target": "2", "strength": "0.25"})
    assert app.number_input(key="fool_test_index").value == 3
    assert app.radio(key="fool_method").value.startswith("Iterative (PGD")
    assert app.radio(key="fool_goal").value == "A digit I choose"
    assert app.selectbox(key="fool_target").value == 2
    assert app.slider(key="fool_strength").value == pytest.approx(0.25)


def test_the_test_set_explorer_opens_the_links_tab_and_filters():
    app = open_app_link({"page": "mistakes", "tab": "mistakes", "true": "4", "predicted": "9", "order": "test_index",
                     "selected": "1234"})
    assert any(item.value == "Test digit #1234" for item in app.subheader)
    assert app.selectbox(key="mistakes_true_digit").value == 4
    assert app.selectbox(key="mistakes_predicted_digit").value == 9
    assert app.selectbox(key="mistakes_order").value == "test_index"


def test_draw_keeps_the_links_pen_and_what_if_settings():
    app = open_app_link({"page": "draw", "pen": "20", "what_if": "1", "crop": "0", "rotation": "45", "details": "1"})
    assert app.slider(key="pen_width").value == 20
    assert app.session_state["what_if_on_canvas"] is True and app.session_state["what_if_crop_canvas"] is False
    assert app.session_state["what_if_rotation_canvas"] == 45 and app.session_state["show_details_canvas"] is True


def test_draw_puts_the_links_drawing_on_the_canvas_and_answers_it(monkeypatch, mnist, draw_page):
    import streamlit_drawable_canvas  # importable once the app has run
    from streamlit_drawable_canvas import CanvasResult

    from mnist_cnn.lessons.link import decode_drawing, encode_drawing

    passed = {}  # what the page gives the canvas (AppTest cannot run the component itself)
    monkeypatch.setattr(streamlit_drawable_canvas, "st_canvas",
                        lambda **settings: passed.update(settings) or CanvasResult(None, None, return_image_data=True))
    _, (x_test, y_test) = mnist
    seven = x_test[int(np.flatnonzero(y_test == 7)[0])].astype(np.float32) / 255.0
    # What a link with "include my drawing" leaves in the session (apply_lesson_link), on the Draw page.
    linked = decode_drawing(encode_drawing(seven))
    draw_page.session_state["drawing_input"] = linked
    draw_page.session_state["drawing_source"] = "link"
    draw_page.run()
    assert not draw_page.exception, draw_page.exception
    assert [metric.value for metric in draw_page.metric if metric.label == "Prediction"] == ["7"]  # no stroke yet
    assert [item["type"] for item in passed["initial_drawing"]["objects"]] == ["Image"]
    assert draw_page.session_state["drawing_source"] == "canvas"  # the canvas holds it now, as the link gave it
    np.testing.assert_array_equal(draw_page.session_state["drawing_input"], linked)


def test_hostile_values_are_ignored_with_a_message_and_the_rest_opens():
    app = open_app_link({"page": "feature_maps", "layer": "conv9", "channel": "3", "trace_layer": "conv2",
                     "trace_channel": "999", "row": "-5", "scale": "<script>alert(1)</script>", "evil": "x" * 3000})
    assert app.title[0].value == "Feature maps"
    messages = " ".join(item.value for item in app.toast)
    assert "Part of the link was ignored" in messages and "more parts of the link were ignored" in messages
    assert app.selectbox(key="trace_layer").value == "conv2"  # the valid part is kept
    assert app.number_input(key="trace_channel_conv2").value == 0
    assert app.radio(key="feature_maps_scale").value == "Shared per layer"


def test_lesson_mode_hides_the_model_upload_but_keeps_the_download():
    app = open_app_link({"page": "training", "lesson": "1"})
    assert not [uploader for uploader in app.get("file_uploader") if uploader.proto.id.endswith("exchange_upload")]
    assert len(app.get("download_button")) == 1
    assert any("off in lesson mode" in item.value for item in app.caption)



def test_build_opens_the_links_layer_list_in_its_table_and_the_address_keeps_edits():
    layers = "conv(filters=8)~max_pool~conv(filters=16,padding=same)~global_average_pool~dense(units=20)"
    app = open_app_link({"page": "build", "layers": layers})
    assert app.title[0].value == "Build a network" and not app.error
    table = next(frame.value for frame in app.dataframe if "output shape" in frame.value.columns)
    assert list(table["output shape"][:5]) == ["26×26×8", "13×13×8", "13×13×16", "16", "20"]
    link = next(item.value for item in app.code if item.value.startswith("http"))
    assert "page=build" in link and ("conv%28filters%3D8%29" in link or "conv(filters=8)" in link)


def test_a_hostile_layer_list_is_ignored_with_a_message_and_the_page_opens():
    app = open_app_link({"page": "build", "layers": "conv(filters=99999)~flatten"})
    assert app.title[0].value == "Build a network"
    assert "Part of the link was ignored" in " ".join(item.value for item in app.toast)
    table = next(frame.value for frame in app.dataframe if "output shape" in frame.value.columns)
    assert table["output shape"][0] == "26×26×32"  # the starting preset, keras_example
