"""Stopping a send gracefully: a request the dispatcher honours, from a signal, a button or another thread.

After a stop request nothing new is handed out; the transactions already started finish (bounded by the
SMTP timeout) and are recorded, so a rerun continues without sending anyone the issue twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Iterator

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
REASONS = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "asked to stop, SIGTERM", signal.SIGHUP: "terminal closed, SIGHUP"}


class Stop:
    """One send's stop request. `request` may be called from any thread; `wait` is awaited by the dispatcher."""

    def __init__(self) -> None:
        self.reason: str | None = None
        self.signal: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None

    @property
    def requested(self) -> bool:
        return self.reason is not None

    def request(self, reason: str = "stop requested") -> None:
        if self.reason is None:
            self.reason = reason
        loop, event = self._loop, self._event
        if loop is not None and event is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: the run is over, nothing to stop
                loop.call_soon_threadsafe(event.set)

    async def wait(self) -> None:
        self._loop, self._event = asyncio.get_running_loop(), asyncio.Event()
        if self.reason is None:
            await self._event.wait()

    @property
    def exit_code(self) -> int:
        """What a shell expects from a process stopped by a signal: 128 + its number (130 for Ctrl-C)."""
        return 128 + (self.signal or signal.SIGINT)


@contextlib.contextmanager
def stopped_by_signals(stop: Stop, notice: Callable[[Stop], None] | None = None) -> Iterator[Stop]:
    """Inside a running event loop: the first SIGINT, SIGTERM or SIGHUP requests a graceful stop (and calls
    `notice`, so the person waiting knows what is happening), a second one cancels the current task at once
    (what was in flight is then sent again, and flagged, by the rerun)."""
    loop, task = asyncio.get_running_loop(), asyncio.current_task()

    def on_signal(signum: int) -> None:
        if stop.requested:
            if task is not None:
                task.cancel()
            return
        stop.signal = signum
        stop.request(REASONS[signal.Signals(signum)])
        if notice is not None:
            notice(stop)

    # A signal someone chose to ignore stays ignored: `nohup newsletter send ...` goes on when the terminal closes.
    before = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    handled = [signum for signum, handler in before.items() if handler is not signal.SIG_IGN]
    for signum in handled:
        loop.add_signal_handler(signum, on_signal, signum)
    try:
        yield stop
    finally:
        for signum in handled:
            loop.remove_signal_handler(signum)
            signal.signal(signum, before[signum])
