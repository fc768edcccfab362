"""SMTP PIPELINING (RFC 2920) on a connection aiosmtplib opened: several commands in one write, replies in order.

aiosmtplib's protocol reads one reply per command and drops bytes that arrive while no command waits, so
pipelined replies would be lost. For the length of one exchange the connection's transport is lent to a
`_Replies` reader with asyncio's public `BaseTransport.set_protocol`, and given back after: aiosmtplib's protocol
object is never changed, so this works on every loop whose transports route their data to the protocol set
last. The standard loop and uvloop do (tests/test_pipelining.py sends through both, plain and over TLS); on any
other loop `offered` says no and the transport sends one command at a time.

aiosmtplib's safeguards are kept: the bounds on a reply line and a whole reply (its MAX_LINE_LENGTH and
MAX_RESPONSE_LENGTH), the refusal of control characters in a command (its COMMAND_INJECTION_REGEX) and the
address quoting of its MAIL and RCPT (`quote_address`).
"""

from __future__ import annotations

import asyncio
import re
from typing import cast

import aiosmtplib
from aiosmtplib.email import quote_address
from aiosmtplib.protocol import COMMAND_INJECTION_REGEX, MAX_LINE_LENGTH, MAX_RESPONSE_LENGTH

_SERVED_LOOPS = ("asyncio", "uvloop")  # the packages whose loops' transports are known to honour set_protocol


class _Replies(asyncio.Protocol):
    """Parses the server's bytes into replies (multi-line ones joined, as aiosmtplib joins them), in order, until
    `expected` have come or the connection ended: one wake-up for the whole round trip, not one task per reply.
    Closing and flow control go on to aiosmtplib's protocol, which owns the connection before and after."""

    def __init__(self, owner: asyncio.BaseProtocol, expected: int) -> None:
        self._owner = owner
        self._buffer = bytearray()
        self._lines: list[bytes] = []
        self._size = 0  # bytes of the reply being read, its complete lines included
        self.replies: list[aiosmtplib.SMTPResponse] = []
        self.expected = expected
        self.error: aiosmtplib.SMTPException | None = None
        self.ended: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def data_received(self, data: bytes) -> None:
        if self.ended.done():
            return
        self._buffer.extend(data)
        while len(self.replies) < self.expected and (end := self._buffer.find(b"\n")) >= 0:
            line = bytes(self._buffer[:end + 1])
            del self._buffer[:end + 1]
            self._size += len(line)
            if len(line) > MAX_LINE_LENGTH or self._size > MAX_RESPONSE_LENGTH:
                return self._fail(aiosmtplib.SMTPResponseException(500, "Response too long"))
            if not line[:3].isdigit():
                text = line.decode("utf-8", errors="ignore")
                return self._fail(aiosmtplib.SMTPResponseException(500, f"Malformed SMTP response line: {text}"))
            self._lines.append(line[4:].strip(b" \t\r\n"))
            if line[3:4] != b"-":
                text = b"\n".join(self._lines).decode("utf-8", "surrogateescape")
                self.replies.append(aiosmtplib.SMTPResponse(int(line[:3]), text))
                self._lines, self._size = [], 0
        if len(self.replies) >= self.expected:
            self._end()
        elif len(self._buffer) > MAX_LINE_LENGTH or self._size + len(self._buffer) > MAX_RESPONSE_LENGTH:
            self._fail(aiosmtplib.SMTPResponseException(500, "Response too long"))

    def eof_received(self) -> bool:
        self._fail(aiosmtplib.SMTPServerDisconnected("Unexpected EOF received"))
        return False  # the transport closes, and connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(aiosmtplib.SMTPServerDisconnected("Connection lost"))
        self._owner.connection_lost(exc)

    def pause_writing(self) -> None:
        self._owner.pause_writing()

    def resume_writing(self) -> None:
        self._owner.resume_writing()

    def _fail(self, error: aiosmtplib.SMTPException) -> None:
        if not self.ended.done():
            self.error = error
        self._end()

    def _end(self) -> None:
        if not self.ended.done():
            self.ended.set_result(None)


