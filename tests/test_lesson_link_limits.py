"""Every limit a lesson link checks accepts a value exactly on it and refuses the value one past it, with a reason."""

import base64

import numpy as np
import pytest

from mnist_cnn.lessons.link import (DRAWING_SIZE, MAX_OPTION_LENGTH, TEST_SET_SIZE, decode_drawing, encode_drawing,
                                    parse_options, parse_query)
from mnist_cnn.lessons.options import FLOAT, INT, LAYER, MAX_CHANNELS, MODEL, PAGE_OPTIONS
from mnist_cnn.store.model_store import NAME_PATTERN

# The longest model name NAME_PATTERN allows: one leading character and 80 more.
LONGEST_MODEL_NAME = 81


# ---------------------------------------------------------------------------------------------
# The link's own parameters: test digit, page, model, drawing.
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("digit", [0, TEST_SET_SIZE - 1])
def test_a_link_test_digit_on_the_range_ends_is_kept(digit):
    view, problems = parse_query({"digit": str(digit)})
    assert problems == [] and view.digit == digit


@pytest.mark.parametrize("text", [str(TEST_SET_SIZE), "-1"])
def test_a_link_test_digit_one_past_the_range_is_refused(text):
    view, problems = parse_query({"digit": text})
    assert view.digit is None
    assert problems == [f"test digit {text!r} is not 0–{TEST_SET_SIZE - 1}"]


def test_a_link_page_name_of_40_characters_is_kept_and_41_refused():
    view, problems = parse_query({"page": "p" * 40})
    assert problems == [] and view.page == "p" * 40
    view, problems = parse_query({"page": "p" * 41})
    assert view.page is None and len(problems) == 1 and "is not valid" in problems[0]


def test_a_link_model_name_of_the_longest_allowed_length_is_kept_and_one_more_refused():
    longest = "m" * LONGEST_MODEL_NAME
    assert NAME_PATTERN.fullmatch(longest)
    view, problems = parse_query({"model": longest})
    assert problems == [] and view.model == longest
    view, problems = parse_query({"model": longest + "m"})
    assert view.model is None and len(problems) == 1 and "model name" in problems[0]


def test_a_link_drawing_of_exactly_392_bytes_is_kept_and_one_byte_more_or_less_refused():
    image = np.zeros((DRAWING_SIZE, DRAWING_SIZE), "float32")
    text = encode_drawing(image)
    np.testing.assert_array_equal(decode_drawing(text), image)
    packed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    for size in (len(packed) + 1, len(packed) - 1):
        longer = base64.urlsafe_b64encode(bytes(size)).decode("ascii").rstrip("=")
        view, problems = parse_query({"drawing": longer})
        assert view.drawing is None and problems == [f"the drawing in the link has {size} bytes, expected 392"]


# ---------------------------------------------------------------------------------------------
# A page's options: every number's range, a channel against the model, a text's length.
# ---------------------------------------------------------------------------------------------

def numeric_options():
    """(page, URL name, option) of every whole-number or decimal option that has no template in its key."""
    return [(page, name, option) for page, options in sorted(PAGE_OPTIONS.items())
            for name, option in options.items()
            if option.kind in (INT, FLOAT) and not option.channel and "{" not in option.key]


def format_number(option, value) -> str:
    """A number as a link writes it: whole numbers without a point, decimals with up to 6 places."""
    return str(int(value)) if option.kind == INT else f"{value:.6f}".rstrip("0").rstrip(".")


NUMERIC = numeric_options()
NUMERIC_IDS = [f"{page}-{name}" for page, name, _ in NUMERIC]


def test_the_numeric_option_table_covers_the_pages_ranges():
    assert len(NUMERIC) >= 19 and {page for page, _, _ in NUMERIC} >= {"draw", "feature_maps", "convolution",
                                                                       "fool", "mistakes"}


@pytest.mark.parametrize(("page", "name", "option"), NUMERIC, ids=NUMERIC_IDS)
def test_an_option_exactly_on_either_end_of_its_range_is_kept(page, name, option):
    for value in (option.low, option.high):
        values, problems = parse_options(page, {name: format_number(option, value)})
        assert problems == [] and values == {option.key: value}, (name, value)


@pytest.mark.parametrize(("page", "name", "option"), NUMERIC, ids=NUMERIC_IDS)
def test_an_option_one_past_either_end_of_its_range_is_refused_with_the_range(page, name, option):
    step = 1 if option.kind == INT else 1e-6  # the smallest step a link can write
    for value in (option.low - step, option.high + step):
        text = format_number(option, value)
        values, problems = parse_options(page, {name: text})
        assert values == {}, (name, text)
        assert problems == [f"{name} {text!r} is not a number from {option.low:g} to {option.high:g}"]


def channel_options():
    """(page, URL name of the channel, URL name of its layer) of every channel option."""
    found = []
    for page, options in sorted(PAGE_OPTIONS.items()):
        for name, option in options.items():
            if option.channel:
                layer = next(other for other, candidate in options.items()
                             if candidate.kind == LAYER and "{" + other + "}" in option.key)
                found.append((page, name, layer))
    return found


