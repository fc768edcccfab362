"""Per-recipient unsubscribe tokens: signed, so a token names its address and cannot be forged or guessed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from pathlib import Path

from .errors import StateError


def unsubscribe_token(secret: bytes, email: str) -> str:
    address = base64.urlsafe_b64encode(email.lower().encode()).rstrip(b"=").decode()
    return f"{address}.{_signature(secret, address)}"


def address_of(secret: bytes, token: str) -> str | None:
    """The address a token was made for, or None when it was tampered with."""
    address, _, signature = token.partition(".")
    if not hmac.compare_digest(signature, _signature(secret, address)):
        return None
    return base64.urlsafe_b64decode(address + "=" * (-len(address) % 4)).decode()


def _signature(secret: bytes, address: str) -> str:
    return hmac.new(secret, address.encode(), hashlib.sha256).hexdigest()[:20]


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
