"""Render a Streamlit message's Markdown as CommonMark HTML, to check what a visitor's text turns into."""

import pytest


def render_markdown(text: str) -> str:
    """CommonMark's HTML for the text (Streamlit's Markdown is CommonMark with extensions); skips without a parser."""
    markdown_it = pytest.importorskip("markdown_it")
    return markdown_it.MarkdownIt("commonmark").render(text)