CHANNELS = channel_options()
CHANNEL_IDS = [f"{page}-{name}" for page, name, _ in CHANNELS]


def test_every_channel_option_is_found():
    assert {(page, name) for page, name, _ in CHANNELS} == {("feature_maps", "channel"),
                                                           ("feature_maps", "trace_channel"), ("kernels", "filter"),
                                                           ("network", "channel")}


@pytest.mark.parametrize(("page", "name", "layer"), CHANNELS, ids=CHANNEL_IDS)
def test_a_link_channel_that_is_the_models_last_is_kept(page, name, layer):
    values, problems = parse_options(page, {layer: "conv", name: "31"}, layers={"conv": 32})
    assert problems == [] and 31 in values.values() and len(values) == 2


@pytest.mark.parametrize(("page", "name", "layer"), CHANNELS, ids=CHANNEL_IDS)
def test_a_link_channel_one_past_the_last_is_refused(page, name, layer):
    values, problems = parse_options(page, {layer: "conv", name: "32"}, layers={"conv": 32})
    assert list(values.values()) == ["conv"]
    assert problems == [f"{name} 32 is not a channel of conv (it has 32)"]


@pytest.mark.parametrize(("page", "name", "layer"), CHANNELS, ids=CHANNEL_IDS)
def test_a_link_channel_is_checked_against_max_channels_when_the_model_is_unknown(page, name, layer):
    values, problems = parse_options(page, {layer: "conv", name: str(MAX_CHANNELS - 1)})
    assert problems == [] and MAX_CHANNELS - 1 in values.values()
    values, problems = parse_options(page, {layer: "conv", name: str(MAX_CHANNELS)})
    assert list(values.values()) == ["conv"]
    assert problems == [f"{name} '{MAX_CHANNELS}' is not a number from 0 to {MAX_CHANNELS - 1}"]


def test_a_one_channel_layer_keeps_channel_0_and_refuses_channel_1():
    values, problems = parse_options("kernels", {"layer": "conv", "filter": "0"}, layers={"conv": 1})
    assert problems == [] and values["filter_views_channel_conv"] == 0
    values, problems = parse_options("kernels", {"layer": "conv", "filter": "1"}, layers={"conv": 1})
    assert "filter_views_channel_conv" not in values and problems == ["filter 1 is not a channel of conv (it has 1)"]


def test_the_kernels_input_channel_keeps_the_last_possible_and_refuses_one_more():
    values, problems = parse_options("kernels", {"layer": "conv", "input": str(MAX_CHANNELS - 1)})
    assert problems == [] and values["kernels_input_conv"] == MAX_CHANNELS - 1
    values, problems = parse_options("kernels", {"layer": "conv", "input": str(MAX_CHANNELS)})
    assert "kernels_input_conv" not in values and len(problems) == 1


def test_a_layer_name_of_the_longest_allowed_length_is_kept_and_one_character_more_refused():
    longest = "l" * MAX_OPTION_LENGTH
    values, problems = parse_options("feature_maps", {"layer": longest}, layers={longest: 8})
    assert problems == [] and values == {"feature_maps_enlarge_layer": longest}
    values, problems = parse_options("feature_maps", {"layer": longest + "l"})
    assert values == {} and problems == [f"layer {longest!r} is longer than {MAX_OPTION_LENGTH} characters"]


def test_a_model_option_of_the_longest_allowed_length_is_kept_and_one_character_more_refused():
    model_options = [name for name, option in PAGE_OPTIONS["mistakes"].items() if option.kind == MODEL]
    assert model_options == ["model_a", "model_b"]
    longest = "m" * MAX_OPTION_LENGTH
    values, problems = parse_options("mistakes", {"model_a": longest})
    assert problems == [] and values == {"compare_first_model": longest}
    values, problems = parse_options("mistakes", {"model_a": longest + "m"})
    assert values == {} and len(problems) == 1 and f"longer than {MAX_OPTION_LENGTH}" in problems[0]


@pytest.mark.parametrize(("page", "name", "text", "value"), [
    ("fool", "strength", "0000.500000", 0.5),   # 4 whole and 6 decimal digits: the longest decimal
    ("fool", "strength", "00000.5", None),      # 5 whole digits
    ("fool", "strength", "0.5000000", None),    # 7 decimal digits
    ("mistakes", "list_page", "010000", 10_000),  # 6 digits: the longest whole number
    ("mistakes", "list_page", "0010000", None),   # 7 digits, though the value is in range
])
def test_a_numbers_text_has_at_most_the_digits_its_pattern_allows(page, name, text, value):
    values, problems = parse_options(page, {name: text})
    option = PAGE_OPTIONS[page][name]
    if value is not None:
        assert problems == [] and values == {option.key: value}
    else:
        assert values == {} and problems == [f"{name} {text!r} is not a number from {option.low:g} to {option.high:g}"]
