"""A mail left for the coordinator, made readable as plain text: sender, subject, date and the text body (an
HTML-only mail reduced to its text). It is shown, never interpreted: no markup, no images, no links followed."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage

from html.parser import HTMLParser

LONGEST = 20_000


@dataclass(frozen=True)
class Letter:
    sender: str
    subject: str
    date: str
    text: str


def readable(data: bytes) -> Letter:
    msg = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    text = ""
    try:
        body = msg.get_body(preferencelist=("plain", "html"))
        if body is not None:
            content = body.get_content()
            text = _html_text(content) if body.get_content_type() == "text/html" else str(content)
    except (LookupError, UnicodeError, ValueError, AttributeError):
        text = data.decode("utf-8", errors="replace")
    text = text.strip()
    if len(text) > LONGEST:
        text = text[:LONGEST] + "\n[…]"
    return Letter(_header(msg, "From"), _header(msg, "Subject"), _header(msg, "Date"), text)


def _header(msg: EmailMessage, name: str) -> str:
    try:
        return str(msg.get(name, "")).strip()
    except (ValueError, TypeError, IndexError):
        return ""


class _Text(HTMLParser):
    """The words of an HTML mail, one block per line; scripts and styles dropped."""

    BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table", "blockquote"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head"):
            self._hidden += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head"):
            self._hidden = max(0, self._hidden - 1)

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _html_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)
