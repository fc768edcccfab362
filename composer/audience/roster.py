"""Who is on a list: the rows of its file and the web sign-ups confirmed for it, each with its state. The send,
`newsletter subscribers` and its export all read this, so they count the same people. The desk also adds one
address (checked like a row, with its consent) or unsubscribes one as the coordinator."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path

from composer.audience import consent
from composer.audience.listfiles import append_row, update_row
from composer.audience.consent import DATE, SOURCE
from composer.audience.erasure import Erasures
from composer.audience.subscribers import (FIRST, LAST, SALUTATION, checked_address, list_columns, list_header, list_names, list_path,
                                           read_list)
from composer.exports import Table
from composer.errors import AddressError, SubscriberListError
from composer.i18n import N_, Message, message, plural
from composer.records import BadRow, Recipient, RowFilter
from composer.state import Journal, Reason, Suppression
from composer.state.reasons import REASONS, kind_said

LEFT_THIS_LIST = Message(REASONS["left_this_list"])
ERASED = "erased"


@dataclass(frozen=True)
class Member:
    recipient: Recipient
    state: str  # active, unsubscribed, bounced, complained or erased (on request; an old copy's row)
    signed_up: float | None  # the time of the consent of a web sign-up; None for a row of the list file
    suppression: Suppression | None = None  # why an unsubscribed or bounced address gets nothing
    consent: str | None = None  # the text a web sign-up agreed to


def listed(path: Path, journal: Journal, seen: MutableMapping[str, int] | None = None) -> Iterator[Recipient | BadRow]:
    """The file's rows (good and bad), then the sign-ups not already in the file. A list that has only web
    sign-ups needs no file; a list with neither is an error naming the lists there are. `seen` keeps the
    addresses read (a send passes one kept in SQLite, so a long list needs no memory)."""
    for _, row in _rows(path, journal, seen):
        yield row


def _members(path: Path, journal: Journal, secret: bytes) -> Iterator[Member | BadRow]:
    consents, left = journal.signup_consents(path.stem), journal.left_of(path.stem)
    erasures = Erasures.of_list(journal, secret, path.stem)
    for signed_up, row in _rows(path, journal):
        if isinstance(row, BadRow):
            yield row
            continue
        if erasures.erased(row.email):  # a row of an old copy: the send skips it, so nobody may think it active
            yield Member(row, ERASED, signed_up)
            continue
        suppressed = journal.suppression(row.email)
        if suppressed is None and row.email.lower() in left:  # the reader left this list alone
            suppressed = Suppression("unsubscribed", LEFT_THIS_LIST, journal.left_lists(row.email)[path.stem], None)
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


def roster(list_name: str, lists: Path, journal: Journal, secret: bytes) -> Roster:
    """`secret` the send state's, which recognises the addresses erased on request."""
    path = list_path(list_name, lists)
    result = Roster(path.stem, columns=list_columns(path))
    for item in _members(path, journal, secret):
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


def edit(list_name: str, lists: Path, raw: str, name: str, consent_date: str, consent_source: str,
         now: dt.datetime | None = None) -> str:
    """A row's name and consent changed in the list file itself (her other columns kept, the old file in backup/).
    A web sign-up has no row to change; its consent is the confirmed sign-up."""
    email = checked_address(raw)
    if any("\n" in v or "\r" in v for v in (name, consent_date, consent_source)):
        raise AddressError(message("The name and the consent must be one line each."))
    if consent_date.strip() and consent.consent_day(consent_date) is None:
        raise AddressError(message("'{date}' is not a date; write it like 14.05.2020 or 2020-05-14.",
                                   date=consent_date.strip()))
    path = list_path(list_name, lists)
    values = {"name": name.strip(), DATE: consent_date.strip(), SOURCE: consent_source.strip()}
    if not path.exists() or not update_row(path, email, values, now or dt.datetime.now()):
        raise AddressError(message("{email} is no row of the list {list}; a sign-up on the website cannot be changed "
                                   "here.", email=email, list=path.stem))
    return email


@dataclass(frozen=True)
class Unsubscribed:
    """An address blocked by the coordinator, and the lists it is on (none: blocked as a precaution, so that a list
    that gets it later never writes to it)."""

    email: str
    lists: list[str]
    added: bool = True  # False when it was unsubscribed or bounced already

    @property
    def said(self) -> Message:
        if not self.added:
            return message("{email} was unsubscribed or bounced already; it gets no issue either way", email=self.email)
        if not self.lists:
            return message("{email} is on no list – blocked as a precaution: no list will write to it", email=self.email)
        return plural("{email} is taken off the list {lists} and will receive no more newsletters.",
                      "{email} is taken off the lists {lists} and will receive no more newsletters.",
                      len(self.lists), email=self.email, lists=", ".join(self.lists))


