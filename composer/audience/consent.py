"""Proof of consent (GDPR Art. 7(1)) for each address: a list row's `consent_date` and `consent_source`
columns, or a confirmed web sign-up. Rows without it are counted, so the coordinator knows whom to ask again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from composer.i18n import Message, message, plural
from composer.records import BadRow, Recipient, RowFilter

if TYPE_CHECKING:
    from composer.state import Journal

DATE, SOURCE = "consent_date", "consent_source"
# Header spellings after lower-casing and dropping spaces, '_' and '-' (see subscribers._column).
HEADERS = {"consentdate": DATE, "einwilligungdatum": DATE, "einwilligungsdatum": DATE, "einwilligungam": DATE,
           "datumdereinwilligung": DATE, "einwilligungvom": DATE,
           "consentsource": SOURCE, "einwilligungquelle": SOURCE, "einwilligungsquelle": SOURCE, "quelle": SOURCE,
           "quelledereinwilligung": SOURCE}
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%d.%m.%Y %H:%M")
def consent_day(text: str) -> dt.date | None:
    """The day of a consent as a spreadsheet writes it (ISO or German), or None when it is no date."""
    for pattern in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return None


def any_evidence(recipient: Recipient) -> bool:
    """Whether a list row names some earlier consent (a date or a source), complete or not: only such a row may be
    asked to confirm again; a mail asking one without any is itself unsolicited advertising (UWG §7)."""
    return bool(recipient.fields.get(DATE, "").strip() or recipient.fields.get(SOURCE, "").strip())


def missing_evidence(recipient: Recipient) -> Message | None:
    """Why a list row does not prove consent, or None when its columns do."""
    date, source = recipient.fields.get(DATE, "").strip(), recipient.fields.get(SOURCE, "").strip()
    if not date and not source:
        return message("no consent evidence")
    if not date:
        return message("no {column}", column=DATE)
    if consent_day(date) is None:
        return message("{column} '{value}' is not a date (write it like 2020-05-14 or 14.05.2020)", column=DATE, value=date)
    if not source and SOURCE in recipient.fields:  # a list without a source column keeps only the day ("Einwilligung am")
        return message("no {column}", column=SOURCE)
    return None


@dataclass
class ConsentCount:
    """Counts, while a list streams past, the rows that prove no consent; an address with a confirmed web
    sign-up (`signed_up`, lower-case) has its proof in the send state."""

    signed_up: frozenset[str] = frozenset()
    rows: int = 0
    without: int = 0

    @classmethod
    def of(cls, signups: Iterable[Recipient]) -> ConsentCount:
        """A count for a list whose confirmed web sign-ups are `signups`."""
        return cls(frozenset(r.email.lower() for r in signups))

    def reason(self, recipient: Recipient) -> Message | None:
        return None if recipient.email.lower() in self.signed_up else missing_evidence(recipient)

    def watch(self, rows: Iterable[Recipient | BadRow]) -> Iterator[Recipient | BadRow]:
        for row in rows:
            if isinstance(row, Recipient):
                self.rows += 1
                self.without += self.reason(row) is not None
            yield row


def warning(without: int, listed: int, list_name: str, named_above: bool = False) -> Message | None:
    """One line for the coordinator, or None when every address proves consent; `named_above` when the rows
    were just listed with their reasons (`newsletter subscribers` itself)."""
    if not without:
        return None
    where = message("the rows above say why") if named_above else message(
        "`newsletter subscribers {list}` names them", list=list_name)
    how = message("add the columns {date} and {source} (or Einwilligung_Datum and Einwilligung_Quelle) with the date "
                  "and the way each person agreed, e.g. 2020-05-14 and 'Anmeldeformular Ehrenamtsbörse'",
                  date=DATE, source=SOURCE)
    return plural("{n} of {total} addresses of the list {list} has no proof of consent: {how}; {where}",
                  "{n} of {total} addresses of the list {list} have no proof of consent: {how}; {where}", without,
                  total=listed, list=list_name, how=how, where=where)


def deadline(state: Journal, list_name: str) -> dt.datetime | None:
    until = state.reconfirm_deadline(list_name)
    return dt.datetime.fromtimestamp(until).astimezone() if until is not None else None


class Cutoff(RowFilter):
    """Once the list's deadline has passed, the rows that still prove no consent."""

    def __init__(self, state: Journal, list_name: str, proof: ConsentCount, now: dt.datetime) -> None:
        super().__init__()
        self.until = deadline(state, list_name)
        self.active = self.until is not None and now >= self.until
        self._proof = proof

    def drops(self, row: Recipient) -> bool:
        return self.active and self._proof.reason(row) is not None
