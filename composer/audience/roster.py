"""Who is on a list: the rows of its file and the web sign-ups confirmed for it, each with its state. The send,
`newsletter subscribers` and its export all read this, so they count the same people."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from composer.audience.subscribers import read_list
from composer.records import BadRow, Recipient
from composer.send.journal import Journal


@dataclass(frozen=True)
class Member:
    recipient: Recipient
    state: str  # active, unsubscribed or bounced
    signed_up: float | None  # the time of the consent of a web sign-up; None for a row of the list file


def listed(path: Path, journal: Journal) -> Iterator[Recipient | BadRow]:
    """The file's rows (good and bad), then the sign-ups not already in the file. A list that has only web
    sign-ups needs no file; a list with neither is an error naming the lists there are."""
    for _, row in _rows(path, journal):
        yield row


def members(path: Path, journal: Journal) -> list[Member]:
    found = []
    for signed_up, row in _rows(path, journal):
        if isinstance(row, Recipient):
            suppressed = journal.suppression(row.email)
            found.append(Member(row, suppressed.kind if suppressed else "active", signed_up))
    return found


def _rows(path: Path, journal: Journal) -> Iterator[tuple[float | None, Recipient | BadRow]]:
    signups = list(journal.signed_up(path.stem))
    seen = set()
    if path.exists() or not signups:
        for row in read_list(path):
            if isinstance(row, Recipient):
                seen.add(row.email.lower())
            yield None, row
    for recipient, confirmed in signups:
        if recipient.email.lower() not in seen:
            yield confirmed, recipient