def lists_holding(email: str, lists: Path, journal: Journal) -> list[str]:
    """The lists that have `email` as a row of their file or as a confirmed web sign-up."""
    wanted, found = email.lower(), []
    for name in list_names(lists):
        path = list_path(name, lists)
        try:
            rows = read_list(path)
            if any(isinstance(r, Recipient) and r.email.lower() == wanted for r in rows):
                found.append(name)
                continue
        except SubscriberListError:
            pass  # a list that cannot be read holds nobody the send would reach
        if any(r.email.lower() == wanted for r in journal.signups(name)):
            found.append(name)
    return found


def block(journal: Journal, raw: str, reason: str | None, lists: Path, by: str | None = None) -> Unsubscribed:
    """Recorded as the coordinator's, with the reason (None: the command line, which asks for none); the address
    stays in the files and is never sent to. It wins over every list, also for an address on none: then it is
    blocked as a precaution, and the result says so."""
    email = checked_address(raw)
    if reason is not None and not reason.strip():
        raise AddressError(message("give a reason for the unsubscribe (e.g. 'asked by phone on 3 May')"))
    holding = lists_holding(email, lists, journal)
    why = Reason("coordinator_because", {"why": reason.strip()}) if reason else Reason("coordinator")
    added = journal.suppress(email, why, "unsubscribed", by)
    return Unsubscribed(email, holding, added)


def unsubscribe(journal: Journal, raw: str, reason: str, lists: Path) -> Unsubscribed:
    """`block` as the desk's Austragen: an address unsubscribed or bounced already is refused, so the page says so."""
    done = block(journal, raw, reason, lists, "Die Redaktion")
    if not done.added:
        raise AddressError(done.said)
    return done


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


OURS = {"email": N_("email"), "name": N_("name"), DATE: N_("consent_date"), SOURCE: N_("consent_source")}
# Columns an import wrote under our names (the file keeps them plain): said in the export's language, as the list
# reader knows them again ("Vorname", "Einwilligung am").
NAMED = {DATE: OURS[DATE], SOURCE: OURS[SOURCE], FIRST: N_("first_name"), LAST: N_("last_name"),
         SALUTATION: N_("salutation")}
WEB_SIGNUP = N_("web sign-up")
STATES = {state: Message(state) for state in (N_("active"), N_("unsubscribed"), N_("bounced"), N_("complained"),
                                              N_("erased"))}


def export_table(roster_: Roster, path: Path, active_only: bool = True) -> Table:
    """The list as she keeps it: her columns under her headers in her order, then ours (a name, the consent of a
    web sign-up, the state) at the end, under headers the list reader knows again, so the export is a list too."""
    header = list_header(path) or [("email", "email"), ("name", "name")]
    keys = [key for _, key in header]
    members = [m for m in roster_.members if m.state == "active" or not active_only]

    def cells(m: Member) -> list[object]:
        r = m.recipient
        fields: dict[str, object] = {"email": r.email, "name": r.name or "", **r.fields}
        if m.signed_up:
            fields.setdefault(DATE, dt.datetime.fromtimestamp(m.signed_up).date())
            fields.setdefault(SOURCE, Message(WEB_SIGNUP))
            if FIRST in keys and r.name and not fields.get(FIRST):
                fields[FIRST] = r.name  # a sign-up gives one name; it goes where the list has its first names
        row = [fields.get(key, "") for key in keys + ours]
        return row + ([STATES.get(m.state, m.state)] if not active_only else [])

    # ours only where someone has a value in them: a web sign-up's name or consent
    ours = [key for key in OURS if key not in keys and not (key == "name" and FIRST in keys)
            and any(m.signed_up and (key != "name" or m.recipient.name) for m in members)]
    columns: list[Message | str] = [Message(NAMED[key]) if own == key and key in NAMED else own for own, key in header]
    columns += [Message(OURS[key]) for key in ours]
    if not active_only:
        columns.append(Message(N_("state")))
    return Table(columns, (cells(m) for m in members))


class Left(RowFilter):
    """The rows of addresses that left this list by themselves."""

    def __init__(self, journal: Journal, list_name: str) -> None:
        super().__init__()
        self._left = journal.left_of(list_name)

    def drops(self, row: Recipient) -> bool:
        return row.email.lower() in self._left
