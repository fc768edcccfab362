"""A sliding-window limit kept in the server process: the public sign-up form counts every post of a client, the
desk's login every wrong password. Both faces use this one; a restart forgets it (a proxy's limit is the lasting one)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class RateLimit:
    """At most `limit` events per key in any `window` seconds; keys fall out when their window is empty."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._events: dict[str, deque[float]] = {}

    def full(self, key: str) -> bool:
        now = self.clock()
        for other in [k for k, q in self._events.items() if q[-1] <= now - self.window]:
            del self._events[other]
        events = self._events.get(key, deque())
        while events and events[0] <= now - self.window:
            events.popleft()
        return len(events) >= self.limit

    def add(self, key: str) -> None:
        self._events.setdefault(key, deque()).append(self.clock())

    def allow(self, key: str) -> bool:
        """Counts the event if the window has room for it."""
        if self.full(key):
            return False
        self.add(key)
        return True

    def clear(self) -> None:
        """Forgets every count, as a restart of the server does."""
        self._events.clear()
