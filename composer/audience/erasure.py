"""Erased on request (GDPR Art. 17) and kept no longer than needed (Art. 5): what remains of an address.

An erased address is kept only as a keyed hash (HMAC with the send state's secret), so an old copy of a
spreadsheet that still holds it can be recognised, and never mailed, without the address being stored. Delivery
rows older than the retention period keep their status for the counts but lose the address the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from typing import TYPE_CHECKING

from composer.records import Recipient, RowFilter
from composer.state import Journal

if TYPE_CHECKING:
    from composer.config.settings import Settings

HASHED = "hash:"  # what an address becomes in a delivery row past the retention period
DAY = 86400.0


def keyed_hash(secret: bytes, address: str) -> str:
    """The same for every spelling of one address; useless without the secret."""
    return hmac.new(secret, address.strip().lower().encode(), hashlib.sha256).hexdigest()


class Erasures(RowFilter):
    """The addresses erased on request, as keyed hashes; `skip` drops them from a list as it streams past.

    `keep` (lower-case) are the addresses of confirmed web sign-ups (forgetting removes the earlier ones): new
    consent, so such an address counts as erased no more."""

    def __init__(self, state: Journal, secret: bytes, keep: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self._state, self._secret = state, secret
        self._keep = keep
        self._anyone: bool | None = None

    @classmethod
    def of_list(cls, state: Journal, secret: bytes, list_name: str) -> Erasures:
        """The erasures as the list `list_name` sees them: its own confirmed sign-ups are new consent."""
        return cls(state, secret, frozenset(r.email.lower() for r in state.signups(list_name)))

    def add(self, address: str) -> None:
        self._state.add_erased(keyed_hash(self._secret, address))
        self._anyone = True

    def __contains__(self, address: str) -> bool:
        return self._state.is_erased(keyed_hash(self._secret, address))

    def erased(self, address: str) -> bool:
        """Erased on request and not signed up again since: it is sent nothing, shown as erased (never as active),
        exported never, and an import does not store its row again."""
        if self._anyone is None:
            self._anyone = self._state.anyone_erased()
        return self._anyone and address.lower() not in self._keep and address in self

    def drops(self, row: Recipient) -> bool:
        return self.erased(row.email)


def anonymise_old(state: Journal, secret: bytes, days: int, now: float | None = None) -> int:
    """Delivery rows last changed more than `days` ago lose the address, the name, the columns and the address in
    the server's reply; status, issue and dates stay for the counts. Returns how many rows changed."""
    cutoff = (now if now is not None else time.time()) - days * DAY
    state.expire_protocol_addresses(cutoff)
    return state.anonymise_before(cutoff, HASHED, lambda email: HASHED + keyed_hash(secret, email), _without)


def sweep_consents(journal: Journal, days: int, now: float | None = None) -> int:
    """Erases the proof of consent (evidence and sign-up) of subscriptions that ended more than `days` ago; how
    many rows went. Here beside the delivery rows' retention, so a send does not load the proof documents."""
    cutoff = (now if now is not None else time.time()) - days * DAY
    return sum(journal.drop_consent(email, list_name) for email, list_name in journal.ended_consents(cutoff))


def apply_retention(journal: Journal, secret: bytes, settings: Settings) -> None:
    """Both retention sweeps, before a send and before anything the state holds about a person is shown."""
    anonymise_old(journal, secret, settings.retention_days)
    sweep_consents(journal, settings.consent_retention_days)


def _without(text: str | None, address: str, replacement: str) -> str | None:
    return re.sub(re.escape(address), replacement, text, flags=re.IGNORECASE) if text else text
