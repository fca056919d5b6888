"""Text from visitors (file names, model names, messages quoting them) shown as text, never as Markdown."""

import re

# Characters Markdown (and Streamlit's extensions: links, emphasis, LaTeX, colours, icons) gives a meaning.
MARKDOWN_CHARACTERS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=&])")


def escape_markdown(text: str) -> str:
    """text with every Markdown character escaped (and line breaks flattened), so that it shows as written."""
    return MARKDOWN_CHARACTERS.sub(r"\\\1", " ".join(str(text).split()))


def as_code_span(text: str, limit: int = 80) -> str:
    """text as a Markdown code span (no link, emphasis or formula inside), shortened to limit characters."""
    text = " ".join(str(text).split()).replace("`", "'")
    return f"`{text[:limit]}{'…' if len(text) > limit else ''}`"
