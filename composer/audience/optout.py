"""A reader's own unsubscribe by the link in an issue, and its undo, which lifts only what that link did."""

from __future__ import annotations

from composer.send.journal import Journal
from composer.send.links import Link, Links


def one_click(journal: Journal, links: Links, token: str) -> Link:
    """Unsubscribes the token's address (TokenError if the token is not an unsubscribe link); idempotent. The
    suppression remembers the link that made it, so that only this link's undo can lift it."""
    link = links.resolve(token, "unsubscribe")
    journal.suppress(link.email, "unsubscribed by the link in the newsletter", "unsubscribed",
                     f"one-click, list {link.list_name}", link=link.id)
    return link


def undo(journal: Journal, links: Links, token: str) -> tuple[Link, bool]:
    """(link, lifted): lifted is False when the address is suppressed for another reason (a bounce, the
    coordinator, a reply) or not at all; such a suppression stays."""
    link = links.resolve(token, "unsubscribe")
    return link, journal.undo_link_unsubscribe(link.email, link.id)
