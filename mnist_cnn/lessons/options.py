"""The widgets a lesson link keeps, page by page: URL name -> session key, type and allowed values."""

import functools
from dataclasses import dataclass

from mnist_cnn.challenge.scoring import CHALLENGES
from mnist_cnn.config import DEFAULT_PEN_WIDTH
from mnist_cnn.evaluation.metrics import MISTAKE_ORDERS
from mnist_cnn.explain.choices import COLOUR_CHOICES, DEFAULT_STEPS, KERNEL_PRESETS, MAP_METHODS, MEAN_ABSOLUTE

# Kinds of value: a whole number, a decimal, a switch, one of fixed choices, a conv or pooling layer's name, a stored
# model's name, a list of the channels of the layer its key names ("3,5,12" in the URL), a lesson's name, and any
# hidden layer's name (a Dense layer too: the page checks it against the model).
INT, FLOAT, BOOL, CHOICE, LAYER, MODEL = "int", "float", "bool", "choice", "layer", "model"
CHANNELS, LESSON, HIDDEN, LAYER_LIST = "channels", "lesson", "hidden", "layer_list"
MAX_CHANNELS = 1024  # no page shows a layer with more channels; the model itself is checked when it is known
MAX_LESSON_STEPS = 30  # a lesson file has at most this many steps (mnist_cnn/lessons/lesson_files.py)
MAX_MAP_SIDE = 30  # a feature map or convolution output is at most 30 pixels high (28 + 2 · padding 1)


@dataclass(frozen=True)
class ViewOption:
    """One widget a link keeps: its session key ("{layer}" stands for another option's value) and its values."""

    key: str
    kind: str
    low: float = 0
    high: float = 0
    choices: tuple[tuple[str, object], ...] = ()  # (code in the URL, widget value)
    channel: bool = False  # an output channel of the layer its key names: below that layer's channel count
    default: str | None = None  # the URL text of what a fresh session shows (the address bar leaves it out)

    @property
    def start(self):
        """The widget value a fresh session shows (`default` read as the widget's value); None without one."""
        if self.default is None:
            return None
        for code, choice in self.choices:
            if code == self.default:
                return choice
        return {INT: int, FLOAT: float, BOOL: lambda text: text == "1"}.get(self.kind, str)(self.default)


def pick(key: str, *choices: tuple[str, object], default: str | None = None) -> ViewOption:
    """An option with fixed choices."""
    return ViewOption(key, CHOICE, choices=choices, default=default)


def whole(key: str, low: int, high: int, *choices: tuple[str, object], default: str | None = None) -> ViewOption:
    """A whole-number option within [low, high] (and special choices such as "mean")."""
    return ViewOption(key, INT, low, high, choices, default=default)


def channel(key: str) -> ViewOption:
    """An output channel of the layer the key names ("..._{layer}")."""
    return ViewOption(key, INT, 0, MAX_CHANNELS - 1, channel=True)


def channel_list(key: str) -> ViewOption:
    """Some output channels of the layer the key names ("..._{layer}"), none by default."""
    return ViewOption(key, CHANNELS, 0, MAX_CHANNELS - 1)


def switch(key: str, default: str | None = None) -> ViewOption:
    """An on/off option."""
    return ViewOption(key, BOOL, default=default)


def labels(*texts: str) -> tuple[tuple[str, str], ...]:
    """Choices whose URL code is the label in lower case with underscores ("Sobel X" -> "sobel_x")."""
    return tuple((text.lower().replace(" ", "_"), text) for text in texts)


# The Draw page's pen width (its default, config.DEFAULT_PEN_WIDTH, is 8% of the canvas), the what-if block's
# normalisation switches and its movement ranges: shift (px), scale and rotation (degrees).
MIN_PEN_WIDTH, MAX_PEN_WIDTH = 4, 60
WHAT_IF_SWITCHES = ("crop", "stroke_width", "fit_box", "centre_of_mass")
MAX_SHIFT, MIN_SCALE, MAX_SCALE, MAX_ROTATION = 8, 0.5, 1.5, 90


@functools.cache  # read on every stroke: built once per source (never change what it returns)
def make_draw_options(source: str) -> dict[str, ViewOption]:
    """The Draw page's options for one picture source ("canvas" or "upload"); a link keeps the canvas's."""
    return {
        "pen": whole("pen_width", MIN_PEN_WIDTH, MAX_PEN_WIDTH, default=str(DEFAULT_PEN_WIDTH)),
        "details": switch(f"show_details_{source}", default="0"),
        "saliency": pick(f"saliency_method_{source}", ("gradcam", "Grad-CAM"), ("gradients", "Input gradients")),
        "what_if": switch(f"what_if_on_{source}", default="0"),
        **{name: switch(f"what_if_{name}_{source}") for name in WHAT_IF_SWITCHES},
        "right": whole(f"what_if_right_{source}", -MAX_SHIFT, MAX_SHIFT),
        "down": whole(f"what_if_down_{source}", -MAX_SHIFT, MAX_SHIFT),
        "scale": ViewOption(f"what_if_scale_{source}", FLOAT, MIN_SCALE, MAX_SCALE),
        "rotation": whole(f"what_if_rotation_{source}", -MAX_ROTATION, MAX_ROTATION),
        "neighbours": switch(f"draw_show_neighbours_{source}", default="0"),
    }


# The input sources of the teaching pages (ui/digit_source.py, pages/feature_maps.py, pages/convolution.py).
SOURCES = (("drawing", "My drawing"), ("test", "Test digit"))
PRESETS = labels(*KERNEL_PRESETS)

