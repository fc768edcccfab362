"""The one way mail goes out: the plan, the provider's limits, the ledger and the dispatcher wired once, for every
kind of mail (an issue, the re-permission mails, a sign-up's confirmation, a test send).

Two shapes, one engine (composer/send/dispatch.py):

- A **mailing** goes to the rows of a list and is journaled in the send state under its `slug`: planned before
  anything is sent, under the state's exclusive lock (one send at a time), counted by the provider's limits and
  the sending hours, resumable, each recipient exactly once, `newsletter status SLUG`. `open_mailing` stages the
  list and holds the lock for as long as the caller is inside; `preview` counts the same plan without the lock
  and without writing the state (for a page that only looks, or a send that is running meanwhile).
- A **one-off** (`send_now`) goes to a few addresses outside the state's rows (a test send, a confirmation
  mail): nothing is journaled; `counted` takes a slot of the provider's limits for each message at once,
  never waiting, and refuses (LimitReachedError) when none is free.

To add a kind of mail to a list (a welcome mail, an invitation, a scheduled send): subclass `Mailing` with its
`slug` (the journal's key and outbox folder, e.g. "welcome-volunteers", never an issue's) and `list_name`, and
write `rows` (who gets it, as read, bad rows included), `messages` (the factory of each recipient's message),
and where it needs them `staged` (what it writes under the lock before sending: links, deadlines) and `counted`
(its own figures in the plan). Then a face does `with open_mailing(mailing, settings) as send:`, shows
`send.plan`, and `await send.run(...)`. A single mail (an approver's notification) is one `send_now` call.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from composer.i18n import message
from composer.config.parts import Policy
from composer.records import BadRow, OutgoingMessage, Recipient
from composer.send.dispatch import Dispatcher, Messages, NoLedger, Summary
from composer.send.ledger import IssueLedger
from composer.send.quota import Quota, Schedule, Waiting, quota_for, take_now
from composer.send.stopping import Stop
from composer.send.transports import Destination, Transport, choose
from composer.config.settings import Settings
from composer.state import Journal, Plan

TransportFactory = Callable[[], Transport]
LOCK_WAIT = 3.0  # seconds a send waits for the state: a reader's welcome holds it for a moment


class Mailing(ABC):
    """One kind of mail to the rows of one list; see the module's docstring for how to add one."""

    slug: str  # the journal's key, the outbox's folder and what `newsletter status` names
    list_name: str  # the list whose planned start (`--at`) the send keeps

    @abstractmethod
    def rows(self, state: Journal, keep: bool) -> Iterable[Recipient | BadRow]:
        """Who gets it, in order; bad rows are reported, never sent. With `keep` False nothing may be written
        (a preview): read the list without keeping what was read."""

    @abstractmethod
    def messages(self, state: Journal) -> Messages:
        """The factory of the messages, made once the list is staged (under the lock)."""

    def staged(self, state: Journal) -> None:
        """Under the lock, after the rows are staged (the state's `listed`) and before the plan is counted: what
        this kind writes first (links the messages carry, a deadline). Nothing by default."""
        return None

    def counted(self, plan: Plan) -> Plan:
        """The plan with this kind's own figures (read while `rows` ran). Unchanged by default."""
        return plan

    def starting(self) -> None:
        """Asked once more when a planned send (`--at`) reaches its start, before the first message; raising stops
        it there (an issue whose approval was withdrawn meanwhile). Nothing by default."""
        return None


@dataclass(frozen=True)
class Options:
    """How one send of a mailing goes: what to try again, when (the planned start, stopping at a limit, the
    clock), how long to wait for another send to give the state up and, for tests, where (a transport factory in
    place of the settings' one)."""

    retry_failed: bool = False
    retry_uncertain: bool = False
    schedule: Schedule = Schedule()
    transports: TransportFactory | None = None
    lock_wait: float = LOCK_WAIT


M = TypeVar("M", bound=Mailing)


