"""How long a send will take, said before it starts and while it runs: messages at the pace the server really
takes them, held back by the provider's hourly and daily limits and the office's sending hours, as the send's
own limits would (composer/send/quota.py). An estimate, said as one ("etwa 1 Std. 20 Min.").

The pace is what was measured, never the configured ceiling: `rate_limit` is at most 300 a minute, while a
provider answering a message in three seconds makes it 20. Before anything was measured, PACE is assumed.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import datetime, timedelta

from composer.config.parts import Limits
from composer.i18n import Message, message

PACE = 30.0  # messages a minute before a send has measured its own
MEASURED_AFTER = 5  # messages sent before the measured pace replaces PACE
SIMULATED = 5_000  # beyond this many messages the rest goes at the average pace of the simulated ones


@dataclass(frozen=True)
class Estimate:
    start: datetime
    end: datetime

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


def pace_of(done: int, active_seconds: float, ceiling_per_minute: float = 0) -> float:
    """Messages a minute measured over the time spent sending (waits at limits not counted), PACE until
    MEASURED_AFTER messages were sent; never above the configured ceiling."""
    pace = done * 60 / active_seconds if done >= MEASURED_AFTER and active_seconds > 0 else PACE
    return min(pace, ceiling_per_minute) if ceiling_per_minute else pace


def estimate(count: int, pace: float, limits: Limits, now: datetime, sent_before: list[datetime] | None = None) -> Estimate:
    """When `count` messages at `pace` a minute would be sent from `now`, each waiting for the sending hours and
    for a free slot in the hourly and daily windows (`sent_before`: the times of messages handed over recently,
    which use slots too)."""
    step = timedelta(minutes=1 / max(pace, 1e-3))
    times = sorted(sent_before or [])
    at = now
    first = None
    for n in range(min(count, SIMULATED)):
        at = at + step if n else at
        for _ in range(16):
            moved = at
            if limits.hours:
                at = limits.hours.next_open(at)[0]
            for limit, window in ((limits.hourly, timedelta(hours=1)), (limits.daily, timedelta(days=1))):
                if limit:
                    inside = len(times) - bisect.bisect_right(times, at - window)
                    if inside >= limit:
                        at = max(at, times[len(times) - limit] + window)
            if at == moved:
                break
        first = first or at
        times.append(at)
    if count > SIMULATED and first is not None:
        at += (at - first) / SIMULATED * (count - SIMULATED)
    return Estimate(now, at)


def spoken(duration: timedelta) -> Message:
    """"about 1 h 20 min" in the reader's language; under a minute is "less than a minute"."""
    minutes = round(duration.total_seconds() / 60)
    if minutes < 1:
        return message("less than a minute")
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return message("about {days} d {hours} h", days=days, hours=hours)
    if hours:
        return message("about {hours} h {minutes} min", hours=hours, minutes=minutes)
    return message("about {minutes} min", minutes=minutes)
