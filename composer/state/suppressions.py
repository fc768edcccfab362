"""Who gets nothing and who asked to get mail: the suppression list (always wins), the web sign-ups, the
bounces, and the inbox's messages already acted on."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass

from composer.i18n import Message
from composer.records import Recipient
from composer.state.reasons import Reason, reason_said
from composer.state.store import Store

@dataclass(frozen=True)
class Suppression:
    """Why an address gets nothing: 'unsubscribed', 'bounced' or 'complained', since when, and the mail that said so.
    `reason` is shown with `composer.i18n.render`; `code` and `params` are how it is stored (a reason kept as text
    has itself as its code and no parameters)."""

    kind: str
    reason: Message | str
    created: float
    evidence: str | None
    code: str = ""
    params: str | None = None


class Suppressions(Store):
    """Mixed into the Journal."""

    def suppress(self, email: str, reason: Reason, kind: str = "unsubscribed", evidence: str | None = None) -> bool:
        """True when the address was not suppressed before. The first reason and its evidence are kept; a reason
        given here (the coordinator, a reply, a bounce) takes over a one-click's row (of a release before the one-click
        left only its list), and then no link can lift it."""
        existed = self.suppression(email) is not None
        self._db.execute(
            """INSERT INTO suppressions (email, reason, reason_params, created, kind, evidence) VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (email) DO UPDATE SET reason = excluded.reason, reason_params = excluded.reason_params,
                 created = excluded.created, kind = excluded.kind, evidence = excluded.evidence, link = NULL, undo = NULL,
                 undo_until = NULL
               WHERE suppressions.link IS NOT NULL""",
            (email, reason.code, json.dumps(reason.params), time.time(), kind, evidence))
        return not existed

    def complain(self, email: str, reason: Reason, evidence: str) -> bool:
        """A reader's complaint (a feedback report) takes over any other suppression: it is the strongest wish, and
        only the reader's own new sign-up lifts it. True when the address was not suppressed as a complaint before."""
        before = self.suppression(email)
        self._db.execute(
            """INSERT INTO suppressions (email, reason, reason_params, created, kind, evidence, link)
               VALUES (?, ?, ?, ?, 'complained', ?, NULL)
               ON CONFLICT (email) DO UPDATE SET reason = excluded.reason, reason_params = excluded.reason_params,
                 created = excluded.created, kind = 'complained', evidence = excluded.evidence, link = NULL, undo = NULL,
                 undo_until = NULL
               WHERE suppressions.kind != 'complained'""",
            (email, reason.code, json.dumps(reason.params), time.time(), evidence))
        return before is None or before.kind != "complained"

    def lift(self, email: str, kinds: tuple[str, ...], lifted_by: str, now: float | None = None) -> Suppression | None:
        """Lifts a suppression of one of `kinds` and records who lifted it and when; returns what was lifted."""
        with self._transaction():
            return self._lift(email, kinds, lifted_by, now or time.time())

    def _lift(self, email: str, kinds: tuple[str, ...], lifted_by: str, now: float) -> Suppression | None:
        found = self.suppression(email)
        if found is None or found.kind not in kinds:
            return None
        self._db.execute("DELETE FROM suppressions WHERE email = ?", (email,))
        self._db.execute("INSERT INTO lifted (email, kind, reason, reason_params, lifted_by, created) VALUES (?, ?, ?, ?, ?, ?)",
                         (email, found.kind, found.code or str(found.reason), found.params, lifted_by, now))
        return found

    def lifted_of(self, email: str) -> list[tuple[str, Message | str, str, float]]:
        """(kind, reason, lifted_by, when) of each bounce or complaint lifted for this address, oldest first."""
        return [(kind, reason_said(reason, params), by, created) for kind, reason, params, by, created in self._db.execute(
            "SELECT kind, reason, reason_params, lifted_by, created FROM lifted WHERE email = ? ORDER BY created", (email,))]

    def suppression(self, email: str) -> Suppression | None:
        row = self._db.execute("SELECT kind, reason, reason_params, created, evidence FROM suppressions WHERE email = ?",
                               (email,)).fetchone()
        if row is None:
            return None
        kind, code, params, created, evidence = row
        return Suppression(kind, reason_said(code, params), created, evidence, code, params)

    # -- web sign-ups ----------------------------------------------------------------------------------

    def add_signup(self, list_name: str, email: str, name: str | None, consent: str) -> None:
        """A confirmed double opt-in: who, to which list, when, and the consent text they agreed to. Confirming
        lifts an earlier unsubscribe or complaint (the newest wish wins) and a bounce too: the confirmation was
        clicked in that mailbox, so it receives mail again. A lifted bounce or complaint is recorded."""
        now = time.time()
        with self._transaction():
            self._db.execute("INSERT OR REPLACE INTO signups VALUES (?, ?, ?, ?, ?)", (list_name, email, name, consent, now))
            self._db.execute("DELETE FROM suppressions WHERE email = ? AND kind = 'unsubscribed'", (email,))
            self._db.execute("DELETE FROM left_lists WHERE email = ? AND list = ?", (email, list_name))
            self._lift(email, ("bounced", "complained"), f"a confirmed sign-up to {list_name}", now)

    def rename_signups(self, email: str, name: str) -> int:
        """The reader's corrected name in its web sign-ups; how many changed."""
        return self._db.execute("UPDATE signups SET name = ? WHERE email = ? AND coalesce(name, '') != ?",
                                (name or None, email, name)).rowcount

    def signed_up(self, list_name: str) -> Iterator[tuple[Recipient, float]]:
        """The list's confirmed web sign-ups with the time of their consent."""
        for email, name, confirmed in self._db.execute(
                "SELECT email, name, confirmed FROM signups WHERE list = ? ORDER BY confirmed", (list_name,)):
            yield Recipient(email, name), confirmed

    def signups(self, list_name: str) -> Iterator[Recipient]:
        return (recipient for recipient, _ in self.signed_up(list_name))

    def signup_consents(self, list_name: str) -> dict[str, str]:
        """The consent text of each of the list's sign-ups, by lower-cased address."""
        return dict(self._db.execute("SELECT lower(email), consent FROM signups WHERE list = ?", (list_name,)).fetchall())

    # -- what the inbox brings back --------------------------------------------------------------------

    def record_bounce(self, email: str, issue: str, permanent: bool, status: str, message_id: str | None) -> int:
        """Returns how many distinct issues this address has now bounced temporarily for since its bounce was
        last lifted (a lift starts the count anew)."""
        self._db.execute("INSERT OR REPLACE INTO bounces VALUES (?, ?, ?, ?, ?, ?)",
                         (email, issue, int(permanent), status, message_id, time.time()))
        return self._db.execute(
            """SELECT count(DISTINCT issue) FROM bounces WHERE email = ? AND NOT permanent
               AND created > coalesce((SELECT max(created) FROM lifted WHERE email = ?), 0)""", (email, email)).fetchone()[0]

    def seen(self, key: str) -> bool:
        """True for a mail acted on, or set aside unread (quarantined): neither is read again."""
        return self._db.execute("SELECT 1 FROM inbox_seen WHERE key = ? UNION ALL SELECT 1 FROM inbox_quarantine WHERE key = ?",
                                (key, key)).fetchone() is not None

    def quarantine(self, key: str, reason: str) -> None:
        self._db.execute("INSERT OR IGNORE INTO inbox_quarantine VALUES (?, ?, ?)", (key, reason, time.time()))

    def mark_seen(self, key: str, action: str) -> None:
        self._db.execute("INSERT OR IGNORE INTO inbox_seen VALUES (?, ?, ?)", (key, action, time.time()))