def served(client: aiosmtplib.SMTP) -> bool:
    """Whether replies to several commands can be read on this connection: its loop is one whose transports honour
    `set_protocol`, and its transport speaks to aiosmtplib's protocol (so it can be lent and given back)."""
    protocol = client.protocol
    transport = protocol.transport if protocol is not None else None
    if transport is None or transport.is_closing():
        return False
    package = type(asyncio.get_running_loop()).__module__.partition(".")[0]
    return package in _SERVED_LOOPS and transport.get_protocol() is protocol


async def offered(client: aiosmtplib.SMTP) -> bool:
    """Whether to pipeline: the server offers PIPELINING (greeted first, EHLO else HELO, if that has not happened
    yet) and the connection's loop is served."""
    if client.is_ehlo_or_helo_needed:
        try:
            await client.ehlo()
        except aiosmtplib.SMTPHeloError:
            await client.helo()
    return client.supports_extension("pipelining") and served(client)


def mail_from(sender: str) -> bytes:
    """MAIL with the address quoted as aiosmtplib's own `mail` quotes it; ValueError when it cannot go on a command line."""
    return b"MAIL FROM:" + _quoted(sender)


def rcpt_to(recipient: str) -> bytes:
    """RCPT with the address quoted as aiosmtplib's own `rcpt` quotes it; ValueError as for MAIL."""
    return b"RCPT TO:" + _quoted(recipient)


# A dot-atom local part at a dot-atom domain (RFC 5322 3.4.1), in ASCII: aiosmtplib's quote_address gives such an
# address back unchanged in angle brackets, so it is quoted without its parser (20 us an address, twice a message).
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")


def _quoted(address: str) -> bytes:
    if _PLAIN_ADDRESS.fullmatch(address):
        return f"<{address}>".encode("ascii")
    return quote_address(address).encode("ascii")


async def exchange(client: aiosmtplib.SMTP, commands: list[bytes], timeout: float | None) -> list[aiosmtplib.SMTPResponse]:
    """Writes the commands at once and returns their replies in order; raises aiosmtplib's
    SMTPServerDisconnected or SMTPReadTimeoutError when the connection ends or goes quiet first."""
    replies, error = await converse(client, b"", commands, timeout)
    if error is not None:
        raise error
    return replies


async def converse(client: aiosmtplib.SMTP, data: bytes, commands: list[bytes], timeout: float | None, end: bool = False
                   ) -> tuple[list[aiosmtplib.SMTPResponse], aiosmtplib.SMTPException | None]:
    """One round trip: writes `data` (with `end`, a message's dot-stuffed content, followed by its end) and the
    commands in one write, and reads a reply for the message (with `end`) and for each command, in order. Returns the
    replies read and, when the connection ended, went quiet or sent something no reply can be before the last of
    them, why; the replies read before that stand (a message's end of data answered 250 was accepted, whatever
    follows). The caller owns the client: no other command may run on it meanwhile."""
    for command in commands:
        if COMMAND_INJECTION_REGEX.search(command):
            raise ValueError("an SMTP command contains a control character")
    protocol = client.protocol
    transport = cast("asyncio.Transport | None", protocol.transport if protocol is not None else None)
    if protocol is None or transport is None or transport.is_closing():
        return [], aiosmtplib.SMTPServerDisconnected("Connection lost")
    replies = _Replies(protocol, len(commands) + (1 if end else 0))
    transport.set_protocol(replies)
    try:
        transport.write(b"".join((data, b".\r\n" if end else b"", *(c + b"\r\n" for c in commands))))
        async with asyncio.timeout(timeout):
            await replies.ended
    except TimeoutError:
        replies.error = aiosmtplib.SMTPReadTimeoutError("Timed out waiting for server response")
    finally:
        if transport.get_protocol() is replies:
            transport.set_protocol(protocol)
    read = replies.replies
    if replies.error is None and len(read) < replies.expected:
        replies.error = aiosmtplib.SMTPServerDisconnected("Connection lost")
    return read, replies.error
