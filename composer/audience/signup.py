"""Double opt-in: a sign-up asks for a confirmation mail, the confirmation (a POST from the page the mail's
link opens) records the consent. Both rules that keep the form from being used against a stranger live here:
at most one confirmation mail per address a day, and no text the requester typed in it but the address."""

from __future__ import annotations

import asyncio
import enum
import unicodedata
import email.policy
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from pathlib import Path

from composer.config.parts import Sender
from composer.errors import ComposerError
from composer.issue.newest import newest as newest_issue
from composer.issue.newest import signature
from composer.records import OutgoingMessage, Recipient
from composer.audience.proof import FormEvidence, version_of
from composer.send.tokens import opened
from composer.state import ConsentRecord, Journal, Suppression
from composer.send.links import Links
from composer.send.dispatch import Summary
from composer.send.mailing import Fixed, send_now
from composer.config.settings import Settings

ONE_MAIL_PER = 86_400  # seconds: one confirmation mail per address in this time, however often the form is sent


@dataclass(frozen=True)
class Identity:
    """Who the confirmation mail is from, in words: the newsletter's name and the imprint address; and where the
    privacy notice is, for the web pages."""

    newsletter: str
    imprint: str
    privacy_url: str | None = None
    imprint_url: str | None = None  # the Impressum
    accessibility_url: str | None = None  # the accessibility statement; None: the public pages' own

    @property
    def office(self) -> str:
        """Who runs the newsletter, in one line: the first line of the imprint address."""
        return self.imprint.strip().splitlines()[0].strip() if self.imprint.strip() else self.newsletter


@dataclass(frozen=True)
class Confirmed:
    email: str
    list_name: str
    still_bounced: Suppression | None  # the confirmation never lifts a bounce; the page says so
    already: bool = False  # the token had confirmed before: nothing changed now


class Asked(enum.Enum):
    SENT = "sent"
    ALREADY = "already"  # a confirmation mail went to this address in the last day: none now
    FAILED = "failed"  # it could not go now (a limit, the server): nothing counts


SUBJECT = {"de": "Bitte bestätigen Sie Ihre Anmeldung: {newsletter}",
           "en": "Please confirm your subscription: {newsletter}"}
BODY = {
    "de": "Guten Tag,\n\njemand hat diese Adresse ({email}) für den E-Mail-Newsletter „{newsletter}“ angemeldet. Wenn Sie "
          "das waren, bestätigen Sie die Anmeldung bitte auf dieser Seite:\n\n{url}\n\nDer Link gilt 7 Tage. Wenn Sie "
          "sich nicht angemeldet haben, müssen Sie nichts tun: Ohne Bestätigung erhalten Sie keine E-Mails von uns.\n\n"
          "-- \n{imprint}\n",
    "en": "Hello,\n\nsomeone signed up this address ({email}) for the newsletter \"{newsletter}\". If it was you, please "
          "confirm on this page:\n\n{url}\n\nThe link works for 7 days. If you did not sign up, do nothing: without "
          "confirmation you will get no email from us.\n\n-- \n{imprint}\n",
}


def identity(settings: Settings, issues_dir: Path) -> Identity:
    """The name from the settings (NEWSLETTER_NAME), else the newest issue's; the imprint from the newest issue; the
    privacy notice and the Impressum from the settings (NEWSLETTER_PRIVACY_URL, NEWSLETTER_IMPRINT_URL), else the
    newest issue's footer; the accessibility statement from NEWSLETTER_ACCESSIBILITY_URL."""
    newest = newest_issue(issues_dir).issue
    name = settings.name or (newest.newsletter if newest else None) or settings.from_name or "Newsletter"
    imprint = newest.footer.address.strip() if newest else (settings.from_name or name)
    privacy = settings.privacy_url or (newest.footer.privacy_url if newest else None)
    impressum = settings.imprint_url or (newest.footer.imprint_url if newest else None)
    return Identity(name, imprint, str(privacy) if privacy else None, str(impressum) if impressum else None,
                    str(settings.accessibility_url) if settings.accessibility_url else None)


class CurrentIdentity:
    """`identity` read again whenever an issue file is added, removed or saved: a running `serve` shows a new
    issue's name and imprint without a restart."""

    def __init__(self, settings: Settings, issues_dir: Path) -> None:
        self._settings, self._dir = settings, issues_dir
        self._seen: tuple[tuple[str, int], ...] | None = None
        self._identity = Identity("Newsletter", "", None)

    def __call__(self) -> Identity:
        now = signature(self._dir)
        if now != self._seen:
            self._seen, self._identity = now, identity(self._settings, self._dir)
        return self._identity


