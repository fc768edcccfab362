"""Article bodies: one Markdown parse shared by the HTML and the plain-text renderers."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

# German gender star ("Einwohner*innen"): two in one paragraph would otherwise pair up as emphasis.
GENDER_STAR = re.compile(r"(?<=\w)\*(?=(?:in|innen|e|en|r)\b)")

_parser = MarkdownIt("commonmark", {"html": False, "typographer": False}).disable("image")


def tokens(body: str) -> list[Token]:
    return _parser.parse(GENDER_STAR.sub(r"\\*", body))


def to_html(body: str) -> Markup:
    """Raw HTML in a body is escaped (html=False), so this output is the only markup trusted unescaped."""
    return Markup(_parser.renderer.render(tokens(body), _parser.options, {}))
