"""Who is on a list and in what state: the list file's rows and the list's web sign-ups, each active,
unsubscribed or bounced; one address added (checked like a row, with its consent) or unsubscribed by the
coordinator; the active addresses exported."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from composer.audience.listfiles import append_row
from composer.audience.subscribers import checked_address, list_path, read_list, write_list
from composer.errors import AddressError
from composer.records import BadRow, Recipient
from composer.send.journal import Journal, Suppression

BY_COORDINATOR = "unsubscribed by the coordinator"


@dataclass(frozen=True)
class SignUp:
    email: str
    name: str | None
    consent: str
    confirmed: float


@dataclass(frozen=True)
class Member:
    recipient: Recipient
    state: str  # active, unsubscribed, bounced
    suppression: Suppression | None
    signup: SignUp | None  # when the address confirmed a sign-up on the web for this list
    in_file: bool


@dataclass
class Roster:
    name: str
    members: list[Member] = field(default_factory=list)
    bad_rows: list[BadRow] = field(default_factory=list)

    @property
    def counts(self) -> Counter[str]:
        counts = Counter(m.state for m in self.members)
        counts["web"] = sum(1 for m in self.members if m.signup)
        return counts

    def search(self, text: str) -> list[Member]:
        wanted = text.strip().lower()
        return [m for m in self.members if wanted in m.recipient.email.lower() or wanted in (m.recipient.name or "").lower()]

    @property
    def signups(self) -> list[Member]:
        return [m for m in self.members if m.signup]


def signups(journal: Journal, list_name: str) -> dict[str, SignUp]:
    rows = journal.db.execute("SELECT email, name, consent, confirmed FROM signups WHERE list = ? ORDER BY confirmed",
                              (list_name,))
    return {email.lower(): SignUp(email, name, consent, confirmed) for email, name, consent, confirmed in rows}


def roster(list_name: str, lists: Path, journal: Journal) -> Roster:
    """The file's valid rows in file order, then web sign-ups that are not in the file; bad rows with their lines."""
    path = list_path(list_name, lists)
    result = Roster(path.stem)
    web = signups(journal, path.stem)
    seen: set[str] = set()
    rows = read_list(path) if path.exists() else iter(())
    for row in rows:
        if isinstance(row, BadRow):
            result.bad_rows.append(row)
            continue
        seen.add(row.email.lower())
        result.members.append(_member(journal, row, web.get(row.email.lower()), True))
    for key, signup in web.items():
        if key not in seen:
            result.members.append(_member(journal, Recipient(signup.email, signup.name), signup, False))
    return result


def _member(journal: Journal, recipient: Recipient, signup: SignUp | None, in_file: bool) -> Member:
    suppression = journal.suppression(recipient.email)
    return Member(recipient, suppression.kind if suppression else "active", suppression, signup, in_file)


def add(list_name: str, lists: Path, journal: Journal, raw: str, name: str, consent_source: str,
        today: dt.date | None = None) -> str:
    """Appends one row with today's consent date; refuses an address already listed, or one that unsubscribed
    or bounced (only the person's own new sign-up lifts that). Returns the address as written."""
    email = checked_address(raw)
    if not consent_source.strip():
        raise AddressError("say where the consent comes from (e.g. a signed form, an email, the sign-up sheet of an event)")
    if "\n" in name or "\r" in name or "\n" in consent_source or "\r" in consent_source:
        raise AddressError("the name and the consent source must be one line each")
    path = list_path(list_name, lists)
    if path.exists() and any(isinstance(r, Recipient) and r.email.lower() == email.lower() for r in read_list(path)):
        raise AddressError(f"{email} is on the list {path.stem} already")
    suppressed = journal.suppression(email)
    if suppressed:
        since = dt.datetime.fromtimestamp(suppressed.created).strftime("%d.%m.%Y")
        raise AddressError(f"{email} is {suppressed.kind} since {since} ({suppressed.reason}); it is not added, "
                           "so that nobody is written to against their wish. A new sign-up on the web lifts it")
    append_row(path, email, name.strip() or None, (today or dt.date.today()).isoformat(), consent_source.strip())
    return email


def unsubscribe(journal: Journal, raw: str, reason: str) -> str:
    """Recorded as the coordinator's, with the reason; the address stays in the file and is never sent to."""
    email = checked_address(raw)
    if not reason.strip():
        raise AddressError("give a reason for the unsubscribe (e.g. 'asked by phone on 3 May')")
    if not journal.suppress(email, f"{BY_COORDINATOR}: {reason.strip()}", "unsubscribed", "Die Redaktion"):
        raise AddressError(f"{email} was unsubscribed or bounced already; nothing changed")
    return email


def export_active(roster_: Roster) -> str:
    """The active addresses (file rows and web sign-ups) as list CSV text, in the shape `newsletter subscribers
    --export` writes."""
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "export.csv"
        write_list(target, [m.recipient for m in roster_.members if m.state == "active"])
        return target.read_text(encoding="utf-8")

