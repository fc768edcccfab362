"""The one interface every transport keeps, so the dispatcher never knows where mail goes."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from composer.records import OutgoingMessage


class Transport(ABC):
    """One connection's worth of sending; the dispatcher makes one per concurrent worker.

    `send` returns the server's acceptance text, or raises TemporarySendError (worth retrying, the
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
    async def send(self, message: OutgoingMessage, following: OutgoingMessage | None = None) -> str: ...

    @abstractmethod
    async def close(self) -> None: ...

    @property
    def is_open(self) -> bool:
        return True
