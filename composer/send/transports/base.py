"""The one interface every transport keeps, so the dispatcher never knows where mail goes."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from composer.records import OutgoingMessage


@dataclass(frozen=True)
class Accepted:
    """A message taken by the receiving end, for one recipient: what it said (an SMTP server's reply to the end of
    the data, without its code; where a file was written) and, from a relay that named one in that reply, its queue
    id, by which the relay's own reports (DSNs, logs) about the message can be matched to the delivery."""

    reply: str
    queue_id: str | None = None


class Transport(ABC):
    """One connection's worth of sending; the dispatcher makes one per concurrent worker.

    `send` returns what the receiving end said when it took the message (Accepted), or raises TemporarySendError (worth retrying, the
    connection may be gone), PermanentSendError (this recipient will not be accepted), SenderRefusedError
    (the sender was refused: not the recipient's fault, the send stops) or UncertainSendError (the whole
    message was handed over but no answer came: the server may have kept it). `open` raises TransportError
    (retried) or a SettingsError such as LoginRefusedError (the send stops).

    `following` is the message this connection will be asked to send next, when the dispatcher already knows
    it: a transport may start it in the same write (SMTP pipelining). If the next `send` is for another
    message, or the connection is closed instead, the started one is dropped, never delivered.
    """

    rate_limited: ClassVar[bool] = False
    """Whether the configured rate limit applies: a provider counts messages, a folder or a list does not."""

    @abstractmethod
    async def open(self) -> None: ...

    @abstractmethod
    async def send(self, message: OutgoingMessage, following: OutgoingMessage | None = None) -> Accepted: ...

    @abstractmethod
    async def close(self) -> None: ...

    @property
    def is_open(self) -> bool:
        return True
