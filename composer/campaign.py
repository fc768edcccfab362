"""Sending an issue: the real send to a list (checked, locked, planned, journaled, resumable) and the test send.

The rules of a send live here, not in a face: an issue with check errors is not sent, one send at a time
holds the send state, and the plan is counted before anything goes out. The CLI and the browser desk only
call `open_send` / `test_send` and show what comes back.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from composer import checks
from composer.send.ledger import IssueLedger
from composer.audience.consent import ConsentCount
from composer.audience.erasure import Erasures, anonymise_old
from composer.audience.reconfirm import Cutoff
from composer.audience.roster import listed
from composer.audience.subscribers import LIST_DIR, checked_address, list_path
from composer.errors import ChecksFailedError
from composer.records import Recipient
from composer.render.build import Build
from composer.send.dispatch import Dispatcher, NoLedger, Policy, Summary
from composer.state import Journal, Plan
from composer.send.links import Links
from composer.send.message import MessageFactory
from composer.send.quota import Quota, Schedule, Waiting, quota_for
from composer.send import staging
from composer.send.stopping import Stop
from composer.send.transports import Destination, Transport, choose
from composer.config.settings import Settings

TransportFactory = Callable[[], Transport]


@dataclass
class Campaign:
    """One issue to one list, with its plan counted and the list staged, ready to run."""

    build: Build
    source: Path
    journal: Journal
    plan: Plan
    retry_failed: bool
    destination: Destination
    _factory: MessageFactory
    _transports: TransportFactory
    _policy: Policy
    retry_uncertain: bool = False
    quota: Quota | None = None

    @property
    def list_name(self) -> str:
        return self.source.stem

    def delivered(self) -> int:
        """How many of the list's recipients have the issue now (the issue's other lists not counted)."""
        return self.journal.plan(self.build.slug, []).already_sent

    @property
    def timeout(self) -> float:
        """How long a stop may wait for the messages under way: one SMTP reply."""
        return self._policy.timeout

    async def run(self, progress: Callable[[Summary], None] | None = None, stop: Stop | None = None,
                  waiting: Waiting | None = None) -> Summary:
        """Sends the plan; after `stop` is requested it returns once the transactions under way are recorded.
        `waiting(until, why)` is told when a limit, the sending hours or the planned start hold the send back."""
        if self.plan.to_send == 0:  # everyone listed is sent, skipped or unsubscribed: nothing to record either
            return Summary()
        if self.quota and waiting:
            self.quota.waiting = waiting
        with IssueLedger(self.journal, self.build.slug) as ledger:
            if self.quota:
                self.quota.log_with(ledger.handed)
            dispatcher = Dispatcher(self._factory, self._transports, ledger, self._policy, progress, self.quota)
            queue = self.journal.queue(self.build.slug, self.retry_failed, self.retry_uncertain)
            return await dispatcher.run(queue, stop)


def checked(issue: Path, settings: Settings, secret: bytes) -> Build:
    """The issue built, if it passes the checks; raises ChecksFailedError with the errors otherwise."""
    subject = checks.prepare(issue, settings, secret)
    errors = checks.check(subject, spam=False, warnings=False).errors
    if errors:
        raise ChecksFailedError(list(errors), issue)
    return subject.build


@contextlib.contextmanager
def open_send(issue: Path, list_name: str, settings: Settings, secret: bytes, retry_failed: bool = False,
              retry_uncertain: bool = False, transports: TransportFactory | None = None,
              lists: Path = LIST_DIR, schedule: Schedule | None = None) -> Iterator[Campaign]:
    """A checked issue and the send state held for this send alone, for as long as the caller is inside."""
    build = checked(issue, settings, secret)
    with Journal(settings.state_dir, exclusive=True) as journal:
        anonymise_old(journal, secret, settings.retention_days)
        campaign = _prepare(build, list_name, journal, settings, secret, retry_failed, transports, lists, retry_uncertain)
        campaign.quota = quota_for(journal, settings.limits, settings.zone, build.slug, campaign.list_name,
                                   schedule or Schedule())
        yield campaign


def _prepare(build: Build, list_name: str, journal: Journal, settings: Settings, secret: bytes,
            retry_failed: bool = False, transports: TransportFactory | None = None, lists: Path = LIST_DIR,
            retry_uncertain: bool = False) -> Campaign:
    """Reads the list (bad rows are kept for the report, not sent) and counts what a send would do."""
    path = list_path(list_name, lists)
    chosen, destination = choose(settings, build.slug)
    consent, erased = ConsentCount.of(journal.signups(path.stem)), Erasures(journal, secret)
    cutoff = Cutoff(journal, path.stem, consent, datetime.now().astimezone())
    rows = staging.kept(journal, path.stem, staging.fingerprint(path, journal.signed_up(path.stem)),
                        lambda seen: listed(path, journal, seen))
    bad = journal.stage(consent.watch(cutoff.skip(erased.skip(rows, keep=consent.signed_up))))
    Links(journal, secret).remember_staged(path.stem)
    plan = dataclasses.replace(journal.plan(build.slug, bad, retry_failed, retry_uncertain), without_consent=consent.without,
                               erased=erased.skipped, not_reconfirmed=cutoff.dropped)
    factory = MessageFactory(build, settings.sender, secret, list_name=path.stem)
    return Campaign(build, path, journal, plan, retry_failed, destination, factory,
                    transports or chosen, settings.delivery, retry_uncertain)


async def test_send(issue: Path, addresses: list[str], settings: Settings, secret: bytes,
                    transports: TransportFactory | None = None, dry_run: bool = False) -> tuple[Summary, Destination, Build]:
    """'[TEST] hh:mm:ss' in the subject so clients do not thread repeated tests; no send state is touched.
    The issue must pass the checks like a real send, so what is tested is what would go out. With `dry_run`
    the addresses, the issue and the settings are checked the same way, and nothing is sent."""
    recipients = [Recipient(checked_address(address)) for address in addresses]
    build = checked(issue, settings, secret)
    chosen, destination = choose(settings, f"{build.slug}-test")
    if dry_run:
        return Summary(), destination, build
    factory = MessageFactory(build, settings.sender, secret, test=True)
    with Journal(settings.state_dir) as journal:  # the test mail's unsubscribe link works like a real one
        Links(journal, secret).remember([r.email for r in recipients], "newsletter")
    policy = settings.delivery
    dispatcher = Dispatcher(factory, transports or chosen, NoLedger(), policy)
    return await dispatcher.run(recipients), destination, build
