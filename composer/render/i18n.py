"""Fixed strings of the email per language, so templates hold no German or English words of their own."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from composer.issue.months import MONTHS



@dataclass(frozen=True)
class Strings:
    language: str
    contents: str
    back_to_contents: str
    of_date: str
    contact_heading: str
    author_credit: str
    imprint: str
    privacy: str
    unsubscribe: str
    greeting_named: str
    greeting_anonymous: str
    test_prefix: str
    view_in_browser: str
    unsubscribe_subject: str  # the word before the token in the subject of an unsubscribe mail (mailto:)

    def date(self, day: dt.date) -> str:
        if self.language == "de":
            return f"{day.day:02d}.{day.month:02d}.{day.year}"
        return f"{MONTHS['en'][day.month - 1]} {day.day}, {day.year}"


TABLE = {
    "de": Strings(
        language="de",
        contents="Inhaltsübersicht",
        back_to_contents="zurück zur Inhaltsübersicht",
        of_date="vom",
        contact_heading="Kontaktdaten:",
        author_credit="Text: {author}",
        imprint="Impressum",
        privacy="Datenschutz",
        unsubscribe="Newsletter abbestellen",
        greeting_named="Hallo {name},",
        greeting_anonymous="Liebe Engagierte,",
        test_prefix="[TEST]",
        view_in_browser="Im Browser ansehen",
        unsubscribe_subject="abbestellen",
    ),
    "en": Strings(
        language="en",
        contents="Contents",
        back_to_contents="back to contents",
        of_date="of",
        contact_heading="Contact:",
        author_credit="Text: {author}",
        imprint="Imprint",
        privacy="Privacy",
        unsubscribe="Unsubscribe",
        greeting_named="Hello {name},",
        greeting_anonymous="Dear volunteers,",
        test_prefix="[TEST]",
        view_in_browser="View in browser",
        unsubscribe_subject="unsubscribe",
    ),
}


def strings(language: str) -> Strings:
    return TABLE[language]
