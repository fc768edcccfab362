"""Reads an issue file (YAML front matter + one '# ' heading per article) into the schema, locating every problem.

Format, in short:

    ---
    newsletter: ...          (the issue's fields, see schema.Issue)
    ---
    # First article title
    ---
    author: ...              (optional: the article's own fields)
    ---
    Markdown body ...

YAML is read with every scalar as text (no YAML 1.1 surprises such as phone numbers turning octal or
'no' turning false); pydantic then converts where a field wants a date or number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from composer.errors import IssueFileError, Problem
from composer.i18n import N_, Message, message
from composer.errors import shown as display  # `shown` names the file in this module's messages
from composer.audience.verdicts import why_invalid
from composer.issue.schema import SCHEMA_ERRORS, Issue
from composer.issue.yamlerrors import explained

FENCE = re.compile(r"^\s{0,3}(```|~~~)")
HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$")
EMPTY_HEADING = re.compile(r"^#[ \t]*#*[ \t]*$")
Path_ = tuple[str | int, ...]


@dataclass
class Located:
    """Plain data plus the line where each field and list item starts, for error messages, and where each part of
    the file is (0-based line indexes), so the desk can rewrite only the parts that changed."""

    data: dict[str, Any] = field(default_factory=dict)
    lines: dict[Path_, int] = field(default_factory=dict)
    header_end: int = 0  # the header's closing '---'
    articles: list[tuple[int, int]] = field(default_factory=list)  # each article's heading and its body's first line
    fences: dict[int, tuple[int, int]] = field(default_factory=dict)  # article index: its fields block's '---' lines


@dataclass(frozen=True)
class IssueSource:
    """Where things are in the issue file, so later checks can point at a line too."""

    shown: str
    lines: list[str]
    fields: dict[Path_, int]

    def line_of(self, field_path: Path_) -> int | None:
        return next((self.fields[field_path[:n]] for n in range(len(field_path), 0, -1) if field_path[:n] in self.fields), None)

    def find(self, text: str, field_path: Path_ = ()) -> int | None:
        """First line at or after the field's own line that contains `text`."""
        start = (self.line_of(field_path) or 1) - 1
        return next((n + 1 for n in range(start, len(self.lines)) if text in self.lines[n]), None)


def load_issue(path: Path) -> Issue:
    """Parse and validate; raises IssueFileError listing every problem, each with file, line and field."""
    return read_issue(path)[0]


