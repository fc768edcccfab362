"""The Protokoll: every action that changes something or sends, appended with time, who, issue/list and a
message id with its parameters (shown in the reader's language, never stored as German text).

Each entry's hash covers the hash of the one before it, so a changed or removed entry breaks the chain
(`verify`). A reader's address is chained only as its keyed hash (the one erasure keeps, composer/audience/
erasure.py); the plain address sits beside the entry, outside the chain, so `forget` and the retention period
remove it without breaking verification. The state refuses to change or remove an entry.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, TextIO

from composer.config.hours import local
from composer.audience.erasure import keyed_hash
from composer.exports import ExportWriter
from composer.i18n import N_, Message, message, plural, render
from composer.i18n.formats import stamp
from composer.office.roles import Actor, shown_actor
from composer.state import Journal, Plan
from composer.state.office import HEAD, ProtocolRow

KINDS = {  # kind -> its name in the desk's filter
    "saved": N_("Saved"),
    "test_sent": N_("Test send"),
    "submitted": N_("Submitted for approval"),
    "approved": N_("Approved"),
    "returned": N_("Returned"),
    "send_refused": N_("Send refused"),
    "send_started": N_("Send started"),
    "send_stopped": N_("Send stopped"),
    "send_resumed": N_("Send resumed"),
    "send_scheduled": N_("Send scheduled"),
    "send_cancelled": N_("Send cancelled"),
    "list_imported": N_("List imported"),
    "list_replaced": N_("List replaced"),
    "address_added": N_("Address added"),
    "address_unsubscribed": N_("Address unsubscribed"),
    "address_unbounced": N_("Bounce lifted"),
    "address_forgotten": N_("Address forgotten"),
    "setting_changed": N_("Setting changed"),
    "person_added": N_("Person added"),
    "person_changed": N_("Person renamed"),
    "roles_changed": N_("Roles changed"),
    "person_removed": N_("Person removed"),
    "password_set": N_("Password set"),
    "login_failed": N_("Login failed"),
}
PLURAL = "_plural"  # a counted message keeps its plural msgid and count among its parameters
EDITS = ("saved",)  # the kinds that change an issue's text (who made the last change)


def seal(previous: str, entry: dict[str, Any]) -> str:
    """The entry's hash: SHA-256 over the previous hash and the entry's fields in a fixed order."""
    fields = {key: entry[key] for key in ("seq", "at", "actor", "person", "kind", "issue", "list", "msgid", "params",
                                          "subject")}
    return hashlib.sha256((previous + json.dumps(fields, sort_keys=True, ensure_ascii=False)).encode()).hexdigest()


def send_begun(plan: Plan) -> tuple[str, Message]:
    """The entry for a send to a list as it starts, the same from every face: resumed where some had the issue
    before or an earlier run was cut off, counting whom this run sends to."""
    if plan.already_sent > 0 or plan.interrupted > 0:
        return "send_resumed", plural("Send resumed for {n} recipient", "Send resumed for {n} recipients", plan.to_send)
    return "send_started", plural("Send to {n} recipient started", "Send to {n} recipients started", plan.to_send)


def record(journal: Journal, actor: Actor, kind: str, said: Message, issue: str = "", list_name: str = "",
           address: str | None = None, secret: bytes | None = None, now: float | None = None, plain: bool = True) -> int:
    """Appends one entry. `said` must not name `address`: the address goes in as its keyed hash (with `secret`),
    the plain form beside the chain (not with `plain` False: an address being forgotten)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of Protokoll entry: {kind}")
    subject = keyed_hash(secret, address) if address and secret else ""
    params = {key: str(value) for key, value in said.params.items()}
    if said.plural is not None and said.n is not None:
        params.update({PLURAL: said.plural, "n": str(said.n)})
    entry = {"at": round(now if now is not None else time.time(), 3), "actor": actor.name, "person": actor.person,
             "kind": kind, "issue": issue, "list": list_name, "msgid": said.msgid, "params": params, "subject": subject}
    return journal.append_protocol(entry, seal, address if subject and plain else None)


