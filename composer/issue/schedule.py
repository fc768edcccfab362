"""A line stays a line where the writer meant it: dates, times and bullet-like symbols typed one per line.

Markdown joins the lines of a paragraph, so "1. Mai: Maifest", "2. Mai: Aufräumen" typed one below the
other would come out as one line. A line that begins with a symbol ("–", "•", "·") always starts anew. A
paragraph is a schedule when two of its lines begin with a date ("1. Mai", "4. Februar:", "12.03.",
"Mo 7.12."), a time ("18:00", "18 Uhr") or a symbol, or when one such line follows a line ending in a colon
("Termine:"); then each of those lines starts on a new line (a hard break). The date text stays as typed.
A paragraph of ordinary prose still joins; where it joins a single line that looks like a date,
`newsletter check` warns (`joined`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from composer.issue.months import MONTH_NAME

_WEEKDAY = (r"(?:(?:Mo|Di|Mi|Do|Fr|Sa|So|Mon|Tue|Wed|Thu|Fri|Sat|Sun)\.?|Montag|Dienstag|Mittwoch|Donnerstag|"
            r"Freitag|Samstag|Sonntag|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),?\s+")
_DATE = (r"(?:(?:0?[1-9]|[12][0-9]|3[01])\.\s*" + MONTH_NAME + r"(?![^\W\d_])"  # 4. Februar, 17. Mai 2021
         r"|(?:0?[1-9]|[12][0-9]|3[01])\.(?:0?[1-9]|1[0-2])\.(?:\d{2,4})?(?!\d))")  # 12.03., 7.12.2026
_TIME = r"(?:[01]?[0-9]|2[0-3])(?::[0-5][0-9](?!\d)|(?:[.:][0-5][0-9])?\s*Uhr\b)"  # 18:00, 18 Uhr, 18.30 Uhr
_SYMBOL = r"[–—•·▪►→✓✔]\s"
LINE_START = re.compile(rf"\s*(?:(?:{_WEEKDAY})?{_DATE}|{_TIME}|{_SYMBOL})", re.IGNORECASE)
BULLET = re.compile(rf"\s*{_SYMBOL}")  # "– Kuchen": always a line of its own, as the desk's hint says


@dataclass(frozen=True)
class Line:
    """One source line of a paragraph: its text, and the break token before it (None for the first line)."""

    text: str
    before: Token | None


def _lines(children: list[Token]) -> list[Line]:
    lines = [Line("", None)]
    for tok in children:
        if tok.type in ("softbreak", "hardbreak"):
            lines.append(Line("", tok))
        elif tok.type in ("text", "code_inline", "image"):
            lines[-1] = Line(lines[-1].text + tok.content, lines[-1].before)
    return lines


def _kept(lines: list[Line]) -> set[int]:
    """The lines (from the second) that begin anew: every line that begins with a symbol, and each date or time
    line of a paragraph that is a schedule."""
    starts = [bool(LINE_START.match(line.text)) for line in lines]
    bullets = {n for n in range(1, len(lines)) if BULLET.match(lines[n].text)}
    introduced = any(starts[n] and lines[n - 1].text.rstrip().endswith(":") for n in range(1, len(lines)))
    if sum(starts) < 2 and not introduced:
        return bullets
    return bullets | {n for n in range(1, len(lines)) if starts[n]}


def keep_lines(state: StateCore) -> None:
    """Core rule: the soft breaks before the lines of a schedule become hard breaks (`<br>`, a new text line)."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        lines = _lines(block.children)
        for n in _kept(lines):
            tok = lines[n].before
            if tok is not None and tok.type == "softbreak":
                tok.type, tok.tag = "hardbreak", "br"


def joined(tokens: list[Token]) -> list[tuple[int, str]]:
    """(line within the body, text) of every date- or time-like line that a paragraph joins to the line above."""
    found = []
    for block in tokens:
        if block.type != "inline" or not block.children or not block.map:
            continue
        for n, line in enumerate(_lines(block.children)):
            if line.before is not None and line.before.type == "softbreak" and LINE_START.match(line.text):
                found.append((block.map[0] + n, line.text.strip()))
    return found
