"""Lessons in a link: a view's state round-trips through the URL; bad values are reported and ignored."""

import numpy as np
from urllib.parse import parse_qsl, urlsplit

from mnist_cnn.lesson_link import LessonView, build_query, decode_drawing, encode_drawing, make_link, parse_query


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
