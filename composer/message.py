"""Per-recipient MIME bytes from one Build: everything costly is done once in MessageFactory.__init__."""

from __future__ import annotations

import binascii
import datetime as dt
import html
import re
import uuid
from dataclasses import dataclass, field
from email.header import Header
from email.utils import formataddr, formatdate
from urllib.parse import quote

from .errors import HeaderInjectionError, MessageError
from .i18n import strings
from .render import GREETING, UNSUBSCRIBE_URL, Build
from .settings import Settings
from .tokens import unsubscribe_token

_SLOTS = re.compile(f"({GREETING}|{UNSUBSCRIBE_URL})")


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str | None = None
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OutgoingMessage:
    """What a transport needs: the envelope and the finished bytes."""

    sender: str
    recipient: str
    message_id: str
    data: bytes


def check_header(name: str, value: str) -> str:
    if "\r" in value or "\n" in value:
        raise HeaderInjectionError(f"{name} contains a line break, which could add hidden recipients; remove it")
    return value


class MessageFactory:
    def __init__(self, build: Build, settings: Settings, secret: bytes, list_name: str = "newsletter",
                 test: bool = False) -> None:
        issue = build.issue
        self._settings = settings
        self._secret = secret
        self._t = strings(issue.language)
        self._domain = settings.sender_domain
        self._greeting = (issue.greeting.named, issue.greeting.anonymous) if issue.greeting else (
            self._t.greeting_named, self._t.greeting_anonymous)
        subject = issue.subject
        if test:
            subject = f"{self._t.test_prefix} {dt.datetime.now():%H:%M:%S} {subject}"
        from_name = settings.from_name or issue.newsletter
        self._boundary = f"=_nlc_{uuid.uuid4().hex}"
        fixed = [
            "From: " + _address(from_name, str(settings.from_address)),
            "Subject: " + Header(check_header("Subject", subject), "utf-8").encode(),
            "MIME-Version: 1.0",
            f'Content-Type: multipart/alternative; boundary="{self._boundary}"',
            "List-Id: " + Header(from_name, "utf-8").encode() + f" <{list_name}.{self._domain}>",
        ]
        if settings.reply_to:
            fixed.append("Reply-To: " + str(settings.reply_to))
        if settings.unsubscribe_url:
            fixed.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
        self._fixed = "\r\n".join(fixed)
        self._html = _SLOTS.split(_crlf(build.html))
        self._text = _SLOTS.split(_crlf(build.text))

    def preview(self, recipient: Recipient) -> tuple[str, str]:
        """HTML and text exactly as this recipient reads them, with plain line ends, for build and preview."""
        html_part, text_part, _, _ = self._parts(recipient)
        return html_part.replace("\r\n", "\n"), text_part.replace("\r\n", "\n")

    def personalise(self, recipient: Recipient) -> OutgoingMessage:
        html_part, text_part, web, mail = self._parts(recipient)
        to = _address(recipient.name or "", recipient.email)
        message_id = f"<{uuid.uuid4().hex}@{self._domain}>"
        listed = ", ".join(f"<{u}>" for u in (mail, web) if u)
        head = (f"{self._fixed}\r\nTo: {to}\r\nDate: {formatdate(localtime=True)}\r\n"
                f"Message-ID: {message_id}\r\nList-Unsubscribe: {listed}\r\n")
        b = self._boundary
        data = b"".join((
            head.encode("ascii"), b"\r\n",
            f"--{b}\r\nContent-Type: text/plain; charset=\"utf-8\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n".encode(),
            binascii.b2a_qp(text_part.encode("utf-8"), istext=True),
            f"\r\n--{b}\r\nContent-Type: text/html; charset=\"utf-8\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n".encode(),
            binascii.b2a_qp(html_part.encode("utf-8"), istext=True),
            f"\r\n--{b}--\r\n".encode(),
        ))
        return OutgoingMessage(self._settings.bounce_address, recipient.email, message_id, data)

    def _parts(self, recipient: Recipient) -> tuple[str, str, str | None, str]:
        name = check_header("name", recipient.name or "")
        if not check_header("email", recipient.email).isascii():
            raise MessageError(f"{recipient.email}: addresses with non-ASCII characters are not supported")
        web, mail = self._unsubscribe_targets(unsubscribe_token(self._secret, recipient.email))
        greeting = self._greeting[0].format(name=name) if name else self._greeting[1]
        link = web or mail
        return _fill(self._html, html.escape(greeting), html.escape(link)), _fill(self._text, greeting, link), web, mail

    def _unsubscribe_targets(self, token: str) -> tuple[str | None, str]:
        s = self._settings
        web = None
        if s.unsubscribe_url:
            url = str(s.unsubscribe_url)
            templated = "{token}" in url or "%7Btoken%7D" in url
            web = url.replace("%7Btoken%7D", token).replace("{token}", token) if templated else f"{url.rstrip('/')}/{token}"
        mailbox = str(s.unsubscribe_mailto or s.reply_to or s.from_address)
        return web, f"mailto:{mailbox}?subject={quote('unsubscribe ' + token)}"


def _address(name: str, email: str) -> str:
    """RFC 2047-encodes a non-ASCII display name; header lines stay ASCII."""
    return formataddr((name, email), charset="utf-8") if name else email


def _fill(parts: list[str], greeting: str, link: str) -> str:
    return "".join(greeting if p == GREETING else link if p == UNSUBSCRIBE_URL else p for p in parts)


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")
