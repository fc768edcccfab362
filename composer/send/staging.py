"""The list a send goes to, staged into the send state in one streaming pass and kept there for the next run.

Duplicates are found in SQLite, not in a dict, so a list of a million rows needs no more memory than one of
ten. The staged rows are kept with a digest of the file and the sign-ups: a rerun with both unchanged reads them back
instead of checking every address again (about 85 µs a row), so finding that nothing is left to do takes a
second, not minutes. The rows are kept as they were read (file, then sign-ups); what the send leaves out
(erased addresses, the reconfirmation cutoff) is decided again on every run.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from pathlib import Path

from composer.records import BadRow, Recipient

SCHEMA = (  # statement by statement: executescript would commit the journal's staging transaction
    "CREATE TABLE IF NOT EXISTS staged_lists (list TEXT PRIMARY KEY, digest TEXT NOT NULL, bad_rows TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS staged_rows (
        list TEXT NOT NULL,
        position INTEGER NOT NULL,
        email TEXT NOT NULL,
        name TEXT,
        fields TEXT NOT NULL,
        PRIMARY KEY (list, position)
    ) WITHOUT ROWID""",
)
BATCH = 500
ROWS = 1  # raised when what a staged row holds, or how a list is read, changes: every list is read again
Reader = Callable[[MutableMapping[str, int]], Iterable[Recipient | BadRow]]


class Inserts:
    """Rows written BATCH to a statement, as they stream past: few round trips into SQLite, little memory."""

    def __init__(self, db: sqlite3.Connection, statement: str) -> None:
        self._db, self._statement, self._rows = db, statement, list[tuple[object, ...]]()

    def add(self, row: tuple[object, ...]) -> None:
        self._rows.append(row)
        if len(self._rows) == BATCH:
            self.flush()

    def flush(self) -> None:
        self._db.executemany(self._statement, self._rows)
        self._rows.clear()


class SeenAddresses(MutableMapping[str, int]):
    """The first line of every address read so far, in a temporary table of the send state."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        db.execute("CREATE TEMP TABLE IF NOT EXISTS seen_addresses (key TEXT PRIMARY KEY, line INTEGER NOT NULL) WITHOUT ROWID")
        db.execute("DELETE FROM seen_addresses")

    def __getitem__(self, key: str) -> int:
        row = self._db.execute("SELECT line FROM seen_addresses WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        return int(row[0])

    def __setitem__(self, key: str, line: int) -> None:
        self._db.execute("INSERT OR REPLACE INTO seen_addresses VALUES (?, ?)", (key, line))

    def setdefault(self, key: str, default: int) -> int:
        """One statement for an address not seen yet (nearly every row), a second only for a repeated one."""
        if self._db.execute("INSERT OR IGNORE INTO seen_addresses VALUES (?, ?)", (key, default)).rowcount:
            return default
        return self[key]

    def __delitem__(self, key: str) -> None:
        if not self._db.execute("DELETE FROM seen_addresses WHERE key = ?", (key,)).rowcount:
            raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (key for (key,) in self._db.execute("SELECT key FROM seen_addresses").fetchall())

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM seen_addresses").fetchone()[0])


def drop_all(db: sqlite3.Connection) -> int:
    """Forgets every kept list (an erasure on request: kept rows and bad-row texts may hold the address); each
    list is read again by its next send. Returns how many rows went."""
    for table in SCHEMA:
        db.execute(table)
    db.execute("DELETE FROM staged_lists")
    return db.execute("DELETE FROM staged_rows").rowcount


def fingerprint(path: Path, signups: Iterable[tuple[Recipient, float]]) -> str:
    """What the staged rows come from: the list file's bytes (SHA-256), the sign-ups confirmed for the list,
    and the row format's version. Empty when the file cannot be read, so it is read and says why."""
    digest = hashlib.sha256(f"{ROWS}\n".encode())
    for recipient, confirmed in signups:
        digest.update(f"{recipient.email}\t{recipient.name}\t{confirmed}\n".encode())
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest() + digest.hexdigest()
    except FileNotFoundError:
        return f"no file {digest.hexdigest()}"
    except OSError:
        return ""


def kept(db: sqlite3.Connection, list_name: str, key: str, read: Reader) -> Iterator[Recipient | BadRow]:
    """The list's rows: read back from the send state when they were kept under the same `key` (their
    `fingerprint`), else read with `read` and kept as they stream past. Meant to be consumed inside the
    journal's staging transaction; the key is written only once every row is kept."""
    for table in SCHEMA:
        db.execute(table)
    stored = db.execute("SELECT digest, bad_rows FROM staged_lists WHERE list = ?", (list_name,)).fetchone()
    if key and stored is not None and stored[0] == key:
        for email, name, fields in _pages(db, list_name):
            yield Recipient(email, name, json.loads(fields))
        for line, reason in json.loads(stored[1]):
            yield BadRow(line, reason)
        return
    db.execute("DELETE FROM staged_rows WHERE list = ?", (list_name,))
    db.execute("DELETE FROM staged_lists WHERE list = ?", (list_name,))
    bad: list[BadRow] = []
    staged = Inserts(db, "INSERT INTO staged_rows VALUES (?, ?, ?, ?, ?)")
    for position, row in enumerate(read(SeenAddresses(db))):
        if isinstance(row, BadRow):
            bad.append(row)
        else:
            staged.add((list_name, position, row.email, row.name, json.dumps(row.fields, ensure_ascii=False)))
        yield row
    staged.flush()
    db.execute("INSERT INTO staged_lists VALUES (?, ?, ?)",
               (list_name, key, json.dumps([[b.line, b.reason] for b in bad], ensure_ascii=False)))


def _pages(db: sqlite3.Connection, list_name: str, size: int = 1000) -> Iterator[tuple[str, str | None, str]]:
    """The kept rows in order, a page at a time, each read whole: no statement stays open while the caller
    writes, and a million rows are never in memory at once."""
    last = -1
    query = "SELECT position, email, name, fields FROM staged_rows WHERE list = ? AND position > ? ORDER BY position LIMIT ?"
    while page := db.execute(query, (list_name, last, size)).fetchall():
        for _, email, name, fields in page:
            yield email, name, fields
        last = page[-1][0]
