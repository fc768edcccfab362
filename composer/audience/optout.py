"""A reader's own unsubscribe by the link in an issue, and its undo. The link leaves the list the mail came from
(the reader's choices are per list, composer.audience.reader; the coordinator's, a bounce's and a complaint's
stay global). The undo code exists only for the click that made the leaving, once: a later click of the same
link (an old or forwarded issue, a scanner, the reader a month on) changes nothing and hands out no code, and a
code lifts only its own leaving, once, within the hour, never while the address is unsubscribed, bounced or
complained everywhere. So no one holding the link can subscribe anyone again."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from composer.state import Journal, Reason
from composer.send.links import Link, Links

UNDO_SECONDS = 3600


@dataclass(frozen=True)
class Unsubscribed:
    link: Link
    undo: str | None  # the code for the page's undo button; None unless this very click made the leaving


def _hashed(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def stopped(journal: Journal, link: Link) -> bool:
    """Whether the link's address gets this list no more: it left the list, or it is unsubscribed from all mail
    (the page then says so instead of asking again)."""
    left = link.list_name in journal.left_lists(link.email)
    suppressed = journal.suppression(link.email)
    return left or (suppressed is not None and suppressed.kind == "unsubscribed")


def one_click(journal: Journal, links: Links, token: str, now: float) -> Unsubscribed:
    """The token's address leaves the token's list (TokenError if the token is not an unsubscribe link); idempotent.
    Only the click that made the leaving gets an undo code, kept (hashed) with it."""
    link = links.resolve(token, "unsubscribe")
    code = secrets.token_urlsafe(18)
    made = journal.leave_by_link(link.email, link.list_name, Reason("link_list"),
                                 link.id, _hashed(code), now + UNDO_SECONDS, now)
    return Unsubscribed(link, code if made else None)


def undo(journal: Journal, links: Links, token: str, code: str, now: float) -> tuple[Link, bool]:
    """(link, lifted): lifted is False unless `code` is the one the click that made this link's leaving handed out,
    within the hour, and no suppression of everything came since (a bounce, the coordinator, a reply)."""
    link = links.resolve(token, "unsubscribe")
    if not code or len(code) > 64:
        return link, False
    return link, journal.undo_link_leave(link.email, link.list_name, link.id, _hashed(code), now)
