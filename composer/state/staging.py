"""The rows of the lists kept for the next run (composer/send/staging.py decides when they are read back), and
the addresses read so far while a list streams past, both in SQLite so a long list needs no memory."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, MutableMapping

from composer.i18n import restored, stored
from composer.records import BadRow, Recipient

BATCH = 500


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


class StagedRows:
    """Writes one list's kept rows as they stream past; `done` stores the key that makes them valid."""

    def __init__(self, db: sqlite3.Connection, list_name: str) -> None:
        self._db, self._list, self._position = db, list_name, 0
        self._rows = Inserts(db, "INSERT INTO staged_rows VALUES (?, ?, ?, ?, ?)")
        db.execute("DELETE FROM staged_rows WHERE list = ?", (list_name,))
        db.execute("DELETE FROM staged_lists WHERE list = ?", (list_name,))

    def add(self, position: int, row: Recipient) -> None:
        self._rows.add((self._list, position, row.email, row.name, json.dumps(row.fields, ensure_ascii=False)))

    def done(self, key: str, bad: list[BadRow]) -> None:
        self._rows.flush()
        self._db.execute("INSERT INTO staged_lists VALUES (?, ?, ?)",
                         (self._list, key, json.dumps([[b.line, stored(b.reason)] for b in bad], ensure_ascii=False)))


class Staging:
    """The kept lists (mixed into the Journal)."""

    _db: sqlite3.Connection

    def seen_addresses(self) -> SeenAddresses:
        """An empty mapping of the addresses read, for one pass over a list."""
        return SeenAddresses(self._db)

    def staged_key(self, list_name: str) -> str | None:
        """The key the list's rows were kept under, None when none are kept."""
        row = self._db.execute("SELECT digest FROM staged_lists WHERE list = ?", (list_name,)).fetchone()
        return row[0] if row else None

    def staged(self, list_name: str, size: int = 1000) -> Iterator[Recipient | BadRow]:
        """The kept rows in order, a page at a time, each read whole (no statement stays open while the caller
        writes, and a million rows are never in memory at once), then the kept bad rows."""
        last = -1
        query = "SELECT position, email, name, fields FROM staged_rows WHERE list = ? AND position > ? ORDER BY position LIMIT ?"
        while page := self._db.execute(query, (list_name, last, size)).fetchall():
            for _, email, name, fields in page:
                yield Recipient(email, name, json.loads(fields))
            last = page[-1][0]
        row = self._db.execute("SELECT bad_rows FROM staged_lists WHERE list = ?", (list_name,)).fetchone()
        for line, reason in json.loads(row[0]) if row else []:
            yield BadRow(line, restored(reason))

    def restage(self, list_name: str) -> StagedRows:
        """Forgets the list's kept rows and writes them anew."""
        return StagedRows(self._db, list_name)
