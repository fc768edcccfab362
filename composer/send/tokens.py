"""Link tokens: short, opaque and signed. A token is 32 lowercase letters and digits, an identifier and its
signature; it names nobody (the address stays in the send state, found by the identifier in one indexed
lookup), fits a VERP address and survives a mail server that lowercases it.

The unsubscribe identifier is derived from the address and the list, so every issue carries the same link
and it never expires; a confirmation identifier is random and kept with its expiry (composer.send.links).
"""

from __future__ import annotations

import base64
import contextlib
import hmac
import re
import secrets
from pathlib import Path

from composer.atomic import PRIVATE, create_text
from composer.errors import ComposerError, StateError
from composer.i18n import message

ID_LENGTH = 16
TOKEN_LENGTH = 32
TOKEN = re.compile(r"\b([a-z2-7]{32})\b", re.IGNORECASE)


class TokenError(ComposerError):
    """A link's token is malformed, forged, altered, meant for something else, or expired; `reason` is one of
    'invalid', 'purpose' and 'expired', so that a page can say it in the reader's language."""

    def __init__(self, message: str, reason: str = "invalid") -> None:
        super().__init__(message)
        self.reason = reason


_PAIRS = [a + b for a in "abcdefghijklmnopqrstuvwxyz234567" for b in "abcdefghijklmnopqrstuvwxyz234567"]  # 10 bits each


def _b32(data: bytes) -> str:
    """base64.b32encode lowercased and unpadded. The 10 bytes of an identifier or a signature (two a message in a
    send) are encoded as eight pairs of letters from one integer: the stdlib's encoder is Python and cost as much
    as the HMAC (tests/test_tokens.py checks both agree)."""
    if len(data) != 10:
        return base64.b32encode(data).decode().lower().rstrip("=")
    n = int.from_bytes(data, "big")
    return "".join([_PAIRS[(n >> shift) & 1023] for shift in (70, 60, 50, 40, 30, 20, 10, 0)])


def _mac(secret: bytes, *parts: str) -> bytes:
    """HMAC-SHA256 in one call (OpenSSL's one-shot path: a send makes one per message)."""
    return hmac.digest(secret, "\0".join(parts).encode(), "sha256")


def seal(secret: bytes, link_id: str) -> str:
    """The token of an identifier: the identifier and 80 bits of its signature."""
    return link_id + _b32(_mac(secret, "sig", link_id)[:10])


def opened(secret: bytes, token: str) -> str:
    """The identifier of a well-formed token with a valid signature; anything else (non-ASCII, too long,
    truncated, altered, signed by someone else) raises TokenError before the state is read."""
    token = token.strip().lower()
    if len(token) != TOKEN_LENGTH or not token.isascii() or not TOKEN.fullmatch(token):
        raise TokenError("this link is not valid: it is incomplete or was changed")
    link_id = token[:ID_LENGTH]
    if not hmac.compare_digest(token, seal(secret, link_id)):
        raise TokenError("this link is not valid: it was changed or did not come from us")
    return link_id


def unsubscribe_id(secret: bytes, email: str, list_name: str) -> str:
    return _b32(_mac(secret, "unsubscribe", email.lower(), list_name)[:10])


def unsubscribe_token(secret: bytes, email: str, list_name: str = "newsletter") -> str:
    """The same for an address and list in every issue, so a link in an old issue still works."""
    return seal(secret, unsubscribe_id(secret, email, list_name))


def random_id() -> str:
    return _b32(secrets.token_bytes(10))


def stamp(secret: bytes, purpose: str, value: str, issued: float) -> str:
    """A signed time for a form field ('<seconds>.<signature>'): proves the form was handed out for `value`."""
    seconds = str(int(issued))
    return f"{seconds}.{_b32(_mac(secret, purpose, value, seconds)[:10])}"


def stamp_age(secret: bytes, purpose: str, value: str, given: str, now: float) -> float | None:
    """Seconds since a stamp made by `stamp` for this purpose and value; None if it is not one."""
    seconds, _, signature = given.partition(".")
    if not seconds.isdigit() or not signature.isascii() or len(given) > 40:
        return None
    if not hmac.compare_digest(signature, _b32(_mac(secret, purpose, value, seconds)[:10])):
        return None
    return now - int(seconds)


def load_secret(configured: str | None, state_dir: Path) -> bytes:
    """The configured secret, else one made once and kept with the send state, so links stay valid across runs."""
    if configured:
        return configured.encode()
    path = state_dir / "secret"
    try:
        if not path.exists():
            state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # like composer/state/store.py
            with contextlib.suppress(FileExistsError):  # made by another process meanwhile: that one is read
                create_text(path, secrets.token_hex(32), PRIVATE)
        return path.read_text().strip().encode()
    except OSError as exc:
        raise StateError(message("{path}: cannot keep the unsubscribe secret there ({why})", path=path,
                                 why=exc.strerror)) from None
