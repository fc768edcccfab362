"""Re-permission (`newsletter reconfirm LIST`): who must be asked again (only rows with some earlier evidence of
consent; the others are named and left out, UWG §7), the mail that asks them (a double
opt-in link, confirmed by POST on the public pages, valid until the deadline), and the deadline after which a
row that still proves no consent is never sent another issue. A confirmation is a web sign-up, which
`ConsentCount` takes as proof, so a confirmed row passes the cutoff by itself. The asking is sent like an issue
(journaled as `reconfirm-LIST`, resumable, exactly once, `newsletter status reconfirm-LIST`)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path

from composer.audience.consent import ConsentCount, any_evidence
from composer.audience.erasure import Erasures
from composer.audience.roster import listed
from composer.audience.signup import Identity, identity, plain_mail
from composer.audience.subscribers import LIST_DIR, list_path
from composer.config.parts import Sender
from composer.errors import SettingsError
from composer.i18n import N_, message
from composer.records import BadRow, OutgoingMessage, Recipient
from composer.send.links import Links
from composer.send.mailing import Mailing, Options, Send, open_mailing
from composer.send.transports import Transport
from composer.config.settings import Settings
from composer.state import Journal


WHY_LEFT_OUT = N_("These addresses show no earlier consent (no consent date or source, no web sign-up), so they are "
                  "not asked: a mail asking for consent is itself advertising that needs consent (UWG §7). Ask them "
                  "in person, or remove them from the list.")


def to_ask(rows: Iterable[Recipient | BadRow], proof: ConsentCount) -> list[Recipient]:
    """The rows of a list a re-permission run writes to: valid, without full proof of consent, but with some earlier
    evidence of it (a consent date or source; a web sign-up is full proof)."""
    return [row for row in rows if isinstance(row, Recipient) and proof.reason(row) is not None and any_evidence(row)]


def without_evidence(rows: Iterable[Recipient | BadRow], proof: ConsentCount) -> list[Recipient]:
    """The rows a re-permission run leaves out: no trace of any earlier consent (see WHY_LEFT_OUT)."""
    return [row for row in rows if isinstance(row, Recipient) and proof.reason(row) is not None
            and not any_evidence(row)]


def set_deadline(state: Journal, list_name: str, until: datetime) -> None:
    """`--until`: after this moment the list's rows without proof of consent are no longer sent to."""
    state.set_reconfirm_deadline(list_name, until.timestamp())


ASK_SUBJECT = "Möchten Sie „{newsletter}“ weiter erhalten?"
ASK_BODY = ("Guten Tag,\n\nSie erhalten „{newsletter}“ an diese Adresse ({email}). Damit wir Ihnen weiter schreiben "
            "dürfen, brauchen wir Ihre Bestätigung. Wenn Sie den Newsletter weiter lesen möchten, bestätigen Sie "
            "bitte auf dieser Seite:\n\n{url}\n\nOhne Bestätigung schicken wir ab dem {until:%d.%m.%Y} keine Ausgaben "
            "mehr an diese Adresse; Sie müssen dafür nichts tun.\n\n-- \n{imprint}\n")


class Asking:
    """Makes each row's re-permission mail with a confirmation link of its own; the dispatcher sends it."""

    def __init__(self, links: Links, sender: Sender, who: Identity, public_base: str, list_name: str,
                 until: datetime) -> None:
        self._links, self._sender, self._who = links, sender, who
        self._base, self._list, self._until = public_base, list_name, until

    def personalise(self, recipient: Recipient) -> OutgoingMessage:
        token = self._links.new_confirmation(recipient.email, self._list, recipient.name, time.time(),
                                             self._until.timestamp())
        body = ASK_BODY.format(newsletter=self._who.newsletter, email=recipient.email, until=self._until,
                               url=f"{self._base}/confirm/{token}", imprint=self._who.imprint)
        return plain_mail(self._sender, self._who, recipient.email, ASK_SUBJECT.format(newsletter=self._who.newsletter), body)


class Reconfirmation(Mailing):
    """The re-permission mails of one list: its rows without proof of consent (not erased, not unsubscribed),
    each with a confirmation link valid until the deadline, which is stored before anything is sent."""

    def __init__(self, source: Path, until: datetime, settings: Settings, secret: bytes, who: Identity) -> None:
        self.source, self.until, self._settings, self._secret, self._who = source, until, settings, secret, who
        self.list_name, self.slug = source.stem, f"reconfirm-{source.stem}"
        self.left_out: list[Recipient] = []  # rows without any earlier consent, read by `rows`

    def rows(self, state: Journal, keep: bool) -> list[Recipient | BadRow]:
        proof, erased = ConsentCount.of(state.signups(self.list_name)), Erasures.of_list(state, self._secret, self.list_name)
        rows = list(erased.skip(listed(self.source, state)))
        self.left_out = without_evidence(rows, proof)
        return [*(r for r in rows if isinstance(r, BadRow)), *to_ask(rows, proof)]

    def staged(self, state: Journal) -> None:
        set_deadline(state, self.list_name, self.until)

    def messages(self, state: Journal) -> Asking:
        return Asking(Links(state, self._secret), self._settings.sender, self._who, self._settings.public_base or "",
                      self.list_name, self.until)


def open_reconfirm(list_name: str, until: datetime, settings: Settings, secret: bytes, lists: Path = LIST_DIR,
                   issues_dir: Path = Path("issues"),
                   transports: Callable[[], Transport] | None = None) -> AbstractContextManager[Send[Reconfirmation]]:
    """The rows of the list without proof of consent (not erased, not unsubscribed), staged and planned under
    the send state's lock; the deadline is stored at once, so sends skip the unconfirmed after it. Sent like
    any bulk mail (composer/send/mailing.py): journaled as `reconfirm-LIST`, within the provider's limits."""
    if not settings.public_base:
        raise SettingsError(message("NEWSLETTER_PUBLIC_URL is not set: the re-permission mail links to the confirmation "
                                    "page of `newsletter serve`, so set the address readers reach it at"))
    if until <= datetime.now().astimezone():
        raise SettingsError(message("--until {date} is not in the future: give the date after which the unconfirmed get "
                                    "no more issues", date=f"{until:%Y-%m-%d}"))
    mailing = Reconfirmation(list_path(list_name, lists), until, settings, secret, identity(settings, issues_dir))
    return open_mailing(mailing, settings, Options(transports=transports))
