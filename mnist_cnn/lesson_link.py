"""Lessons in a link: a view's state (page, model, test digit, drawing, lesson mode) as URL query parameters."""

import base64
import re
from dataclasses import dataclass
from urllib.parse import urlencode

import numpy as np

from mnist_cnn.store import NAME_PATTERN

# A drawing travels as 16 grey levels, two pixels a byte: 392 bytes, 523 URL-safe base64 characters.
GREY_LEVELS = 16
DRAWING_SIZE = 28
TEST_SET_SIZE = 10_000
# A page is named by its URL path (its file name in pages/ without .py).
PAGE_PATTERN = re.compile(r"^[a-z_]{1,40}$")


@dataclass
class LessonView:
    """What a link asks for; None where it asks for nothing."""

    page: str | None = None
    model: str | None = None
    digit: int | None = None
    drawing: np.ndarray | None = None  # (28, 28) float32 in [0, 1]
    lesson: bool = False


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
    return query


def parse_query(params) -> tuple[LessonView, list[str]]:
    """A LessonView from query parameters, and a list of what was ignored and why (bad values lose nothing else)."""
    view, problems = LessonView(), []
    page = params.get("page")
    if page is not None:
        if PAGE_PATTERN.match(page):
            view.page = page
        else:
            problems.append(f"page {page[:40]!r} is not valid")
    model = params.get("model")
    if model is not None:
        if NAME_PATTERN.match(model):
            view.model = model
        else:
            problems.append(f"model name {model[:40]!r} is not valid")
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


def make_link(base_url: str, view: LessonView) -> str:
    """The full link: the app's root URL and the view's query (the page travels in the query)."""
    query = urlencode(build_query(view))
    return f"{base_url.rstrip('/')}/" + (f"?{query}" if query else "")
