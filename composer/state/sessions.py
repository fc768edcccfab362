"""The desk's login sessions in the send state (composer/desk/sessions.py decides with them): rows keyed by the
SHA-256 of the session token, never the token itself."""

from __future__ import annotations

from dataclasses import dataclass

from composer.state.store import Store


@dataclass(frozen=True)
class SessionRow:
    person: str
    csrf: str
    lifetime: float
    refreshed: float
    expires: float


class SessionRows(Store):
    """Mixed into the Journal."""

    def open_session(self, token_hash: str, person: str, csrf: str, now: float, lifetime: float) -> None:
        """A new session; the expired ones go at the same time (a login writes anyway, a page view never)."""
        with self._transaction("BEGIN IMMEDIATE") as db:
            db.execute("DELETE FROM desk_sessions WHERE expires < ?", (now,))
            db.execute("INSERT INTO desk_sessions VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (token_hash, person, csrf, now, now, lifetime, now + lifetime))

    def session_row(self, token_hash: str) -> SessionRow | None:
        row = self._db.execute("SELECT person, csrf, lifetime, refreshed, expires FROM desk_sessions "
                               "WHERE token_hash = ?", (token_hash,)).fetchone()
        return SessionRow(str(row[0]), str(row[1]), float(row[2]), float(row[3]), float(row[4])) if row else None

    def refresh_session(self, token_hash: str, now: float) -> None:
        self._db.execute("UPDATE desk_sessions SET refreshed = ?, expires = ? + lifetime WHERE token_hash = ?",
                         (now, now, token_hash))

    def close_session(self, token_hash: str) -> None:
        self._db.execute("DELETE FROM desk_sessions WHERE token_hash = ?", (token_hash,))

    def close_sessions_of(self, person: str) -> int:
        """Every session of one person ends (e.g. after their password was reset); returns how many."""
        return self._db.execute("DELETE FROM desk_sessions WHERE person = ?", (person,)).rowcount
