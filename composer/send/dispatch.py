"""The async dispatcher: N reused connections, one shared rate limit, retries with backoff, and a ledger
written around every transaction (sending before, sent only after the server accepted)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from composer.errors import MessageError, PermanentSendError, SendError, TemporarySendError, TransportError
from composer.records import Recipient
from composer.send.message import MessageFactory
from composer.send.transports.base import Transport
from composer.settings import Settings


class Ledger(Protocol):
    """The checkpoint the dispatcher keeps; the journal implements it, a test send keeps nothing."""

    def sending(self, email: str) -> None: ...
    def sent(self, email: str, reply: str, message_id: str) -> None: ...
    def deferred(self, email: str, code: int, reply: str) -> None: ...
    def failed(self, email: str, code: int, reply: str) -> None: ...


class NoLedger:
    """For test sends: nothing about them is remembered."""

    def sending(self, email: str) -> None:
        pass

    def sent(self, email: str, reply: str, message_id: str) -> None:
        pass

    def deferred(self, email: str, code: int, reply: str) -> None:
        pass

    def failed(self, email: str, code: int, reply: str) -> None:
        pass


@dataclass(frozen=True)
class Policy:
    concurrency: int = 4
    rate_per_minute: float = 0.0
    max_per_connection: int | None = None
    retry_budget: int = 5
    base_delay: float = 2.0
    max_delay: float = 300.0

    @classmethod
    def from_settings(cls, s: Settings) -> Policy:
        """The configured rate limit; each transport says whether it applies to it (Transport.rate_limited)."""
        return cls(s.concurrency, s.rate_limit, s.max_per_connection, s.retry_budget, s.retry_base_delay, s.retry_max_delay)

    def delay(self, attempt: int) -> float:
        """Exponential backoff with jitter, so retries from many workers do not arrive together."""
        return min(self.max_delay, self.base_delay * 2**attempt) * random.uniform(0.5, 1.5)


@dataclass
class Summary:
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    problems: list[SendError] = field(default_factory=list)

    @property
    def done(self) -> int:
        return self.sent + self.failed + self.deferred


class RateLimiter:
    """Hands out evenly spaced send slots shared by all connections; 0 means no limit."""

    def __init__(self, per_minute: float) -> None:
        self._interval = 60.0 / per_minute if per_minute else 0.0
        self._next = 0.0

    async def wait(self) -> None:
        if not self._interval:
            return
        now = asyncio.get_running_loop().time()
        slot = max(now, self._next)
        self._next = slot + self._interval
        if slot > now:
            await asyncio.sleep(slot - now)


class Dispatcher:
    def __init__(self, factory: MessageFactory, transports: Callable[[], Transport], ledger: Ledger, policy: Policy,
                 progress: Callable[[Summary], None] | None = None) -> None:
        self._factory, self._transports, self._ledger, self._policy = factory, transports, ledger, policy
        self._progress = progress or (lambda summary: None)
        self._limiter = RateLimiter(policy.rate_per_minute)
        self.summary = Summary()

    async def run(self, recipients: Iterable[Recipient]) -> Summary:
        """Returns when every recipient is sent, failed or deferred; a fatal error (login refused, server
        unreachable) stops all workers and propagates, leaving the unsent as they were in the ledger."""
        self._queue: asyncio.Queue[tuple[Recipient, int] | None] = asyncio.Queue()
        self._slots = asyncio.Semaphore(self._policy.concurrency * 8)
        self._open = 0
        self._fed = False
        self._stopping = False
        self._done = asyncio.Event()
        workers = [asyncio.create_task(self._worker()) for _ in range(self._policy.concurrency)]
        feeder = asyncio.create_task(self._feed(recipients))
        tasks = [*workers, feeder]
        finished = asyncio.create_task(self._done.wait())
        try:
            while not finished.done():
                await asyncio.wait([finished, *tasks], return_when=asyncio.FIRST_COMPLETED)
                for task in tasks:
                    if task.done() and not task.cancelled() and task.exception():
                        raise task.exception()  # type: ignore[misc]
        finally:
            # Workers are told to stop rather than only cancelled: a cancellation that lands while aiosmtplib
            # finishes a reply can be swallowed (asyncio.wait_for), and the worker would wait on the queue forever.
            self._stopping = True
            for _ in workers:
                self._queue.put_nowait(None)
            for task in [feeder, finished, *([] if self._done.is_set() else workers)]:
                task.cancel()
            await asyncio.gather(*tasks, finished, return_exceptions=True)
        return self.summary

    async def _feed(self, recipients: Iterable[Recipient]) -> None:
        """Holds only a bounded window of recipients in memory, however long the list."""
        for recipient in recipients:
            await self._slots.acquire()
            self._open += 1
            self._queue.put_nowait((recipient, 0))
        self._fed = True
        if self._open == 0:
            self._done.set()

    def _finish(self) -> None:
        self._open -= 1
        self._slots.release()
        self._progress(self.summary)
        if self._fed and self._open == 0:
            self._done.set()

    async def _worker(self) -> None:
        transport = self._transports()
        connected, on_connection = False, 0
        try:
            while True:
                item = await self._queue.get()
                if item is None or self._stopping:
                    return
                recipient, attempt = item
                if not (connected and transport.is_open):
                    await self._connect(transport)
                    connected, on_connection = True, 0
                await self._deliver(transport, recipient, attempt)
                on_connection += 1
                if not transport.is_open or on_connection == self._policy.max_per_connection:
                    await transport.close()
                    connected = False
        finally:
            await transport.close()

    async def _connect(self, transport: Transport) -> None:
        for failures in range(self._policy.retry_budget):
            try:
                await transport.open()
                return
            except TransportError:
                if failures + 1 == self._policy.retry_budget:
                    raise
                await asyncio.sleep(self._policy.delay(failures))

    async def _deliver(self, transport: Transport, recipient: Recipient, attempt: int) -> None:
        try:
            message = self._factory.personalise(recipient)
        except MessageError as exc:
            self._fail(PermanentSendError(0, str(exc), recipient.email))
            return
        if transport.rate_limited:
            await self._limiter.wait()
        self._ledger.sending(recipient.email)
        try:
            reply = await transport.send(message)
        except PermanentSendError as exc:
            self._fail(exc)
        except TemporarySendError as exc:
            self._ledger.deferred(recipient.email, exc.code, exc.message)
            if attempt + 1 < self._policy.retry_budget:
                loop = asyncio.get_running_loop()
                loop.call_later(self._policy.delay(attempt), self._retry, recipient, attempt + 1)
            else:
                self.summary.deferred += 1
                self.summary.problems.append(exc)
                self._finish()
        else:
            self._ledger.sent(recipient.email, reply, message.message_id)
            self.summary.sent += 1
            self._finish()

    def _retry(self, recipient: Recipient, attempt: int) -> None:
        if not self._stopping:
            self._queue.put_nowait((recipient, attempt))

    def _fail(self, exc: SendError) -> None:
        self._ledger.failed(exc.recipient, exc.code, exc.message)
        self.summary.failed += 1
        self.summary.problems.append(exc)
        self._finish()
