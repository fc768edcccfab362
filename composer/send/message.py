"""Per-recipient MIME bytes from one Build: everything costly is done once in MessageFactory.__init__."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
import secrets
import time
import uuid
from dataclasses import dataclass
from email.utils import formatdate
from urllib.parse import quote

from composer.send.tokens import TOKEN_LENGTH, unsubscribe_token
from composer.errors import MessageError, SettingsError
from composer.i18n import message
from composer.records import OutgoingMessage, Recipient
from composer.issue.schema import Issue
from composer.render import entities
from composer.i18n import translate
from composer.render.build import GREETING, PAGE_URL, UNSUBSCRIBE_URL, Build
from composer.render.words import greetings, unsubscribe_word
from composer.render.images import Picture
from composer.config.parts import DKIMConfig, Sender
from composer.send.headers import address, check_header, header

_SLOTS = re.compile(f"({GREETING}|{UNSUBSCRIBE_URL}|{PAGE_URL})")
_LONG_SPACE_END = re.compile(rb"(?m)^(.{74,}?)(=20)$")
_NOBODYS_PAGE = "nlc:no-reader-page"  # the web version's stand-in for the reader's page, removed with its link
_STAND_IN = "\0" * TOKEN_LENGTH  # a token's place in the List-Unsubscribe lines folded once per issue


@dataclass(frozen=True)
class _Slots:
    """One recipient's personal parts: the greeting, and the unsubscribe targets made from their token."""

    greeting: str
    web: str | None
    mail: str
    token: str
    page: str  # the reader's own page, where the issue links it

    @property
    def link(self) -> str:
        """The unsubscribe link in the body: the web page when there is one, else the mail."""
        return self.web or self.mail


