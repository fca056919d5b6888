"""Lessons in a link: a view's state (page, model, test digit, drawing, widgets, lesson mode) as URL queries."""

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

import numpy as np

from mnist_cnn.config import DEFAULT_MODEL_NAME
from mnist_cnn.lessons.options import (BOOL, CHANNELS, CHOICE, FLOAT, HIDDEN, INT, LAYER, LAYER_LIST, LESSON,
                                       MODEL, PAGE_OPTIONS, ViewOption)
from mnist_cnn.model.layer_spec import SPEC_TEXT_LIMIT, SpecError, format_spec_text, parse_spec_text
from mnist_cnn.store.model_store import NAME_PATTERN

# A drawing travels as 16 grey levels, two pixels a byte: 392 bytes, 523 URL-safe base64 characters.
GREY_LEVELS = 16
DRAWING_SIZE = 28
TEST_SET_SIZE = 10_000
# A page is named by its URL path (its file name in pages/ without .py).
PAGE_PATTERN = re.compile(r"[a-z_]{1,40}")
# The link's own parameters; a page's options (mnist_cnn/lessons/options.py) use other names.
VIEW_PARAMETERS = ("page", "model", "digit", "drawing", "lesson", "collection")
# Parameters another block keeps in every page's URL (ui/collections.py): alone, they are no link to apply.
OTHER_PARAMETERS = ("collection",)
# Bounds on a page option's text in the URL, and the shapes a number, a decimal or a layer name may have.
MAX_OPTION_LENGTH = 60
INTEGER_PATTERN = re.compile(r"-?[0-9]{1,6}")
DECIMAL_PATTERN = re.compile(r"-?[0-9]{1,4}(\.[0-9]{1,6})?")
LAYER_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,60}")
CHANNELS_PATTERN = re.compile(r"[0-9]{1,4}(,[0-9]{1,4})*")
LESSON_NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")  # a lesson file's name, without .yaml
TEMPLATE_PATTERN = re.compile(r"\{([a-z_]+)\}")


@dataclass
class LessonView:
    """What a link asks for; None where it asks for nothing."""

    page: str | None = None
    model: str | None = None
    digit: int | None = None
    drawing: np.ndarray | None = None  # (28, 28) float32 in [0, 1]
    lesson: bool = False
    options: dict[str, str] = field(default_factory=dict)  # the page's widgets, as build_options writes them


def encode_drawing(image: np.ndarray) -> str:
    """A (28, 28) image in [0, 1] as URL-safe text (16 grey levels)."""
    image = np.asarray(image, dtype="float32").reshape(DRAWING_SIZE, DRAWING_SIZE)
    levels = np.clip(np.rint(image * (GREY_LEVELS - 1)), 0, GREY_LEVELS - 1).astype("uint8").reshape(-1)
    packed = (levels[0::2] << 4) | levels[1::2]  # (392,)
    return base64.urlsafe_b64encode(packed.tobytes()).decode("ascii").rstrip("=")


def decode_drawing(text: str) -> np.ndarray:
    """The (28, 28) float32 image encode_drawing wrote; ValueError for anything else."""
    try:
        packed = np.frombuffer(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), dtype="uint8")
    except (ValueError, TypeError):
        raise ValueError("the drawing in the link is not valid base64") from None
    if packed.size != DRAWING_SIZE * DRAWING_SIZE // 2:
        raise ValueError(f"the drawing in the link has {packed.size} bytes, expected 392")
    levels = np.empty(DRAWING_SIZE * DRAWING_SIZE, dtype="uint8")
    levels[0::2], levels[1::2] = packed >> 4, packed & 0x0F
    return (levels.astype("float32") / (GREY_LEVELS - 1)).reshape(DRAWING_SIZE, DRAWING_SIZE)


def build_query(view: LessonView) -> dict[str, str]:
    """The query parameters of a view (only those it sets)."""
    query = {}
    if view.page:
        query["page"] = view.page
    if view.model:
        query["model"] = view.model
    if view.digit is not None:
        query["digit"] = str(int(view.digit))
    if view.drawing is not None:
        query["drawing"] = encode_drawing(view.drawing)
    if view.lesson:
        query["lesson"] = "1"
    query.update(view.options)
    return query


