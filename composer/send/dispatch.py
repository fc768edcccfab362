"""The async dispatcher: N reused connections, one shared rate limit, retries with backoff, a circuit breaker,
a graceful stop, and a ledger written around every transaction (sending before, sent only after the server
accepted; an unanswered end of data is uncertain and resent at most once in its history)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from composer.errors import (
    LimitReachedError,
    MessageError,
    PermanentSendError,
    RepeatedFailureError,
    SendError,
    SenderRefusedError,
    TemporarySendError,
    TransportError,
    UncertainSendError,
)
from composer.records import OutgoingMessage, Recipient
from composer.send.quota import Quota
from composer.send.stopping import Stop
from composer.send.transports.base import Transport
from composer.config.parts import Policy

IDLE_SECONDS = 60.0


class Ledger(Protocol):
    """The checkpoint the dispatcher keeps; the journal implements it, a test send keeps nothing."""

    def sending(self, email: str) -> None: ...
    def sent(self, email: str, reply: str, message_id: str, queue_id: str | None = None) -> None: ...
    def deferred(self, email: str, code: int, reply: str) -> None: ...
    def failed(self, email: str, code: int, reply: str) -> None: ...
    def uncertain(self, email: str, code: int, reply: str) -> bool: ...
    def released(self, email: str) -> None: ...
    def flush(self) -> None: ...


class Messages(Protocol):
    """Makes one recipient's message (MessageError when it cannot: that recipient is failed, the send goes on)."""

    def personalise(self, recipient: Recipient) -> OutgoingMessage: ...


class NoLedger:
    """For test sends: nothing about them is remembered, and an uncertain one is not sent again."""

    def sending(self, email: str) -> None:
        pass

    def sent(self, email: str, reply: str, message_id: str, queue_id: str | None = None) -> None:
        pass

    def deferred(self, email: str, code: int, reply: str) -> None:
        pass

    def failed(self, email: str, code: int, reply: str) -> None:
        pass

    def uncertain(self, email: str, code: int, reply: str) -> bool:
        return False

    def released(self, email: str) -> None:
        pass

    def flush(self) -> None:
        pass


@dataclass
class Summary:
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    uncertain: int = 0
    stopped: bool = False
    problems: list[SendError] = field(default_factory=list)

    @property
    def done(self) -> int:
        return self.sent + self.failed + self.deferred + self.uncertain


