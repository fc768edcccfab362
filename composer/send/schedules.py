"""The one schedule of sends, kept in the send state: `newsletter send --at` (the command waits in the foreground
and carries it out) and the desk's Planen (the desk process carries it out while it runs) write the same planned
start, which the send's limits then wait for (composer/send/quota.py).

Nothing goes out late unseen: a planned time that passed more than GRACE ago while nobody carried it out (the
laptop slept, the desk was closed) is `missed`; the desk asks "send now, plan anew or cancel" and never sends it
by itself. While a desk's schedule stands, a send of that issue from the command line is refused unless it says
`--despite-schedule`, so the two never race each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from composer.config.hours import local
from composer.errors import ComposerError
from composer.i18n import message
from composer.state import Journal

GRACE = timedelta(minutes=15)  # a desk that was busy or asleep this long still sends; later, it asks


class ScheduleError(ComposerError):
    """A schedule cannot be made, or another send stands in its way."""


@dataclass(frozen=True)
class Scheduled:
    issue: str
    list_name: str
    at: datetime
    notify: str | None  # who is told how it went
    origin: str  # "desk" (the desk carries it out) or "cli" (a waiting `send --at`)

    def missed(self, now: datetime) -> bool:
        return self.origin == "desk" and now - self.at > GRACE

    def due(self, now: datetime) -> bool:
        return self.origin == "desk" and self.at <= now and not self.missed(now)


def scheduled(journal: Journal, zone: tzinfo | None = None) -> list[Scheduled]:
    """Every planned send, soonest first."""
    return [Scheduled(issue, list_name, local(at, zone), notify, origin)
            for issue, list_name, at, notify, origin in journal.planned_starts()]


def of_issue(journal: Journal, issue: str, zone: tzinfo | None = None) -> Scheduled | None:
    return next((s for s in scheduled(journal, zone) if s.issue == issue), None)


def plan(journal: Journal, issue: str, list_name: str, at: datetime, now: datetime, notify: str | None = None,
         origin: str = "desk") -> Scheduled:
    """Plans the send of `issue` to `list_name` at `at` (replacing its earlier plan); a time past is refused."""
    if at <= now:
        raise ScheduleError(message("The planned time {at} has passed; choose a time in the future.",
                                    at=at.strftime("%d.%m.%Y %H:%M")))
    journal.plan_start(issue, list_name, at.timestamp(), notify, origin, now.timestamp())
    return Scheduled(issue, list_name, at, notify, origin)


def cancel(journal: Journal, issue: str) -> bool:
    """The issue's planned send is called off; False when there was none."""
    return journal.drop_planned_start(issue)


def refuse_beside(journal: Journal, issue: str, zone: tzinfo | None = None) -> None:
    """A send started by hand while the desk has this issue planned would race the desk: refused, saying how on."""
    planned = of_issue(journal, issue, zone)
    if planned and planned.origin == "desk":
        raise ScheduleError(message(
            "The send of {issue} is planned in the desk for {at} (list {list}); cancel it on the desk's Issues page, "
            "or send now anyway with --despite-schedule.", issue=issue, at=planned.at.strftime("%d.%m.%Y %H:%M"),
            list=planned.list_name))