@dataclass(frozen=True)
class Verdict:
    entries: int
    broken: int | None  # the number of the first entry that does not fit the chain
    cut: int | None = None  # the newest entry written, when the table ends before it (entries removed from the end)
    headless: bool = False  # entries, but no record of the newest one beside the state

    @property
    def ok(self) -> bool:
        return self.broken is None and self.cut is None and not self.headless

    def said(self) -> Message:
        if self.broken is not None:
            return message("The Protokoll was changed: entry {seq} does not fit the chain (changed, removed or "
                           "inserted by hand).", seq=self.broken)
        if self.cut is not None:
            return message("The Protokoll was cut short: it ends at entry {last}, but entry {seq} was written (the "
                           "newest entries were removed).", last=self.entries, seq=self.cut)
        if self.headless:
            return message("The record of the newest entry ({file}) is missing beside the state, so whether entries "
                           "were removed from the end cannot be told.", file=HEAD)
        return plural("The Protokoll is intact: {n} entry, none changed or removed.",
                      "The Protokoll is intact: {n} entries, none changed or removed.", self.entries)


def verify(journal: Journal) -> Verdict:
    """Recomputes the chain from the first entry: numbers without gaps, each entry sealed over the one before; and
    the head kept beside the state (composer/state/office.py) must be an entry of the chain, with its hash, so
    entries cut off the end are seen too. A head one or more entries behind the table is accepted: a crash
    between an entry and its head leaves it so."""
    previous, expected = "", 1
    rows = journal.protocol()
    for row in rows:
        entry = {"seq": row.seq, "at": row.at, "actor": row.actor, "person": row.person, "kind": row.kind,
                 "issue": row.issue, "list": row.list, "msgid": row.msgid, "params": row.params, "subject": row.subject}
        if row.seq != expected or row.previous != previous or seal(previous, entry) != row.hash:
            return Verdict(len(rows), row.seq)
        previous, expected = row.hash, expected + 1
    head = journal.protocol_head()
    if head is None or head.seq < 1:
        return Verdict(len(rows), None, headless=bool(rows) or head is not None)
    if head.seq > len(rows):
        return Verdict(len(rows), None, cut=head.seq)
    if rows[head.seq - 1].hash != head.hash:
        return Verdict(len(rows), head.seq)
    return Verdict(len(rows), None)


def text(row: ProtocolRow, lang: str) -> str:
    """What happened, in the reader's language."""
    params = dict(row.params)
    if PLURAL in params:
        forms = params.pop(PLURAL)
        return render(Message(row.msgid, {k: v for k, v in params.items() if k != "n"}, forms, int(params["n"])), lang)
    return render(Message(row.msgid, params), lang)


def when(row: ProtocolRow, zone: tzinfo | None) -> datetime:
    return local(row.at, zone)


def address_of(row: ProtocolRow) -> str:
    """The plain address while it is kept; afterwards the start of its keyed hash."""
    if row.email:
        return row.email
    return f"#{row.subject[:12]}" if row.subject else ""


def last_change(journal: Journal, issue: str) -> ProtocolRow | None:
    """The latest entry that changed the issue's text."""
    changes = [row for row in journal.protocol(issue=issue) if row.kind in EDITS]
    return changes[-1] if changes else None


COLUMNS = (N_("Number"), N_("Time"), N_("Who"), N_("Kind"), N_("Issue"), N_("List"), N_("What"), N_("Address"))


def write_csv(rows: list[ProtocolRow], target: TextIO, lang: str, zone: tzinfo | None) -> None:
    """The entries as CSV in the reader's language, formula starts neutralised (composer/exports.py)."""
    writer = ExportWriter(target)
    writer.writerow([render(message(column), lang) for column in COLUMNS])
    for row in rows:
        cells = [str(row.seq), stamp(when(row, zone), lang), render(shown_actor(row.actor), lang),
                 render(message(KINDS.get(row.kind, row.kind)), lang), row.issue, row.list, text(row, lang), address_of(row)]
        writer.writerow(cells)
