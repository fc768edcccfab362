"""Keeps messages in a list: for tests and for callers that want the bytes, not a delivery."""

from __future__ import annotations

from composer.records import OutgoingMessage
from composer.send.transports.base import Accepted, Transport


class MemoryTransport(Transport):
    def __init__(self, mailbox: list[OutgoingMessage]) -> None:
        self.mailbox = mailbox

    async def open(self) -> None:
        pass

    async def send(self, message: OutgoingMessage, following: OutgoingMessage | None = None) -> Accepted:
        self.mailbox.append(message)
        return Accepted(f"kept in memory as message {len(self.mailbox)}")

    async def close(self) -> None:
        pass
