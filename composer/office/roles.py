"""The rights of the desk as roles an office understands, and who acts: a person of the desk or the command line.

*Redaktion* writes, checks and test-sends; *Freigabe* approves; *Versand* starts, stops and schedules a list send;
*Verwaltung* manages people, settings and lists. One person may hold several. A state without any account (a
one-person office that never added one) lets the command line and the desk's owner do everything.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from composer.errors import ComposerError
from composer.i18n import N_, Message, message

WRITE, APPROVE, SEND, ADMIN = "redaktion", "freigabe", "versand", "verwaltung"
ROLES = (WRITE, APPROVE, SEND, ADMIN)
PLAN = "plan:desk"  # the actor of a planned send the desk starts by its clock
NAMES = {WRITE: N_("Editing"), APPROVE: N_("Approval"), SEND: N_("Dispatch"), ADMIN: N_("Administration")}
ALIASES = {"editing": WRITE, "approval": APPROVE, "sending": SEND, "dispatch": SEND, "administration": ADMIN}
ACTIONS = {  # what each right is called in a refusal
    WRITE: N_("change or test-send an issue"),
    APPROVE: N_("approve an issue"),
    SEND: N_("start, stop or schedule a list send"),
    ADMIN: N_("manage people, settings and lists"),
}


class ForbiddenError(ComposerError):
    """The person lacks the role an action needs (a face answers 403 with this sentence)."""


class RoleError(ComposerError):
    """A role typed on the command line or posted by a form is none of the four."""


def parse_roles(names: Iterable[str]) -> frozenset[str]:
    """Roles by their German or English name, any case ('Redaktion', 'sending'); RoleError for anything else."""
    roles = set()
    for name in names:
        for part in name.split(","):
            key = part.strip().lower()
            if not key:
                continue
            key = ALIASES.get(key, key)
            if key not in ROLES:
                raise RoleError(message("{role} is no role; the roles are Redaktion, Freigabe, Versand and Verwaltung",
                                        role=part.strip()))
            roles.add(key)
    return frozenset(roles)


def role_names(roles: Iterable[str]) -> list[Message]:
    return [message(NAMES[role]) for role in ROLES if role in roles]


@dataclass(frozen=True)
class Actor:
    """Who does something: a person of the desk (`person` their id) or the command line (`os_user`)."""

    name: str
    person: int | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    os_user: str | None = None

    @classmethod
    def command_line(cls) -> Actor:
        """The command line may do all but approve: an approval needs a person."""
        try:
            user = getpass.getuser()
        except (OSError, KeyError):
            user = str(os.getuid())
        return cls(f"cli:{user}", None, frozenset({WRITE, SEND, ADMIN}), user)

    @classmethod
    def plan(cls) -> Actor:
        """A planned send the desk starts at its time: done on the plan's behalf; the Protokoll's "Send
        scheduled" entry before it names who planned it."""
        return cls(PLAN, None, frozenset({SEND}))

    @property
    def shown(self) -> Message | str:
        """'Kommandozeile (anna)' for the command line, the person's name otherwise."""
        return shown_actor(self.name)

    def may(self, role: str) -> bool:
        return role in self.roles

    def require(self, role: str) -> None:
        if role not in self.roles:
            raise ForbiddenError(message("{name} may not {action}: that needs the role {role}.",
                                         name=self.shown, action=message(ACTIONS[role]), role=message(NAMES[role])))


def shown_actor(actor: str) -> Message | str:
    """An actor as the log keeps it, for a reader: the command line's entries name the OS user."""
    if actor.startswith("cli:"):
        return message("command line ({user})", user=actor.removeprefix("cli:"))
    if actor == PLAN:
        return message("schedule (automatic)")  # the "Send scheduled" entry names who planned it
    return actor
