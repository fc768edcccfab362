"""A reader's own choices and access (composer/audience/reader.py decides with them): the lists an address left
by itself (per list; the coordinator's unsubscribes, bounces and complaints stay global, in `suppressions`),
and the one-time codes mailed to an address to open its data, kept as hashes."""

from __future__ import annotations

import json

from composer.state.reasons import Reason
from composer.state.store import Store


class ReaderRows(Store):
    """Mixed into the Journal."""

    def leave_list(self, email: str, list_name: str, reason: Reason, now: float) -> bool:
        """True when the address was on no leave of this list before."""
        return self._db.execute(
            "INSERT OR IGNORE INTO left_lists (email, list, reason, reason_params, created) VALUES (?, ?, ?, ?, ?)",
            (email, list_name, reason.code, json.dumps(reason.params), now)).rowcount == 1

    def leave_by_link(self, email: str, list_name: str, reason: Reason, link: str, undo: str, undo_until: float,
                      now: float) -> bool:
        """A one-click's leaving of the link's list: True only when this call made it and the address was not
        unsubscribed, bounced or complained everywhere before (only then does the click's code lift it)."""
        with self._transaction("BEGIN IMMEDIATE") as db:
            if db.execute("SELECT 1 FROM suppressions WHERE email = ?", (email,)).fetchone():
                db.execute("""INSERT OR IGNORE INTO left_lists (email, list, reason, reason_params, created)
                              VALUES (?, ?, ?, ?, ?)""", (email, list_name, reason.code, json.dumps(reason.params), now))
                return False
            return db.execute(
                """INSERT OR IGNORE INTO left_lists (email, list, reason, reason_params, created, link, undo, undo_until)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                (email, list_name, reason.code, json.dumps(reason.params), now, link, undo, undo_until)).rowcount == 1

    def undo_link_leave(self, email: str, list_name: str, link: str, undo: str, now: float) -> bool:
        """The reader's undo: lifts only the leaving this link's one-click made, with the code that very click handed
        out, within its time, once; never while the address is unsubscribed, bounced or complained everywhere (the
        coordinator, a reply or a bounce since)."""
        return self._db.execute(
            """DELETE FROM left_lists WHERE email = ? AND list = ? AND link = ? AND undo = ? AND undo_until >= ?
               AND NOT EXISTS (SELECT 1 FROM suppressions WHERE email = ?)""",
            (email, list_name, link, undo, now, email)).rowcount == 1

    def left_lists(self, email: str) -> dict[str, float]:
        """The lists this address left by itself, with when."""
        return dict(self._db.execute("SELECT list, created FROM left_lists WHERE email = ? ORDER BY list", (email,)))

    def left_of(self, list_name: str) -> frozenset[str]:
        """The addresses (lower-case) that left this list by themselves."""
        return frozenset(row[0] for row in self._db.execute(
            "SELECT lower(email) FROM left_lists WHERE list = ?", (list_name,)))

    def add_access_code(self, hashed: str, email: str, now: float) -> None:
        self._db.execute("INSERT INTO access_codes VALUES (?, ?, ?, NULL)", (hashed, email, now))

    def access_codes_since(self, email: str, since: float) -> int:
        """How many codes were mailed to the address after `since`, used or not."""
        return int(self._db.execute("SELECT count(*) FROM access_codes WHERE email = ? AND created > ?",
                                    (email, since)).fetchone()[0])

    def drop_access_code(self, hashed: str) -> None:
        """A code whose mail did not go: gone, so the next request within the hour mails again."""
        self._db.execute("DELETE FROM access_codes WHERE code = ?", (hashed,))

    def use_access_code(self, hashed: str, since: float, now: float) -> str | None:
        """The address of an unused code made after `since`, which is used up now; None for any other code."""
        with self._transaction("BEGIN IMMEDIATE") as db:
            row = db.execute("SELECT email FROM access_codes WHERE code = ? AND used IS NULL AND created > ?",
                             (hashed, since)).fetchone()
            if row is None:
                return None
            db.execute("UPDATE access_codes SET used = ? WHERE code = ?", (now, hashed))
            return str(row[0])
