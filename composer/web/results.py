"""What a POST came to (an outcome), kept signed in the result page itself, so that the page's language switch
shows the same result in another language instead of the step before it. The outcome holds no more than the
page shows (an address, the undo button's code) and is good for an hour; a forged or altered one is refused."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

from composer.i18n import N_, translate
from composer.send.tokens import TokenError

KEPT_SECONDS = 3600
EXPIRED = N_("The link has expired. Please sign up again.")
REFUSED_LINKS = {"expired": EXPIRED, "purpose": N_("This link is meant for something else.")}
Shown = tuple[int, str, list[str], dict[str, Any]]  # status, title, paragraphs, what else the page shows


class Outcomes:
    def __init__(self, secret: bytes) -> None:
        self._signer = URLSafeTimedSerializer(secret, salt="result-page")

    def dump(self, kind: str, **values: Any) -> str:
        return self._signer.dumps({"kind": kind, **values})

    def load(self, signed: str) -> dict[str, Any] | None:
        """The outcome, or None when it is forged, altered, older than an hour or not one at all."""
        try:
            outcome = self._signer.loads(signed[:4096], max_age=KEPT_SECONDS)
        except BadSignature:
            return None
        return outcome if isinstance(outcome, dict) and isinstance(outcome.get("kind"), str) else None


def refused_link(exc: TokenError) -> str:
    """Why a link was refused, in the reader's words (a msgid): expired, meant for something else, or broken."""
    return REFUSED_LINKS.get(exc.reason, N_("The link is incomplete or was changed. Please copy all of it from the "
                                            "email."))


def to_form(lang: str) -> dict[str, str]:
    return {"href": f"/subscribe?lang={lang}", "text": translate(lang, "Go to the sign-up page")}


OWN_PAGE = re.compile(r"/[pu]/([a-z2-7]{32})/[a-z]+")  # a button's address under a reader's page or unsubscribe link


def button_only(lang: str, path: str) -> Shown:
    """A GET of an address only a button posts to (the browser's history, a restored tab, the back button): nothing
    changed, and the way on: the reader's own page for a button of it, a new data link for the data page's."""
    said = [translate(lang, "This page opens only with a button on our pages, not from the browser's history or a "
                            "restored tab. Nothing was changed.")]
    if path.startswith(("/p/mine/", "/p/data/")):
        said.append(translate(lang, "To see your data again, please ask for a new link on your page (the link at "
                                    "the end of every issue)."))
        return 405, translate(lang, "Please use the button"), said, {}
    said.append(translate(lang, "Please open the link in our email again."))
    own = OWN_PAGE.fullmatch(path)
    link = {"href": f"/p/{own[1]}?lang={lang}", "text": translate(lang, "Go to your page")} if own else to_form(lang)
    return 405, translate(lang, "Please use the button"), said, {"link": link}


# Each result page in a language, from its outcome's values.

def check_mail(lang: str, email: str) -> Shown:
    return 200, translate(lang, "Almost done"), [
        translate(lang, "We sent an email to {email}. Please click the link in it to confirm. The link works "
                        "for 7 days.", email=email),
        translate(lang, "No email after a few minutes? Please also look in your spam folder.")], {}


def already_sent(lang: str, email: str) -> Shown:
    return 200, translate(lang, "Please look in your mailbox"), [
        translate(lang, "We have already sent you an email \u2013 please also look in your spam folder."),
        translate(lang, "Click the link in it to confirm {email}. We send at most one such email a day to "
                        "each address.", email=email)], {}


def too_many(lang: str, minutes: str) -> Shown:
    return 429, translate(lang, "Too many attempts"), [
        translate(lang, "Too many sign-ups came from your connection in a short time. Please try again in "
                        "{minutes} minutes.", minutes=minutes)], {}


def capped(lang: str) -> Shown:
    return 429, translate(lang, "Very many sign-ups just now"), [
        translate(lang, "Very many sign-ups came in just now, so we are not sending confirmation emails for a "
                        "while. No email was sent. Please try again in a few hours.")], {}


def unavailable(lang: str) -> Shown:
    return 503, translate(lang, "Please try again"), [
        translate(lang, "The confirmation email could not be sent just now. Please try again later.")], {}


def confirmed(lang: str, email: str, already: bool, bounced: bool) -> Shown:
    said = [translate(lang, "This subscription had been confirmed before; nothing changed.") if already
            else translate(lang, "Thank you! {email} will receive the newsletter from the next issue on. We "
                                 "are sending you a short welcome email now.", email=email)]
    if bounced:
        said.append(translate(lang, "But: our last emails to {email} could not be delivered, so we send "
                                    "nothing there for now. Please write to us when the mailbox works again.",
                              email=email))
    return 200, translate(lang, "Subscription confirmed"), said, {}


def unsubscribed(lang: str, email: str, token: str, undo: str | None) -> Shown:
    said = [translate(lang, "{email} will not receive the newsletter any more.", email=email)]
    if undo is None:  # unsubscribed before, by this link or another way: nothing to undo here
        return 200, translate(lang, "Unsubscribed"), said, {}
    said.append(translate(lang, "A mistake? For one hour you can undo it with this button."))
    form = {"action": f"/u/{token}/undo?lang={lang}", "button": translate(lang, "Subscribe again"),
            "hidden": {"undo": undo}, "secondary": True}
    return 200, translate(lang, "Unsubscribed"), said, {"form": form}


def resubscribed(lang: str, email: str) -> Shown:
    return 200, translate(lang, "Subscribed again"), [
        translate(lang, "{email} will receive the newsletter again.", email=email)], {}


def undo_refused(lang: str, email: str) -> Shown:
    return 409, translate(lang, "This cannot be undone any more"), [
        translate(lang, "{email} was not subscribed again: undoing works for one hour after unsubscribing, "
                        "once, with the button on that page. To receive the newsletter again, please sign up "
                        "again.", email=email)], {"link": to_form(lang)}


RESULTS: dict[str, Callable[..., Shown]] = {  # by kind; composer.web.reader adds its own
    "check_mail": check_mail, "already_sent": already_sent, "too_many": too_many, "capped": capped,
    "unavailable": unavailable, "confirmed": confirmed, "unsubscribed": unsubscribed,
    "resubscribed": resubscribed, "undo_refused": undo_refused}

