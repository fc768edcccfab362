"""The provider's limits and the office's sending hours, checked by the dispatcher before every message.

Windows slide over the messages handed to the server, recorded in the send state with the clock's time, so a
rerun, a second issue and another list all count. A planned start (`send --at`) is kept with the send state too,
so a rerun after a crash waits for it again. Time comes from an injected clock: tests move it, nothing sleeps.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Protocol

from composer.errors import ComposerError, LimitReachedError
from composer.i18n import message
from composer.config.parts import Limits
from composer.state import Journal
from composer.i18n import Message

HOUR, DAY = 3600.0, 86400.0
Waiting = Callable[[datetime | None, Message | str], None]  # why: what holds the send back, said where shown


class Clock(Protocol):
    def now(self) -> datetime: ...

    async def sleep_until(self, when: datetime, halt: asyncio.Event) -> bool:
        """False when `halt` was set first (the send is stopping)."""
        ...


class SystemClock:
    """Wall time in the office's time zone (None: the machine's own)."""

    def __init__(self, zone: tzinfo | None = None) -> None:
        self.zone = zone

    def now(self) -> datetime:
        return datetime.now(self.zone) if self.zone else datetime.now().astimezone()

    async def sleep_until(self, when: datetime, halt: asyncio.Event) -> bool:
        # In steps of a minute at most, so a laptop that slept or a clock that was set still wakes on time.
        while not halt.is_set():
            left = (when - self.now()).total_seconds()
            if left <= 0:
                return True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(halt.wait(), min(left, 60.0))
        return False


class Quota:
    """`acquire` before each message: returns at once when a slot is free, else waits (telling `waiting` until
    when and why) or, with `stop_at_limit`, raises LimitReachedError saying when to run again."""

    def __init__(self, state: Journal, limits: Limits, clock: Clock, not_before: datetime | None = None,
                 stop_at_limit: bool = False) -> None:
        self._state, self.limits, self.clock = state, limits, clock
        self.not_before, self.stop_at_limit = not_before, stop_at_limit
        self.waiting: Waiting = lambda until, why: None
        self._log: Callable[[float], object] = state.log_handed

    def log_with(self, later: Callable[[float], object]) -> None:
        """With nothing that can hold a message back, the log of messages handed over (kept for the windows of
        later runs) may go with the ledger's next write: `later(time)` puts it there."""
        if not self.may_wait:
            self._log = later

    @property
    def may_wait(self) -> bool:
        """Whether a limit, sending hours or a planned start can hold a message back; else `acquire` only counts."""
        return bool(self.not_before or self.limits.hours or self.limits.daily or self.limits.hourly)

    async def acquire(self, halt: asyncio.Event) -> float | None:
        """The seconds waited for the slot (by the clock), or None when the send is stopping meanwhile."""
        began = self.clock.now()
        if not self.may_wait:  # nothing can hold it back: counted, not waited for
            self._log(began.timestamp())
            return 0.0
        while True:
            now = self.clock.now()
            until, why = self.next_slot(now)
            if until <= now:
                self._log(now.timestamp())
                return (now - began).total_seconds()
            if self.stop_at_limit:
                raise LimitReachedError(until, why)
            self.waiting(until, why)
            if not await self.clock.sleep_until(until, halt):
                return None
            self.waiting(None, "")

    def next_slot(self, now: datetime) -> tuple[datetime, Message | str]:
        """The first moment from `now` at which every limit allows one more message, and the last reason that
        held it back (so a daily limit that frees on Saturday still waits for Monday's sending hours)."""
        at: datetime = now
        why: Message | str = ""
        for _ in range(16):
            moved = False
            for free, reason in self._checks(at):
                if free > at:
                    at, why, moved = free, reason, True
            if not moved:
                break
        return at, why

    def sent_within(self, seconds: float, now: datetime) -> int:
        return self._state.handed_since(now.timestamp() - seconds)

    def _checks(self, at: datetime) -> list[tuple[datetime, Message]]:
        checks: list[tuple[datetime, Message]] = []
        if self.not_before:
            checks.append((self.not_before, message("planned start")))
        if self.limits.hours:
            checks.append((self.limits.hours.next_open(at)[0], message("sending hours ({hours})", hours=self.limits.hours.text)))
        if self.limits.daily:
            checks.append((self._window_frees(at, self.limits.daily, DAY), message("daily limit ({n})", n=self.limits.daily)))
        if self.limits.hourly:
            checks.append((self._window_frees(at, self.limits.hourly, HOUR),
                           message("hourly limit ({n})", n=self.limits.hourly)))
        return checks

    def _window_frees(self, at: datetime, limit: int, seconds: float) -> datetime:
        """Sliding window: with n >= limit messages in the last `seconds`, a slot frees when the (n - limit + 1)th
        oldest of them leaves the window."""
        n = self.sent_within(seconds, at)
        if n < limit:
            return at
        oldest = self._state.handed_at(at.timestamp() - seconds, n - limit)
        return datetime.fromtimestamp(oldest + seconds, at.tzinfo)


def take_now(state: Journal, limits: Limits, now: datetime) -> None:
    """A single message outside a send (a sign-up's confirmation mail) takes a slot of the provider's hourly and
    daily limits if one is free at once, and never waits (LimitReachedError says when one frees); sending hours
    do not apply to it."""
    quota = Quota(state, Limits(limits.hourly, limits.daily), SystemClock(now.tzinfo))
    until, why = quota.next_slot(now)
    if until > now:
        raise LimitReachedError(until, why)
    state.log_handed(now.timestamp())


def planned_start(state: Journal, issue: str, list_name: str, at: datetime | None, zone: tzinfo | None) -> datetime | None:
    """`send --at` stores the plan for this issue and list; a later run without --at keeps it."""
    if at is not None:
        state.plan_start(issue, list_name, at.timestamp())
        return at
    stored = state.planned_start(issue, list_name)
    return datetime.fromtimestamp(stored, zone).astimezone(zone) if stored is not None else None


def parse_at(text: str, zone: tzinfo | None) -> datetime:
    """'2021-01-28 09:00' or '28.01.2021 09:00', in the office's time zone."""
    for form in ("%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M", "%Y-%m-%dT%H:%M"):
        with contextlib.suppress(ValueError):
            moment = datetime.strptime(text.strip(), form)
            return moment.replace(tzinfo=zone) if zone else moment.astimezone()
    raise ComposerError(message("--at {text!r}: write the date and time like '2021-01-28 09:00' or '28.01.2021 09:00'",
                                text=text))


def pruned(state: Journal, now: datetime) -> None:
    """Entries older than the longest window are of no use any more."""
    state.forget_handed_before(now.timestamp() - DAY - HOUR)



@dataclass(frozen=True)
class Schedule:
    """How one real send meets the limits: a planned start (`--at`), stopping at a limit instead of waiting,
    and the clock (the machine's unless a test injects one)."""

    at: datetime | None = None
    stop_at_limit: bool = False
    clock: Clock | None = None


def quota_for(state: Journal, limits: Limits, zone: tzinfo | None, issue: str, list_name: str,
              schedule: Schedule) -> Quota:
    clock = schedule.clock or SystemClock(zone)
    pruned(state, clock.now())
    start = planned_start(state, issue, list_name, schedule.at, zone)
    return Quota(state, limits, clock, start, schedule.stop_at_limit)
