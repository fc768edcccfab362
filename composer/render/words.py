"""The email's own words in the issue's language, from the catalogue: what the HTML templates and the plain-text
part say besides the issue's content, and the defaults a message fills in per recipient."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date

from composer.i18n import N_, translate

# A CLDR date pattern as a msgid: each language writes the issue's date its own way (06.12.2020 in German).
ISSUE_DATE = N_("MMMM d, yyyy")


def issue_date(day: dt.date, lang: str) -> str:
    """The issue's date as the email's header and text part write it: "December 6, 2020", "06.12.2020"."""
    return format_date(day, translate(lang, ISSUE_DATE), locale=lang)


def greetings(lang: str) -> tuple[str, str]:
    """The greeting when the issue names none: named (`{name}`, filled per recipient) and anonymous."""
    return translate(lang, "Hello {name},"), translate(lang, "Dear volunteers,")


def unsubscribe_word(lang: str) -> str:
    """The word before the token in an unsubscribe mail's subject (mailto:); the inbox knows it in every language."""
    return translate(lang, "unsubscribe")
