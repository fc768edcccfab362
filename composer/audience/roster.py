"""Who is on a list: the rows of its file and the web sign-ups confirmed for it, each with its state. The send,
`newsletter subscribers` and its export all read this, so they count the same people. The desk also adds one
address (checked like a row, with its consent) or unsubscribes one as the coordinator."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path

from composer.audience.listfiles import append_row
from composer.audience.subscribers import checked_address, list_columns, list_path, read_list, write_list
from composer.errors import AddressError
from composer.records import BadRow, Recipient
from composer.i18n import message
from composer.state import Journal, Reason, Suppression
from composer.state.reasons import kind_said


@dataclass(frozen=True)
class Member:
    recipient: Recipient
    state: str  # active, unsubscribed, bounced or complained
    signed_up: float | None  # the time of the consent of a web sign-up; None for a row of the list file
    suppression: Suppression | None = None  # why an unsubscribed or bounced address gets nothing
    consent: str | None = None  # the text a web sign-up agreed to


def listed(path: Path, journal: Journal, seen: MutableMapping[str, int] | None = None) -> Iterator[Recipient | BadRow]:
    """The file's rows (good and bad), then the sign-ups not already in the file. A list that has only web
    sign-ups needs no file; a list with neither is an error naming the lists there are. `seen` keeps the
    addresses read (a send passes one kept in SQLite, so a long list needs no memory)."""
    for _, row in _rows(path, journal, seen):
        yield row


def _members(path: Path, journal: Journal) -> Iterator[Member | BadRow]:
    consents = journal.signup_consents(path.stem)
    for signed_up, row in _rows(path, journal):
        if isinstance(row, BadRow):
            yield row
            continue
        suppressed = journal.suppression(row.email)
        yield Member(row, suppressed.kind if suppressed else "active", signed_up, suppressed,
                     consents.get(row.email.lower()) if signed_up else None)


def _rows(path: Path, journal: Journal, seen: MutableMapping[str, int] | None = None
          ) -> Iterator[tuple[float | None, Recipient | BadRow]]:
    signups = list(journal.signed_up(path.stem))
    seen = {} if seen is None else seen  # every good row's address, lower-cased, as read_list keeps them
    if path.exists() or not signups:
        for row in read_list(path, seen):
            yield None, row
    for recipient, confirmed in signups:
        if recipient.email.lower() not in seen:
            yield confirmed, recipient


@dataclass
class Roster:
    """A list as the desk shows it: its members, their counts, and the file's bad rows with their lines."""

    name: str
    members: list[Member] = field(default_factory=list)
    bad_rows: list[BadRow] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # the file's header beyond email and name, kept by an export

    @property
    def counts(self) -> Counter[str]:
        counts = Counter(m.state for m in self.members)
        counts["web"] = sum(1 for m in self.members if m.signed_up)
        return counts

    def search(self, text: str) -> list[Member]:
        wanted = text.strip().lower()
        return [m for m in self.members if wanted in m.recipient.email.lower() or wanted in (m.recipient.name or "").lower()]

    @property
    def signups(self) -> list[Member]:
        return [m for m in self.members if m.signed_up]


def roster(list_name: str, lists: Path, journal: Journal) -> Roster:
    path = list_path(list_name, lists)
    result = Roster(path.stem, columns=list_columns(path))
    for item in _members(path, journal):
        if isinstance(item, BadRow):
            result.bad_rows.append(item)
        else:
            result.members.append(item)
    return result


def add(list_name: str, lists: Path, journal: Journal, raw: str, name: str, consent_source: str,
        today: dt.date | None = None) -> str:
    """Appends one row with today's consent date; refuses an address already listed, or one that unsubscribed
    or bounced (only the person's own new sign-up lifts that). Returns the address as written."""
    email = checked_address(raw)
    if not consent_source.strip():
        raise AddressError(message("say where the consent comes from (e.g. a signed form, an email, the sign-up sheet of "
                                   "an event)"))
    if "\n" in name or "\r" in name or "\n" in consent_source or "\r" in consent_source:
        raise AddressError(message("the name and the consent source must be one line each"))
    path = list_path(list_name, lists)
    if path.exists() and any(isinstance(r, Recipient) and r.email.lower() == email.lower() for r in read_list(path)):
        raise AddressError(message("{email} is on the list {list} already", email=email, list=path.stem))
    suppressed = journal.suppression(email)
    if suppressed:
        raise AddressError(message("{email} is {kind} since {since} ({reason}); it is not added, so that nobody is "
                                   "written to against their wish. A new sign-up on the web lifts it", email=email,
                                   kind=kind_said(suppressed.kind), since=dt.date.fromtimestamp(suppressed.created),
                                   reason=suppressed.reason))
    append_row(path, email, name.strip() or None, (today or dt.date.today()).isoformat(), consent_source.strip())
    return email


def unsubscribe(journal: Journal, raw: str, reason: str) -> str:
    """Recorded as the coordinator's, with the reason; the address stays in the file and is never sent to."""
    email = checked_address(raw)
    if not reason.strip():
        raise AddressError(message("give a reason for the unsubscribe (e.g. 'asked by phone on 3 May')"))
    if not journal.suppress(email, Reason("coordinator_because", {"why": reason.strip()}), "unsubscribed", "Die Redaktion"):
        raise AddressError(message("{email} was unsubscribed or bounced already; it gets no issue either way", email=email))
    return email


def unbounce(journal: Journal, raw: str, lifted_by: str) -> tuple[str, Suppression]:
    """Lifts a bounce (the mailbox receives mail again), recorded with `lifted_by` and the time. A complaint or an
    unsubscribe is the reader's wish: only their own new sign-up lifts it."""
    email = checked_address(raw)
    lifted = journal.lift(email, ("bounced",), lifted_by)
    if lifted is None:
        found = journal.suppression(email)
        if found is None:
            raise AddressError(message("{email} is not bounced; it gets the next issue if it is on a list", email=email))
        raise AddressError(message("{email} is {kind}, not bounced ({reason}); only a new sign-up of its own lifts that",
                                   email=email, kind=kind_said(found.kind), reason=found.reason))
    return email, lifted


def export_active(roster_: Roster) -> str:
    """The active addresses (file rows and web sign-ups) as list CSV text, in the shape `newsletter subscribers
    --export` writes."""
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "export.csv"
        write_list(target, [m.recipient for m in roster_.members if m.state == "active"], roster_.columns)
        return target.read_text(encoding="utf-8")
