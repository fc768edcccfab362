"""Writes one .eml file per recipient: what `send` does when no SMTP server is configured."""

from __future__ import annotations

import os
import re
from pathlib import Path

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
        """Written to a temporary name and renamed, so a crash never leaves half a message that looks whole."""
        path = self.folder / file_name(message.recipient)
        tmp = path.with_suffix(".eml.tmp")
        try:
            tmp.write_bytes(message.data)
            os.replace(tmp, path)
        except OSError as exc:
            raise TemporarySendError(0, f"cannot write {path}: {exc.strerror}", message.recipient) from None
        return Accepted(f"written to {path}")

    async def close(self) -> None:
        pass