def parse_query(params) -> tuple[LessonView, list[str]]:
    """A LessonView from query parameters, and a list of what was ignored and why (bad values lose nothing else)."""
    view, problems = LessonView(), []
    for key, pattern, what in (("page", PAGE_PATTERN, "page"), ("model", NAME_PATTERN, "model name")):
        value = params.get(key)
        if value is not None and pattern.fullmatch(value):
            setattr(view, key, value)
        elif value is not None:
            problems.append(f"{what} {value[:40]!r} is not valid")
    digit = params.get("digit")
    if digit is not None:
        if digit.isdigit() and int(digit) < TEST_SET_SIZE:
            view.digit = int(digit)
        else:
            problems.append(f"test digit {digit[:12]!r} is not 0–{TEST_SET_SIZE - 1}")
    drawing = params.get("drawing")
    if drawing is not None:
        try:
            view.drawing = decode_drawing(drawing)
        except ValueError as error:
            problems.append(str(error))
    view.lesson = params.get("lesson") == "1"
    return view, problems


def encode_value(option: ViewOption, value) -> str | None:
    """A widget's value as URL text, or None when the option cannot hold it."""
    for code, choice in option.choices:
        if value == choice:
            return code
    if option.kind == BOOL and isinstance(value, (bool, np.bool_)):
        return "1" if value else "0"
    if option.kind == INT and isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value)) if option.low <= value <= option.high else None
    if option.kind == FLOAT and isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return f"{float(value):g}" if option.low <= value <= option.high else None
    if option.kind in (LAYER, HIDDEN) and isinstance(value, str) and LAYER_PATTERN.fullmatch(value):
        return value
    if option.kind == MODEL and isinstance(value, str) and NAME_PATTERN.fullmatch(value):
        return value
    if option.kind == CHANNELS and isinstance(value, (list, tuple)) and value:
        if all(isinstance(item, (int, np.integer)) and not isinstance(item, bool) for item in value):
            if option.low <= min(value) and max(value) <= option.high:
                return ",".join(str(int(item)) for item in sorted(set(value)))
    if option.kind == LESSON and isinstance(value, str) and LESSON_NAME_PATTERN.fullmatch(value):
        return value
    if option.kind == LAYER_LIST and isinstance(value, (list, tuple)):
        try:
            return format_spec_text(list(value))
        except SpecError:
            return None
    return None


def decode_value(option: ViewOption, text: str):
    """The widget value URL text stands for; ValueError (with the reason) for anything the option does not allow."""
    for code, choice in option.choices:
        if text == code:
            return choice
    if option.kind == BOOL and text in ("0", "1"):
        return text == "1"
    if option.kind == INT and INTEGER_PATTERN.fullmatch(text) and option.low <= int(text) <= option.high:
        return int(text)
    if option.kind == FLOAT and DECIMAL_PATTERN.fullmatch(text) and option.low <= float(text) <= option.high:
        return float(text)
    if option.kind in (LAYER, HIDDEN) and LAYER_PATTERN.fullmatch(text):
        return text
    if option.kind == MODEL and NAME_PATTERN.fullmatch(text):
        return text
    if option.kind == CHANNELS and CHANNELS_PATTERN.fullmatch(text):
        channels = sorted({int(part) for part in text.split(",")})
        if channels[-1] <= option.high:
            return channels
    if option.kind == LESSON and LESSON_NAME_PATTERN.fullmatch(text):
        return text
    if option.kind == LAYER_LIST:
        try:
            return parse_spec_text(text)
        except SpecError as error:
            raise ValueError(f"is not a layer list ({error})") from None
    if option.kind == CHOICE:
        raise ValueError(f"is not one of {', '.join(code for code, _ in option.choices)}")
    if option.kind in (INT, FLOAT):
        raise ValueError(f"is not a number from {option.low:g} to {option.high:g}")
    if option.kind == CHANNELS:
        raise ValueError(f"is not a list of channels from 0 to {option.high:g} such as 3,5,12")
    raise ValueError("is not valid")


def fill_key(option: ViewOption, values: Mapping[str, str]) -> str | None:
    """The option's session key with "{name}" replaced by option `name`'s value (None when that is missing)."""
    names = TEMPLATE_PATTERN.findall(option.key)
    if any(values.get(name) is None for name in names):
        return None
    return TEMPLATE_PATTERN.sub(lambda match: str(values[match.group(1)]), option.key)


