"""The desk's people: named accounts with an argon2 password hash and roles, added by someone with the right
Verwaltung (or by `newsletter person-account add`), who choose their password through an invitation link
(valid 7 days, one use; only the token's hash is kept)."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from composer.audience.subscribers import checked_address
from composer.errors import ComposerError
from composer.i18n import Message, message
from composer.office import protocol
from composer.office.roles import ADMIN, ROLES, Actor
from composer.state import Journal
from composer.state.office import PersonRow

INVITATION_DAYS = 7
DAY = 86_400.0
MIN_PASSWORD = 10


class PeopleError(ComposerError):
    """A person cannot be added, removed or invited as asked."""


@dataclass(frozen=True)
class Invitation:
    person: PersonRow
    token: str  # the plain token, only in the link that is mailed; the state keeps its hash


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def actor_of(person: PersonRow) -> Actor:
    return Actor(person.name, person.id, person.roles)


def add(journal: Journal, actor: Actor, name: str, email: str, roles: frozenset[str], now: float | None = None) -> Invitation:
    """A new person with the given roles and an invitation to choose their password."""
    actor.require(ADMIN)
    name, address = name.strip(), checked_address(email)
    if not name:
        raise PeopleError(message("A person needs a name."))
    if not roles:
        raise PeopleError(message("Give the person at least one role: Redaktion, Freigabe, Versand or Verwaltung."))
    now = now if now is not None else time.time()
    added = journal.add_person(name, address, roles, now)
    if added is None:
        raise PeopleError(message("{email} already has an account.", email=address))
    person = journal.person_by_id(added)
    assert person is not None
    protocol.record(journal, actor, "person_added", message("Added {name} with the roles {roles}", name=name,
                                                            roles=", ".join(r.capitalize() for r in ROLES if r in roles)), now=now)
    return Invitation(person, invite(journal, person, now))


def invite(journal: Journal, person: PersonRow, now: float | None = None) -> str:
    """A new invitation token (an older unused one stays valid until it expires)."""
    now = now if now is not None else time.time()
    token = secrets.token_urlsafe(32)
    journal.add_invitation(token_hash(token), person.id, now, now + INVITATION_DAYS * DAY)
    return token


def invited(journal: Journal, token: str, now: float | None = None) -> PersonRow | None:
    """Whom an unused, unexpired invitation is for."""
    return journal.invitation_open(token_hash(token), now if now is not None else time.time())


def accept(journal: Journal, token: str, password: str, now: float | None = None) -> PersonRow:
    """Sets the invited person's password, once; a used, expired or unknown link is refused."""
    if len(password) < MIN_PASSWORD:
        raise PeopleError(message("Choose a password of at least {n} characters.", n=MIN_PASSWORD))
    now = now if now is not None else time.time()
    person = journal.use_invitation(token_hash(token), now, PasswordHasher().hash(password))
    if person is None:
        raise PeopleError(message("This invitation link was used already or has expired; ask for a new one."))
    protocol.record(journal, actor_of(person), "password_set", message("Chose a password through the invitation"), now=now)
    return person


def login(journal: Journal, email: str, password: str) -> PersonRow | None:
    """The person with this address and password, or None (no account, no password chosen yet, wrong)."""
    person = journal.person_by_email(email.strip())
    return person if person is not None and verified(person, password) else None


def verified(person: PersonRow, password: str) -> bool:
    """Whether `password` is the person's own (False when they have chosen none yet)."""
    if not person.password:
        return False
    try:
        return PasswordHasher().verify(person.password, password)
    except (VerificationError, InvalidHashError):
        return False


def password_problems(new: str, again: str, current_ok: bool = True) -> dict[str, Message]:
    """What is wrong with a password change, by the form's field names; empty when it may be made."""
    problems: dict[str, Message] = {}
    if not current_ok:
        problems["current_password"] = message("This is not the current password.")
    if len(new) < MIN_PASSWORD:
        problems["new_password"] = message("Use at least {count} characters.", count=MIN_PASSWORD)
    elif new != again:
        problems["repeat_password"] = message("The two passwords are not the same.")
    return problems


def change_own_password(journal: Journal, actor: Actor, current: str, new: str, again: str) -> dict[str, Message]:
    """A person's own password changed (the current one asked for, when they have one) and logged; the problems
    by field when it is not. PeopleError for one who has none of their own (the first account's is the desk's)."""
    person = journal.person_by_id(actor.person) if actor.person is not None else None
    if person is None:
        raise PeopleError(message("Only a person of the desk has a password of their own."))
    if is_first(journal, person.id):
        raise PeopleError(message("Your password is the desk password: set it under Settings › Login."))
    problems = password_problems(new, again, not person.password or verified(person, current))
    if not problems:
        journal.update_person(person.id, password=PasswordHasher().hash(new))
        protocol.record(journal, actor, "password_set", message("Changed their own password"))
    return problems


