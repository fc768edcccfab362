"""Dates, times and numbers as the reader's language writes them, by Babel (CLDR), not by hand tables."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_decimal

PATTERNS = {  # the short forms the pages use; CLDR names the weekdays and months
    "de": {"day": "dd.MM.yyyy", "moment": "EEE dd.MM. HH:mm", "stamp": "dd.MM.yyyy HH:mm", "long": "d. MMMM yyyy",
           "appointment": "EEE dd.MM.yyyy HH:mm"},
    "en": {"day": "yyyy-MM-dd", "moment": "EEE d MMM, HH:mm", "stamp": "yyyy-MM-dd HH:mm", "long": "MMMM d, yyyy",
           "appointment": "EEE d MMM yyyy, HH:mm"},
}


def _patterns(lang: str) -> dict[str, str]:
    return PATTERNS.get(lang, PATTERNS["en"])  # a language without its own patterns: the source's (English)


def day(when: dt.date, lang: str) -> str:
    """06.12.2026 / 2026-12-06."""
    return format_date(when, _patterns(lang)["day"], locale=lang)


def long_day(when: dt.date, lang: str) -> str:
    """6. Dezember 2026 / December 6, 2026."""
    return format_date(when, _patterns(lang)["long"], locale=lang)


def moment(when: dt.datetime, lang: str) -> str:
    """A time within the coming week: "Mo. 07.12. 08:00"."""
    return format_datetime(when, _patterns(lang)["moment"], locale=lang)


def appointment(when: dt.datetime, lang: str) -> str:
    """A time that may lie beyond the coming week, with its weekday: "Di. 28.01.2031 09:00"."""
    return format_datetime(when, _patterns(lang)["appointment"], locale=lang)


def stamp(when: dt.datetime, lang: str) -> str:
    """06.12.2026 14:03 (downloads, logs)."""
    return format_datetime(when, _patterns(lang)["stamp"], locale=lang)


def clock(when: dt.datetime | dt.time, lang: str) -> str:
    """14:03."""
    return format_time(when, "HH:mm", locale=lang)


def number(value: float, lang: str, digits: int | None = None) -> str:
    """1.000,5 in German, 1,000.5 in English."""
    if digits is None:
        return format_decimal(value, locale=lang)
    return format_decimal(value, format=f"#,##0.{'0' * digits}" if digits else "#,##0", locale=lang)


def month(year: int, month_number: int, lang: str) -> str:
    """Januar 2027 / January 2027."""
    return format_date(dt.date(year, month_number, 1), "LLLL y", locale=lang)
