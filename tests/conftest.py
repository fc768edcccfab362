"""Shared fixtures: the sample issue, isolated settings, and a real aiosmtpd server on loopback with fault injection."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import shutil
import socket
import threading
from collections import Counter
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from aiosmtpd.controller import Controller

from composer.config.folder import SAMPLE
from composer.issue.issuefile import load_issue
from composer.publish.chromium import CHROMIUM, FLAGS  # noqa: F401 (shared with the browser tests)
from composer.render.build import Build, build
from composer.config.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Iterator

    from postfix import Postfix

ROOT = Path(__file__).resolve().parent.parent
# The sample shipped with the package, never the coordinator's own issues/ or subscribers/ in this folder.
SAMPLE_ISSUE = SAMPLE / "issues" / "2020-12.md"
SAMPLE_LIST = SAMPLE / "subscribers" / "volunteers.csv"
ARTIFACTS = ROOT / "tests" / "artifacts"
AXE = ROOT / ".ci" / "node" / "node_modules" / "axe-core" / "axe.min.js"
IN_CHROMIUM = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason="Debian's chromium is not installed"),
]


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def sample_build() -> Build:
    return build(load_issue(SAMPLE_ISSUE), "2020-12")


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder like the coordinator's: issues/, subscribers/, no .env, no NEWSLETTER_* from outside."""
    for name in list(os.environ):
        if name.startswith("NEWSLETTER_"):
            monkeypatch.delenv(name)
    shutil.copytree(SAMPLE / "issues", tmp_path / "issues")
    shutil.copytree(SAMPLE / "subscribers", tmp_path / "subscribers")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def make_settings(**values: object) -> Settings:
    base: dict[str, object] = {"from_address": "kontakt@example.org", "retry_base_delay": 0.01, "rate_limit": 0}
    base.update(values)
    return Settings(_env_file=None, **base)  # type: ignore[call-arg]


WIRE_LIMIT = 998  # octets in a line, CRLF not counted (RFC 5321 4.5.3.1.6, RFC 5322 2.1.1)


def wire_fault(raw: bytes) -> str | None:
    """The reply of a strict server (Postfix with smtpd_forbid_bare_newline = reject) to a message's bytes as
    received, or None when it takes them: every line must end in CRLF, with no CR or LF alone anywhere, and
    hold at most 998 octets."""
    lines = raw.split(b"\r\n")
    if any(b"\n" in line for line in lines):
        return "550 5.5.2 Error: bare <LF> received"
    if any(b"\r" in line for line in lines):
        return "550 5.5.2 Error: bare <CR> received"
    if lines[-1]:
        return "550 5.5.2 Error: message does not end in CRLF"
    longest = max(len(line) for line in lines)
    if longest > WIRE_LIMIT:
        return f"550 5.5.2 Error: line of {longest} octets received (at most {WIRE_LIMIT})"
    return None


def assert_wire_clean(raw: bytes) -> None:
    """The message is as every server takes it: CRLF line ends only, no line over 998 octets."""
    fault = wire_fault(raw)
    assert fault is None, fault


