"""Who is logged in, and what they may do: the session's person as an Actor, and the role each POST needs.

The Guard asks `refusal` before any handler runs, so a forbidden action is refused by the server (403 with a
sentence in the page's language) whether or not its button was on the page; the pages ask `may` to leave out
what the person cannot do. The first account (the person who started the desk) is made at the first start.
"""

from __future__ import annotations

import re
from pathlib import Path

from starlette.types import Scope

from composer.config.settings import Settings
from composer.desk.sessions import OFFICE
from composer.office import people
from composer.office.roles import ADMIN, APPROVE, ROLES, SEND, WRITE, Actor
from composer.state import Journal

OWNER_NAME = "Büro"  # the first account's name until its person names it in Einstellungen › Personen
RULES = [  # (path inside the desk, the role a POST there needs); the first match counts
    (re.compile(r"^/issues/[^/]+/send(/stop|/plan|/cancel|/now)?$"), SEND),
    (re.compile(r"^/issues/[^/]+/approval$"), APPROVE),
    (re.compile(r"^/issues/[^/]+/email$"), None),  # the live preview of the typed form: it changes nothing
    (re.compile(r"^/issues/[^/]+(/.*)?$"), WRITE),  # every other change of an issue: its file, drafts, photos, tests
    (re.compile(r"^/new$"), WRITE),
    (re.compile(r"^/(settings|subscribers|people|inbox)(/.*)?$"), ADMIN),
]


def needed(method: str, path: str) -> str | None:
    """The role a request needs; looking (GET) needs none beyond the login."""
    if method != "POST":
        return None
    return next((role for pattern, role in RULES if pattern.match(path)), None)


def first_account(settings: Settings) -> None:
    """The person who starts the desk gets the first account, with every role, without a question; the desk's
    password (part 3) becomes theirs."""
    with Journal(settings.state_dir) as journal:
        hashed = settings.desk_password_hash.get_secret_value() if settings.desk_password_hash else None
        people.owner(journal, settings.from_name or OWNER_NAME, str(settings.from_address or "buero@localhost"), hashed)


def actor_of(state_dir: Path, person: str) -> Actor | None:
    """The logged-in person: the shared login (link or desk password) is the first account; None when the
    account was removed since."""
    with Journal(state_dir, read_only=True) as journal:
        if person == OFFICE:
            everyone = journal.people()
            return people.actor_of(everyone[0]) if everyone else Actor(OWNER_NAME, None, frozenset(ROLES))
        found = journal.person_by_id(int(person)) if person.isdigit() else None
    return people.actor_of(found) if found else None


def actor(scope: Scope) -> Actor:
    """The request's person (set by the Guard)."""
    found = scope.get("state", {}).get("actor")
    assert isinstance(found, Actor), "the Guard sets the actor of every page behind the login"
    return found


__all__ = ["ADMIN", "APPROVE", "SEND", "WRITE", "actor", "actor_of", "first_account", "needed"]
