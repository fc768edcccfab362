"""The sign-up form's caps on confirmation mails, so that strangers cannot use the form to mail many addresses
or to use up the provider's limit that the issues need:

- the whole site sends at most NEWSLETTER_SIGNUP_HOURLY_CAP an hour and NEWSLETTER_SIGNUP_DAILY_CAP a day, and
  never more than a fifth of the provider's hourly and daily limit (four fifths stay reserved for the issues);
- one mail a day per address, with plus-addresses and case folded (anna+1@ is anna@);
- per client, the form's rate limit (composer.web.ratelimit) counts an IPv6 client by its /48 (composer.web.guard).

The count is kept in the send state, so a restart or a second server process does not reset it."""

from __future__ import annotations

import enum
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass

from composer.audience import signup
from composer.config.settings import Settings
from composer.state import Journal

ISSUES_SHARE = 5  # sign-ups get at most 1/ISSUES_SHARE of the provider's limits


@dataclass(frozen=True)
class Caps:
    hourly: int
    daily: int


class Outcome(enum.Enum):
    SENT = "sent"
    ALREADY = "already"  # this address had its confirmation mail in the last day: none now (the page says so)
    CAPPED = "capped"  # the site's cap is reached: no mail, "try again later"
    UNAVAILABLE = "unavailable"  # the provider's limit is used up or the server refused: nothing counts


def caps(settings: Settings) -> Caps:
    """The caps in effect: the configured ones, lowered to a fifth of the provider's limits where those are set."""
    def capped(own: int, provider: int) -> int:
        return min(own, provider // ISSUES_SHARE) if provider else own
    return Caps(capped(settings.signup_hourly_cap, settings.hourly_limit),
                capped(settings.signup_daily_cap, settings.daily_limit))


def folded(email: str) -> str:
    """The address as its mailbox: lower case, and without a +suffix of the local part."""
    local, _, domain = email.strip().lower().rpartition("@")
    return f"{local.split('+', 1)[0] or local}@{domain}"


def _key(secret: bytes, email: str) -> str:
    return hmac.new(secret, b"signup\0" + folded(email).encode(), hashlib.sha256).hexdigest()[:32]


def describe(settings: Settings) -> str:
    """One line for `doctor`."""
    now = caps(settings)
    reserved = " (a fifth of the provider's limit; the rest stays for the issues)" \
        if (now.hourly, now.daily) != (settings.signup_hourly_cap, settings.signup_daily_cap) else ""
    return (f"at most {now.hourly} confirmation mails an hour and {now.daily} a day{reserved}; one a day per address "
            f"(plus-addresses folded); {settings.signup_limit} form posts per client (IPv6: per /48) in "
            f"{settings.signup_window} minutes")


def ask_to_confirm(settings: Settings, secret: bytes, who: signup.Identity, email: str, list_name: str,
                   name: str | None, confirm_url: Callable[[str], str], lang: str, now: float,
                   evidence: signup.FormEvidence | None = None) -> Outcome:
    """signup.ask_to_confirm within the caps: the mail is counted before it goes and given back if it cannot."""
    limits = caps(settings)
    key = _key(secret, email)
    with Journal(settings.state_dir) as journal:
        answer = journal.take_signup_mail(key, now, limits.hourly, limits.daily)
    if answer == "address":
        return Outcome.ALREADY
    if answer != "taken":
        return Outcome.CAPPED
    asked = signup.ask_to_confirm(settings, secret, who, email, list_name, name, confirm_url, lang, now, evidence)
    if asked is signup.Asked.SENT:
        return Outcome.SENT
    with Journal(settings.state_dir) as journal:  # no mail went: it does not count
        journal.give_back_signup_mail(key, now)
    return Outcome.ALREADY if asked is signup.Asked.ALREADY else Outcome.UNAVAILABLE