@dataclass
class FaultyHandler:
    """An SMTP server's behaviour, set per test: refusals per recipient, dropped connections, slowness.
    Strict by default: a message with a bare LF or CR, or a line over 998 octets, is refused as Postfix
    refuses it, so every test's sends show they would pass a hardened server."""

    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    rcpt_replies: dict[str, list[str]] = field(default_factory=dict)
    refuse_rcpt: str = ""  # the reply to every RCPT, when set
    mail_replies: list[str | None] = field(default_factory=list)  # replies to the next MAIL FROMs, one each (None: accept)
    refuse_mail: str = ""  # the reply to every MAIL FROM, when set
    data_replies: list[str] = field(default_factory=list)  # replies to the next ends of data, one each
    keep_then_drop: set[str] = field(default_factory=set)  # keep these recipients' messages, then hang up unanswered
    hang_up_at_rcpt: set[str] = field(default_factory=set)  # hang up when one of these is named, before any data
    drop_every: int = 0
    delay: float = 0.0
    pipelining: bool = False  # advertise RFC 2920 PIPELINING (aiosmtpd reads pipelined commands, but does not say so)
    strict: bool = True  # refuse what wire_fault finds
    refused: list[str] = field(default_factory=list)  # the strict refusals given
    connections: int = 0
    _data_seen: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802 (aiosmtpd's names)
        with self.lock:
            self.connections += 1
        session.host_name = hostname
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        reply = self.mail_replies.pop(0) if self.mail_replies else None
        if self.refuse_mail or reply:
            return self.refuse_mail or reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        replies = self.rcpt_replies.get(address)
        if replies:
            return replies.pop(0)
        if address in self.hang_up_at_rcpt:
            server.transport.close()
            return "421 closing (test)"
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        # original_content: the bytes as received (aiosmtpd splits lines at CRLF only and removes just the
        # dot-stuffing), not `content`, which may be decoded
        fault = wire_fault(envelope.original_content) if self.strict else None
        if fault:
            with self.lock:
                self.refused.append(fault)
            return fault
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self._data_seen += 1
            drop = self.drop_every and self._data_seen % self.drop_every == 0
        if drop:
            server.transport.close()
            return "421 closing (test)"
        if self.data_replies:
            return self.data_replies.pop(0)
        if self.keep_then_drop & set(envelope.rcpt_tos):
            with self.lock:
                self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
            server.transport.close()
            return "250 never heard (test)"
        with self.lock:
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 2.0.0 Ok: queued"

    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [email.message_from_bytes(data, policy=email.policy.default) for _, _, data in self.received]

    def per_recipient(self) -> Counter[str]:
        with self.lock:
            return Counter(rcpt for _, rcpts, _ in self.received for rcpt in rcpts)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class SMTPServer:
    handler: FaultyHandler
    port: int

    def settings(self, **values: object) -> Settings:
        return make_settings(smtp_host="127.0.0.1", smtp_port=self.port, smtp_security="none", **values)

    def env(self) -> dict[str, str]:
        return {"NEWSLETTER_SMTP_HOST": "127.0.0.1", "NEWSLETTER_SMTP_PORT": str(self.port),
                "NEWSLETTER_SMTP_SECURITY": "none", "NEWSLETTER_FROM_ADDRESS": "kontakt@example.org",
                "NEWSLETTER_RATE_LIMIT": "0", "NEWSLETTER_RETRY_BASE_DELAY": "0.01"}


@pytest.fixture
def smtp_server() -> SMTPServer:
    handler = FaultyHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, data_size_limit=10_000_000)
    controller.start()
    yield SMTPServer(handler, port)
    controller.stop()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postfix(bounce=(...), local=(...)): the private Postfix bounces these addresses "
                                       "and delivers those (with any +extension, as VERP makes them) into its Maildir")


@pytest.fixture
def postfix(request: pytest.FixtureRequest, smtp_server: SMTPServer) -> Iterator[Postfix]:
    """A private, strict Postfix on a loopback port relaying to `smtp_server` (tests/postfix.py); skips without
    root or Postfix. `@pytest.mark.postfix(bounce=..., local=...)` makes it bounce or keep chosen addresses."""
    from postfix import running_postfix, unavailable

    if reason := unavailable():
        pytest.skip(reason)
    marker = request.node.get_closest_marker("postfix")
    options = marker.kwargs if marker else {}
    with running_postfix(smtp_server.port, tuple(options.get("bounce", ())), tuple(options.get("local", ()))) as instance:
        yield instance


def maildir(folder: Path, messages: list[bytes]) -> Path:
    """A Maildir holding `messages`, new and unread, as a mail server delivers them."""
    for sub in ("cur", "new", "tmp"):
        (folder / sub).mkdir(parents=True)
    for n, data in enumerate(messages):
        (folder / "new" / f"{n}.eml").write_bytes(data)
    return folder
