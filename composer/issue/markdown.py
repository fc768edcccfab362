"""Article bodies: one Markdown parse shared by the HTML and the plain-text renderers."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

from composer.issue.months import DAY_AND_MONTH

# German gender star ("Einwohner*innen"): two in one paragraph would otherwise pair up as emphasis.
GENDER_STAR = re.compile(r"(?<=\w)\*(?=(?:in|innen|e|en|r)\b)")
FENCE = re.compile(r"^[ \t]*(?:>[ \t]?)*[ \t]*(```|~~~)")
# One quote or list marker a line may start with before its own text: `> `, `- `, `1. `.
MARKER = re.compile(r"[ \t]*(?:>|[-*+]|[0-9]{1,9}[.)])[ \t]+")

_parser = MarkdownIt("commonmark", {"html": False, "typographer": False}).disable("image")


def _dates_stay_text(body: str) -> str:
    """`4. Februar: Stammtisch` at the start of a line or list item is a date, not an ordered list starting
    at 4: its dot is escaped. A real numbered list (`1. `, `2. `) is left alone."""
    lines = body.split("\n")
    fenced = False
    for n, line in enumerate(lines):
        if FENCE.match(line):
            fenced = not fenced
        if fenced:
            continue
        for lead in _leads(line):
            date = DAY_AND_MONTH.match(line, lead)
            if date:
                lines[n] = line[: date.end("day")] + "\\" + line[date.end("day"):]
                break
    return "\n".join(lines)


def _leads(line: str) -> list[int]:
    """Every position where a line's text could start after zero or more markers, longest first."""
    ends = [len(line) - len(line.lstrip(" \t"))]
    while marker := MARKER.match(line, ends[-1]):
        ends.append(marker.end())
    return ends[::-1]


def tokens(body: str) -> list[Token]:
    return _parser.parse(GENDER_STAR.sub(r"\\*", _dates_stay_text(body)))


def to_html(body: str) -> Markup:
    """Raw HTML in a body is escaped (html=False), so this output is the only markup trusted unescaped."""
    return Markup(_parser.renderer.render(tokens(body), _parser.options, {}))


def ordered_lists(body: str) -> list[tuple[int, int]]:
    """(first number, line within the body) of every numbered list that does not start at 1: likely a date."""
    return [(int(t.attrs.get("start", 1)), (t.map or [0])[0]) for t in tokens(body)
            if t.type == "ordered_list_open" and int(t.attrs.get("start", 1)) != 1]
