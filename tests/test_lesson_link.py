"""Lessons in a link: a view's state round-trips through the URL; bad values are reported and ignored."""

from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest

from mnist_cnn import config
from mnist_cnn.lessons.link import (TEMPLATE_PATTERN, VIEW_PARAMETERS, LessonView, build_options, build_query,
                                    decode_drawing, decode_value, encode_drawing, leave_out_defaults, make_link,
                                    parse_options, parse_query, restore_defaults, select_link_parameters)
from mnist_cnn.lessons.options import (BOOL, CHANNELS, CHOICE, FLOAT, HIDDEN, LAYER, LAYER_LIST, LESSON, MODEL,
                                       PAGE_OPTIONS, make_draw_options, option_key, page_option)
from mnist_cnn.model.layer_spec import parse_spec_text


def test_a_view_round_trips_through_its_link():
    drawing = np.random.default_rng(0).random((28, 28)).astype("float32")
    view = LessonView(page="feature_maps", model="keras_example-20261122-010203", digit=1234, drawing=drawing,
                      lesson=True)
    link = make_link("http://server:8501/", view)
    parts = urlsplit(link)
    assert parts.path == "/" and len(link) < 720
    parsed, problems = parse_query(dict(parse_qsl(parts.query)))
    assert problems == []
    assert (parsed.page, parsed.model, parsed.digit, parsed.lesson) == ("feature_maps", view.model, 1234, True)
    np.testing.assert_allclose(parsed.drawing, drawing, atol=0.5 / 15 + 1e-6)  # 16 grey levels


def test_an_mnist_like_drawing_keeps_its_black_and_white_exactly():
    drawing = np.zeros((28, 28), "float32")
    drawing[5:20, 13:15] = 1.0
    np.testing.assert_array_equal(decode_drawing(encode_drawing(drawing)), drawing)


def test_bad_values_are_ignored_with_a_reason_and_the_rest_kept():
    parsed, problems = parse_query({"page": "../x", "model": "../etc/passwd", "digit": "99999", "drawing": "abc",
                                    "lesson": "1"})
    assert parsed.model is None and parsed.digit is None and parsed.drawing is None and parsed.page is None
    assert parsed.lesson and len(problems) == 4


def test_an_empty_view_has_no_query():
    assert build_query(LessonView()) == {}
    assert make_link("http://x", LessonView()) == "http://x/"


def make_sample_state(page: str) -> dict:
    """A session state holding a non-default value for every widget the page's links keep."""
    state, layers = {}, {}
    for name, option in PAGE_OPTIONS[page].items():
        if option.kind == LAYER:
            value = layers[name] = f"conv_{len(layers) + 2}"
        elif option.choices and option.kind == CHOICE:
            value = option.choices[-1][1]
        elif option.kind == BOOL:
            value = True
        elif option.kind == FLOAT:
            value = round((option.low + option.high) / 3, 2)
        elif option.kind == MODEL:
            value = "tiny-model_2"
        elif option.kind == CHANNELS:
            value = [1, 5, 12]
        elif option.kind == LESSON:  # a lesson's name, which other options' keys name
            value = layers[name] = "what-a-cnn_sees"
        elif option.kind == HIDDEN:
            value = "dense_1"  # any hidden layer, a dense one too
        elif option.kind == LAYER_LIST:  # a built network's layers, every setting filled in
            value = parse_spec_text("conv(filters=8)~batch_norm~max_pool(pool_size=3)~dropout(rate=0.15)~flatten~dense")
        else:
            value = int(option.high) if option.high < 100 else 5
        state[option.key.format(**layers)] = value
    return state


@pytest.mark.parametrize("page", sorted(PAGE_OPTIONS))
def test_every_pages_widgets_round_trip_through_a_link(page):
    state = make_sample_state(page)
    view = LessonView(page=page, model="default", digit=7, options=build_options(page, state))
    query = dict(parse_qsl(urlsplit(make_link("http://server:8501", view)).query))
    parsed, problems = parse_query(query)
    values, option_problems = parse_options(parsed.page, query)
    assert problems == [] and option_problems == []
    assert values == state and set(state) == {option.key.format(layer="conv_2", trace_layer="conv_3",
                                                                open="what-a-cnn_sees")
                                               for option in PAGE_OPTIONS[page].values()}


