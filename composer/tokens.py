"""Signed tokens for links: they carry what they are for, the address, the list and an expiry day, so a
link is checked without a database read and cannot be forged, altered or reused for another purpose."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from composer.errors import ComposerError, StateError

DAY = 86_400
UNSUBSCRIBE_DAYS = 400
CONFIRM_DAYS = 7


class TokenError(ComposerError):
    """A link's token is forged, altered, meant for something else, or expired."""


@dataclass(frozen=True)
class Claims:
    purpose: str
    email: str
    list_name: str
    name: str
    expires_day: int


def make_token(secret: bytes, purpose: str, email: str, list_name: str, days: int, name: str = "") -> str:
    """Expiry counts in whole days, so the same recipient gets the same token all day (cheap, and stable)."""
    fields = {"p": purpose, "a": email.lower(), "l": list_name, "e": int(time.time() // DAY) + days}
    if name:
        fields["n"] = name
    body = base64.urlsafe_b64encode(json.dumps(fields, separators=(",", ":"), ensure_ascii=False).encode())
    body_text = body.rstrip(b"=").decode()
    return f"{body_text}.{_signature(secret, body_text)}"


def read_token(secret: bytes, token: str, purpose: str) -> Claims:
    body, _, signature = token.partition(".")
    if not hmac.compare_digest(signature, _signature(secret, body)):
        raise TokenError("this link is not valid: it was changed or did not come from us")
    try:
        fields = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except ValueError:
        raise TokenError("this link is not valid") from None
    if fields.get("p") != purpose:
        raise TokenError("this link is meant for something else")
    if fields["e"] < time.time() // DAY:
        raise TokenError("this link has expired")
    return Claims(fields["p"], fields["a"], fields["l"], fields.get("n", ""), fields["e"])


def unsubscribe_token(secret: bytes, email: str, list_name: str = "newsletter") -> str:
    return make_token(secret, "unsubscribe", email, list_name, UNSUBSCRIBE_DAYS)


def address_of(secret: bytes, token: str) -> str | None:
    """The address of a valid unsubscribe token, or None; for mail that quotes a token."""
    try:
        return read_token(secret, token, "unsubscribe").email
    except TokenError:
        return None


def _signature(secret: bytes, body: str) -> str:
    return hmac.new(secret, body.encode(), hashlib.sha256).hexdigest()[:20]


def load_secret(configured: str | None, state_dir: Path) -> bytes:
    """The configured secret, else one made once and kept with the send state, so links stay valid across runs."""
    if configured:
        return configured.encode()
    path = state_dir / "secret"
    try:
        if not path.exists():
            state_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        return path.read_text().strip().encode()
    except OSError as exc:
        raise StateError(f"{path}: cannot keep the unsubscribe secret there ({exc.strerror})") from None