def remove(journal: Journal, actor: Actor, email: str, now: float | None = None) -> PersonRow:
    """Removes an account; the last one with Verwaltung stays, so someone can still manage the desk."""
    actor.require(ADMIN)
    person = journal.person_by_email(email.strip())
    if person is None:
        raise PeopleError(message("{email} has no account.", email=email.strip()))
    admins = [p for p in journal.people() if ADMIN in p.roles]
    if ADMIN in person.roles and len(admins) == 1:
        raise PeopleError(message("{name} is the last person with the role Verwaltung and stays; give the role to "
                                  "someone else first.", name=person.name))
    journal.remove_person(person.id)
    protocol.record(journal, actor, "person_removed", message("Removed {name}", name=person.name), now=now)
    return person


def set_roles(journal: Journal, actor: Actor, person_id: int, roles: frozenset[str], now: float | None = None) -> PersonRow:
    """New roles for an account, changed in place; the last person with Verwaltung keeps it, so someone can still
    manage the desk."""
    actor.require(ADMIN)
    person = journal.person_by_id(person_id)
    if person is None:
        raise PeopleError(message("This account no longer exists."))
    if not roles:
        raise PeopleError(message("Give the person at least one role: Redaktion, Freigabe, Versand or Verwaltung."))
    admins = [p for p in journal.people() if ADMIN in p.roles]
    if ADMIN in person.roles and ADMIN not in roles and len(admins) == 1:
        raise PeopleError(message("{name} is the last person with the role Verwaltung and keeps it; give the role to "
                                  "someone else first.", name=person.name))
    journal.update_person(person.id, roles=roles)
    protocol.record(journal, actor, "roles_changed", message("Gave {name} the roles {roles}", name=person.name,
                                                             roles=", ".join(r.capitalize() for r in ROLES if r in roles)),
                    now=now)
    changed = journal.person_by_id(person.id)
    assert changed is not None
    return changed


def rename(journal: Journal, actor: Actor, person_id: int, name: str, email: str, now: float | None = None) -> PersonRow:
    """A new name and address for an account (the first account is named this way)."""
    actor.require(ADMIN)
    person = journal.person_by_id(person_id)
    if person is None:
        raise PeopleError(message("This account no longer exists."))
    name, address = name.strip(), checked_address(email)
    if not name:
        raise PeopleError(message("A person needs a name."))
    if not journal.update_person(person.id, name=name, email=address):
        raise PeopleError(message("{email} already has an account.", email=address))
    protocol.record(journal, actor, "person_changed", message("Renamed {old} to {name}", old=person.name, name=name), now=now)
    changed = journal.person_by_id(person.id)
    assert changed is not None
    return changed


def owner(journal: Journal, name: str, email: str, password_hash: str | None, now: float | None = None) -> PersonRow:
    """The first account: the person who starts the desk, with every role (named later in Einstellungen); the
    desk's existing password becomes theirs. Returns the existing first account when there is one (given the desk
    password when it has none of its own: one set with `newsletter desk --set-password` since)."""
    people = journal.people()
    if people:
        if password_hash and not people[0].password:
            owner_password(journal, password_hash, None)
        return journal.people()[0]
    added = journal.add_person(name, email, frozenset(ROLES), now if now is not None else time.time(), password_hash)
    person = journal.person_by_id(added or 0)
    assert person is not None
    return person


def is_first(journal: Journal, person_id: int | None) -> bool:
    """Whether this is the first account, the one the shared login (link or desk password) logs in as."""
    everyone = journal.people()
    return bool(everyone) and everyone[0].id == person_id


def owner_password(journal: Journal, password_hash: str, by: Actor | None = None) -> None:
    """The desk password is the first account's (the shared login is that account): set by its person, or while
    the account has no password of its own, it becomes theirs, so they log in with their address too. A colleague
    who changes it leaves the first person's own password as it is."""
    everyone = journal.people()
    if everyone and (by is None or by.person == everyone[0].id or not everyone[0].password):
        journal.update_person(everyone[0].id, password=password_hash)


def can_log_in_again(journal: Journal, person_id: int | None, desk_password: bool) -> bool:
    """Whether a person who logs out can come back without restarting the desk: with the desk password or their
    own. Without either, only a new login link (printed at the next start) lets them in."""
    person = journal.person_by_id(person_id) if person_id is not None else None
    return desk_password or bool(person and person.password)
