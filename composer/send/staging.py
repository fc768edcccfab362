"""The list a send goes to, staged into the send state in one streaming pass and kept there for the next run.

Duplicates are found in SQLite, not in a dict, so a list of a million rows needs no more memory than one of
ten. The staged rows are kept with a digest of the file and the sign-ups: a rerun with both unchanged reads them back
instead of checking every address again (about 85 µs a row), so finding that nothing is left to do takes a
second, not minutes. The journal's plan and queue read the temporary table `listed` filled here.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from pathlib import Path

from composer.records import BadRow, Recipient

SCHEMA = """
CREATE TABLE IF NOT EXISTS staged_lists (list TEXT PRIMARY KEY, digest TEXT NOT NULL, bad_rows TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS staged_rows (
    list TEXT NOT NULL,
    position INTEGER NOT NULL,
    email TEXT NOT NULL,
    name TEXT,
    fields TEXT NOT NULL,
    PRIMARY KEY (list, position)
) WITHOUT ROWID;
"""
ROWS = 1  # raised when what a staged row holds, or how a list is read, changes: every list is read again
Reader = Callable[[MutableMapping[str, int]], Iterable[Recipient | BadRow]]


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

    def __delitem__(self, key: str) -> None:
        if not self._db.execute("DELETE FROM seen_addresses WHERE key = ?", (key,)).rowcount:
            raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (key for (key,) in self._db.execute("SELECT key FROM seen_addresses").fetchall())

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM seen_addresses").fetchone()[0])


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


def stage(db: sqlite3.Connection, list_name: str, key: str, read: Reader) -> list[BadRow]:
    """Fills `listed` with the list's rows, read with `read` unless they were staged before under the same
    `key` (its `fingerprint`), and returns its bad rows."""
    db.executescript(SCHEMA)
    db.execute("CREATE TEMP TABLE IF NOT EXISTS listed (email TEXT PRIMARY KEY COLLATE NOCASE, name TEXT, fields TEXT)")
    db.execute("DELETE FROM listed")
    kept = db.execute("SELECT digest, bad_rows FROM staged_lists WHERE list = ?", (list_name,)).fetchone()
    db.execute("BEGIN")
    try:
        if key and kept is not None and kept[0] == key:
            db.execute("INSERT OR IGNORE INTO listed SELECT email, name, fields FROM staged_rows WHERE list = ? ORDER BY position",
                       (list_name,))
            bad = [BadRow(line, reason) for line, reason in json.loads(kept[1])]
        else:
            bad = _read(db, list_name, read(SeenAddresses(db)))
            db.execute("INSERT OR REPLACE INTO staged_lists VALUES (?, ?, ?)",
                       (list_name, key, json.dumps([[b.line, b.reason] for b in bad], ensure_ascii=False)))
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return bad


def _read(db: sqlite3.Connection, list_name: str, rows: Iterable[Recipient | BadRow]) -> list[BadRow]:
    db.execute("DELETE FROM staged_rows WHERE list = ?", (list_name,))
    bad: list[BadRow] = []
    for position, row in enumerate(rows):
        if isinstance(row, BadRow):
            bad.append(row)
            continue
        values = (row.email, row.name, json.dumps(row.fields, ensure_ascii=False))
        db.execute("INSERT OR IGNORE INTO listed VALUES (?, ?, ?)", values)
        db.execute("INSERT INTO staged_rows VALUES (?, ?, ?, ?, ?)", (list_name, position, *values))
    return bad