def test_a_feature_maps_view_keeps_its_layer_channel_and_traced_unit():
    state = {"feature_maps_source": "Test digit", "feature_maps_scale": "Per channel", "feature_maps_pooling": True,
             "feature_maps_enlarge_layer": "conv2d_1", "feature_maps_enlarge_channel_conv2d_1": 5,
             "feature_maps_enlarge_channel_conv2d": 9,  # another layer's channel: not this view's
             "trace_layer": "max_pooling2d", "trace_channel_max_pooling2d": 3, "trace_row": 4, "trace_col": 7,
             "unrelated_key": 1}
    query = build_options("feature_maps", state)
    assert query == {"input": "test", "pooling": "1", "scale": "channel", "layer": "conv2d_1", "channel": "5",
                     "trace_layer": "max_pooling2d", "trace_channel": "3", "row": "4", "col": "7"}
    values, problems = parse_options("feature_maps", query, layers={"conv2d_1": 64, "max_pooling2d": 32})
    assert problems == [] and values["feature_maps_enlarge_channel_conv2d_1"] == 5 and len(values) == 9


def test_layers_and_channels_the_model_lacks_are_ignored_with_a_reason():
    query = {"layer": "conv2d_1", "channel": "40", "trace_layer": "dense", "trace_channel": "1", "row": "2"}
    values, problems = parse_options("feature_maps", query, layers={"conv2d": 32, "conv2d_1": 32})
    assert values == {"feature_maps_enlarge_layer": "conv2d_1", "trace_row": 2}
    assert any("40 is not a channel of conv2d_1" in problem for problem in problems)
    assert any("'dense' is not a layer of this model" in problem for problem in problems)
    assert any("trace_channel needs trace_layer" in problem for problem in problems)


@pytest.mark.parametrize(("page", "name", "text"), [
    ("fool", "strength", "0.9"),            # out of range
    ("fool", "strength", "nan"),            # not a decimal
    ("fool", "strength", "0.1\n"),          # a trailing newline
    ("fool", "target", "1e3"),              # not a whole number
    ("fool", "method", "x" * 5000),          # far too long
    ("fool", "goal", "A digit I choose"),   # a label, not its code
    ("fool", "__class__", "1"),             # not an option
    ("convolution", "padding", "3"),
    ("convolution", "stride", "0"),
    ("draw", "what_if", "true"),            # switches are 0 or 1
    ("draw", "rotation", "999999999999"),
    ("kernels", "layer", "../../etc"),
    ("kernels", "layer", "<script>"),
    ("mistakes", "model_a", "../default"),
    ("mistakes", "list_page", "0"),
    ("feature_maps", "channel", "5"),       # a channel without its layer
])
def test_hostile_or_wrong_values_are_ignored_with_a_short_reason(page, name, text):
    values, problems = parse_options(page, {name: text})
    assert values == {} and len(problems) == 1 and len(problems[0]) < 200


def test_page_options_never_reuse_the_links_own_parameters_and_name_existing_layers_or_lessons():
    for page, options in PAGE_OPTIONS.items():
        assert not set(options) & set(VIEW_PARAMETERS), page
        for option in options.values():
            assert set(TEMPLATE_PATTERN.findall(option.key)) <= {name for name, other in options.items()
                                                                  if other.kind in (LAYER, LESSON)}, option.key


def test_values_a_link_cannot_hold_are_left_out_of_it():
    state = {"fool_strength": 7.0, "fool_target": "eight", "fool_method": "no such method", "fool_goal": None}
    assert build_options("fool", state) == {}
    assert build_options("architecture", {"anything": 1}) == {} and build_options(None, {}) == {}


