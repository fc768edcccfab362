"""A broken fields block said in plain words, at the line to correct. The YAML reader words its errors for
programmers ("mapping values are not allowed here") and often marks the line where it gave up, one or more
lines after the mistake; here each known case is named by what the coordinator has to change, at that line."""

from __future__ import annotations

import re

import yaml

from composer.i18n import N_, Message, message

NO_COLON = N_("a ':' is missing after the field name; write it as 'name: value'")
NO_SPACE = N_("a space is missing after the ':'; write it as 'name: value'")
TAB = N_("a tab is used here; indent and separate with spaces only")
INDENT = N_("not in line with the fields above it; fields that belong together start in the same column")
COLON_IN_VALUE = N_("the value holds ': '; put the whole value in quotes (\"...\")")
UNCLOSED_QUOTE = N_("the quote {quote} opened here is never closed; end the value with {quote} too")
AFTER_QUOTE = N_("text after the closing quote; put the whole value inside the quotes")
BACKSLASH = N_("a backslash in double quotes starts a special character; use single quotes ('...') or write \\\\")
BRACKET = N_("a value that starts with '{opener}' needs a closing '{closer}'; put the whole value in quotes (\"...\")")
FIRST_CHARACTER = N_("a value cannot start with '{char}'; put the whole value in quotes (\"...\")")
LIST_ENTRY = N_("a list entry ('- ') that belongs to no field; put it under its field, indented by two spaces")
NO_NAME = N_("the field name before the ':' is missing")
UNREADABLE = N_("this line cannot be read as 'name: value'; check its ':', quotes and indentation")

STARTS_NO_TOKEN = re.compile(r"found character '(?P<char>.+)' that cannot start any token")
NO_SPACE_AFTER_COLON = re.compile(r"^\s*[^\s:#'\"][^:]*:\S")


def explained(exc: yaml.MarkedYAMLError, block: list[str]) -> tuple[int, Message]:
    """The line (counted from 0 within `block`) to correct, and what to do there."""
    problem, context = exc.problem or "", exc.context or ""
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line, mark.column) if mark else (0, 0)
    start, start_column = (exc.context_mark.line, exc.context_mark.column) if exc.context_mark else (line, column)
    found = STARTS_NO_TOKEN.fullmatch(problem)
    if found:
        char = found["char"]
        return line, message(TAB) if char == "\\t" else message(FIRST_CHARACTER, char=char)
    if context == "while scanning a simple key":  # the key's own line, not the next one where the reader gave up
        return start, message(NO_SPACE) if NO_SPACE_AFTER_COLON.match(_at(block, start)) else message(NO_COLON)
    if context in ("while scanning a quoted scalar", "while scanning a double-quoted scalar"):
        if "escape" in problem:
            return line, message(BACKSLASH)
        return start, message(UNCLOSED_QUOTE, quote=_at(block, start)[start_column: start_column + 1] or '"')
    if context.startswith("while parsing a flow"):
        opener, closer = ("[", "]") if "sequence" in context else ("{", "}")
        return start, message(BRACKET, opener=opener, closer=closer)
    if context == "while scanning a block scalar":
        return start, message(FIRST_CHARACTER, char=_at(block, start)[start_column: start_column + 1])
    if problem.startswith("found undefined alias"):
        return line, message(FIRST_CHARACTER, char="*")
    if problem.startswith("found undefined tag handle"):
        return line, message(FIRST_CHARACTER, char="!")
    if problem == "mapping values are not allowed here":
        return _stray_colon(block, line, column)
    if problem.startswith("expected <block end>, but found "):
        what = problem.removeprefix("expected <block end>, but found ")
        if what == "'-'":
            return line, message(LIST_ENTRY)
        if what == "':'":
            return line, message(NO_NAME)
        if what == "'<scalar>'" and re.search(r"['\"]", _at(block, line)[:column]):
            return line, message(AFTER_QUOTE)
        return line, message(INDENT)
    return line, message(UNREADABLE)


def _stray_colon(block: list[str], line: int, column: int) -> tuple[int, Message]:
    """A ':' where no field can start: inside a value, or a field that the reader took for the line above's
    value, because that line lacks its ':' or this one is indented further."""
    if ": " in _at(block, line)[:column]:
        return line, message(COLON_IN_VALUE)
    above = next((n for n in range(line - 1, -1, -1) if block[n].strip() and not block[n].lstrip().startswith("#")), None)
    if above is not None and ": " not in block[above] and not block[above].rstrip().endswith(":"):
        return above, message(NO_COLON)
    return line, message(INDENT)


def _at(block: list[str], line: int) -> str:
    return block[line] if 0 <= line < len(block) else ""
