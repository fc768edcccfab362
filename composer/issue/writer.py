"""Writes an issue back into the file format issuefile reads, so an issue edited in the desk is an ordinary file.

The writer takes plain data (what a form or `Issue.model_dump` gives) and is the inverse of the reader:
`parse_issue(issue_text(data))` yields the same issue. Whatever the format cannot carry (a body line that
would start a new article, a title on two lines) is refused with a Problem at its field, never altered.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from composer.errors import IssueFileError, Problem
from composer.i18n import message
from composer.issue.issuefile import FENCE, HEADING
from composer.issue.schema import Issue

ARTICLE_TEXT = ("title", "body")


class _Dumper(yaml.SafeDumper):
    """Multi-line text as a literal block ('|'), as a person would write an address."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value and not re.search(r"[ \t]\n|\r", value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def issue_data(issue: Issue) -> dict[str, Any]:
    """The issue as plain data with what equals the default left out, as the coordinator would write it."""
    return issue.model_dump(mode="json", exclude_defaults=True, exclude_none=True)


def issue_text(data: dict[str, Any], shown: str = "issue") -> str:
    """The file's text for plain issue data; raises IssueFileError for what the format cannot hold."""
    fields = {k: v for k, v in data.items() if k != "articles" and not _empty(v)}
    parts = ["---\n", _yaml(fields), "---\n"]
    problems: list[Problem] = []
    for index, article in enumerate(data.get("articles") or []):
        parts.append("\n" + _article(article, index, shown, problems))
    if problems:
        raise IssueFileError(problems)
    return "".join(parts)


def _article(article: dict[str, Any], index: int, shown: str, problems: list[Problem]) -> str:
    title = str(article.get("title") or "").strip()
    body = str(article.get("body") or "").replace("\r\n", "\n").strip("\n")
    where = f"articles[{index}]"
    if "\n" in title or title.endswith("#"):
        problems.append(Problem(shown, None, f"{where}.title", message("must be a single line that does not end with '#'")))
    in_fence = False
    for line in body.splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and HEADING.match(line):
            problems.append(Problem(shown, None, f"{where}.body",
                                    message("the line {line} would start a new article; use '## ' for a heading "
                                            "inside the text", line=repr(line))))
    if body.lstrip().startswith("---") and body.lstrip().splitlines()[0].strip() == "---":
        problems.append(Problem(shown, None, f"{where}.body", message("must not start with a line '---' (it would be read as fields)")))
    fields = {k: v for k, v in article.items() if k not in ARTICLE_TEXT and not _empty(v)}
    block = f"---\n{_yaml(fields)}---\n" if fields else ""
    return f"# {title}\n{block}\n{body}\n"


def _yaml(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False, width=10_000) if data else ""


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}
