"""Sending an issue: the real send to a list (checked, locked, planned, journaled, resumable) and the test send.

The rules of a send live here, not in a face: an issue with check errors is not sent, one send at a time
holds the send state, and the plan is counted before anything goes out. The CLI and the browser desk only
call `open_send` / `outline` / `test_send` and show what comes back. An issue is one kind of mail
(`IssueMailing`); the plan, limits, ledger and dispatcher are composer/send/mailing.py's, as for every kind.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from email.headerregistry import Address
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path

from composer import checks
from composer.audience.consent import ConsentCount, Cutoff
from composer.audience.erasure import Erasures, apply_retention
from composer.audience.roster import Left, listed
from composer.audience.subscribers import LIST_DIR, checked_address, list_path
from composer.errors import ChecksFailedError
from composer.records import BadRow, Recipient
from composer.render.build import Build
from composer.send import schedules, staging
from composer.config.parts import Limits
from composer.send.dispatch import Summary
from composer.send.estimate import PACE, Estimate, estimate
from composer.send.links import Links
from composer.office import approval
from composer.send.mailing import Mailing, Options, Preview, Send, TransportFactory, open_mailing, preview, send_now
from composer.send.message import MessageFactory
from composer.send.quota import Schedule
from composer.send.transports import Destination, choose
from composer.config.settings import Settings
from composer.state import Journal, Plan


class IssueMailing(Mailing):
    """An issue to the rows of one list file and its confirmed sign-ups: who was erased on request or is past
    the list's reconfirmation deadline is left out (decided anew each run), and every row gets its unsubscribe
    link before anything is sent. The figures of what was left out go into the plan."""

    def __init__(self, build: Build, source: Path, settings: Settings, secret: bytes) -> None:
        self.build, self.source, self._settings, self._secret = build, source, settings, secret
        self.slug, self.list_name = build.slug, source.stem
        self._consent: ConsentCount | None = None
        self._erased: Erasures | None = None
        self._cutoff: Cutoff | None = None
        self._left: Left | None = None

    def rows(self, state: Journal, keep: bool) -> Iterator[Recipient | BadRow]:
        path, name = self.source, self.list_name
        self._consent, self._erased = ConsentCount.of(state.signups(name)), Erasures.of_list(state, self._secret, name)
        self._cutoff = Cutoff(state, name, self._consent, datetime.now().astimezone())
        read: staging.Reader = lambda seen: listed(path, state, seen)  # noqa: E731
        rows: Iterable[Recipient | BadRow] = (
            staging.kept(state, name, staging.fingerprint(path, state.signed_up(name)), read) if keep
            else staging.peek(state, name, staging.fingerprint(path, state.signed_up(name)), read))
        self._left = Left(state, name)  # who left this list on the reader's page
        return self._consent.watch(self._left.skip(self._cutoff.skip(self._erased.skip(rows))))

    def staged(self, state: Journal) -> None:
        """The retention sweeps (old delivery rows lose their addresses; proofs of ended subscriptions past theirs
        go) and the unsubscribe links."""
        apply_retention(state, self._secret, self._settings)
        Links(state, self._secret).remember_staged(self.list_name)

    def messages(self, state: Journal) -> MessageFactory:
        return MessageFactory(self.build, self._settings.sender, self._secret, list_name=self.list_name)

    def starting(self) -> None:
        """A planned send asks again at its start whether what goes out is approved."""
        approval.require(self._settings, self.build, self.list_name)

    def counted(self, plan: Plan) -> Plan:
        assert self._consent and self._erased and self._cutoff and self._left, "rows() runs first"
        return dataclasses.replace(plan, without_consent=self._consent.without, erased=self._erased.dropped,
                                   not_reconfirmed=self._cutoff.dropped, suppressed=plan.suppressed + self._left.dropped)


Campaign = Send[IssueMailing]


def checked(issue: Path, settings: Settings, secret: bytes) -> Build:
    """The issue built, if it passes the checks; raises ChecksFailedError with the errors otherwise."""
    subject = checks.prepare(issue, settings, secret)
    errors = checks.check(subject, spam=False, warnings=False).errors
    if errors:
        raise ChecksFailedError(list(errors), issue)
    return subject.build


def issue_mailing(issue: Path, list_name: str, settings: Settings, secret: bytes, lists: Path = LIST_DIR) -> IssueMailing:
    """The issue, if it passes the checks, to the list named `list_name`."""
    return IssueMailing(checked(issue, settings, secret), list_path(list_name, lists), settings, secret)


def approval_content(issue: Path, list_name: str, settings: Settings, secret: bytes, lists: Path = LIST_DIR) -> str:
    """The fingerprint an approval of the checked issue for `list_name` records (ChecksFailedError with errors)."""
    return _content(issue_mailing(issue, list_name, settings, secret, lists), settings)


def _content(mailing: IssueMailing, settings: Settings) -> str:
    return approval.fingerprint(mailing.build, settings.sender, mailing.list_name)


def review(issue: Path, list_name: str, settings: Settings, secret: bytes, lists: Path = LIST_DIR) -> tuple[str, Preview]:
    """What an approver looks at: the approval's fingerprint and the plan, from one build of the issue."""
    mailing = issue_mailing(issue, list_name, settings, secret, lists)
    return _content(mailing, settings), preview(mailing, settings)


