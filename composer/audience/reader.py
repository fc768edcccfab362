"""The reader's own page (`/p/TOKEN`, the token of the unsubscribe link in every issue): which lists the address
is on, leaving the list the mail came from or all of them, and, after a one-time link mailed to the address
(an issue can be forwarded, so holding the link proves nothing), seeing and downloading what is held (GDPR
Art. 15), correcting the name (Art. 16) and being forgotten (Art. 17, as `newsletter forget`).

A reader's leaving of one list is kept per list (the state's `left_lists`); leaving all is the global
unsubscribe the coordinator's, a bounce's and a complaint's are. A later confirmed sign-up to a list lifts the
leaving of that list."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

from composer.audience.listfiles import list_of_backup
from composer.audience.person import Renamed, Where, rename_rows, rows_of
from composer.audience.signup import Identity, deliver, plain_mail
from composer.audience.subscribers import whole_name
from composer.config.settings import Settings
from composer.errors import ComposerError
from composer.i18n import N_, translate
from composer.state import Journal, Reason

ACCESS_SECONDS = 3600  # a mailed link opens the data for one hour, once
ACCESS_MAILS = 3  # links mailed to one address in an hour at most
BY_THE_READER = Reason("reader_list")
ACCESS_SUBJECT = N_("Your data at {newsletter}")
ACCESS_BODY = N_("Hello,\n\nsomeone asked on the page of the newsletter \u201c{newsletter}\u201d to see the data held about "
                 "{email}, to correct it or to have it deleted. If that was you, open this link within one hour "
                 "(it works once):\n\n{url}\n\nIf it was not you, do nothing: nobody sees your data without this "
                 "link.\n\n-- \n{imprint}\n")


@dataclass(frozen=True)
class Standing:
    """What the reader's page shows: the lists the address is on, those it left, and a global stop."""

    email: str
    lists: list[str]
    left: list[str]
    stopped: str | None  # 'unsubscribed', 'bounced' or 'complained': no list gets mail through


def standing(email: str, journal: Journal, where: Where) -> Standing:
    left = journal.left_lists(email)
    on = sorted({name for name in rows_of(email, where)} | {row["list"] for row in journal.signups_of(email)})
    stopped = journal.suppression(email)
    return Standing(email, [n for n in on if n not in left], sorted(left), stopped.kind if stopped else None)


def leave(journal: Journal, email: str, list_name: str, now: float) -> bool:
    """The reader leaves one list; True when it had not left it before."""
    return journal.leave_list(email, list_name, BY_THE_READER, now)


def leave_all(journal: Journal, email: str) -> bool:
    """The reader leaves every list: the global unsubscribe (it takes over a one-click's, so no undo lifts it)."""
    return journal.suppress(email, Reason("reader_all"), evidence="reader's page")


def _hashed(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


class Asked(Enum):
    """What asking for the data link came to; the page says exactly this."""

    SENT = "sent"
    ENOUGH = "enough"  # ACCESS_MAILS went to the address within the hour: no more now, nothing sent
    UNAVAILABLE = "unavailable"  # the server refused or failed: nothing sent, nothing counts


def ask_access(settings: Settings, who: Identity, email: str, url: Callable[[str], str], lang: str,
               now: float) -> Asked:
    """Mails the address a new one-time link to its data, each time it is asked (a link used or lost must not
    stand in the way of a new one), at most ACCESS_MAILS in an hour, so that a forwarded issue cannot flood the
    mailbox."""
    code = secrets.token_urlsafe(24)
    with Journal(settings.state_dir) as journal:
        if journal.access_codes_since(email, now - ACCESS_SECONDS) >= ACCESS_MAILS:
            return Asked.ENOUGH
        journal.add_access_code(_hashed(code), email, now)
    body = translate(lang, ACCESS_BODY, newsletter=who.newsletter, email=email, url=url(code), imprint=who.imprint)
    message = plain_mail(settings.sender, who, email, translate(lang, ACCESS_SUBJECT, newsletter=who.newsletter), body)
    try:
        summary = deliver(settings, message, datetime.fromtimestamp(now).astimezone())
    except ComposerError:
        summary = None
    if summary is None or not (summary.sent or summary.uncertain):
        with Journal(settings.state_dir) as journal:
            journal.drop_access_code(_hashed(code))  # as if never asked: a new request mails again
        return Asked.UNAVAILABLE
    return Asked.SENT


def open_access(journal: Journal, code: str, now: float) -> str | None:
    """The address a mailed code opens, once, within its hour; None for a used, old, unknown or altered code."""
    if not code or len(code) > 64:
        return None
    return journal.use_access_code(_hashed(code), now - ACCESS_SECONDS, now)


def rename(journal: Journal, email: str, name: str, where: Where) -> Renamed:
    """The reader's corrected name in every list file row and web sign-up of the address: how many changed, and
    how many keep a name at all (the page says which, never a correction that did not happen)."""
    rows = rename_rows(email, name, where)
    return Renamed(rows.changed + journal.rename_signups(email, name), rows.held + len(journal.signups_of(email)))


def held_name(held: dict[str, Any]) -> str:
    """The name the data page offers to correct: a web sign-up's, else a list row's (its name column, else its
    first name and surname joined); empty when none is held."""
    names = [row["name"] for row in held["web_signups"] if row["name"]] + \
        [row["columns"].get("name") or whole_name(row["columns"]) for row in held["lists"]]
    return next((n for n in names if n), "")




def for_reader(held: dict[str, Any]) -> dict[str, Any]:
    """What the reader sees and downloads of `person.holdings`: the same data without the office's file paths
    (they say nothing about her and show how the office keeps its files): a list row names its list and whether
    it is an older copy kept as a backup; uploads, test addresses and outbox files are said, not located."""
    rows = []
    for row in held["lists"]:
        path = Path(row["file"])
        of_backup = list_of_backup(path)
        rows.append({"list": of_backup or path.stem, "backup": of_backup is not None, "line": row["line"],
                     "columns": row["columns"], "consent_missing": row["consent_missing"]})
    return {**held, "lists": rows, "staged_imports": [{"columns": row["columns"]} for row in held["staged_imports"]],
            "desk_test_addresses": bool(held["desk_test_addresses"]), "outbox_files": len(held["outbox_files"])}