def build_options(page: str | None, state: Mapping) -> dict[str, str]:
    """The query parameters of a page's widgets, read from a session state (only those it holds)."""
    options = PAGE_OPTIONS.get(page or "", {})
    query: dict[str, str] = {}
    for name, option in options.items():  # a layer comes before the options whose keys name it
        key = fill_key(option, query)
        if key is not None and key in state:
            text = encode_value(option, state[key])
            if text is not None:
                query[name] = text
    return query


def parse_options(page: str | None, params: Mapping[str, str],
                  layers: Mapping[str, int] | None = None) -> tuple[dict[str, object], list[str]]:
    """The session values a link sets for a page's widgets (session key -> value), and what was ignored and why.

    `layers` (layer name -> channels) checks layer names and channel numbers against the model, when known."""
    options = PAGE_OPTIONS.get(page or "", {})
    values, texts, problems = {}, {}, []
    for name, text in params.items():
        if name in VIEW_PARAMETERS:
            continue
        option = options.get(name)
        if option is None:
            problems.append(f"{name[:MAX_OPTION_LENGTH]!r} is not an option of this page")
            continue
        try:
            longest = SPEC_TEXT_LIMIT if option.kind == LAYER_LIST else MAX_OPTION_LENGTH  # a layer list is long
            if len(text) > longest:
                raise ValueError(f"is longer than {longest} characters")
            value = decode_value(option, text)
            if option.kind == LAYER and layers is not None and value not in layers:
                raise ValueError("is not a layer of this model")
        except ValueError as error:
            problems.append(f"{name} {text[:MAX_OPTION_LENGTH]!r} {error}")
            continue
        texts[name] = text
        values[name] = value
    resolved = {}
    for name, value in values.items():
        key = fill_key(options[name], texts)
        if key is None:
            problems.append(f"{name} needs {', '.join(TEMPLATE_PATTERN.findall(options[name].key))} as well")
            continue
        layer = next(iter(TEMPLATE_PATTERN.findall(options[name].key)), None)
        highest = max(value) if options[name].kind == CHANNELS else value
        if (options[name].channel or options[name].kind == CHANNELS) and layers is not None \
                and highest >= layers[texts[layer]]:
            problems.append(f"{name} {highest} is not a channel of {texts[layer]} (it has {layers[texts[layer]]})")
            continue
        resolved[key] = value
    return resolved, problems


# What a fresh session shows for the link's own parameters (the address bar leaves these values out).
FRESH_VALUES = {"model": DEFAULT_MODEL_NAME, "digit": "0"}


def leave_out_defaults(page: str | None, query: Mapping[str, str]) -> dict[str, str]:
    """A view's query without what a fresh session shows anyway (default model, test digit 0, default options)."""
    options = PAGE_OPTIONS.get(page or "", {})
    return {name: value for name, value in query.items()
            if value != (options[name].default if name in options else FRESH_VALUES.get(name))}


def restore_defaults(page: str | None, query: Mapping[str, str], shows_digit: bool) -> dict[str, str]:
    """The inverse of leave_out_defaults: a link's query with each value it left out put back (the default model,
    test digit 0 on a page that shows one, the page's options that have a default), so that opening an address
    (or going Back to one) resets what it does not name instead of keeping the session's current values."""
    fresh = {"model": FRESH_VALUES["model"], **({"digit": FRESH_VALUES["digit"]} if shows_digit else {})}
    fresh |= {name: option.default for name, option in PAGE_OPTIONS.get(page or "", {}).items()
              if option.default is not None}
    return {**fresh, **query}


def select_link_parameters(params: Mapping[str, str]) -> dict[str, str]:
    """The parameters of a lesson link among a URL's (those other blocks keep left out)."""
    return {name: value for name, value in params.items() if name not in OTHER_PARAMETERS}


def make_link(base_url: str, view: LessonView) -> str:
    """The full link: the app's root URL and the view's query (the page travels in the query)."""
    query = urlencode(build_query(view))
    return f"{base_url.rstrip('/')}/" + (f"?{query}" if query else "")
