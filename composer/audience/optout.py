"""A reader's own unsubscribe by the link in an issue, and its undo, which lifts only what that link did, only
from the page the click showed, and only for a while: an old or forwarded issue cannot subscribe anyone again."""

from __future__ import annotations

from composer.state import Journal
from composer.send.links import Link, Links
from composer.send.tokens import stamp, stamp_age

UNDO_SECONDS = 3600


def one_click(journal: Journal, links: Links, token: str) -> Link:
    """Unsubscribes the token's address (TokenError if the token is not an unsubscribe link); idempotent. The
    suppression remembers the link that made it, so that only this link's undo can lift it."""
    link = links.resolve(token, "unsubscribe")
    journal.suppress(link.email, "unsubscribed by the link in the newsletter", "unsubscribed",
                     f"one-click, list {link.list_name}", link=link.id)
    return link


def undo_code(secret: bytes, link: Link, now: float) -> str:
    """The value the "unsubscribed" page hands to its undo button."""
    return stamp(secret, "undo", link.id, now)


def undo(journal: Journal, links: Links, secret: bytes, token: str, code: str, now: float) -> tuple[Link, bool]:
    """(link, lifted): lifted is False when the undo did not come from the page of a click within the hour, or
    the address is suppressed for another reason (a bounce, the coordinator, a reply) or not at all."""
    link = links.resolve(token, "unsubscribe")
    age = stamp_age(secret, "undo", link.id, code, now)
    if age is None or not 0 <= age <= UNDO_SECONDS:
        return link, False
    return link, journal.undo_link_unsubscribe(link.email, link.id)