def test_the_collection_alone_is_no_link_so_lesson_mode_survives_a_page_change():
    # Changing page clears the query; the collection picker then writes ?collection= back, which must not count as
    # a new link (that would switch lesson mode off).
    assert select_link_parameters({"collection": "calm-otter-42"}) == {}
    assert select_link_parameters({"collection": "a", "lesson": "1", "layer": "conv2"}) == {"lesson": "1",
                                                                                             "layer": "conv2"}


def test_the_address_bar_leaves_out_what_a_fresh_session_shows_and_keeps_the_rest():
    query = {"model": "default", "digit": "0", "lesson": "1", "scale": "shared", "pooling": "1", "layer": "conv1",
             "channel": "0"}
    assert leave_out_defaults("feature_maps", query) == {"lesson": "1", "pooling": "1", "layer": "conv1",
                                                         "channel": "0"}  # a layer and channel have no default
    assert leave_out_defaults("fool", {"model": "mine", "digit": "12", "strength": "0.1", "goal": "target"}) == {
        "model": "mine", "digit": "12", "goal": "target"}


def test_every_default_is_a_value_its_option_accepts():
    for page, options in PAGE_OPTIONS.items():
        for name, option in options.items():
            if option.default is not None:
                values, problems = parse_options(page, {name: option.default})
                assert problems == [] and len(values) == 1, (page, name)


def test_restoring_defaults_puts_back_exactly_what_the_address_bar_left_out():
    query = {"model": "default", "digit": "0", "strength": "0.1", "goal": "target", "target": "8", "method": "pgd"}
    shortened = leave_out_defaults("fool", query)
    assert shortened == {"goal": "target", "method": "pgd"}
    restored = restore_defaults("fool", shortened, shows_digit=True)
    assert {name: restored[name] for name in query} == query
    assert restored["input"] == "test"  # every option with a default is named, so an address resets it
    assert "digit" not in restore_defaults("draw", {}, shows_digit=False)  # the Draw page shows no test digit
    assert restore_defaults("draw", {"model": "mine", "pen": "30"}, shows_digit=False)["pen"] == "30"
    assert restore_defaults(None, {"lesson": "1"}, shows_digit=False) == {"model": "default", "lesson": "1"}


def test_each_widget_starts_at_the_default_its_link_leaves_out():
    for page, options in PAGE_OPTIONS.items():
        for name, option in options.items():
            expected = None if option.default is None else decode_value(option, option.default)
            assert option.start == expected, f"{page}.{name}"
    assert page_option("draw", "pen").start == config.DEFAULT_PEN_WIDTH
    assert option_key("kernels", "filter", layer="conv2") == "filter_views_channel_conv2"
    assert make_draw_options("upload")["right"].key == "what_if_right_upload"
    assert make_draw_options("canvas") == PAGE_OPTIONS["draw"]


def test_a_list_of_channels_travels_sorted_and_is_checked_against_the_model():
    assert build_options("ablation", {"ablation_layer": "conv2", "ablation_off_conv2": [12, 3, 3]}) == {
        "layer": "conv2", "off": "3,12"}
    assert build_options("ablation", {"ablation_layer": "conv2", "ablation_off_conv2": []}) == {"layer": "conv2"}
    values, problems = parse_options("ablation", {"layer": "conv2", "off": "12,3"}, layers={"conv2": 32})
    assert problems == [] and values == {"ablation_layer": "conv2", "ablation_off_conv2": [3, 12]}
    values, problems = parse_options("ablation", {"layer": "conv2", "off": "3,32"}, layers={"conv2": 32})
    assert values == {"ablation_layer": "conv2"} and problems == ["off 32 is not a channel of conv2 (it has 32)"]
    for text in ("3,,4", "3;4", "-1", "", "1,2,"):
        values, problems = parse_options("ablation", {"layer": "conv2", "off": text})
        assert "ablation_off_conv2" not in values and "is not a list of channels" in problems[0], text