@dataclass
class Send(Generic[M]):
    """A mailing planned and staged under the state's lock, ready to run."""

    mailing: M
    journal: Journal
    plan: Plan
    destination: Destination
    quota: Quota
    options: Options
    _messages: Messages
    _transports: TransportFactory
    _policy: Policy

    @property
    def list_name(self) -> str:
        return self.mailing.list_name

    @property
    def timeout(self) -> float:
        """How long a stop may wait for the messages under way: one SMTP reply."""
        return self._policy.timeout

    def delivered(self) -> int:
        """How many of the list's rows have the mail now."""
        return self.journal.plan(self.mailing.slug, []).already_sent

    def uncertain_left(self) -> int:
        """How many of the list's rows stay uncertain (the server may have kept the mail; not sent again unasked)."""
        return self.journal.plan(self.mailing.slug, []).uncertain

    async def run(self, progress: Callable[[Summary], None] | None = None, stop: Stop | None = None,
                  waiting: Waiting | None = None) -> Summary:
        """Sends the plan; after `stop` is requested it returns once the transactions under way are recorded.
        `waiting(until, why)` is told when a limit, the sending hours or the planned start hold the send back."""
        if self.plan.to_send == 0:  # everyone listed is sent, skipped or unsubscribed: nothing to record either
            self.journal.drop_planned_start(self.mailing.slug)
            return Summary()
        if waiting:
            self.quota.waiting = waiting
        if not await self._planned_start(stop):
            return Summary(stopped=True)
        with IssueLedger(self.journal, self.mailing.slug) as ledger:
            self.quota.log_with(ledger.handed)
            dispatcher = Dispatcher(self._messages, self._transports, ledger, self._policy,
                                    progress, self.quota)
            queue = self.journal.queue(self.mailing.slug, self.options.retry_failed, self.options.retry_uncertain)
            summary = await dispatcher.run(queue, stop)
        if not summary.stopped:  # carried out: the planned start is done with (a stopped send keeps it for its rerun)
            self.journal.drop_planned_start(self.mailing.slug)
        return summary


    async def _planned_start(self, stop: Stop | None) -> bool:
        """Waits for the planned start, if it lies ahead (and the send waits rather than stops at it), then asks
        the mailing once more (`starting`); False when a stop came first."""
        quota, start = self.quota, self.quota.not_before
        if start is None or quota.stop_at_limit or quota.clock.now() >= start:
            return True
        halt = asyncio.Event()

        async def stopped() -> None:
            await (stop or Stop()).wait()
            halt.set()

        watcher = asyncio.create_task(stopped())
        try:
            quota.waiting(start, message("planned start"))
            if not await quota.clock.sleep_until(start, halt):
                return False
            quota.waiting(None, "")
        finally:
            watcher.cancel()
        self.mailing.starting()
        return True


@contextlib.contextmanager
def open_mailing(mailing: M, settings: Settings, options: Options = Options()) -> Iterator[Send[M]]:
    """The mailing staged and planned, with the send state held for this send alone while the caller is inside
    (StateError when another send holds it)."""
    chosen, destination = choose(settings, mailing.slug)
    with Journal(settings.state_dir, exclusive=True, wait=options.lock_wait) as journal:
        plan = _staged_plan(mailing, journal, options, keep=True)
        quota = quota_for(journal, settings.limits, settings.zone, mailing.slug, mailing.list_name, options.schedule)
        yield Send(mailing, journal, plan, destination, quota, options, mailing.messages(journal),
                   options.transports or chosen, settings.delivery)


@dataclass(frozen=True)
class Preview:
    plan: Plan
    destination: Destination


def preview(mailing: Mailing, settings: Settings, options: Options = Options()) -> Preview:
    """The plan `open_mailing` would count, from the state as it stands: no lock (it works while a send runs),
    nothing written to the state's files (the list is staged in a temporary table only)."""
    _, destination = choose(settings, mailing.slug)
    with Journal(settings.state_dir, read_only=True) as journal:
        return Preview(_staged_plan(mailing, journal, options, keep=False), destination)


def _staged_plan(mailing: Mailing, journal: Journal, options: Options, keep: bool) -> Plan:
    bad = journal.stage(mailing.rows(journal, keep))
    if keep:
        mailing.staged(journal)
    plan = journal.plan(mailing.slug, bad, options.retry_failed, options.retry_uncertain)
    return mailing.counted(plan)


async def send_now(messages: Messages, recipients: list[Recipient], settings: Settings, folder: str,
                   transports: TransportFactory | None = None, counted_at: datetime | None = None,
                   attempts: int | None = None) -> tuple[Summary, Destination]:
    """A one-off: `recipients` sent through the same dispatcher, nothing journaled (an unanswered one is not
    sent again). `folder` names the outbox folder when no server is set. With `counted_at` (now, by the
    caller's clock) every message takes a slot of the provider's hourly and daily limits at once, before
    anything is sent (LimitReachedError when one is missing; the slots taken before it stay taken). `attempts`
    bounds the tries of each (the settings' budget by default); a web request waiting for the mail gives one."""
    chosen, destination = choose(settings, folder)
    if counted_at is not None:
        with Journal(settings.state_dir) as journal:
            for _ in recipients:
                take_now(journal, settings.limits, counted_at)
    policy = settings.delivery if attempts is None else dataclasses.replace(settings.delivery, retry_budget=attempts)
    dispatcher = Dispatcher(messages, transports or chosen, NoLedger(), policy)
    return await dispatcher.run(recipients), destination


class Fixed:
    """The same message for everyone (a one-off to one address)."""

    def __init__(self, message: OutgoingMessage) -> None:
        self._message = message

    def personalise(self, recipient: Recipient) -> OutgoingMessage:
        return self._message