def open_send(issue: Path, list_name: str, settings: Settings, secret: bytes, retry_failed: bool = False,
              retry_uncertain: bool = False, transports: TransportFactory | None = None,
              lists: Path = LIST_DIR, schedule: Schedule | None = None,
              beside_schedule: bool = False, dry_run: bool = False) -> AbstractContextManager[Campaign]:
    """A checked issue, approved for the list where approvals are required (ApprovalMissingError otherwise), and
    the send state held for this send alone, for as long as the caller is inside. While the desk has the issue
    planned, only the planned send itself (`beside_schedule`) or one told to go anyway starts. A `dry_run` sends
    nothing, so it needs no approval (the caller says what `approval.missing` finds)."""
    if not beside_schedule:
        with Journal(settings.state_dir, read_only=True) as journal:
            schedules.refuse_beside(journal, issue.stem, settings.zone)
    options = Options(retry_failed, retry_uncertain, schedule or Schedule(), transports)
    mailing = issue_mailing(issue, list_name, settings, secret, lists)
    if not dry_run:
        approval.require(settings, mailing.build, mailing.list_name)
    return open_mailing(mailing, settings, options)


@dataclass(frozen=True)
class Outline:
    """Everything the coordinator confirms before a send: what goes out, from whom, to which list, how many and who
    is skipped, the limits and sending hours in effect, and when it will be done (an estimate at `pace`)."""

    subject: str
    sender: str
    list_name: str
    preview: Preview
    limits: Limits
    estimate: Estimate
    content: str  # the fingerprint an approval for this list records (composer.office.approval)


def outline(issue: Path, list_name: str, settings: Settings, secret: bytes, start: datetime, pace: float = PACE,
            lists: Path = LIST_DIR) -> Outline:
    """What `open_send` would plan, read without the lock and without writing the send state (a page that only
    looks; it works while a send runs), with what it means: `start` is now or the planned time."""
    mailing = issue_mailing(issue, list_name, settings, secret, lists)
    shown = preview(mailing, settings)
    sender = settings.sender
    with Journal(settings.state_dir, read_only=True) as journal:
        recent = [datetime.fromtimestamp(at, start.tzinfo) for at in journal.handed_times(start.timestamp() - 86400)]
    ceiling = settings.rate_limit or pace
    # as a person reads it ('Flüchtlingskoordination … <…>'), not as the From header encodes it ('=?utf-8?q?…')
    shown_sender = str(Address(sender.name or mailing.build.issue.newsletter, addr_spec=sender.address))
    return Outline(mailing.build.issue.subject, shown_sender,
                   mailing.list_name, shown, settings.limits,
                   estimate(shown.plan.to_send, min(pace, ceiling), settings.limits, start, recent), _content(mailing, settings))


async def test_send(issue: Path, addresses: list[str], settings: Settings, secret: bytes,
                    transports: TransportFactory | None = None, dry_run: bool = False,
                    als: Recipient | None = None) -> tuple[Summary, Destination, Build]:
    """'[TEST] hh:mm:ss' in the subject so clients do not thread repeated tests; no send state is touched.
    The issue must pass the checks like a real send, so what is tested is what would go out. With `dry_run`
    the addresses, the issue and the settings are checked the same way, and nothing is sent. `als`: a list's
    member whose name (and columns) the test mail greets and addresses, as that member will get it."""
    recipients = [Recipient(checked_address(address), als.name if als else None, als.fields if als else {})
                  for address in addresses]
    build = checked(issue, settings, secret)
    if dry_run:
        return Summary(), choose(settings, f"{build.slug}-test")[1], build
    factory = MessageFactory(build.embedding(), settings.sender, secret, test=True)
    with Journal(settings.state_dir) as journal:  # the test mail's unsubscribe link works like a real one
        Links(journal, secret).remember([r.email for r in recipients], "newsletter")
    summary, destination = await send_now(factory, recipients, settings, f"{build.slug}-test", transports)
    return summary, destination, build