class Breaker:
    """The same failure for `limit` recipients in a row means the cause is the server or the account, not
    the recipients (listmonk's error threshold); a success, or another failure, starts the count again.
    It sees refusals for good and unanswered messages; a temporary refusal (greylisting) is retried anyway."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.streak: list[SendError] = []

    def success(self) -> None:
        self.streak.clear()

    def failure(self, exc: SendError) -> bool:
        """True when this failure trips the breaker."""
        if self.streak and _kind(self.streak[-1]) != _kind(exc):
            self.streak.clear()
        self.streak.append(exc)
        return bool(self.limit) and len(self.streak) >= self.limit


def _kind(exc: SendError) -> tuple[int, str]:
    """A reply without the recipient's address in it, so one refusal for many people compares equal."""
    return exc.code, exc.message.replace(exc.recipient, "").casefold()


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
    def __init__(self, factory: Messages, transports: Callable[[], Transport], ledger: Ledger, policy: Policy,
                 progress: Callable[[Summary], None] | None = None, quota: Quota | None = None) -> None:
        self._factory, self._transports, self._ledger, self._policy = factory, transports, ledger, policy
        self._quota = quota
        self._progress = progress or (lambda summary: None)
        self._limiter = RateLimiter(policy.rate_per_minute)
        self._breaker = Breaker(policy.stop_after_failures)
        self.summary = Summary()

    async def run(self, recipients: Iterable[Recipient], stop: Stop | None = None) -> Summary:
        """Returns when every recipient is sent, failed, deferred or uncertain, or after a stop request once
        the transactions under way have finished (`summary.stopped`). A fatal error (login or sender refused,
        server unreachable, the breaker) stops the same graceful way, then propagates; the unsent stay pending."""
        self._queue: asyncio.Queue[tuple[Recipient, int] | None] = asyncio.Queue()
        self._slots = asyncio.Semaphore(self._policy.concurrency * 8)
        self._open = 0
        self._fed = False
        self._stopping = False
        self._fatal: BaseException | None = None
        self._halt = asyncio.Event()
        self._done = asyncio.Event()
        workers = [asyncio.create_task(self._worker()) for _ in range(self._policy.concurrency)]
        feeder = asyncio.create_task(self._feed(recipients))
        tasks = [*workers, feeder]
        waits = [asyncio.create_task(self._done.wait()), asyncio.create_task(self._halt.wait()),
                 asyncio.create_task((stop or Stop()).wait())]
        graceful = False
        try:
            while not any(w.done() for w in waits):
                # Only the tasks still running: a finished feeder would make every wait return at once (a busy loop).
                await asyncio.wait([*waits, *(t for t in tasks if not t.done())], return_when=asyncio.FIRST_COMPLETED)
                for task in tasks:
                    if task.done() and not task.cancelled() and task.exception():
                        self._halt_for(task.exception())  # type: ignore[arg-type]
            if not self._done.is_set():
                self.summary.stopped = self._fatal is None
                self._stop_handing_out()
                await asyncio.gather(*workers, return_exceptions=True)
            graceful = True
        finally:
            # Workers are told to stop rather than only cancelled: a cancellation that lands while aiosmtplib
            # finishes a reply can be swallowed (asyncio.wait_for), and the worker would wait on the queue forever.
            self._stop_handing_out()
            for left in [feeder, *waits, *([] if graceful or self._done.is_set() else workers)]:
                left.cancel()
            await asyncio.gather(*tasks, *waits, return_exceptions=True)
            self._ledger.flush()
        if self._fatal is not None:
            raise self._fatal
        return self.summary

    def _halt_for(self, exc: BaseException) -> None:
        if self._fatal is None:
            self._fatal = exc
        self._halt.set()

    def _stop_handing_out(self) -> None:
        if self._stopping:
            return
        self._stopping = True
        self._halt.set()
        for _ in range(self._policy.concurrency):
            self._queue.put_nowait(None)

    async def _pause(self, seconds: float) -> bool:
        """Sleeps, unless a stop comes first; False when the send is stopping."""
        if seconds > 0 and not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._halt.wait(), seconds)
        return not self._stopping

    async def _feed(self, recipients: Iterable[Recipient]) -> None:
        """Holds only a bounded window of recipients in memory, however long the list."""
        for recipient in recipients:
            await self._slots.acquire()
            if self._stopping:
                return
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
        held: tuple[Recipient, int, OutgoingMessage] | None = None  # the next message, already announced to the server
        try:
            while True:
                if held is not None:
                    (recipient, attempt, message), held = held, None
                else:
                    item = await self._queue.get()
                    if item is None or self._stopping:
                        return
                    recipient, attempt = item
                    if (made := self._personalise(recipient)) is None:
                        continue
                    message = made
                if self._stopping:
                    return
                if not (connected and transport.is_open):
                    if not await self._connect(transport):
                        return
                    connected, on_connection = True, 0
                if on_connection + 1 != self._policy.max_per_connection and self._ahead(transport):
                    held = self._take()
                await self._deliver(transport, recipient, attempt, message, held[2] if held else None)
                on_connection += 1
                if not transport.is_open or on_connection == self._policy.max_per_connection:
                    await transport.close()
                    connected = False
        finally:
            self._ledger.flush()
            await transport.close()

    def _ahead(self, transport: Transport) -> bool:
        """Whether the next message may be announced with this one: not while a rate limit or quota decides
        when it goes (the server would wait for its content meanwhile), nor during a stop."""
        waits = self._policy.rate_per_minute or (self._quota is not None and self._quota.may_wait)
        return not self._stopping and not (transport.rate_limited and waits)

    def _take(self) -> tuple[Recipient, int, OutgoingMessage] | None:
        """The next queued recipient with its message, when one is waiting; a stop request stays queued."""
        while True:
            try:
                item = self._queue.get_nowait()
            except asyncio.QueueEmpty:
                return None
            if item is None:
                self._queue.put_nowait(None)
                return None
            recipient, attempt = item
            if (message := self._personalise(recipient)) is not None:
                return recipient, attempt, message

    def _personalise(self, recipient: Recipient) -> OutgoingMessage | None:
        try:
            return self._factory.personalise(recipient)
        except MessageError as exc:
            self._fail(PermanentSendError(0, str(exc), recipient.email), counts=False)
            return None

    async def _slot(self, quota: Quota, transport: Transport) -> bool:
        """The quota's slot for the next message, taken after the last check for a stop, so every slot taken is
        a message sent. At a limit with --stop-at-limit the send stops the graceful way with the limit's error.
        After a long wait the idle connection is opened anew (the server has long hung up on it)."""
        if quota.may_wait:  # it may wait for hours: what is known is written first
            self._ledger.flush()
        try:
            waited = await quota.acquire(self._halt)
        except LimitReachedError as exc:
            self._halt_for(exc)
            return False
        if waited is None:
            return False
        if waited > IDLE_SECONDS:
            await transport.close()
            return await self._connect(transport)
        return True

    async def _connect(self, transport: Transport) -> bool:
        self._ledger.flush()
        for failures in range(self._policy.retry_budget):
            try:
                await transport.open()
                return True
            except TransportError:
                if failures + 1 == self._policy.retry_budget:
                    raise
                if not await self._pause(self._policy.delay(failures)):
                    return False
        return False

    async def _deliver(self, transport: Transport, recipient: Recipient, attempt: int, message: OutgoingMessage,
                       following: OutgoingMessage | None) -> None:
        if transport.rate_limited:
            await self._limiter.wait()
        if self._stopping:
            return
        if self._quota and transport.rate_limited and not await self._slot(self._quota, transport):
            return
        self._ledger.sending(recipient.email)
        try:
            accepted = await transport.send(message, following)
        except SenderRefusedError as exc:
            self._ledger.released(recipient.email)
            self._halt_for(exc)
        except PermanentSendError as exc:
            self._fail(exc)
        except UncertainSendError as exc:
            again = self._ledger.uncertain(recipient.email, exc.code, exc.message)
            if self._tripped(exc):
                return
            if again:
                self._again(exc, recipient, attempt)
            else:
                self.summary.uncertain += 1
                self._give_up(exc)
        except TemporarySendError as exc:
            self._ledger.deferred(recipient.email, exc.code, exc.message)
            self._again(exc, recipient, attempt)
        else:
            self._ledger.sent(recipient.email, accepted.reply, message.message_id, accepted.queue_id)
            self._breaker.success()
            self.summary.sent += 1
            self._finish()

    def _again(self, exc: TemporarySendError, recipient: Recipient, attempt: int) -> None:
        """Retried later in this run while the budget lasts; after it, deferred to the next run."""
        if attempt + 1 < self._policy.retry_budget:
            loop = asyncio.get_running_loop()
            loop.call_later(self._policy.delay(attempt), self._retry, recipient, attempt + 1)
        else:
            if isinstance(exc, UncertainSendError):  # its row says uncertain: the server may have kept it
                self.summary.uncertain += 1
            else:
                self.summary.deferred += 1
            self._give_up(exc)

    def _retry(self, recipient: Recipient, attempt: int) -> None:
        if not self._stopping:
            self._queue.put_nowait((recipient, attempt))

    def _fail(self, exc: SendError, counts: bool = True) -> None:
        """`counts`: whether the breaker sees it; a message that cannot be made says nothing about the server."""
        if counts and self._tripped(exc):
            self._ledger.released(exc.recipient)
            return
        self._ledger.failed(exc.recipient, exc.code, exc.message)
        self.summary.failed += 1
        self._give_up(exc)

    def _give_up(self, exc: SendError) -> None:
        self.summary.problems.append(exc)
        self._finish()

    def _tripped(self, exc: SendError) -> bool:
        """After the breaker trips, the failures of its streak (and any after) are not the recipients': they
        go back to pending, and the send stops."""
        if self._fatal is None and not self._breaker.failure(exc):
            return False
        if self._fatal is None:
            for earlier in self._breaker.streak[:-1]:
                if earlier in self.summary.problems and isinstance(earlier, PermanentSendError):
                    self.summary.problems.remove(earlier)
                    self.summary.failed -= 1
                    self._ledger.released(earlier.recipient)
            n, reply = len(self._breaker.streak), f"{exc.code} {exc.message}" if exc.code else exc.message
            self._halt_for(RepeatedFailureError(
                f"stopped: the server gave the same answer for {n} recipients in a row ({reply}); this is not about "
                "the recipients, so nobody was marked failed for it. Fix the cause, then run the same command again"))
        return True
