"""Re-permission (the library part of `newsletter reconfirm LIST`): who must be asked again, and the deadline
after which a row that still proves no consent is never sent another issue.

Asking (a double opt-in mail per row, confirmed by POST on the web side) is not built yet; a confirmation is a web
sign-up, which `ConsentCount` already takes as proof, so a confirmed row passes the cutoff by itself.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from datetime import datetime

from composer.audience.consent import ConsentCount
from composer.records import BadRow, Recipient

SCHEMA = "CREATE TABLE IF NOT EXISTS reconfirm_deadlines (list TEXT PRIMARY KEY, until REAL NOT NULL)"


def to_ask(rows: Iterable[Recipient | BadRow], proof: ConsentCount) -> list[Recipient]:
    """The rows of a list a re-permission run writes to: valid, and without proof of consent."""
    return [row for row in rows if isinstance(row, Recipient) and proof.reason(row) is not None]


def set_deadline(db: sqlite3.Connection, list_name: str, until: datetime) -> None:
    """`--until`: after this moment the list's rows without proof of consent are no longer sent to."""
    db.execute(SCHEMA)
    db.execute("INSERT OR REPLACE INTO reconfirm_deadlines VALUES (?, ?)", (list_name, until.timestamp()))


def deadline(db: sqlite3.Connection, list_name: str) -> datetime | None:
    db.execute(SCHEMA)
    row = db.execute("SELECT until FROM reconfirm_deadlines WHERE list = ?", (list_name,)).fetchone()
    return datetime.fromtimestamp(row[0]).astimezone() if row else None


class Cutoff:
    """Drops, once the list's deadline has passed, the rows that still prove no consent; `dropped` counts them."""

    def __init__(self, db: sqlite3.Connection, list_name: str, proof: ConsentCount, now: datetime) -> None:
        self.until = deadline(db, list_name)
        self.active = self.until is not None and now >= self.until
        self._proof = proof
        self.dropped = 0

    def skip(self, rows: Iterable[Recipient | BadRow]) -> Iterator[Recipient | BadRow]:
        for row in rows:
            if self.active and isinstance(row, Recipient) and self._proof.reason(row) is not None:
                self.dropped += 1
                continue
            yield row
