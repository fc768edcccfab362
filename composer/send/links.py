"""What a link's token stands for, kept in the send state: the address and list behind an unsubscribe token,
the pending sign-up behind a confirmation token. One indexed lookup per click; the token itself names nobody."""

from __future__ import annotations

import time
from collections.abc import Iterable

from composer.state import Journal, Link
from composer.send.tokens import TokenError, opened, random_id, seal, unsubscribe_id

CONFIRM_SECONDS = 7 * 86_400
__all__ = ["CONFIRM_SECONDS", "Link", "Links"]


class Links:
    """The links of the send state; `now` is injected so tests set the time."""

    def __init__(self, state: Journal, secret: bytes) -> None:
        self._state, self._secret = state, secret

    def remember_staged(self, list_name: str, now: float | None = None) -> None:
        """Every address staged for a send (the journal's temporary `listed` table) gets its unsubscribe link.
        One that has a link for this list already is skipped (a rerun computes none of 100,000 again), unless
        the secret changed since the links were made: its tokens name other identifiers, so all are made anew."""
        check = seal(self._secret, "links")
        secret = self._secret
        self._state.link_staged(list_name, lambda email, name: unsubscribe_id(secret, email, name), check,
                                now or time.time(), only_unlinked=self._state.links_check() == check)

    def remember(self, emails: Iterable[str], list_name: str, now: float | None = None) -> None:
        """Unsubscribe links for addresses outside a send (a test send), so the link in that mail works too."""
        self._state.add_unsubscribe_links([(unsubscribe_id(self._secret, e, list_name), e, list_name, now or time.time())
                                           for e in emails])

    def resolve(self, token: str, purpose: str, now: float | None = None) -> Link:
        """The link behind a token, or TokenError saying why not (malformed, forged, unknown, other purpose, expired)."""
        link = self._state.link(opened(self._secret, token))
        if link is None:
            raise TokenError("this link is not valid: we have no record of it")
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
        return self._state.confirmation_since(email, now - within)

    def new_confirmation(self, email: str, list_name: str, name: str | None, now: float,
                         expires: float | None = None) -> str:
        """A confirmation link, valid for 7 days (a sign-up) or until `expires` (a re-permission's deadline)."""
        link_id = random_id()
        self._state.add_confirmation(link_id, email, list_name, name, now, expires or now + CONFIRM_SECONDS)
        return seal(self._secret, link_id)

    def discard(self, token: str) -> None:
        """Forgets a confirmation whose mail could not be sent, so that it does not count as sent."""
        self._state.discard_confirmation(opened(self._secret, token))

    def mark_used(self, link: Link, now: float) -> None:
        self._state.mark_link_used(link.id, now)