def clean_name(raw: str) -> str:
    """A name typed into the public form, made harmless wherever it is shown later: one line, no control,
    invisible or direction-changing characters, no leading = + - @ (a formula in a spreadsheet export)."""
    visible = "".join(c if unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp") else " " for c in raw)
    return " ".join(visible.split()).lstrip("=+-@ \t")[:100]


def _request(links: Links, email: str, list_name: str, name: str | None, now: float) -> str | None:
    """A new confirmation token, or None when a confirmation mail already went to this address today:
    the requester sees the same page either way, and the address gets one mail."""
    if links.pending_confirmation(email, now, ONE_MAIL_PER):
        return None
    return links.new_confirmation(email, list_name, name, now)


def ask_to_confirm(settings: Settings, secret: bytes, who: Identity, email: str, list_name: str, name: str | None,
                   confirm_url: Callable[[str], str], lang: str, now: float,
                   evidence: FormEvidence | None = None) -> Asked:
    """Mails a sign-up its confirmation link, unless one went to this address today (ALREADY). FAILED when it
    cannot go now (the provider's hourly or daily limit is used up, the server refused or is away): then nothing
    counts, and the person may try again. With the form's `evidence`, the request and the mail as sent are kept
    for the proof of consent (composer.audience.proof)."""
    with Journal(settings.state_dir) as journal:
        links = Links(journal, secret)
        token = _request(links, email, list_name, name, now)
        if token is None:
            return Asked.ALREADY
        mail = confirmation(settings.sender, who, email, confirm_url(token), lang)
        try:
            summary = deliver(settings, mail, datetime.fromtimestamp(now).astimezone())
        except ComposerError:
            summary = Summary()
        if not (summary.sent or summary.uncertain):  # uncertain: the server may have kept it, so it counts as sent
            links.discard(token)
            return Asked.FAILED
        if evidence is not None:
            lang = lang if lang in BODY else "de"
            body = BODY[lang].format(email=email, newsletter=who.newsletter, url=confirm_url(token), imprint=who.imprint)
            journal.add_consent_request(ConsentRecord(
                email, list_name, now, evidence.source, evidence.ip, evidence.text, evidence.version, mail.message_id,
                now, body, version_of(SUBJECT[lang], BODY[lang]), None, opened(secret, token)))
    return Asked.SENT


def confirmation(sender: Sender, who: Identity, to: str, url: str, lang: str) -> OutgoingMessage:
    """Generic greeting and no To name: nothing a stranger typed into the form reaches the mailbox."""
    lang = lang if lang in BODY else "de"
    return plain_mail(sender, who, to, SUBJECT[lang].format(newsletter=who.newsletter),
                      BODY[lang].format(email=to, newsletter=who.newsletter, url=url, imprint=who.imprint))


def plain_mail(sender: Sender, who: Identity, to: str, subject: str, body: str) -> OutgoingMessage:
    """An automatic plain-text mail from the newsletter to one address (confirmations, re-permission)."""
    msg = EmailMessage()
    msg["From"] = formataddr((sender.name or who.newsletter, sender.address))
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=True)
    message_id = f"<{uuid.uuid4().hex}@{sender.domain}>"
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(body)
    return OutgoingMessage(sender.bounce_address, to, message_id, msg.as_bytes(policy=email.policy.SMTP))


def confirm(journal: Journal, links: Links, token: str, consent: str, now: float) -> Confirmed:
    """Records the consent of a confirmation token (TokenError if it is not one). A token confirms once: pressed
    again later, it changes nothing (not even an unsubscribe made since)."""
    link = links.resolve(token, "confirm", now)
    if link.used is not None:
        return Confirmed(link.email, link.list_name, _bounced(journal, link.email), already=True)
    journal.add_signup(link.list_name, link.email, link.name, consent)
    journal.confirm_consent(link.id, now)
    links.mark_used(link, now)
    return Confirmed(link.email, link.list_name, _bounced(journal, link.email))


def _bounced(journal: Journal, email: str) -> Suppression | None:
    suppressed = journal.suppression(email)
    return suppressed if suppressed and suppressed.kind == "bounced" else None


def deliver(settings: Settings, message: OutgoingMessage, now: datetime) -> Summary:
    """One automatic mail, sent now through the one send path (composer/send/mailing.py), once (a web request
    waits for it): it takes a slot of the provider's limits first (LimitReachedError when none is free), and
    raises TransportError when the server is unreachable or refuses the login or sender."""
    return asyncio.run(send_now(Fixed(message), [Recipient(message.recipient)], settings, "confirmations",
                                counted_at=now, attempts=1))[0]
