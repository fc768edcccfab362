"""The list a send goes to, staged into the send state in one streaming pass and kept there for the next run.

Duplicates are found in SQLite, not in a dict, so a list of a million rows needs no more memory than one of
ten. The staged rows are kept with the list file's digest: a rerun with the file unchanged reads them back
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


def digest(path: Path) -> str:
    """The file's SHA-256 and the row format's version; empty when it cannot be read (reading it says why)."""
    try:
        with path.open("rb") as handle:
            return f"{ROWS}:{hashlib.file_digest(handle, 'sha256').hexdigest()}"
    except OSError:
        return ""


def stage(db: sqlite3.Connection, list_name: str, path: Path, read: Reader, extra: Iterable[Recipient] = ()) -> list[BadRow]:
    """Fills `listed` with the list at `path` (read with `read` only when it changed since it was last staged)
    and then `extra` (the sign-ups, which live in the send state), and returns the list's bad rows."""
    db.executescript(SCHEMA)
    db.execute("CREATE TEMP TABLE IF NOT EXISTS listed (email TEXT PRIMARY KEY COLLATE NOCASE, name TEXT, fields TEXT)")
    db.execute("DELETE FROM listed")
    now = digest(path)
    kept = db.execute("SELECT digest, bad_rows FROM staged_lists WHERE list = ?", (list_name,)).fetchone()
    db.execute("BEGIN")
    try:
        if now and kept is not None and kept[0] == now:
            db.execute("INSERT OR IGNORE INTO listed SELECT email, name, fields FROM staged_rows WHERE list = ? ORDER BY position",
                       (list_name,))
            bad = [BadRow(line, reason) for line, reason in json.loads(kept[1])]
        else:
            bad = _read(db, list_name, read(SeenAddresses(db)))
            db.execute("INSERT OR REPLACE INTO staged_lists VALUES (?, ?, ?)",
                       (list_name, now, json.dumps([[b.line, b.reason] for b in bad], ensure_ascii=False)))
        db.executemany("INSERT OR IGNORE INTO listed VALUES (?, ?, ?)",
                       ((r.email, r.name, json.dumps(r.fields, ensure_ascii=False)) for r in extra))
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
