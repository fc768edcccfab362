"""A send the desk runs in its own thread: its progress as the pages show it (labelled, counted across resumes,
paced by what was really measured), its named state, and the mail that tells the person who started it how it
went when nobody watches. The rules of the send are the campaign's (`open_send`), as for the CLI."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from composer.campaign import Campaign, open_send
from composer.desk.context import Desk, internal_error, issue_path
from composer.errors import ChecksFailedError, ComposerError, IssueFileError, said
from composer.i18n import N_, Message, message
from composer.i18n.formats import clock, moment
from composer.send.dispatch import Summary
from composer.office.mails import desk_base, status_link
from composer.office import protocol
from composer.office.roles import Actor
from composer.state import Journal, Plan
from composer.send.estimate import MEASURED_AFTER, pace_of, spoken
from composer.send.notify import FINISHED, LONG_WAIT, STOPPED, WAITING, Report, tell
from composer.send.stopping import Stop

Opening = Callable[[], AbstractContextManager[Campaign]]
CHECK_ERRORS = message("The issue has check errors; fix them before sending.")
FILE_ERRORS = message("The issue file has errors; fix them before sending (Check names them).")

# Each state of a send by its name on the page; each shows only its own buttons (send.html.j2).
STATES = {"running": N_("Running"), "waiting": N_("Waiting"), "stopping": N_("Stopping"), "stopped": N_("Stopped"),
          "finished": N_("Finished"), "error": N_("Not sent")}


def refusal(exc: ComposerError) -> Message | str:
    """Why a send cannot start, as the send page says it: check and file errors point to Prüfen."""
    if isinstance(exc, ChecksFailedError):
        return CHECK_ERRORS
    return FILE_ERRORS if isinstance(exc, IssueFileError) else said(exc)


@dataclass
class SendRun:
    """One send's progress, written by the send's thread and read by the pages."""

    list_name: str
    notify: str | None = None  # who is told by mail when it finishes, stops or waits long
    lang: str = "de"  # of that mail
    status_url: str = ""
    total: int = 0  # the addresses this send reaches: those that had it before this run, and this run's
    before: int = 0  # had the issue before this run (a resume counts them, so it ends "26 of 26")
    plan: Plan | None = None  # the run's plan, once it has started
    state: str = "running"  # running, stopping, stopped, finished, error
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    uncertain: int = 0
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None  # when the run finished, stopped or failed: its pace is of its own time
    waited: float = 0.0  # seconds held back by a limit, the sending hours or the planned start
    held_since: float | None = None
    message: Message | str = ""  # why it ended in an error: our words, or a library error as it came
    held_until: datetime | None = None
    held_by: Message | str = ""  # what holds it back (the quota's words)
    told_wait: bool = False
    stop: Stop = field(default_factory=Stop)
    ready: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    settings: Any = None  # for the mail that tells how it went
    slug: str = ""
    transports: Any = None

    def progress(self, summary: Summary) -> None:
        self.sent, self.failed, self.deferred, self.uncertain = summary.sent, summary.failed, summary.deferred, summary.uncertain

    def waiting(self, until: datetime | None, why: Message | str) -> None:
        now = time.monotonic()
        if until is None and self.held_since is not None:
            self.waited += now - self.held_since
            self.held_since = None
        elif until is not None and self.held_since is None:
            self.held_since = now
        self.held_until, self.held_by = until, why
        if until is not None and not self.told_wait and until - datetime.now(until.tzinfo) > LONG_WAIT:
            self.told_wait = True  # the mail goes from a thread of its own: this is the send's event loop
            threading.Thread(target=self.tell, args=(WAITING, message("It waits until {when} ({why}).",
                             when=moment(until, self.lang), why=why)), daemon=True).start()

    @property
    def named(self) -> str:
        """The state by its name: a running send held back by a limit is waiting."""
        return "waiting" if self.state == "running" and self.held_until else self.state

    def active_seconds(self) -> float:
        now = self.ended if self.ended is not None else time.monotonic()
        return now - self.started - self.waited - (now - self.held_since if self.held_since is not None else 0)

    def figures(self, lang: str) -> dict[str, Any]:
        """What the page and its live updates show, worded in `lang`."""
        done = self.sent + self.failed + self.deferred + self.uncertain
        pace = pace_of(done, self.active_seconds())
        line = message("{sent} of {total} sent · {failed} failed · {deferred} deferred", sent=self.before + self.sent,
                       total=self.total, failed=self.failed, deferred=self.deferred + self.uncertain)
        measured = done >= MEASURED_AFTER
        left = (self.total - self.before - done) / pace if measured else 0
        pace_line = message("about {n} a minute", n=round(pace)).render(lang) if measured else ""
        rest = ""
        if measured and self.named == "running" and left > 0:
            end = datetime.now().astimezone() + timedelta(minutes=left)
            rest = message("{left}, done around {end}", left=spoken(timedelta(minutes=left)),
                           end=clock(end, lang)).render(lang)
        held = message("Waiting until {when} ({why}); then the send continues by itself.",
                       when=moment(self.held_until, lang), why=self.held_by).render(lang) if self.held_until else ""
        return {"list_name": self.list_name, "state": self.named, "label": Message(STATES[self.named]).render(lang),
                "line": line.render(lang), "pace": pace_line, "rest": rest, "held": held,
                "percent": round(100 * (self.before + done) / self.total) if self.total else 100,
                "message": self.message, "delivered": self.before + self.sent, "total": self.total,
                "sent": self.sent, "failed": self.failed, "deferred": self.deferred + self.uncertain}

    def tell(self, event: str, why: Message | str = "") -> None:
        if self.settings is not None:
            tell(self.settings, self.notify, Report(event, self.slug, self.list_name, self.before + self.sent, self.total,
                                                    self.failed, self.deferred + self.uncertain, why, self.status_url),
                 self.lang, self.transports)


def run_send(opening: Opening, run: SendRun) -> None:
    """The send's thread: it holds the send state (SQLite stays in one thread), tells the waiting request that it
    has started (or why not), runs the campaign until it is done or "Anhalten" is honoured, then tells the person
    who started it."""
    try:
        with opening() as campaign:
            run.before = campaign.plan.already_sent
            run.total = campaign.plan.already_sent + campaign.plan.to_send
            run.plan = campaign.plan
            run.ready.set()
            summary = asyncio.run(campaign.run(run.progress, run.stop, run.waiting))
        run.state = "stopped" if summary.stopped else "finished"
    except ComposerError as exc:
        run.state, run.message = "error", refusal(exc)
    except Exception as exc:  # noqa: BLE001 - the page must say it stopped, not spin forever
        run.state, run.message = "error", internal_error(exc)
    finally:
        run.ended = time.monotonic()
        was_started = run.ready.is_set()
        run.ready.set()
    if run.state == "finished":
        run.tell(FINISHED)
    elif was_started and (run.state == "error" or (run.state == "stopped" and run.stop.reason != "Anhalten")):
        run.tell(STOPPED, run.message or run.stop.reason or "")


def start(desk: Desk, slug: str, list_name: str, notify: str | None, lang: str, by: Actor, beside_schedule: bool = False,
          wait: float = 60) -> SendRun:
    """A send of the issue to the list in a thread of its own; returns once it started or failed to. One that
    started is in the Protokoll as started (or resumed) `by` that actor."""
    runs: dict[str, SendRun] = desk.extra.setdefault("runs", {})
    transports = desk.extra.get("transports")
    base = desk.extra.get("base_url") or desk_base(desk.settings)  # a link in a mail must be whole
    run = SendRun(list_name, notify or None, lang, status_link(base, slug),
                  settings=desk.settings, slug=slug, transports=transports)

    def opening() -> AbstractContextManager[Campaign]:
        return open_send(issue_path(desk, slug), list_name, desk.settings, desk.secret, transports=transports,
                         beside_schedule=beside_schedule)

    run.thread = threading.Thread(target=run_send, args=(opening, run), daemon=True, name=f"send-{slug}")
    run.thread.start()
    run.ready.wait(wait)
    if run.plan is not None or run.state != "error":  # one that started is its page's, even if it failed at once
        runs[slug] = run
    if run.plan is not None:
        with Journal(desk.settings.state_dir) as journal:
            protocol.record(journal, by, *protocol.send_begun(run.plan), slug, list_name)
    return run


def stop_all(desk: Desk, wait: float = 60) -> None:
    """When the desk shuts down (Ctrl+C), running sends stop as "Anhalten" stops them, not in mid-message."""
    for run in desk.extra.get("runs", {}).values():
        run.stop.request("the desk was shut down")
    for run in desk.extra.get("runs", {}).values():
        if run.thread:
            run.thread.join(wait)
