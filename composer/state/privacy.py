"""A person's rows (GDPR Art. 15 and 17), the keyed hashes of the erased, delivery rows past the retention
period, and the re-permission deadlines (composer/audience/{person,erasure,reconfirm}.py decide with them)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from typing import Any

from composer.state.migrations import columns
from composer.state.store import DATABASE, Store

INBOX_LINES = "DELETE FROM inbox_lines WHERE line LIKE ? ESCAPE '\\'"  # LIKE ignores ASCII case


def _naming(address: str) -> str:
    """A LIKE pattern for any text that names `address`."""
    return "%" + address.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


PERSONAL_TABLES = ("deliveries", "signups", "bounces", "suppressions", "links", "lifted", "protocol_addresses", "left_lists",
                   "access_codes", "consents")


class PrivacyRows(Store):
    """Mixed into the Journal."""

    # -- erased on request -----------------------------------------------------------------------------

    def add_erased(self, hashed: str) -> None:
        self._db.execute("INSERT OR IGNORE INTO erased VALUES (?, ?)", (hashed, time.time()))

    def is_erased(self, hashed: str) -> bool:
        return self._db.execute("SELECT 1 FROM erased WHERE hash = ?", (hashed,)).fetchone() is not None

    def anyone_erased(self) -> bool:
        return self._db.execute("SELECT 1 FROM erased LIMIT 1").fetchone() is not None

    def forget_rows(self, address: str, hashed_deliveries: str) -> int:
        """Every row naming `address`, its delivery rows kept as `hashed_deliveries`, and every kept list, deleted
        in one transaction and scrubbed from the file; returns how many rows naming the person went."""
        with self._scrubbing(), self._transaction():
            gone = 0
            for table in PERSONAL_TABLES:
                gone += self._db.execute(f"DELETE FROM {table} WHERE email = ?", (address,)).rowcount
            gone += self._db.execute("DELETE FROM deliveries WHERE email = ?", (hashed_deliveries,)).rowcount
            # the inbox's history says addresses in its lines ("unsubscribed anna@…"); LIKE ignores ASCII case
            gone += self._db.execute(INBOX_LINES, (_naming(address),)).rowcount
            self._db.execute("DELETE FROM staged_lists")  # kept rows and bad-row texts may hold the address
            self._db.execute("DELETE FROM staged_rows")
        return gone + self._forget_in_copies(address, hashed_deliveries)

    def _forget_in_copies(self, address: str, hashed_deliveries: str) -> int:
        """The copies kept before migrations (`state.db.vN.bak`, older schemas) lose the address the same way."""
        gone = 0
        for path in sorted(self.state_dir.glob(f"{DATABASE}.v*.bak")):
            copy = sqlite3.connect(path, isolation_level=None)
            try:
                copy.execute("PRAGMA secure_delete = ON")
                copy.execute("BEGIN")
                for (table,) in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
                    if table in ("staged_lists", "staged_rows"):
                        copy.execute(f"DELETE FROM {table}")
                    elif table == "inbox_lines":
                        gone += copy.execute(INBOX_LINES, (_naming(address),)).rowcount
                    elif "email" in columns(copy, table):
                        gone += copy.execute(f"DELETE FROM {table} WHERE email IN (?, ?)", (address, hashed_deliveries)).rowcount
                copy.execute("COMMIT")
                copy.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                copy.close()
        return gone

    def anonymise_before(self, cutoff: float, prefix: str, hashed: Callable[[str], str],
                         scrubbed: Callable[[str | None, str, str], str | None]) -> int:
        """Delivery rows last changed before `cutoff` and not anonymised yet (no `prefix`) get `hashed(email)` for
        the address, no name or columns, and `scrubbed(reply, email, hashed)` for the server's reply; returns how
        many rows changed."""
        old = self._db.execute("SELECT issue, email, reply FROM deliveries WHERE updated < ? AND email NOT LIKE ?",
                               (cutoff, f"{prefix}%")).fetchall()
        if not old:
            return 0
        with self._scrubbing(), self._transaction():
            for issue, email, reply in old:
                new = hashed(email)
                self._db.execute("UPDATE OR REPLACE deliveries SET email = ?, name = NULL, fields = '{}', reply = ? "
                                 "WHERE issue = ? AND email = ?", (new, scrubbed(reply, email, new), issue, email))
        return len(old)

    def expire_protocol_addresses(self, cutoff: float) -> int:
        """The Protokoll's plain addresses recorded before `cutoff` go; its entries keep the keyed hash."""
        if self._db.execute("SELECT 1 FROM protocol_addresses WHERE at < ? LIMIT 1", (cutoff,)).fetchone() is None:
            return 0
        with self._scrubbing():
            return self._db.execute("DELETE FROM protocol_addresses WHERE at < ?", (cutoff,)).rowcount

    # -- what is held about one address ------------------------------------------------------------------

    def deliveries_of(self, email: str) -> list[dict[str, Any]]:
        names = ("issue", "status", "attempts", "code", "reply", "message_id", "queue_id", "updated")
        return [dict(zip(names, row, strict=True)) for row in self._db.execute(
            """SELECT issue, status, attempts, code, reply, message_id, queue_id, updated FROM deliveries
               WHERE email = ? ORDER BY issue""", (email,))]

    def delivery_count(self, email: str) -> int:
        return int(self._db.execute("SELECT count(*) FROM deliveries WHERE email = ?", (email,)).fetchone()[0])

    def signups_of(self, email: str) -> list[dict[str, Any]]:
        names = ("list", "name", "consent", "confirmed")
        return [dict(zip(names, row, strict=True)) for row in self._db.execute(
            "SELECT list, name, consent, confirmed FROM signups WHERE email = ? ORDER BY confirmed", (email,))]

    def bounces_of(self, email: str) -> list[dict[str, Any]]:
        names = ("issue", "permanent", "status", "message_id", "created")
        return [dict(zip(names, row, strict=True)) for row in self._db.execute(
            "SELECT issue, permanent, status, message_id, created FROM bounces WHERE email = ? ORDER BY created", (email,))]

    def links_of(self, email: str) -> list[dict[str, Any]]:
        names = ("purpose", "list", "created", "expires", "used")
        return [dict(zip(names, row, strict=True)) for row in self._db.execute(
            "SELECT purpose, list, created, expires, used FROM links WHERE email = ? ORDER BY created", (email,))]

    # -- re-permission ---------------------------------------------------------------------------------

    def set_reconfirm_deadline(self, list_name: str, until: float) -> None:
        self._db.execute("INSERT OR REPLACE INTO reconfirm_deadlines VALUES (?, ?)", (list_name, until))

    def reconfirm_deadline(self, list_name: str) -> float | None:
        row = self._db.execute("SELECT until FROM reconfirm_deadlines WHERE list = ?", (list_name,)).fetchone()
        return float(row[0]) if row else None
