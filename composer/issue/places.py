"""Where a problem is, as the coordinator sees the issue in the desk's form: "Artikel 3 › Ansprechperson Aylin Demir ›
E-Mail", never `issues/2027-01.md:53: articles[2].contacts[0].email`.

    place("articles[2].contacts[0].email", data)    # a Message: Article 3 › Contact Aylin Demir › Email
    told_at(problem.field, problem.line, problem.message, data)  # that place (or the line), then what is wrong
    place_of_finding("issues/2027-01.md:53: articles[2].title", data)  # a check finding's `where`, the same way

`data` is the issue as plain data (`issue_data`, a form, or the fields of a file that does not validate), so a
contact is named by the name typed for it. The field labels are the form's own, so the place reads like the page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import reduce
from typing import Any

from composer.i18n import N_, Message, message

TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
WHERE = re.compile(r"^(?P<file>[^:]+)(?::(?P<line>\d+))?(?:: (?P<field>\S+))?$")

FIELDS = {  # each field's label, as the form shows it beside the input
    "subject": N_("Subject"), "preheader": N_("Preheader"), "date": N_("Date"), "language": N_("Language"),
    "newsletter": N_("Newsletter name"), "publisher": N_("Publisher"), "kicker": N_("Kicker"),
    "claims": N_("Claims (one per line)"), "named": N_("Greeting with name ({name})"),
    "anonymous": N_("Greeting without name"), "address": N_("Address (imprint)"),
    "reason": N_("Why readers receive it"), "imprint_url": N_("Imprint (link)"), "privacy_url": N_("Privacy notice (link)"),
    "title": N_("Title"), "author": N_("Author"), "body": N_("Text (Markdown)"), "anchor": N_("Anchor"),
    "url": N_("Image address (https://…)"), "path": N_("or image file next to the issue (e.g. media/photo.jpg)"),
    "alt": N_("Image description (alt text)"), "width": N_("Width in pixels"),
    "name": N_("Name"), "role": N_("Role"), "phone": N_("Phone"), "email": N_("Email"),
    "brand_color": N_("Brand colour (#8a1538)"), "text_color": N_("Text colour"), "muted_color": N_("Muted colour"),
    "background_color": N_("Background colour"), "content_color": N_("Content colour"), "font_family": N_("Font"),
    "logo_url": N_("Logo (https://…)"), "logo_width": N_("Logo width in pixels"),
    "upload": N_("Photo from this computer"),
}
GROUPS = {"greeting": N_("Greeting"), "footer": N_("Footer"), "theme": N_("Look"), "image": N_("Image"),
          "contacts": N_("Contacts"), "articles": N_("Articles")}
WHOLE = {  # a check's finding about the whole email, not one field
    "templates": N_("the email's layout"), "text part": N_("the email's plain-text part"),
    "links": N_("links in the email"), "spam": N_("spam filter"), "html": N_("the email as a whole"),
    "css": N_("the email's styles"),
}


def steps(field: str) -> list[str | int]:
    """`articles[2].contacts[0].email` as ["articles", 2, "contacts", 0, "email"]."""
    return [m.group(1) if m.group(1) is not None else int(m.group(2)) for m in TOKEN.finditer(field)]


def place(field: str, data: Mapping[str, Any] | None = None) -> Message | None:
    """The place of a field in the coordinator's words; None for the issue as a whole (no field)."""
    path = steps(field)
    parts: list[Message] = []
    node: Any = data or {}
    for n, step in enumerate(path):
        last = n == len(path) - 1
        node = _child(node, step)
        if isinstance(step, int):
            parts.append(_numbered(path[n - 1] if n else "", step, node))
        elif step in ("articles", "contacts") and not last:
            continue  # named by the number that follows
        elif step in GROUPS and not last and step != "image":
            continue  # greeting, footer, look: the field's own label says enough
        elif step in FIELDS and not (step in GROUPS and last):
            parts.append(Message(FIELDS[step]))
        elif step in GROUPS:
            parts.append(Message(GROUPS[step]))
        else:
            parts.append(message("field “{name}”", name=step))  # a name typed in the file that the issue does not know
    return reduce(lambda outer, inner: message("{outer} › {inner}", outer=outer, inner=inner), parts) if parts else None


def place_at(field: str, line: int | None, data: Mapping[str, Any] | None = None) -> Message:
    """Where a problem of an issue file is: its field's place, else its line of the file (a broken fields block
    has no field), else the issue as a whole."""
    if field:
        return place(field, data) or Message(N_("the issue"))
    if line:
        return message("line {line} of the issue file", line=line)
    return Message(N_("the issue"))


def told_at(field: str, line: int | None, problem: Message | str, data: Mapping[str, Any] | None = None) -> Message:
    """A problem of an issue file (a `Problem`'s field, line and message) at its place, in her words."""
    return message("{place}: {problem}", place=place_at(field, line, data), problem=problem)


def field_of(where: str) -> str:
    """The field a check finding's `file:line: field` names; '' for findings of the whole email or file."""
    match = WHERE.match(where)
    return (match.group("field") or "") if match else ""


def place_of_finding(where: str, data: Mapping[str, Any] | None = None) -> Message:
    """A check finding's `where` in her words: the part of the email, the field's place, or the line of the file."""
    if where in WHOLE:
        return Message(WHOLE[where])
    match = WHERE.match(where)
    if not match:
        return Message(N_("the issue"))
    return place_at(match.group("field") or "", int(match.group("line")) if match.group("line") else None, data)


def _child(node: Any, step: str | int) -> Any:
    if isinstance(step, int):
        return node[step] if isinstance(node, list) and 0 <= step < len(node) else {}
    return node.get(step, {}) if isinstance(node, Mapping) else {}


def _numbered(within: str | int, index: int, node: Any) -> Message:
    if within == "articles":
        return message("Article {n}", n=index + 1)
    if within == "contacts":
        name = node.get("name") if isinstance(node, Mapping) else None
        if isinstance(name, str) and name.strip():
            return message("Contact {name}", name=name.strip())
        return message("Contact {n}", n=index + 1)
    return message("line {n}", n=index + 1)
