"""Sending hours such as `Mo-Fr 08:00-18:00; Sa 10:00-12:00`: when a send may hand messages to the server.

Days are German or English two-letter names (Mo Di Mi Do Fr Sa So / Mo Tu We Th Fr Sa Su); a window whose end
is before its start runs past midnight into the next day (`Fr 22:00-02:00` ends Saturday 02:00)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from composer.errors import SettingsError

DAYS = {"mo": 0, "di": 1, "tu": 1, "mi": 2, "we": 2, "do": 3, "th": 3, "fr": 4, "sa": 5, "so": 6, "su": 6}
_PART = re.compile(r"^\s*(?:(?P<days>[A-Za-z]{2}(?:\s*-\s*[A-Za-z]{2})?(?:\s*,\s*[A-Za-z]{2}(?:\s*-\s*[A-Za-z]{2})?)*)\s+)?"
                   r"(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})\s*$")


@dataclass(frozen=True)
class Window:
    weekday: int
    start: time
    end: time  # `end <= start`: the window ends on the next day (24:00 is written 00:00)

    def span(self, day: datetime) -> tuple[datetime, datetime]:
        """This window's opening and closing in the week of `day` (local wall time, same tzinfo)."""
        base = (day - timedelta(days=(day.weekday() - self.weekday) % 7)).replace(hour=0, minute=0, second=0, microsecond=0)
        opens = datetime.combine(base.date(), self.start, tzinfo=day.tzinfo)
        closes = datetime.combine(base.date() + timedelta(days=1 if self.end <= self.start else 0), self.end, tzinfo=day.tzinfo)
        return opens, closes


@dataclass(frozen=True)
class SendingHours:
    text: str
    windows: tuple[Window, ...]

    def next_open(self, now: datetime) -> tuple[datetime, datetime]:
        """(when sending may start, when that window closes): `now` itself when inside a window."""
        best: tuple[datetime, datetime] | None = None
        for window in self.windows:
            for weeks in (-1, 0, 1):
                opens, closes = window.span(now + timedelta(weeks=weeks))
                if closes <= now:
                    continue
                candidate = (max(opens, now), closes)
                if best is None or candidate[0] < best[0]:
                    best = candidate
        assert best is not None  # every window recurs weekly, so one always lies ahead
        return best


def parse_hours(text: str) -> SendingHours:
    """Raises SettingsError naming NEWSLETTER_SEND_HOURS with an example of the expected form."""
    windows: list[Window] = []
    for part in filter(str.strip, text.split(";")):
        match = _PART.match(part)
        if not match:
            raise _bad(text, part)
        try:
            start, end = (time.fromisoformat(match[k].zfill(5)) for k in ("start", "end"))
        except ValueError:
            raise _bad(text, part) from None
        for day in _days(match["days"], text, part):
            windows.append(Window(day, start, end))
    if not windows:
        raise _bad(text, text)
    return SendingHours(text, tuple(windows))


def _days(spec: str | None, text: str, part: str) -> list[int]:
    if not spec:
        return list(range(7))
    days: list[int] = []
    for item in spec.split(","):
        first, _, last = (p.strip().lower() for p in item.partition("-"))
        if first not in DAYS or (last and last not in DAYS):
            raise _bad(text, part)
        a, b = DAYS[first], DAYS[last or first]
        days.extend(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    return days


def _bad(text: str, part: str) -> SettingsError:
    return SettingsError(f"NEWSLETTER_SEND_HOURS: {part.strip()!r} is not understood; write days and hours like "
                         f"'Mo-Fr 08:00-18:00' or 'Mo-Fr 08:00-18:00; Sa 10:00-12:00' (got {text!r})")


def local(timestamp: float, zone: tzinfo | None) -> datetime:
    """The office's time of a moment: in NEWSLETTER_TIME_ZONE when it is set (a hosted desk's server may run on UTC,
    and a plan is read in that zone), else in the computer's."""
    return datetime.fromtimestamp(timestamp, zone) if zone else datetime.fromtimestamp(timestamp).astimezone()
