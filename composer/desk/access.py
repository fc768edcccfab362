"""Who may use the desk: a one-time login link on loopback, a password elsewhere, then a session with a CSRF token.

Like Jupyter's token: other local users and web pages cannot drive the desk, because a session exists only
after the printed link (or the password) was used, every form carries the session's CSRF token, and a POST
from another origin is refused before it is read.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from composer.atomic import PRIVATE, write_text
from composer.config.parts import is_loopback
from composer.errors import ComposerError
from composer.i18n import message
from composer.web.ratelimit import RateLimit

SESSION_COOKIE = "desk_session"
SESSION_SECONDS = 8 * 3600
LOGIN_ATTEMPTS = 5
LOGIN_WINDOW = 15 * 60
HASH_VARIABLE = "NEWSLETTER_DESK_PASSWORD_HASH"

Clock = Callable[[], float]


class DeskAccessError(ComposerError):
    """The desk cannot start safely as asked (an open address without a password)."""


@dataclass
class Session:
    csrf: str
    expires: float


@dataclass
class Access:
    """Login token, sessions and the login rate limit, held in the server process (a restart logs everyone out)."""

    host: str
    password_hash: str | None = None
    origin: str | None = None  # behind `serve`: the public address; POSTs must come from it, cookies need HTTPS
    clock: Clock = time.time
    login_token: str | None = field(default_factory=lambda: secrets.token_urlsafe(32))
    sessions: dict[str, Session] = field(default_factory=dict)
    link_used: Callable[[], None] | None = None  # e.g. removes the page that handed the link to the browser
    attempts: RateLimit = field(init=False)

    def __post_init__(self) -> None:
        self.attempts = RateLimit(LOGIN_ATTEMPTS, LOGIN_WINDOW, self.clock)
        if not is_loopback(self.host) and not self.password_hash:
            raise DeskAccessError(message("the desk listens on {host}, which others can reach; set a password first with "
                                          "`newsletter desk --set-password`, or keep the default --host 127.0.0.1",
                                          host=self.host))
        if self.password_hash:
            self.login_token = None

    @property
    def secure_cookie(self) -> bool:
        """Beyond loopback (or behind an https public address) the desk sits behind HTTPS, so the cookie never
        travels in clear text."""
        return not is_loopback(self.host) or (self.origin or "").startswith("https://")

    def use_link(self, token: str) -> str | None:
        """A new session id for the right token, once; every later use (and every wrong token) gets None."""
        if self.login_token is None or not secrets.compare_digest(token.encode(), self.login_token.encode()):
            return None
        self.login_token = None
        if self.link_used is not None:
            self.link_used()
        return self.new_session()

    def limited(self, client: str) -> bool:
        return self.attempts.full(client)

    def use_password(self, client: str, password: str) -> str | None:
        """A session for the right password; each wrong one counts toward the client's rate limit."""
        if not self.password_hash or self.limited(client):
            return None
        try:
            PasswordHasher().verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            self.attempts.add(client)
            return None
        return self.new_session()

    def session(self, session_id: str | None) -> Session | None:
        """The live session, its expiry pushed on by use; an expired one is forgotten."""
        current = self.sessions.get(session_id or "")
        if current is None:
            return None
        if current.expires < self.clock():
            del self.sessions[session_id or ""]
            return None
        current.expires = self.clock() + SESSION_SECONDS
        return current

    def new_session(self) -> str:
        session_id = secrets.token_urlsafe(32)
        self.sessions[session_id] = Session(secrets.token_urlsafe(32), self.clock() + SESSION_SECONDS)
        return session_id


def hash_password(password: str) -> str:
    return PasswordHasher().hash(password)


def store_password_hash(env_file: Path, hashed: str) -> None:
    """Replaces (or adds) the hash line in .env; single quotes keep dotenv from reading the '$' as variables."""
    lines = env_file.read_text(encoding="utf-8").splitlines() if env_file.exists() else []
    kept = [line for line in lines if not line.startswith(f"{HASH_VARIABLE}=")]
    write_text(env_file, "\n".join([*kept, f"{HASH_VARIABLE}='{hashed}'"]) + "\n", PRIVATE)
