"""Sending an issue: the real send to a list (planned, journaled, resumable) and the test send to oneself."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from email_validator import EmailNotValidError

from composer.audience.subscribers import list_path, read_list, recipient_address
from composer.errors import AddressError
from composer.records import Recipient
from composer.render.build import Build
from composer.send.dispatch import Dispatcher, NoLedger, Policy, Summary
from composer.send.journal import Journal, Plan
from composer.send.message import MessageFactory
from composer.send.transports import Transport, choose
from composer.settings import Settings

TransportFactory = Callable[[], Transport]


@dataclass
class Campaign:
    """One issue to one list, with its plan counted and the list staged, ready to run."""

    build: Build
    source: Path
    journal: Journal
    plan: Plan
    retry_failed: bool
    destination: str
    _factory: MessageFactory
    _transports: TransportFactory
    _policy: Policy

    @property
    def list_name(self) -> str:
        return self.source.stem

    async def run(self, progress: Callable[[Summary], None] | None = None) -> Summary:
        dispatcher = Dispatcher(self._factory, self._transports, self.journal.ledger(self.build.slug), self._policy, progress)
        return await dispatcher.run(self.journal.queue(self.build.slug, self.retry_failed))


def prepare(build: Build, list_name: str, journal: Journal, settings: Settings, secret: bytes,
            retry_failed: bool = False, transports: TransportFactory | None = None) -> Campaign:
    """Reads the list (bad rows are kept for the report, not sent) and counts what a send would do."""
    path = list_path(list_name)
    bad = journal.stage(itertools.chain(read_list(path), journal.signups(path.stem)))
    plan = journal.plan(build.slug, bad, retry_failed)
    chosen, destination = choose(settings, build.slug)
    factory = MessageFactory(build, settings, secret, list_name=path.stem)
    return Campaign(build, path, journal, plan, retry_failed, destination, factory,
                    transports or chosen, Policy.from_settings(settings))


async def test_send(build: Build, addresses: list[str], settings: Settings, secret: bytes,
                    transports: TransportFactory | None = None) -> tuple[Summary, str]:
    """'[TEST] hh:mm:ss' in the subject so clients do not thread repeated tests; no send state is touched."""
    recipients = []
    for address in addresses:
        try:
            recipients.append(Recipient(recipient_address(address)))
        except EmailNotValidError as exc:
            raise AddressError(f"{address!r} is not a valid email address ({exc})") from None
    chosen, destination = choose(settings, f"{build.slug}-test")
    factory = MessageFactory(build, settings, secret, test=True)
    policy = Policy.from_settings(settings)
    dispatcher = Dispatcher(factory, transports or chosen, NoLedger(), policy)
    return await dispatcher.run(recipients), destination
