"""What a link's token stands for, kept in the send state: the address and list behind an unsubscribe token,
the pending sign-up behind a confirmation token. One indexed lookup per click; the token itself names nobody."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass

from composer.tokens import TokenError, opened, random_id, seal, unsubscribe_id

SCHEMA = """
CREATE TABLE IF NOT EXISTS links (
    id TEXT PRIMARY KEY,
    purpose TEXT NOT NULL CHECK (purpose IN ('unsubscribe', 'confirm')),
    email TEXT NOT NULL COLLATE NOCASE,
    list TEXT NOT NULL,
    name TEXT,
    created REAL NOT NULL,
    expires REAL,
    used REAL
);
CREATE INDEX IF NOT EXISTS links_by_email ON links (email, purpose, created);
CREATE INDEX IF NOT EXISTS links_unsubscribe ON links (email, list) WHERE purpose = 'unsubscribe';
CREATE TABLE IF NOT EXISTS links_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
CONFIRM_SECONDS = 7 * 86_400


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


class Links:
    """The links table of the send state; `now` is injected so tests set the time."""

    def __init__(self, db: sqlite3.Connection, secret: bytes) -> None:
        self._db, self._secret = db, secret
        self._interrupt: KeyboardInterrupt | None = None
        db.executescript(SCHEMA)
        db.create_function("unsubscribe_id", 2, self._identifier, deterministic=True)

    def _identifier(self, email: str, list_name: str) -> str:
        """SQLite turns whatever a function raises into "user-defined function raised exception"; a Ctrl-C is
        kept, so that `remember_staged` can end as an interruption rather than as a database error."""
        try:
            return unsubscribe_id(self._secret, email, list_name)
        except KeyboardInterrupt as interrupt:
            self._interrupt = interrupt
            raise

    def remember_staged(self, list_name: str, now: float | None = None) -> None:
        """Every address staged for a send (the journal's temporary `listed` table) gets its unsubscribe link.
        One that has a link for this list already is skipped (a rerun computes none of 100,000 again), unless
        the secret changed since the links were made: its tokens name other identifiers, so all are made anew."""
        check = seal(self._secret, "links")
        known = self._db.execute("SELECT value FROM links_meta WHERE key = 'secret'").fetchone()
        unlinked = "" if known is None or known[0] != check else (
            " WHERE NOT EXISTS (SELECT 1 FROM links k WHERE k.email = l.email AND k.purpose = 'unsubscribe' AND k.list = ?)")
        try:
            self._db.execute("INSERT OR IGNORE INTO links (id, purpose, email, list, created) "
                             f"SELECT unsubscribe_id(email, ?), 'unsubscribe', email, ?, ? FROM temp.listed l{unlinked}",
                             (list_name, list_name, now or time.time(), *([list_name] if unlinked else [])))
        except sqlite3.OperationalError:
            if self._interrupt is not None:
                raise self._interrupt from None
            raise
        self._db.execute("INSERT OR REPLACE INTO links_meta VALUES ('secret', ?)", (check,))

    def remember(self, emails: Iterable[str], list_name: str, now: float | None = None) -> None:
        """Unsubscribe links for addresses outside a send (a test send), so the link in that mail works too."""
        self._db.executemany("INSERT OR IGNORE INTO links (id, purpose, email, list, created) VALUES (?, 'unsubscribe', ?, ?, ?)",
                             [(unsubscribe_id(self._secret, e, list_name), e, list_name, now or time.time()) for e in emails])

    def resolve(self, token: str, purpose: str, now: float | None = None) -> Link:
        """The link behind a token, or TokenError saying why not (malformed, forged, unknown, other purpose, expired)."""
        link_id = opened(self._secret, token)
        row = self._db.execute("SELECT id, purpose, email, list, name, created, expires, used FROM links WHERE id = ?",
                               (link_id,)).fetchone()
        if row is None:
            raise TokenError("this link is not valid: we have no record of it")
        link = Link(*row)
        if link.purpose != purpose:
            raise TokenError("this link is meant for something else", "purpose")
        if link.expires is not None and link.expires < (now or time.time()):
            raise TokenError("this link has expired", "expired")
        return link

    def address_of(self, token: str) -> str | None:
        """The address of a valid unsubscribe token, or None; for mail that quotes a token (replies, VERP bounces)."""
        try:
            return self.resolve(token, "unsubscribe").email
        except TokenError:
            return None

    def pending_confirmation(self, email: str, now: float, within: float) -> bool:
        """True when a confirmation mail went to this address in the last `within` seconds."""
        return self._db.execute("SELECT 1 FROM links WHERE email = ? AND purpose = 'confirm' AND created > ?",
                                (email, now - within)).fetchone() is not None

    def new_confirmation(self, email: str, list_name: str, name: str | None, now: float,
                         expires: float | None = None) -> str:
        """A confirmation link, valid for 7 days (a sign-up) or until `expires` (a re-permission's deadline)."""
        link_id = random_id()
        self._db.execute("INSERT INTO links (id, purpose, email, list, name, created, expires) VALUES (?, 'confirm', ?, ?, ?, ?, ?)",
                         (link_id, email, list_name, name, now, expires or now + CONFIRM_SECONDS))
        return seal(self._secret, link_id)

    def discard(self, token: str) -> None:
        """Forgets a confirmation whose mail could not be sent, so that it does not count as sent."""
        self._db.execute("DELETE FROM links WHERE id = ? AND purpose = 'confirm'", (opened(self._secret, token),))

    def mark_used(self, link: Link, now: float) -> None:
        self._db.execute("UPDATE links SET used = ? WHERE id = ? AND used IS NULL", (now, link.id))
