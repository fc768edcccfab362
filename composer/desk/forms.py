"""The issue form: field names are the schema's own paths (`articles[0].contacts[1].email`), so an error the
reader reports for a field lands on that very field, and a posted form turns back into plain issue data."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from composer.desk.words import FIELDS
from composer.errors import Problem
from composer.i18n import Message, message, render, translate

TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
LIST_FIELDS = {"claims"}  # one entry per line in a textarea
FIELD_MAX_BYTES = 1024 * 1024  # what a form field held before: far above any article, so a larger one is a mistake
READ_MAX_BYTES = 4 * FIELD_MAX_BYTES  # a field up to this is read, to be refused at its place; beyond, the whole save
ACTION = re.compile(r"^(add-article|remove-article|up|down|add-contact|remove-contact)(?:-(\d+))?(?:-(\d+))?$")


def oversized(items: Iterable[tuple[str, str]]) -> list[tuple[str, int]]:
    """The fields longer than a field may be, with their size in bytes."""
    sizes = ((name, len(value.encode("utf-8"))) for name, value in items)
    return [(name, size) for name, size in sizes if size > FIELD_MAX_BYTES]


def too_long(size: int) -> Message:
    return message("{size} MB of text; a field holds at most {limit} MB: shorten it or split the article in two",
                   size=round(size / 1024 / 1024, 1), limit=FIELD_MAX_BYTES // 1024 // 1024)


def issue_from_form(items: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Plain issue data from the posted fields; empty fields are left out, as a person leaves them out of the file."""
    data: dict[str, Any] = {"articles": []}
    for name, raw in items:
        if name in ("csrf", "base", "action") or not TOKEN.match(name):
            continue
        value: Any = raw.replace("\r\n", "\n")
        if name in LIST_FIELDS:
            value = [line.strip() for line in value.splitlines() if line.strip()]
        elif "body" not in name and "address" not in name:
            value = value.strip()
        _put(data, [m.group(1) or int(m.group(2)) for m in TOKEN.finditer(name)], value)
    articles = [_pruned(a) or {} for a in data.pop("articles")]
    return {**(_pruned(data) or {}), "articles": articles}


def _pruned(value: Any) -> Any:
    """Empty fields, contacts and images left out entirely; None when nothing is left."""
    if isinstance(value, dict):
        kept = {k: v for k, v in ((k, _pruned(v)) for k, v in value.items()) if v is not None}
        return kept or None
    if isinstance(value, list):
        kept_items = [v for v in (_pruned(v) for v in value) if v is not None]
        return kept_items or None
    return None if value == "" else value


def _put(node: Any, path: list[str | int], value: Any) -> None:
    for here, following in zip(path, path[1:], strict=False):
        empty: Any = [] if isinstance(following, int) else {}
        if isinstance(here, int):
            while len(node) <= here:
                node.append({} if not isinstance(following, int) else [])
            node = node[here]
        else:
            node = node.setdefault(here, empty)
    last = path[-1]
    if isinstance(last, int):
        while len(node) <= last:
            node.append(None)
    node[last] = value


def apply_action(data: dict[str, Any], action: str) -> bool:
    """Adds, removes or moves an article or contact; False for anything else (a save)."""
    match = ACTION.match(action)
    if not match:
        return False
    verb, first, second = match.group(1), int(match.group(2) or 0), int(match.group(3) or 0)
    articles: list[dict[str, Any]] = data["articles"]
    if verb == "add-article":
        articles.append({"title": "", "body": ""})
    elif verb == "remove-article" and first < len(articles):
        articles.pop(first)
    elif verb == "up" and 0 < first < len(articles):
        articles[first - 1], articles[first] = articles[first], articles[first - 1]
    elif verb == "down" and first + 1 < len(articles):
        articles[first + 1], articles[first] = articles[first], articles[first + 1]
    elif verb == "add-contact" and first < len(articles):
        articles[first].setdefault("contacts", []).append({"name": ""})
    elif verb == "remove-contact" and first < len(articles):
        contacts = articles[first].get("contacts", [])
        if second < len(contacts):
            contacts.pop(second)
    return True


def errors_by_field(problems: Iterable[Problem], lang: str) -> dict[str, list[str]]:
    """Each message under the nearest form field, in the page's language; a problem of the whole file under ''."""
    found: dict[str, list[str]] = {}
    for problem in problems:
        found.setdefault(problem.field, []).append(render(problem.message, lang))  # the field's label says where
    return found


def field_anchor(name: str) -> str:
    """The id of a field's input, for links from the check report and the error summary."""
    return "f-" + re.sub(r"[^a-zA-Z0-9_]+", "-", name).strip("-")


# Every place the editor page has an element for (an input, or the box of a group): a link to a field lands on
# the nearest of these, so "zum Feld" never points at an id the page does not have.
ON_THE_PAGE = re.compile(
    r"^(?:subject|preheader|date|language|newsletter|publisher|kicker|claims|greeting\.(?:named|anonymous)"
    r"|footer\.(?:address|reason|imprint_url|privacy_url)|theme|theme\.(?:brand_color|text_color|muted_color"
    r"|background_color|content_color|font_family|logo_url|logo_width)|articles"
    r"|articles\[\d+\](?:\.(?:title|author|body|anchor|language|image|image\.(?:upload|url|path|alt|width)|contacts"
    r"|contacts\[\d+\](?:\.(?:name|role|phone|email))?))?)$")
GROUP_INPUT = {"greeting": "greeting.named", "footer": "footer.address"}  # groups shown as their first input
PARENT = re.compile(r"(?:\.[^.\[\]]*|\[\d+\])$")


def field_target(name: str) -> str:
    """The anchor a link to the field `name` lands on: its input, else the nearest group the page shows (an
    article's image box for `articles[0].image`, the article for an unknown field in it), else the form."""
    while name and not ON_THE_PAGE.match(GROUP_INPUT.get(name, name)):
        name = PARENT.sub("", name) if PARENT.search(name) else ""
    return field_anchor(GROUP_INPUT.get(name, name)) if name else "issue-form"


def field_label(name: str, lang: str) -> str:
    """A field's label as its input shows it ("articles[0].title" is "Titel"); a field without a label keeps its
    name. Where a field is in the issue, with its article and contact, is composer/issue/places.py's to say."""
    last = name.split(".")[-1]
    key = re.sub(r"\[\d+\]", "", last)
    return translate(lang, FIELDS[key]) if key in FIELDS else last
