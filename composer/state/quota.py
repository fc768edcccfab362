"""The provider's limits in the send state: every message handed to the server, and the planned starts
(composer/send/quota.py decides with them)."""

from __future__ import annotations

import sqlite3


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

    def forget_handed_before(self, before: float) -> None:
        self._db.execute("DELETE FROM quota_log WHERE at < ?", (before,))

    def plan_start(self, issue: str, list_name: str, at: float) -> None:
        self._db.execute("INSERT OR REPLACE INTO send_plans VALUES (?, ?, ?)", (issue, list_name, at))

    def planned_start(self, issue: str, list_name: str) -> float | None:
        row = self._db.execute("SELECT at FROM send_plans WHERE issue = ? AND list = ?", (issue, list_name)).fetchone()
        return float(row[0]) if row else None
