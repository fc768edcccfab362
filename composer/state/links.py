"""What a link's token stands for (composer/send/links.py makes and opens the tokens): one row per link."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Link:
    id: str
    purpose: str
    email: str
    list_name: str
    name: str | None
    created: float
    expires: float | None
    used: float | None


class LinkRows:
    """Mixed into the Journal."""

    _db: sqlite3.Connection

    def links_check(self) -> str | None:
        """The check of the secret the stored unsubscribe links were made with."""
        row = self._db.execute("SELECT value FROM links_meta WHERE key = 'secret'").fetchone()
        return row[0] if row else None

    def link_staged(self, list_name: str, identify: Callable[[str, str], str], check: str, now: float,
                    only_unlinked: bool) -> None:
        """An unsubscribe link (`identify(email, list)`) for every staged address; with `only_unlinked`, only
        for those without one for this list. `check` is kept as the secret's check."""
        interrupted: list[KeyboardInterrupt] = []

        def identified(email: str, list_name: str) -> str:
            """SQLite turns whatever a function raises into "user-defined function raised exception"; a Ctrl-C
            is kept, so that the staging ends as an interruption rather than as a database error."""
            try:
                return identify(email, list_name)
            except KeyboardInterrupt as interrupt:
                interrupted.append(interrupt)
                raise

        self._db.create_function("unsubscribe_id", 2, identified, deterministic=True)
        unlinked = "" if not only_unlinked else (
            " WHERE NOT EXISTS (SELECT 1 FROM links k WHERE k.email = l.email AND k.purpose = 'unsubscribe' AND k.list = ?)")
        try:
            self._db.execute("INSERT OR IGNORE INTO links (id, purpose, email, list, created) "
                             f"SELECT unsubscribe_id(email, ?), 'unsubscribe', email, ?, ? FROM temp.listed l{unlinked}",
                             (list_name, list_name, now, *([list_name] if only_unlinked else [])))
        except sqlite3.OperationalError:
            if interrupted:
                raise interrupted[0] from None
            raise
        self._db.execute("INSERT OR REPLACE INTO links_meta VALUES ('secret', ?)", (check,))

    def add_unsubscribe_links(self, rows: list[tuple[str, str, str, float]]) -> None:
        """(id, email, list, created) each."""
        self._db.executemany("INSERT OR IGNORE INTO links (id, purpose, email, list, created) VALUES (?, 'unsubscribe', ?, ?, ?)",
                             rows)

    def link(self, link_id: str) -> Link | None:
        row = self._db.execute("SELECT id, purpose, email, list, name, created, expires, used FROM links WHERE id = ?",
                               (link_id,)).fetchone()
        return Link(*row) if row else None

    def confirmation_since(self, email: str, since: float) -> bool:
        return self._db.execute("SELECT 1 FROM links WHERE email = ? AND purpose = 'confirm' AND created > ?",
                                (email, since)).fetchone() is not None

    def add_confirmation(self, link_id: str, email: str, list_name: str, name: str | None, now: float,
                         expires: float) -> None:
        self._db.execute("INSERT INTO links (id, purpose, email, list, name, created, expires) VALUES (?, 'confirm', ?, ?, ?, ?, ?)",
                         (link_id, email, list_name, name, now, expires))

    def discard_confirmation(self, link_id: str) -> None:
        self._db.execute("DELETE FROM links WHERE id = ? AND purpose = 'confirm'", (link_id,))

    def mark_link_used(self, link_id: str, now: float) -> None:
        self._db.execute("UPDATE links SET used = ? WHERE id = ? AND used IS NULL", (now, link_id))
