"""Writes one .eml file per recipient: what `send` does when no SMTP server is configured."""

from __future__ import annotations

import re
from pathlib import Path

from composer.atomic import PRIVATE, write_bytes
from composer.errors import TemporarySendError
from composer.records import OutgoingMessage
from composer.send.transports.base import Accepted, Transport


def file_name(recipient: str) -> str:
    """The recipient's .eml file in an outbox folder: the address, with anything a file name should not hold replaced."""
    return re.sub(r"[^A-Za-z0-9@._+-]", "_", recipient) + ".eml"


class OutboxTransport(Transport):
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def open(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)

    async def send(self, message: OutgoingMessage, following: OutgoingMessage | None = None) -> Accepted:
        """Written whole (a temporary name, then renamed), so a kill never leaves half a message that looks whole;
        readable by its owner only, as it holds an address. Neither the file nor the folder is flushed to disk
        (`durable=False`): a send writes up to a million of them, and a flush each would be a million waits for the
        disk. A kill still leaves every file whole or absent (the kernel keeps what was written); only a power cut or
        a crash of the system can lose a file written just before it, as it can the ledger's last records, which
        are not flushed either."""
        path = self.folder / file_name(message.recipient)
        try:
            write_bytes(path, message.data, PRIVATE, durable=False)
        except OSError as exc:
            raise TemporarySendError(0, f"cannot write {path}: {exc.strerror}", message.recipient) from None
        return Accepted(f"written to {path}")

    async def close(self) -> None:
        pass
