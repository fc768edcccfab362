"""Desk logins kept in the send state, so a restart of the desk, a sleeping laptop or a day away logs nobody out.

    sessions = Sessions(state_dir, LOOPBACK_SECONDS)
    token = sessions.open(person)      # after the login link or the password: the cookie's value
    session = sessions.lookup(token)   # on every request: Session(person, csrf, expires) or None
    sessions.close(token)              # "Abmelden"

Only the SHA-256 of a token is stored (the token is 256 random bits, so a fast hash suffices): a copy of the
state, a backup included, logs nobody in. Each session knows who is logged in (`person`; `OFFICE` is the one
shared login of the link and the desk password, until named people have ids of their own). A session lasts
`lifetime` seconds after its last refresh; a page view refreshes it only when the last refresh is older than
`refresh_every` (a day, or an eighth of a shorter lifetime), so looking at pages does not write the state.
A desk accepts no session made with a longer lifetime than its own: a 30-day laptop login never opens the
hosted desk, whose sessions end after 8 idle hours.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from composer.state import Journal

OFFICE = "office"
DAY = 86_400.0
LOOPBACK_SECONDS = 30 * DAY
HOSTED_SECONDS = 8 * 3600.0


@dataclass(frozen=True)
class Session:
    person: str
    csrf: str
    expires: float


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class Sessions:
    def __init__(self, state_dir: Path, lifetime: float, clock: Callable[[], float] = time.time) -> None:
        self.state_dir, self.lifetime, self.clock = state_dir, lifetime, clock

    @property
    def refresh_every(self) -> float:
        return min(DAY, self.lifetime / 8)

    def open(self, person: str = OFFICE) -> str:
        """A new session for `person`; returns the token for the cookie (stored only as its hash)."""
        token = secrets.token_urlsafe(32)
        with Journal(self.state_dir) as journal:
            journal.open_session(token_hash(token), person, secrets.token_urlsafe(32), self.clock(), self.lifetime)
        return token

    def lookup(self, token: str | None) -> Session | None:
        """The live session of this token, or None (unknown, expired, closed, or made for a longer lifetime).
        Reads the state; writes only to push the expiry on when the last refresh is `refresh_every` old."""
        if not token or len(token) > 200:
            return None
        digest, now = token_hash(token), self.clock()
        with Journal(self.state_dir, read_only=True) as journal:
            row = journal.session_row(digest)
        if row is None or row.expires < now or row.lifetime > self.lifetime:
            return None
        if now - row.refreshed < self.refresh_every:
            return Session(row.person, row.csrf, row.expires)
        with Journal(self.state_dir) as journal:
            journal.refresh_session(digest, now)
        return Session(row.person, row.csrf, now + row.lifetime)

    def close(self, token: str | None) -> None:
        """Logs this session out; an unknown token is no error (a second click on "Abmelden")."""
        if token:
            with Journal(self.state_dir) as journal:
                journal.close_session(token_hash(token))

    def close_all(self, person: str = OFFICE) -> int:
        """Every session of `person` ends (a password reset from the terminal); returns how many there were."""
        with Journal(self.state_dir) as journal:
            return journal.close_sessions_of(person)
