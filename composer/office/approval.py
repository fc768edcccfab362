"""The Freigabe: with NEWSLETTER_APPROVAL=required a list send needs an approval of exactly what goes out.

An approval records `fingerprint`, the hash of the rendered message for that list: subject, From and the other
sender settings, the HTML and text parts as the templates made them, the photos and the list's name. Whatever
changes any of these afterwards (the issue, a photo, a template in the folder, a sender setting) gives another
hash, and the approval no longer counts. The approver cannot be the person who made the last change, and the
command line cannot approve (an approval needs a person). `require` is asked when a list send starts, in the
one send orchestration (composer/campaign.py), so the CLI, the desk and a scheduled send all ask it.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass

from composer.config.parts import Sender
from composer.config.settings import Settings
from composer.errors import ComposerError
from composer.i18n import Message, message
from composer.office import protocol
from composer.office.roles import APPROVE, WRITE, Actor, ForbiddenError, shown_actor
from composer.render.build import Build
from composer.state import Journal
from composer.state.office import ApprovalRow, PersonRow

REQUIRED = "required"


class ApprovalMissingError(ComposerError):
    """A list send of an issue that is not approved as it stands (never approved, returned, or changed since)."""


class ApprovalError(ComposerError):
    """An approval or return that cannot be given as asked (what was looked at changed meanwhile)."""


def fingerprint(build: Build, sender: Sender, list_name: str) -> str:
    """The hash of what goes out to `list_name`: every part a reader sees, never the per-recipient slots."""
    issue = build.issue
    parts = {
        "list": list_name,
        "subject": issue.subject,
        "from": [sender.name or issue.newsletter, sender.address],
        "reply_to": sender.reply_to,
        "unsubscribe": [sender.unsubscribe_mailbox, sender.one_click_url],
        "html": build.html,
        "text": build.text,
        "embedded": build.embedded,
        "photos": [[picture.name, hashlib.sha256(picture.data).hexdigest()] for picture in build.pictures],
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class Standing:
    """Where an issue's Freigabe for one list stands: 'none', 'submitted', 'approved', 'returned' or 'changed'
    (approved, then changed: a new approval is needed)."""

    state: str
    latest: ApprovalRow | None = None
    changed_by: Message | str | None = None

    @property
    def approved(self) -> bool:
        return self.state == "approved"

    def said(self) -> Message:
        latest = self.latest
        if self.state == "approved" and latest:
            return message("Approved by {name}.", name=latest.name)
        if self.state == "changed":
            if self.changed_by:
                return message("{name} changed it after the approval – a new approval is needed.", name=self.changed_by)
            return message("Changed after the approval – a new approval is needed.")
        if self.state == "submitted" and latest:
            return message("Submitted for approval by {name}.", name=latest.name)
        if self.state == "returned" and latest:
            return message("Returned by {name}: {comment}", name=latest.name, comment=latest.comment or "–")
        return message("Not yet submitted for approval.")


def standing(journal: Journal, slug: str, list_name: str, content: str) -> Standing:
    rows = journal.approvals(slug, list_name)
    if not rows:
        return Standing("none")
    latest = rows[0]
    if latest.state != "approved":
        return Standing(latest.state, latest)
    if latest.content == content:
        return Standing("approved", latest)
    change = protocol.last_change(journal, slug)
    by = shown_actor(change.actor) if change and change.at >= latest.at else None
    return Standing("changed", latest, by)


def approvers(journal: Journal) -> list[PersonRow]:
    return [person for person in journal.people() if APPROVE in person.roles]


def possible_approvers(journal: Journal, slug: str, list_name: str) -> list[PersonRow]:
    """Those who may approve the issue as it stands: the right to approve, and not the last change made."""
    last = last_changer(journal, slug, list_name)
    return [person for person in approvers(journal) if not _made(last, person.id, person.name)]


def may_approve(journal: Journal, actor: Actor, slug: str, list_name: str) -> bool:
    """Whether `actor` may approve it now (the page offers "Freigeben" only then)."""
    return (APPROVE in actor.roles and actor.person is not None
            and not _made(last_changer(journal, slug, list_name), actor.person, actor.name))


def _made(last: tuple[int | None, str] | None, person: int | None, name: str) -> bool:
    """Whether the person (by id, or by name for a change logged without one) made the last change."""
    return last is not None and ((person is not None and last[0] == person) or last[1] == name)


def submit(journal: Journal, actor: Actor, slug: str, list_name: str, content: str, now: float | None = None) -> None:
    """'Zur Freigabe vorlegen': recorded and logged; the face then notifies the approvers (mails.notify_approvers)."""
    actor.require(WRITE)
    now = now if now is not None else time.time()
    journal.add_approval(slug, list_name, content, "submitted", actor.person, actor.name, now)
    protocol.record(journal, actor, "submitted", message("Submitted for approval for the list {list}", list=list_name),
                    slug, list_name, now=now)


def last_changer(journal: Journal, slug: str, list_name: str) -> tuple[int | None, str] | None:
    """Who made the last change to the issue: the last save in the Protokoll, else whoever submitted it."""
    change = protocol.last_change(journal, slug)
    if change is not None:
        return change.person, change.actor
    submitted = [row for row in journal.approvals(slug, list_name) if row.state == "submitted"]
    return (submitted[0].person, submitted[0].name) if submitted else None


def approve(journal: Journal, actor: Actor, slug: str, list_name: str, content: str, seen: str, comment: str = "",
            now: float | None = None) -> None:
    """'Freigeben' of what the approver saw (`seen`, the fingerprint the page showed): refused when it changed
    meanwhile, when the approver lacks the right or is no person, and when they made the last change."""
    _may_decide(journal, actor, slug, list_name, content, seen)
    if _made(last_changer(journal, slug, list_name), actor.person, actor.name):
        raise ForbiddenError(message("You made the last change to this issue; another person must approve it."))
    now = now if now is not None else time.time()
    journal.add_approval(slug, list_name, content, "approved", actor.person, actor.name, now, comment)
    said = (message("Approved for the list {list}: {comment}", list=list_name, comment=comment) if comment
            else message("Approved for the list {list}", list=list_name))
    protocol.record(journal, actor, "approved", said, slug, list_name, now=now)


def give_back(journal: Journal, actor: Actor, slug: str, list_name: str, content: str, seen: str, comment: str,
              now: float | None = None) -> None:
    """'Zurückgeben' with a comment for the writer."""
    _may_decide(journal, actor, slug, list_name, content, seen)
    now = now if now is not None else time.time()
    journal.add_approval(slug, list_name, content, "returned", actor.person, actor.name, now, comment)
    protocol.record(journal, actor, "returned", message("Returned for the list {list}: {comment}", list=list_name,
                                                        comment=comment or "–"), slug, list_name, now=now)


def _may_decide(journal: Journal, actor: Actor, slug: str, list_name: str, content: str, seen: str) -> None:
    actor.require(APPROVE)
    if actor.person is None:
        raise ForbiddenError(message("The command line cannot approve: an approval needs a person (in the desk)."))
    if content != seen:
        raise ApprovalError(message("The issue changed while you were looking at it; look at it again, then decide."))


def missing(settings: Settings, build: Build, list_name: str) -> Message | None:
    """What a list send of `build` to `list_name` lacks: None when approvals are off or it is approved as it
    stands, else the sentence that says so and who may approve."""
    if settings.approval != REQUIRED:
        return None
    content = fingerprint(build, settings.sender, list_name)
    with Journal(settings.state_dir, read_only=True) as journal:
        found = standing(journal, build.slug, list_name, content)
        if found.approved:
            return None
        names = ", ".join(person.name for person in possible_approvers(journal, build.slug, list_name))
    why = found.said() if found.state in ("changed", "returned", "submitted") else message("It has no approval.")
    if names:
        return message("{issue} needs an approval for the list {list}. {why} It may be approved in the desk by: "
                       "{names}.", issue=build.slug, list=list_name, why=why, names=names)
    return message("{issue} needs an approval for the list {list}. {why} Approvals are given in the desk "
                   "(newsletter desk); no person with the right to approve has an account yet.", issue=build.slug,
                   list=list_name, why=why)


def require(settings: Settings, build: Build, list_name: str) -> None:
    """Raises ApprovalMissingError unless approvals are off or `build` for `list_name` is approved as it stands."""
    lack = missing(settings, build, list_name)
    if lack is not None:
        raise ApprovalMissingError(message("Not sent: {why}", why=lack))
