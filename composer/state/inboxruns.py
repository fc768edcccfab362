"""The Posteingang's history in the send state: every run of the inbox (when, how many of each kind, the line said
for each mail, what was left for the coordinator), so leaving the page forgets nothing. The newest KEPT runs stay;
`forget` removes every line that names an address (composer/state/privacy.py)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field

from composer.i18n import Message, restored, stored

KEPT = 200


@dataclass(frozen=True)
class InboxRun:
    at: float
    counts: dict[str, int]
    lines: list[tuple[str, Message | str]] = field(default_factory=list)  # (kind, line said in the reader's language)


class InboxRunRows:
    """Mixed into the Journal."""

    _db: sqlite3.Connection

    def record_inbox_run(self, at: float, counts: dict[str, int], lines: Iterable[tuple[str, Message]]) -> None:
        """Each line is kept as its msgid and parameters (JSON, addresses as they are, so `forget` finds them)."""
        run = self._db.execute("INSERT INTO inbox_runs (at, counts) VALUES (?, ?)", (at, json.dumps(counts))).lastrowid
        self._db.executemany("INSERT INTO inbox_lines (run, kind, line) VALUES (?, ?, ?)",
                             [(run, kind, json.dumps(stored(line), ensure_ascii=False)) for kind, line in lines])
        old = self._db.execute("SELECT id FROM inbox_runs ORDER BY id DESC LIMIT 1 OFFSET ?", (KEPT,)).fetchone()
        if old:
            self._db.execute("DELETE FROM inbox_lines WHERE run <= ?", (old[0],))
            self._db.execute("DELETE FROM inbox_runs WHERE id <= ?", (old[0],))

    def inbox_runs(self, limit: int = 20) -> list[InboxRun]:
        """The newest runs first."""
        runs = self._db.execute("SELECT id, at, counts FROM inbox_runs ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [InboxRun(at, json.loads(counts), [(kind, _line(line)) for kind, line in self._db.execute(
                    "SELECT kind, line FROM inbox_lines WHERE run = ? ORDER BY rowid", (run,))])
                for run, at, counts in runs]


def _line(kept: str) -> Message | str:
    """A kept line as a message again; a line kept as plain text stays text."""
    try:
        return restored(json.loads(kept))
    except ValueError:
        return kept