def read_issue(path: Path) -> tuple[Issue, IssueSource]:
    shown = display(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise IssueFileError([Problem(shown, None, "", message("no such file; check the path"))]) from None
    except UnicodeDecodeError as exc:
        raise IssueFileError([Problem(shown, None, "", message("not UTF-8 text ({why}); save it as UTF-8", why=exc.reason))]) from None
    except OSError as exc:
        raise IssueFileError([Problem(shown, None, "", message("cannot be read: {why}", why=exc.strerror))]) from None
    return parse_issue(text, shown)


def parse_issue(text: str, shown: str) -> tuple[Issue, IssueSource]:
    """The same reading for text that is not (yet) a file, such as a form about to be saved; `shown` names it."""
    located, problems = _split(text, shown)
    if problems:
        raise IssueFileError(problems)
    try:
        return Issue.model_validate(located.data), IssueSource(shown, text.splitlines(), located.lines)
    except ValidationError as exc:
        raise IssueFileError(sorted((_problem(err, located, shown) for err in exc.errors()),
                                    key=lambda p: p.line or 0)) from None


def draft_of(text: str, shown: str) -> dict[str, Any] | None:
    """The fields as written, before validation, so a file with schema errors can still be shown in a form;
    None when the file's structure itself (fences, YAML) is broken."""
    found = layout(text, shown)
    return None if found is None else found.data


def layout(text: str, shown: str) -> Located | None:
    """The fields as written with where each part is; None when the file's structure (fences, YAML) is broken."""
    located, problems = _split(text, shown)
    return None if problems else located


def _split(text: str, shown: str) -> tuple[Located, list[Problem]]:
    lines = text.splitlines()
    problems: list[Problem] = []
    located = Located()
    if not lines or lines[0].strip() != "---":
        return located, [Problem(shown, 1, "", message("the file must start with a line '---' that opens the issue's fields"))]
    end = _closing_fence(lines, 1)
    first = _first_heading(lines, 1, len(lines) if end is None else end)
    if first is not None and (end is None or _unclosed(lines, end)):
        return located, [Problem(shown, first + 1, "", message("the fields block at the top is not closed: put a line "
                                                                 "'---' above this first article"))]
    if end is None:
        return located, [Problem(shown, 1, "", message("the fields block opened here is never closed with a line '---'"))]
    _load_yaml(lines[1:end], 2, (), located, problems, shown)
    located.header_end = end
    if problems:
        return located, problems

    articles: list[dict[str, Any]] = []
    located.data["articles"] = articles
    located.lines[("articles",)] = end + 2
    body: list[str] = []
    in_fence = False
    i = end + 1
    while i < len(lines):
        line = lines[i]
        if FENCE.match(line):
            in_fence = not in_fence
        heading = None if in_fence else HEADING.match(line)
        if not in_fence and EMPTY_HEADING.match(line):
            problems.append(Problem(shown, i + 1, "", message("an article heading without a title; write the title "
                                                              "after '# ', or \\# for a literal '#'")))
        if heading:
            _finish(articles, body)
            index = len(articles)
            articles.append({"title": heading.group(1)})
            located.lines[("articles", index)] = located.lines[("articles", index, "title")] = i + 1
            start = _article_fields(lines, i + 1, index, located, problems, shown)
            located.articles.append((i, start))
            i, body = start, []
            located.lines[("articles", index, "body")] = i + 1
            continue
        if articles:
            body.append(line)
        elif line.strip():
            problems.append(Problem(shown, i + 1, "", message("text before the first article; start each article with '# Title'")))
            break
        i += 1
    _finish(articles, body)
    return located, problems


def _finish(articles: list[dict[str, Any]], body: list[str]) -> None:
    if articles:
        articles[-1]["body"] = "\n".join(body).strip("\n")


def _article_fields(lines: list[str], start: int, index: int, located: Located, problems: list[Problem], shown: str) -> int:
    """Reads the optional '---' block right under a heading; returns where the body starts."""
    i = start
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i >= len(lines) or lines[i].strip() != "---":
        return start
    end = _closing_fence(lines, i + 1)
    if end is None or _first_heading(lines, i + 1, end) is not None and _unclosed(lines, end):
        problems.append(Problem(shown, i + 1, f"articles[{index}]", message("the fields block opened here is never closed with '---'")))
        return len(lines)
    fields = Located()
    _load_yaml(lines[i + 1 : end], i + 2, ("articles", index), fields, problems, shown)
    for key in ("title", "body"):
        if key in fields.data:
            problems.append(Problem(shown, fields.lines[("articles", index, key)], f"articles[{index}].{key}",
                                    message("set by the '# ' heading and the text below it, not in the fields block")))
    located.fences[index] = (i, end)
    located.data["articles"][index].update(fields.data)
    located.lines.update(fields.lines)
    return end + 1


def _first_heading(lines: list[str], start: int, end: int) -> int | None:
    return next((j for j in range(start, end) if HEADING.match(lines[j])), None)


def _unclosed(lines: list[str], end: int) -> bool:
    """A '# ' line inside the fields block is a YAML comment, or the first article when what follows the block's
    end is no article heading (the article's own fields, its text, or nothing)."""
    after = next((line for line in lines[end + 1:] if line.strip()), "")
    return not HEADING.match(after)


def _closing_fence(lines: list[str], start: int) -> int | None:
    return next((j for j in range(start, len(lines)) if lines[j].rstrip() == "---"), None)


def _load_yaml(block: list[str], first_line: int, prefix: Path_, located: Located, problems: list[Problem], shown: str) -> None:
    try:
        node = yaml.compose("\n".join(block), Loader=yaml.BaseLoader)
    except yaml.MarkedYAMLError as exc:
        line, said = explained(exc, block)
        problems.append(Problem(shown, first_line + line, _dotted(prefix), said))
        return
    if node is None:
        return
    if not isinstance(node, yaml.MappingNode):
        problems.append(Problem(shown, first_line, _dotted(prefix), message("expected 'name: value' lines")))
        return
    data = _construct(node, prefix, first_line, located.lines, problems, shown)
    located.data.update(data)


def _construct(node: yaml.Node, path: Path_, offset: int, lines: dict[Path_, int], problems: list[Problem], shown: str) -> Any:
    lines.setdefault(path, node.start_mark.line + offset)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            child = (*path, key)
            if key in result:
                problems.append(Problem(shown, key_node.start_mark.line + offset, _dotted(child), message("given twice; keep one")))
            lines[child] = key_node.start_mark.line + offset
            result[key] = _construct(value_node, child, offset, lines, problems, shown)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, (*path, n), offset, lines, problems, shown) for n, item in enumerate(node.value)]
    if isinstance(node, yaml.ScalarNode) and node.style is None and node.value in ("", "~", "null"):
        return None
    return node.value


def _dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _problem(err: ErrorDetails, located: Located, shown: str) -> Problem:
    loc: Path_ = tuple(err["loc"])
    line = next((located.lines[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in located.lines), None)
    return Problem(shown, line, _dotted(loc), _friendly(err))


_PATTERN_HINTS = {
    "phone": N_("not a phone number (digits, spaces, '+', '/', '-')"),
    "anchor": N_("use only lowercase letters, digits and '-'"),
    "language": N_("not a language code; write it like ar, fa, uk, tr or en"),
    "path": N_("not a picture file: name a .jpg, .png, .gif or .webp file"),
}
_TYPES = {  # pydantic's error types (and the schema's own, composer/issue/schema.py), each said in our words
    "missing": N_("required, but missing"),
    "extra_forbidden": N_("unknown field (a typo? the README lists the fields)"),
    "string_too_short": N_("must not be empty"),
    "too_short": N_("needs at least one entry"),
    "string_type": N_("must be text"),
    "list_type": N_("must be a list: one entry per line, each starting with '- '"),
    "dict_type": N_("must be a group of 'name: value' lines, indented under it"),
    "int_parsing": N_("must be a whole number"),
    "bool_parsing": N_("must be true or false"),
    **SCHEMA_ERRORS,
}


def _friendly(err: ErrorDetails) -> Message:
    """By pydantic's error type, never by its English text; a type not known here gets one general message."""
    kind, last, context = err["type"], str((err["loc"] or ("",))[-1]), err.get("ctx") or {}
    if kind in _TYPES:
        return message(_TYPES[kind], **{k: v for k, v in context.items() if isinstance(v, str | int)})
    if kind == "string_pattern_mismatch":
        if last in _PATTERN_HINTS:
            return message(_PATTERN_HINTS[last])
        return message("not a colour like #8a1538") if last.endswith("color") else message("not in the expected form")
    if kind.startswith("date"):
        return message("not a date; write it as YYYY-MM-DD, e.g. 2020-12-23")
    if kind.startswith("url"):
        return message("not a web address; write it as https://…")
    if kind == "value_error" and last == "email" and isinstance(err.get("input"), str):  # EmailStr: email-validator
        return message("not a valid email address ({why})", why=why_invalid(str(err["input"])))
    return message("not a valid value here")
