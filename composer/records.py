"""Plain data that every stage passes along; no dependencies, so the journal and the list reader load fast."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from composer.i18n import Message


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str | None = None
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BadRow:
    """A row that is skipped, with the reason the coordinator needs to fix it (shown with composer.i18n.render)."""

    line: int
    reason: Message | str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True)
class OutgoingMessage:
    """What a transport needs: the envelope and the finished bytes."""

    sender: str
    recipient: str
    message_id: str
    data: bytes
    ready: bool = False
    """The data is CRLF-only, ends with CRLF and has no line starting with a dot (MessageFactory's output):
    the transport writes it as it is, without looking through it."""


class RowFilter(ABC):
    """Drops from a list, as it streams past, the recipients `drops` names, and counts them in `dropped` (for the
    plan: who left, who was erased, who never confirmed)."""

    def __init__(self) -> None:
        self.dropped = 0

    @abstractmethod
    def drops(self, row: Recipient) -> bool: ...

    def skip(self, rows: Iterable[Recipient | BadRow]) -> Iterator[Recipient | BadRow]:
        for row in rows:
            if isinstance(row, Recipient) and self.drops(row):
                self.dropped += 1
                continue
            yield row