# Page (URL path) -> URL name -> option. URL names never repeat the link's own (page, model, digit, ...).
# The widgets read their session keys, bounds and defaults from here (page_option), so each is written once.
# A `default` is the value a fresh session shows (tests/test_lesson_link_address.py checks each against the app);
# options whose first value depends on the model or the image (layers, pixels) have none.
PAGE_OPTIONS: dict[str, dict[str, ViewOption]] = {
    "draw": make_draw_options("canvas"),
    "feature_maps": {
        "input": pick("feature_maps_source", *SOURCES, default="test"),
        "pooling": switch("feature_maps_pooling", default="0"),
        "scale": pick("feature_maps_scale", ("shared", "Shared per layer"), ("channel", "Per channel"),
                      default="shared"),
        "layer": ViewOption("feature_maps_enlarge_layer", LAYER),
        "channel": channel("feature_maps_enlarge_channel_{layer}"),
        "trace_layer": ViewOption("trace_layer", LAYER),
        "trace_channel": channel("trace_channel_{trace_layer}"),
        "row": whole("trace_row", 0, MAX_MAP_SIDE - 1),
        "col": whole("trace_col", 0, MAX_MAP_SIDE - 1),
    },
    "network": {
        "input": pick("network_source", *SOURCES, default="test"),
        "layer": ViewOption("network_layer", LAYER),
        "channel": channel("network_channel_{layer}"),
    },
    "digit_map": {
        "input": pick("digit_map_source", *SOURCES, default="test"),
        "layer": ViewOption("digit_map_layer", HIDDEN),
        "method": pick("digit_map_method", *labels(*MAP_METHODS), default=labels(*MAP_METHODS)[0][0]),
        "colour": pick("digit_map_colour", *labels(*COLOUR_CHOICES), default=labels(*COLOUR_CHOICES)[0][0]),
    },
    "kernels": {
        "layer": ViewOption("kernels_layer_name", LAYER),
        "input": whole("kernels_input_{layer}", 0, MAX_CHANNELS - 1, ("mean", MEAN_ABSOLUTE)),
        "filter": channel("filter_views_channel_{layer}"),
        "classes": switch("filter_views_classes", default="0"),
    },
    "convolution": {
        "input": pick("convolution_source", *SOURCES, default="test"),
        "preset": pick("convolution_preset", *PRESETS, default=PRESETS[0][0]),
        "row": whole("convolution_row", 0, 27),
        "col": whole("convolution_col", 0, 27),
        "kernel": pick("steps_kernel", *PRESETS, default=PRESETS[0][0]),
        "padding": whole("steps_padding", 0, 2, default="1"),
        "stride": whole("steps_stride", 1, 3, default="1"),
        "out_row": whole("steps_row", 0, MAX_MAP_SIDE - 1),
        "out_col": whole("steps_col", 0, MAX_MAP_SIDE - 1),
    },
    "fool": {
        "input": pick("fool_source", *SOURCES, default="test"),
        "method": pick("fool_method", ("fgsm", "FGSM (one step)"),
                       ("pgd", f"Iterative (PGD, up to {DEFAULT_STEPS} steps)"), default="fgsm"),
        "goal": pick("fool_goal", ("any", "Any wrong digit"), ("target", "A digit I choose"), default="any"),
        "target": whole("fool_target", 0, 9, default="8"),
        "strength": ViewOption("fool_strength", FLOAT, 0.0, 0.5, default="0.1"),
    },
    "decided": {
        "input": pick("decided_source", *SOURCES, default="test"),
        "explain": whole("decided_class", -1, 9, default="-1"),  # -1: the digit the network predicts
        "random": switch("decided_randomise", default="0"),
    },
    "ablation": {
        "input": pick("ablation_source", *SOURCES, default="test"),
        "layer": ViewOption("ablation_layer", LAYER),
        "off": channel_list("ablation_off_{layer}"),
        "whole": switch("ablation_whole_layer", default="0"),
    },
    "build": {
        "layers": ViewOption("build_spec", LAYER_LIST),  # the Build page's table, as format_spec_text writes it
    },
    "challenge": {
        "challenge": pick("challenge_choice", *((key, key) for key in CHALLENGES), default=next(iter(CHALLENGES))),
    },
    "mistakes": {
        "tab": pick("explorer_tab", *labels("Mistakes", "Confusion matrix", "Sample grid", "Compare models"),
                    default="mistakes"),
        "true": whole("mistakes_true_digit", -1, 9, default="-1"),
        "predicted": whole("mistakes_predicted_digit", -1, 9, default="-1"),
        "order": pick("mistakes_order", *((code, code) for code in MISTAKE_ORDERS), default=MISTAKE_ORDERS[0]),
        "list_page": whole("mistakes_page", 1, 10_000, default="1"),
        "selected": whole("mistakes_selected_index", 0, 9_999),
        "model_a": ViewOption("compare_first_model", MODEL),
        "model_b": ViewOption("compare_second_model", MODEL),
    },
    "lessons": {
        "open": ViewOption("lessons_open", LESSON),
        "step": whole("lessons_step_{open}", 1, MAX_LESSON_STEPS),
    },
}


def page_option(page: str, name: str) -> ViewOption:
    """The option a page's widget shows: its session key, bounds and default, from PAGE_OPTIONS."""
    return PAGE_OPTIONS[page][name]


def option_key(page: str, name: str, **parts: str) -> str:
    """The session key of a page's option, its "{...}" parts (another option's value, e.g. layer=) filled in."""
    return page_option(page, name).key.format(**parts)
