"""Erased on request (GDPR Art. 17) and kept no longer than needed (Art. 5): what remains of an address.

An erased address is kept only as a keyed hash (HMAC with the send state's secret), so an old copy of a
spreadsheet that still holds it can be recognised, and never mailed, without the address being stored. Delivery
rows older than the retention period keep their status for the counts but lose the address the same way.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator

from composer.records import BadRow, Recipient

SCHEMA = "CREATE TABLE IF NOT EXISTS erased (hash TEXT PRIMARY KEY, created REAL NOT NULL)"
HASHED = "hash:"  # what an address becomes in a delivery row past the retention period
DAY = 86400.0


def keyed_hash(secret: bytes, address: str) -> str:
    """The same for every spelling of one address; useless without the secret."""
    return hmac.new(secret, address.strip().lower().encode(), hashlib.sha256).hexdigest()


class Erasures:
    """The addresses erased on request, as keyed hashes; `skip` drops them from a list as it streams past."""

    def __init__(self, db: sqlite3.Connection, secret: bytes) -> None:
        self._db, self._secret = db, secret
        db.execute(SCHEMA)
        self.skipped = 0

    def add(self, address: str) -> None:
        self._db.execute("INSERT OR IGNORE INTO erased VALUES (?, ?)", (keyed_hash(self._secret, address), time.time()))

    def __contains__(self, address: str) -> bool:
        query = "SELECT 1 FROM erased WHERE hash = ?"
        return self._db.execute(query, (keyed_hash(self._secret, address),)).fetchone() is not None

    def skip(self, rows: Iterable[Recipient | BadRow], keep: frozenset[str] = frozenset()) -> Iterator[Recipient | BadRow]:
        """Every row but the erased ones; `skipped` counts those. `keep` (lower-case) are addresses confirmed by a web
        sign-up since: new consent, so they are sent. Cheap when nobody was ever erased."""
        if self._db.execute("SELECT 1 FROM erased LIMIT 1").fetchone() is None:
            yield from rows
            return
        for row in rows:
            if isinstance(row, Recipient) and row.email.lower() not in keep and row.email in self:
                self.skipped += 1
                continue
            yield row


@contextlib.contextmanager
def scrubbing(db: sqlite3.Connection) -> Iterator[None]:
    """Deleted and overwritten rows are zeroed in the database file and the WAL copied back and emptied, so an
    erased address does not linger in free pages."""
    db.execute("PRAGMA secure_delete = ON")
    try:
        yield
    finally:
        db.execute("PRAGMA secure_delete = OFF")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def anonymise_old(db: sqlite3.Connection, secret: bytes, days: int, now: float | None = None) -> int:
    """Delivery rows last changed more than `days` ago lose the address, the name, the columns and the address in
    the server's reply; status, issue and dates stay for the counts. Returns how many rows changed."""
    cutoff = (now if now is not None else time.time()) - days * DAY
    old = db.execute("SELECT issue, email, reply FROM deliveries WHERE updated < ? AND email NOT LIKE ?",
                     (cutoff, f"{HASHED}%")).fetchall()
    if not old:
        return 0
    with scrubbing(db):
        db.execute("BEGIN")
        for issue, email, reply in old:
            hashed = HASHED + keyed_hash(secret, email)
            db.execute("UPDATE OR REPLACE deliveries SET email = ?, name = NULL, fields = '{}', reply = ? WHERE issue = ? AND email = ?",
                       (hashed, _without(reply, email, hashed), issue, email))
        db.execute("COMMIT")
    return len(old)


def _without(text: str | None, address: str, replacement: str) -> str | None:
    return re.sub(re.escape(address), replacement, text, flags=re.IGNORECASE) if text else text
