"""SMTP PIPELINING (RFC 2920) on a connection aiosmtplib opened: several commands in one write, replies in order.

aiosmtplib reads one reply per command and drops bytes that arrive while no command waits, so pipelined
replies would be lost; for the length of one exchange this adapter reads the socket itself. It relies on
aiosmtplib's internals listed in RELIES_ON (pinned range in pyproject.toml; tests/test_pipelining.py fails
loudly when a new version changes them).
"""

from __future__ import annotations

import asyncio

import aiosmtplib
from aiosmtplib.protocol import SMTPProtocol
from aiosmtplib.response import SMTPResponse

RELIES_ON = {
    aiosmtplib.SMTP: ("protocol", "_ehlo_or_helo_if_needed", "supports_extension"),
    SMTPProtocol: ("write", "data_received", "connection_lost", "read_response", "transport", "_command_lock"),
}


class _Replies:
    """Parses the server's bytes into replies (multi-line ones joined), in order, until `expected` have come
    or the connection ended: one wake-up for the whole round trip, not one task per reply."""

    def __init__(self, expected: int) -> None:
        self._buffer = bytearray()
        self._lines: list[str] = []
        self.replies: list[SMTPResponse] = []
        self.expected = expected
        self.ended: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def feed(self, data: bytes) -> None:
        self._buffer.extend(data)
        while (end := self._buffer.find(b"\n")) >= 0:
            line = bytes(self._buffer[:end]).rstrip(b"\r").decode("utf-8", "surrogateescape")
            del self._buffer[:end + 1]
            self._lines.append(line[4:])
            if line[3:4] != "-":
                code = int(line[:3]) if line[:3].isdigit() else 500
                self.replies.append(SMTPResponse(code, "\n".join(self._lines)))
                self._lines = []
        if len(self.replies) >= self.expected:
            self.lost()

    def lost(self) -> None:
        if not self.ended.done():
            self.ended.set_result(None)


async def offered(client: aiosmtplib.SMTP) -> bool:
    """Whether the server offers PIPELINING, greeting it first (EHLO, else HELO) if that has not happened yet."""
    await client._ehlo_or_helo_if_needed()
    return client.supports_extension("pipelining")


async def exchange(client: aiosmtplib.SMTP, commands: list[bytes], timeout: float | None) -> list[SMTPResponse]:
    """Writes the commands at once and returns their replies in order; raises aiosmtplib's
    SMTPServerDisconnected or SMTPReadTimeoutError when the connection ends or goes quiet first."""
    replies, error = await converse(client, b"", commands, timeout)
    if error is not None:
        raise error
    return replies


async def converse(client: aiosmtplib.SMTP, data: bytes, commands: list[bytes], timeout: float | None, end: bool = False
                   ) -> tuple[list[SMTPResponse], aiosmtplib.SMTPException | None]:
    """One round trip: writes `data` (with `end`, a message's dot-stuffed content, followed by its end) and the
    commands in one write, and reads a reply for the message (with `end`) and for each command, in order. Returns the
    replies read and, when the connection ended or went quiet before the last of them, why; the replies
    read before that stand (a message's end of data answered 250 was accepted, whatever follows)."""
    protocol = client.protocol
    if protocol is None or protocol._command_lock is None:
        return [], aiosmtplib.SMTPServerDisconnected("Connection lost")
    for command in commands:
        if b"\r" in command or b"\n" in command:
            raise ValueError("an SMTP command contains a line break")
    expected = len(commands) + (1 if end else 0)
    replies = _Replies(expected)
    closed = protocol.connection_lost

    def lost(exc: Exception | None) -> None:
        replies.lost()
        closed(exc)

    error: aiosmtplib.SMTPException | None = None
    async with protocol._command_lock:
        protocol.data_received = replies.feed  # type: ignore[method-assign]
        protocol.connection_lost = lost  # type: ignore[method-assign]
        try:
            protocol.write(b"".join((data, b".\r\n" if end else b"", *(c + b"\r\n" for c in commands))))
            async with asyncio.timeout(timeout):
                await replies.ended
        except aiosmtplib.SMTPServerDisconnected as exc:
            error = exc
        except TimeoutError:
            error = aiosmtplib.SMTPReadTimeoutError("Timed out waiting for server response")
        finally:
            del protocol.data_received, protocol.connection_lost
    read = replies.replies[:expected]
    if error is None and len(read) < expected:
        error = aiosmtplib.SMTPServerDisconnected("Connection lost")
    return read, error
