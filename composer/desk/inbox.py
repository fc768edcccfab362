"""Posteingang: "Jetzt abrufen" runs the inbox processing (IMAP, or the configured Maildir) and lists what it
did; the mails left for the coordinator are shown as plain text."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from composer.audience import inbox
from composer.audience.letters import Letter, readable
from composer.config.hours import local
from composer.desk.context import Desk
from composer.desk.guard import checked_form
from composer.desk.language import language
from composer.errors import ComposerError
from composer.i18n import Message, message
from composer.i18n.formats import stamp
from composer.state import Journal
from composer.state.inboxruns import InboxRun

NO_MAILBOX = message("no mailbox set up: enter the mailbox for replies (IMAP: server, user name and password) under "
                     "Settings, or NEWSLETTER_INBOX_MAILDIR in .env for a local Maildir folder")
KINDS = ("bounce", "complaint", "unsubscribe", "autoreply", "other", "malformed", "quarantined")


@dataclass
class Fetched:
    counts: Counter[str] = field(default_factory=Counter)
    lines: list[tuple[str, Message]] = field(default_factory=list)
    letters: list[Letter] = field(default_factory=list)


def fetch(desk: Desk) -> Fetched:
    """One run, in a worker thread (IMAP and SQLite both block): the source opened, processed, closed."""
    result = Fetched()

    def record(kind: str, line: Message, data: bytes) -> None:
        result.lines.append((kind, line))
        if kind == "other":
            result.letters.append(readable(data))

    settings = desk.settings
    source = inbox.open_source(settings, None, None, "Processed")
    try:
        with Journal(settings.state_dir) as journal:
            result.counts = inbox.process(source, journal, inbox.context(settings, desk.secret, journal), settings.soft_bounce_limit,
                                          record=record)
            journal.record_inbox_run(time.time(), dict(result.counts), result.lines)  # the page's history
    finally:
        source.close()
    return result


def history(desk: Desk) -> list[InboxRun]:
    with Journal(desk.settings.state_dir, read_only=True) as journal:
        return journal.inbox_runs()


def dated(header: str, lang: str) -> str:
    """A mail's Date header ("Thu, 24 Dec 2020 09:00:00 +0100") as the page's language writes it, in the sender's
    time; as it is when unreadable."""
    try:
        return stamp(parsedate_to_datetime(header), lang)
    except (TypeError, ValueError):
        return header


def routes(desk: Desk) -> list[Route]:
    def where() -> str:
        settings = desk.settings
        if settings.inbox_maildir:
            return f"Maildir {settings.inbox_maildir}"
        return f"IMAP {settings.imap.host}:{settings.imap.port}, {settings.imap_folder}" if settings.imap.host else ""

    def show(request: Request) -> Response:
        return desk.page(request, "inbox.html.j2", where=where(), fetched=None, problem="", kinds=KINDS,
                         runs=history(desk), at=lambda t: stamp(local(t, desk.settings.zone), language(request)))

    async def run(request: Request) -> Response:
        await checked_form(request)
        if not where():  # the desk's way to a mailbox is .env (the command line's --maildir is not offered here)
            return desk.page(request, "inbox.html.j2", 502, where="", fetched=None, problem=NO_MAILBOX, kinds=KINDS)
        try:
            fetched = await run_in_threadpool(fetch, desk)
        except ComposerError as exc:
            return desk.page(request, "inbox.html.j2", 502, where=where(), fetched=None, problem=exc.shown(language(request)),
                             kinds=KINDS)
        return desk.page(request, "inbox.html.j2", where=where(), fetched=fetched, problem="", kinds=KINDS,
                         dated=lambda header: dated(header, language(request)), runs=history(desk)[1:],
                         at=lambda t: stamp(local(t, desk.settings.zone), language(request)))

    return [Route("/inbox", show), Route("/inbox", run, methods=["POST"])]
