"""Who may use the desk: a one-time login link on loopback (and the desk password, once set), only the password
elsewhere, then a session with a CSRF token, kept in the send state (composer/desk/sessions.py).

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

from composer.config.envfile import update_env
from composer.config.parts import is_loopback
from composer.desk.sessions import HOSTED_SECONDS, LOOPBACK_SECONDS, OFFICE, Session, Sessions
from composer.errors import ComposerError
from composer.i18n import message
from composer.web.ratelimit import RateLimit

SESSION_COOKIE = "desk_session"
SESSION_SECONDS = HOSTED_SECONDS
LOGIN_ATTEMPTS = 5
LOGIN_WINDOW = 15 * 60
HASH_VARIABLE = "NEWSLETTER_DESK_PASSWORD_HASH"

Clock = Callable[[], float]


class DeskAccessError(ComposerError):
    """The desk cannot start safely as asked (an open address without a password)."""


__all__ = ["SESSION_COOKIE", "Access", "DeskAccessError", "Session", "hash_password", "store_password_hash"]


@dataclass
class Access:
    """The login link, the password and its rate limit (held in the process), and the sessions (in the state at
    `state_dir`; a Desk fills in its settings' state folder when none is given)."""

    host: str
    password_hash: str | None = None
    origin: str | None = None  # behind `serve`: the public address; POSTs must come from it, cookies need HTTPS
    clock: Clock = time.time
    login_token: str | None = field(default_factory=lambda: secrets.token_urlsafe(32))
    link_used: Callable[[], None] | None = None  # e.g. removes the page that handed the link to the browser
    state_dir: Path | None = None
    attempts: RateLimit = field(init=False)

    def __post_init__(self) -> None:
        self.attempts = RateLimit(LOGIN_ATTEMPTS, LOGIN_WINDOW, self.clock)
        if not is_loopback(self.host) and not self.password_hash:
            raise DeskAccessError(message("the desk listens on {host}, which others can reach; set a password first with "
                                          "`newsletter desk --set-password`, or keep the default --host 127.0.0.1",
                                          host=self.host))
        if not self.on_loopback:  # the link is for the laptop it was printed on; a password does not switch it off
            self.login_token = None

    @property
    def on_loopback(self) -> bool:
        return is_loopback(self.host) and self.origin is None

    @property
    def sessions(self) -> Sessions:
        """30 days on the laptop (loopback), 8 idle hours on an open address or hosted under `serve`."""
        if self.state_dir is None:
            raise DeskAccessError(message("The desk's sessions have no state folder."))
        return Sessions(self.state_dir, LOOPBACK_SECONDS if self.on_loopback else HOSTED_SECONDS, self.clock)

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

    def check_password(self, password: str) -> bool:
        try:
            return bool(self.password_hash) and PasswordHasher().verify(self.password_hash or "", password)
        except (VerificationError, InvalidHashError):
            return False

    def use_password(self, client: str, password: str) -> str | None:
        """A session for the right password; each wrong one counts toward the client's rate limit."""
        if not self.password_hash or self.limited(client):
            return None
        if not self.check_password(password):
            self.attempts.add(client)
            return None
        return self.new_session()

    def session(self, session_id: str | None) -> Session | None:
        """The live session of this cookie (see Sessions.lookup)."""
        return self.sessions.lookup(session_id)

    def new_session(self, person: str = OFFICE) -> str:
        return self.sessions.open(person)

    def log_out(self, session_id: str | None) -> None:
        self.sessions.close(session_id)

    def change_password(self, password: str, env_file: Path) -> str:
        """A new desk password, in effect at once: its hash written into .env (comments and order kept) and returned."""
        hashed = hash_password(password)
        store_password_hash(env_file, hashed)
        self.password_hash = hashed
        return hashed


def hash_password(password: str) -> str:
    return PasswordHasher().hash(password)


def store_password_hash(env_file: Path, hashed: str) -> None:
    """Replaces (or adds) the hash line in .env, every other line kept; quoted so dotenv reads no '$' as a variable."""
    update_env(env_file, {HASH_VARIABLE: hashed})
