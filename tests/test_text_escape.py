"""Tests for mnist_cnn/safety/text.py: a visitor's text in a Streamlit message is shown as itself, never as Markdown."""

import pytest

from mnist_cnn.safety.text import escape_markdown
from tests.support.markdown import render_markdown as render

HOSTILE = ["[free marks](https://evil.example)", "<https://evil.example>", "![x](https://evil.example/x.png)",
           "**bold** _it_ `code` ~~no~~", "# heading", ":red[alarm] :material/lock:", "$x^2$", "a | b",
           "&#91;entity&#93;(https://evil.example)", "line\n# heading\n- item", "[ref]: https://evil.example"]


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_in_a_visitors_text_is_shown_literally(text):
    html = render(f"Part of the link was ignored: {escape_markdown(text)}.")
    assert "<a " not in html and "<img" not in html and "<h1" not in html and "<strong" not in html
    assert "<em" not in html and "<code" not in html and "<li" not in html


@pytest.mark.parametrize("text", ["[x](https://evil.example)", "**bold** & `code`", "a_b-c.d: e@f $1"])
def test_the_escaped_text_reads_as_the_original(text):
    html = render(escape_markdown(text))
    assert html == "<p>" + text.replace("&", "&amp;") + "</p>\n"


def test_bare_addresses_cannot_become_links():
    # GitHub's Markdown links bare URLs, www. names and e-mail addresses: their ':', '.' and '@' are escaped.
    escaped = escape_markdown("see https://evil.example, www.evil.example or me@evil.example")
    assert "https\\://evil\\.example" in escaped and "www\\.evil" in escaped and "me\\@evil\\.example" in escaped


def test_line_breaks_and_control_characters_become_spaces():
    assert escape_markdown("a\nb\rc\td\x00e\u2028f") == "a b c d e f"


def test_plain_text_is_left_alone():
    assert escape_markdown("Zoë 4b likes 7s, not 1s?") == "Zoë 4b likes 7s, not 1s?"
    assert escape_markdown(ValueError("a 'name'")) == "a 'name'"
