"""Link tokens keep their form: a link in an issue sent long ago still opens the reader's page."""

from __future__ import annotations

import base64
import hmac
import random

import pytest

from composer.send.tokens import TokenError, _b32, opened, random_id, seal, unsubscribe_id, unsubscribe_token


def stdlib_token(secret: bytes, email: str, list_name: str) -> str:
    """The token as the stdlib alone makes it: base32 of the first 80 bits of two HMAC-SHA256s."""
    def b32(data: bytes) -> str:
        return base64.b32encode(data).decode().lower().rstrip("=")

    link_id = b32(hmac.digest(secret, f"unsubscribe\0{email.lower()}\0{list_name}".encode(), "sha256")[:10])
    return link_id + b32(hmac.digest(secret, f"sig\0{link_id}".encode(), "sha256")[:10])


def test_identifiers_are_the_stdlibs_base32_in_lowercase() -> None:
    rng = random.Random(2026)
    for data in [bytes(10), b"\xff" * 10, *(rng.randbytes(10) for _ in range(2000)), b"", b"x", rng.randbytes(32)]:
        assert _b32(data) == base64.b32encode(data).decode().lower().rstrip("=")


def test_an_unsubscribe_token_is_the_same_as_the_stdlib_makes_it() -> None:
    secret = b"the office's secret"
    for email in ("empfaenger@example.org", "Aylin.Demir@Example.ORG", "x+newsletter@example.com"):
        assert unsubscribe_token(secret, email, "freiwillige") == stdlib_token(secret, email, "freiwillige")


def test_tokens_made_under_two_secrets_in_turn_are_each_their_own() -> None:
    first, second = b"first secret", b"second secret"
    tokens = [(unsubscribe_token(secret, "empfaenger@example.org", "news"), secret) for secret in (first, second, first, second)]
    assert tokens[0][0] == tokens[2][0] != tokens[1][0] == tokens[3][0]
    for token, secret in tokens:
        assert token == stdlib_token(secret, "empfaenger@example.org", "news")
        assert opened(secret, token) == unsubscribe_id(secret, "empfaenger@example.org", "news")
        with pytest.raises(TokenError):
            opened(second if secret == first else first, token)


def test_a_random_identifier_seals_into_a_token_of_32_letters_and_digits() -> None:
    token = seal(b"secret", random_id())
    assert len(token) == 32 and token.isalnum() and token == token.lower()
    assert opened(b"secret", token.upper()) == token[:16]