class MessageFactory:
    def __init__(self, build: Build, sender: Sender, secret: bytes, list_name: str = "newsletter",
                 test: bool = False) -> None:
        issue = build.issue
        self._sender = sender
        self._secret = secret
        self._domain = sender.domain
        self._list = list_name
        self._site = build.site or ""
        self._slug, self._language = build.slug, issue.language
        self._dkim = Signer.from_config(sender.dkim)
        self._mailto_prefix = f"mailto:{sender.unsubscribe_mailbox}?subject={quote(unsubscribe_word(issue.language) + ' ')}"
        named, anonymous, self._formal = greetings_of(issue)
        self._greeting = (named, anonymous)
        self._unsubscribe_word = unsubscribe_word(issue.language)
        subject = issue.subject
        if test:
            subject = f"[TEST] {dt.datetime.now():%H:%M:%S} {subject}"
        from_name = sender.name or issue.newsletter
        boundary = f"=_nlc_{uuid.uuid4().hex}"
        related = f"=_nlr_{uuid.uuid4().hex}" if build.embedded else None
        alternative = f'multipart/alternative; boundary="{boundary}"'
        fixed = [
            header("From", *address(from_name, sender.address)),
            header("Subject", text=subject),
            header("MIME-Version", "1.0"),
            header("Content-Type", f'multipart/related; boundary="{related}"; type="multipart/alternative"'
                   if related else alternative),
            header("List-Id", *address(from_name, f"{list_name}.{self._domain}")),
            header("Feedback-ID", f"{build.slug}{'-test' if test else ''}:{list_name}:{self._domain}"),
        ]
        if sender.reply_to:
            fixed.append(header("Reply-To", sender.reply_to))
        if sender.one_click_url:
            fixed.append(header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
        self._fixed = "".join(fixed)
        # Folding looks only at lengths and spaces, so the lines folded around a stand-in of a token's length
        # are every recipient's lines once their token replaces it (a test checks that).
        self._unsubscribe = header("List-Unsubscribe", self._listed(self._unsubscribe_targets(_STAND_IN)))
        self._html = _SLOTS.split(_lines(build.html))
        self._text = _SLOTS.split(_lines(build.text))

        def part(kind: str, parameters: str = "") -> bytes:
            return (f"\r\n--{boundary}\r\n" + header("Content-Type", f'text/{kind}; charset="utf-8"{parameters}')
                    + header("Content-Transfer-Encoding", "quoted-printable") + "\r\n").encode()

        self._body = [
            *([f"\r\n--{related}\r\n{header('Content-Type', alternative)}".encode()] if related else []),
            part("plain", "; format=flowed; delsp=no"), *_encoded(self._text, in_html=False),
            part("html"), *_encoded(self._html, in_html=True),
            f"\r\n--{boundary}--\r\n".encode(),
            *([*_inline_parts(build.pictures, related), f"\r\n--{related}--\r\n".encode()] if related else []),
        ]
        self._template = [b"", *(b"" if isinstance(p, tuple) else p for p in self._body)]
        self._holes = [(n + 1, p) for n, p in enumerate(self._body) if isinstance(p, tuple)]
        self._published = {f"cid:{p.cid}": p.published for p in build.pictures} if build.embedded else {}
        self._second, self._date_header = -1, ""

    def _date(self) -> str:
        """The Date header, formatted once a second rather than once a message."""
        now = time.time()
        if int(now) != self._second:
            self._second, self._date_header = int(now), header("Date", formatdate(now, localtime=True))
        return self._date_header

    def preview(self, recipient: Recipient) -> tuple[str, str]:
        """HTML and text exactly as this recipient reads them, for build and preview."""
        slots = self._slots(recipient)
        return (_fill(self._html, entities.escape(slots.greeting), entities.escape(slots.link), slots.page),
                _fill(self._text, slots.greeting, slots.link, slots.page))

    def personalise(self, recipient: Recipient) -> OutgoingMessage:
        """Joins the parts encoded once per issue with this recipient's few encoded bytes."""
        slots = self._slots(recipient)
        page = _qp(slots.page)  # the page's address is the same in HTML: letters, digits, / and :
        greeting, greeting_html = _encoded_twice(slots.greeting)
        link, link_html = _encoded_twice(slots.link)
        values = {(GREETING, False): greeting, (GREETING, True): greeting_html,
                  (UNSUBSCRIBE_URL, False): link, (UNSUBSCRIBE_URL, True): link_html,
                  (PAGE_URL, False): page, (PAGE_URL, True): page}
        message_id = f"<{secrets.token_hex(16)}@{self._domain}>"
        parts = self._template.copy()  # its first element stands for the recipient's headers
        parts[0] = (self._fixed + header("To", *address(recipient.name or "", recipient.email)) + self._date()
                    + header("Message-ID", message_id)
                    + self._unsubscribe.replace(_STAND_IN, slots.token)).encode("ascii")
        for position, slot in self._holes:
            parts[position] = values[slot]
        data = b"".join(parts)  # one copy of the 50 KB, not two
        if self._dkim:
            data = self._dkim.sign(data)
        return OutgoingMessage(self._sender.envelope_for(slots.token), recipient.email, message_id, data, ready=True)

    def web_version(self) -> str:
        """The HTML for the public archive: nobody's name, and an unsubscribe link without a personal token. Already
        in the browser, its "View in browser" link leads to all issues instead."""
        mailto = f"mailto:{self._sender.unsubscribe_mailbox}?subject={self._unsubscribe_word}"
        page = _fill(self._html, entities.escape(self._greeting[1]), entities.escape(mailto), _NOBODYS_PAGE)
        page = re.sub(rf'<a href="{_NOBODYS_PAGE}"[^>]*>[^<]*</a>(\s*(?:·|&#183;)\s*)?', "", page)  # no reader, no page
        for cid, published in self._published.items():
            page = page.replace(cid, published)
        if self._site:
            lang = self._language
            page = page.replace(f'href="{self._site}/archive/{self._slug}.html"', f'href="{self._site}/archive"', 1)
            page = page.replace(f">{translate(lang, 'View in browser')}</a>",
                                f">{entities.escape(translate(lang, 'All issues'))}</a>", 1)
        return page

    def unsubscribe_link(self, recipient: Recipient) -> str:
        return self._slots(recipient).link

    def _slots(self, recipient: Recipient) -> _Slots:
        """Greeting and unsubscribe link for one recipient, checked so nothing can break out of a header."""
        name = check_header("name", recipient.name or "")
        if not check_header("email", recipient.email).isascii():
            raise MessageError(f"{recipient.email}: addresses with non-ASCII characters are not supported")
        token = unsubscribe_token(self._secret, recipient.email, self._list)
        web, mail = self._unsubscribe_targets(token)
        greeting = named_greeting(self._greeting, name, recipient.fields, self._formal)
        return _Slots(greeting, web, mail, token, f"{self._site}/p/{token}")

    def _unsubscribe_targets(self, token: str) -> tuple[str | None, str]:
        """The one-click page (when there is one) and the mailto that unsubscribe the holder of `token`."""
        one_click = self._sender.one_click_url
        # tokens are lowercase letters and digits, nothing to quote
        return one_click.replace("{token}", token) if one_click else None, f"{self._mailto_prefix}{token}"

    @staticmethod
    def _listed(targets: tuple[str | None, str]) -> str:
        web, mail = targets
        return ", ".join(f"<{u}>" for u in (mail, web) if u)


@dataclass(frozen=True)
class Signer:
    """DKIM with the sender's key (dkimpy). The body differs per recipient, so each message is signed."""

    selector: bytes
    domain: bytes
    key: bytes

    HEADERS = (b"from", b"to", b"subject", b"date", b"message-id", b"mime-version", b"content-type", b"list-id",
               b"list-unsubscribe", b"list-unsubscribe-post", b"reply-to", b"feedback-id")

    @classmethod
    def from_config(cls, config: DKIMConfig | None) -> Signer | None:
        if config is None:
            return None
        try:
            key = config.key_file.read_bytes()
        except OSError as exc:
            raise SettingsError(message("NEWSLETTER_DKIM_KEY_FILE: cannot read {file} ({why})", file=config.key_file,
                                        why=exc.strerror)) from None
        signer = cls(config.selector.encode(), config.domain.encode(), key)
        signer.sign(b"From: check@example.org\r\nSubject: key check\r\n\r\nx\r\n")  # a bad key fails now, not mid-send
        return signer

    def sign(self, data: bytes) -> bytes:
        import dkim  # dkimpy pulls in dnspython: loaded only when a key is configured

        try:
            return dkim.sign(data, self.selector, self.domain, self.key, include_headers=list(self.HEADERS)) + data
        except dkim.DKIMException as exc:
            raise SettingsError(message("NEWSLETTER_DKIM_KEY_FILE: cannot sign with this key ({why})", why=exc)) from None


def _qp(text: str) -> bytes:
    """Quoted-printable that ends at a line end (a soft one if need be), so encoded pieces can be joined:
    each piece starts at column 0 and the decoder sees the text they make together. A dot that would start a
    line is written =2E, so no line of the message starts with one and SMTP's dot-stuffing has nothing to do."""
    encoded = binascii.b2a_qp(_lines(text).encode("utf-8"), istext=True)
    if len(encoded) > 76:  # binascii lets a line ending in an encoded space (a flowed line's `=20`) run to 78; RFC 2045 allows 76
        encoded = _LONG_SPACE_END.sub(rb"\1=\n\2", encoded)
    if encoded.startswith(b".") or b"\n." in encoded:
        encoded = b"\n".join(_no_leading_dot(line) for line in encoded.split(b"\n"))
    encoded = encoded.replace(b"\n", b"\r\n")
    return encoded if encoded.endswith(b"\r\n") or not encoded else encoded + b"=\r\n"


def _encoded_twice(text: str) -> tuple[bytes, bytes]:
    """A slot's value for the text part and for the HTML part, encoded once when both are the same (a link)."""
    plain, in_html = _qp(text), entities.escape(text)
    return plain, plain if in_html == text else _qp(in_html)


def _lines(text: str) -> str:
    """Line ends as LF only: b2a_qp leaves a CR alone as it is, and a CR alone on the wire is refused."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _no_leading_dot(line: bytes) -> bytes:
    """One encoded line with its leading dot as =2E, soft-broken after it when the line would pass 76 characters."""
    head = b""
    while line.startswith(b"."):
        line = b"=2E" + line[1:]
        if len(line) <= 76:
            break
        head, line = head + b"=2E=\n", line[3:]
    return head + line


def _encoded(parts: list[str], in_html: bool) -> list[bytes | tuple[str, bool]]:
    """Static pieces encoded now; slots stay as (slot, in_html) keys for personalise to fill."""
    return [(p, in_html) if p in (GREETING, UNSUBSCRIBE_URL, PAGE_URL) else _qp(p) for p in parts]


def _inline_parts(pictures: list[Picture], boundary: str) -> list[bytes]:
    """Each photo once as an inline part the HTML names by its Content-ID."""
    parts: dict[str, bytes] = {}
    for picture in pictures:
        head = (f"\r\n--{boundary}\r\n" + header("Content-Type", f'{picture.mime}; name="{picture.name}"')
                + header("Content-Transfer-Encoding", "base64") + header("Content-ID", f"<{picture.cid}>")
                + header("Content-Disposition", f'inline; filename="{picture.name}"') + "\r\n")
        parts.setdefault(picture.cid, head.encode() + base64.encodebytes(picture.data).replace(b"\n", b"\r\n"))
    return list(parts.values())


def _fill(parts: list[str], greeting: str, link: str, page: str) -> str:
    return "".join(greeting if p == GREETING else link if p == UNSUBSCRIBE_URL else page if p == PAGE_URL else p
                   for p in parts)


def greetings_of(issue: Issue) -> tuple[str, str, str | None]:
    """The issue's named, anonymous and formal greeting, its language's own when it sets none."""
    if issue.greeting:
        return issue.greeting.named, issue.greeting.anonymous, issue.greeting.formal
    named, anonymous = greetings(issue.language)
    return named, anonymous, None


def named_greeting(greeting: tuple[str, str], name: str, fields: dict[str, str], formal: str | None = None) -> str:
    """The named greeting where every name it asks for is known: `{name}` is the whole name; `{vorname}` and
    `{first_name}` come from the list's column of that name, else the first word of the whole name. A reader
    the list names not at all gets the anonymous greeting, never an empty slot. With a `formal` greeting, a
    reader whose row has an Anrede (Frau or Herr) and a surname is addressed by them; anyone else (no Anrede,
    "divers") by the named greeting with their whole name, never by a guessed "Frau" or "Herr"."""
    first = next((fields[k] for k in fields if k.lower() in ("vorname", "first_name") and fields[k].strip()), "")
    first = check_header("first name", first.strip()) or (name.split()[0] if name.strip() else "")
    last = check_header("last name", fields.get("last_name", "").strip()) if formal else ""  # read only when used
    title = check_header("salutation", fields.get("salutation", "").strip()) if formal else ""
    if formal and last and title.lower() in TITLES:
        try:
            return formal.format(anrede=title, salutation=title, nachname=last, last_name=last, name=name or last,
                                 vorname=first, first_name=first)
        except (KeyError, IndexError, ValueError):
            pass  # the check refuses these; the named greeting follows
    if not name and not first:
        return greeting[1]
    try:
        return greeting[0].format(name=name or first, vorname=first, first_name=first)
    except (KeyError, IndexError, ValueError):  # the check refuses these; a greeting that slipped by is not sent broken
        return greeting[1]


TITLES = ("frau", "herr", "mrs", "mr", "ms", "mrs.", "mr.", "ms.")  # an Anrede the formal greeting is made with
