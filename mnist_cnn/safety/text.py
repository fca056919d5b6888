"""Visitors' text (link values, collection and file names, messages that quote them) shown as text, not Markdown."""

import unicodedata

# The characters Streamlit's Markdown (CommonMark, GitHub extensions, colour and icon directives, LaTeX) can read
# as markup: links [..](..) and <..>, bare URLs and e-mail addresses (':', '.', '@'), emphasis, code, headings,
# tables, strikethrough, :red[..] and :material/..: directives, $maths$, HTML and entities. CommonMark shows a
# backslash-escaped ASCII punctuation character as itself.
MARKDOWN_CHARACTERS = frozenset("\\`*_{}[]()<>#+-.!|~$:&@^=")


def escape_markdown(text) -> str:
    """The text with every Markdown-active character backslash-escaped and line breaks and controls as spaces."""
    escaped = []
    for character in str(text):
        if unicodedata.category(character) in ("Cc", "Zl", "Zp"):  # a line break could start a heading or a list
            escaped.append(" ")
        elif character in MARKDOWN_CHARACTERS:
            escaped.append("\\" + character)
        else:
            escaped.append(character)
    return "".join(escaped)


def as_code_span(text, limit: int = 80) -> str:
    """The text as a Markdown code span (no link, emphasis or formula inside), shortened to limit characters."""
    text = " ".join(str(text).split()).replace("`", "'")
    return f"`{text[:limit]}{'…' if len(text) > limit else ''}`"
