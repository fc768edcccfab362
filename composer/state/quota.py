"""The provider's limits in the send state: every message handed to the server, and the planned starts
(composer/send/quota.py decides with them)."""

from __future__ import annotations

import sqlite3
import time


class QuotaRows:
    """Mixed into the Journal."""

    _db: sqlite3.Connection

    def log_handed(self, at: float) -> None:
        self._db.execute("INSERT INTO quota_log VALUES (?)", (at,))

    def handed_since(self, since: float) -> int:
        return int(self._db.execute("SELECT count(*) FROM quota_log WHERE at > ?", (since,)).fetchone()[0])

    def handed_at(self, since: float, offset: int) -> float:
        """The time of the (offset + 1)th oldest message handed over after `since`."""
        return float(self._db.execute("SELECT at FROM quota_log WHERE at > ? ORDER BY at LIMIT 1 OFFSET ?",
                                      (since, offset)).fetchone()[0])

    def handed_times(self, since: float, limit: int = 100_000) -> list[float]:
        """The times of the messages handed over after `since`, oldest first."""
        return [row[0] for row in self._db.execute("SELECT at FROM quota_log WHERE at > ? ORDER BY at LIMIT ?",
                                                   (since, limit))]

    def forget_handed_before(self, before: float) -> None:
        self._db.execute("DELETE FROM quota_log WHERE at < ?", (before,))

    def plan_start(self, issue: str, list_name: str, at: float, notify: str | None = None, origin: str = "cli",
                   created: float | None = None) -> None:
        """One planned start per issue: a new one replaces any other of the same issue."""
        self._db.execute("DELETE FROM send_plans WHERE issue = ?", (issue,))
        self._db.execute("INSERT INTO send_plans (issue, list, at, notify, origin, created) VALUES (?, ?, ?, ?, ?, ?)",
                         (issue, list_name, at, notify, origin, created if created is not None else time.time()))

    def planned_starts(self) -> list[tuple[str, str, float, str | None, str]]:
        """(issue, list, at, notify, origin) of every planned start, soonest first."""
        return [tuple(row) for row in self._db.execute(  # type: ignore[misc]
            "SELECT issue, list, at, notify, origin FROM send_plans ORDER BY at")]

    def drop_planned_start(self, issue: str) -> bool:
        return self._db.execute("DELETE FROM send_plans WHERE issue = ?", (issue,)).rowcount > 0

    def planned_start(self, issue: str, list_name: str) -> float | None:
        row = self._db.execute("SELECT at FROM send_plans WHERE issue = ? AND list = ?", (issue, list_name)).fetchone()
        return float(row[0]) if row else None
