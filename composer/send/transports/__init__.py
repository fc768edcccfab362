"""Where messages go: SMTP when a host is configured, else one .eml file per recipient in the outbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from composer.send.transports.base import Accepted, Transport
from composer.send.transports.memory import MemoryTransport
from composer.send.transports.outbox import OutboxTransport
from composer.send.transports.smtp import SMTPTransport, refuse_plaintext_login
from composer.config.parts import SECURED
from composer.errors import SettingsError
from composer.config.settings import Settings

__all__ = ["Accepted", "Destination", "MemoryTransport", "OutboxTransport", "SMTPTransport", "Transport", "choose"]


@dataclass(frozen=True)
class Destination:
    """Where a send's mail goes, as parts each face words in its language; str() is the CLI's English."""

    kind: Literal["smtp", "outbox"]
    where: str  # host:port, or the outbox folder
    security: str = ""  # smtp: starttls, tls or none
    placeholder: str | None = None  # outbox: the sender used while NEWSLETTER_FROM_ADDRESS is unset

    def __str__(self) -> str:
        if self.kind == "smtp":
            return f"SMTP server {self.where} ({SECURED[self.security]})"
        sender = f"; from {self.placeholder}, a placeholder until NEWSLETTER_FROM_ADDRESS is set" if self.placeholder else ""
        return f"the outbox folder {self.where}/, one .eml file per recipient (no SMTP server is set up{sender})"


def choose(settings: Settings, folder: str) -> tuple[Callable[[], Transport], Destination]:
    """A factory of transports (one per connection) and where the mail goes."""
    if settings.smtp_host:
        if not settings.from_address:
            raise SettingsError("NEWSLETTER_FROM_ADDRESS is not set: put the address your mail provider lets you send from "
                                "into .env (NEWSLETTER_FROM_ADDRESS=...)")
        smtp = settings.smtp
        refuse_plaintext_login(smtp)
        return (lambda: SMTPTransport(smtp)), Destination("smtp", smtp.where, smtp.security)
    path = settings.outbox_dir / folder
    placeholder = None if settings.from_address else settings.sender.address
    return (lambda: OutboxTransport(path)), Destination("outbox", str(path), placeholder=placeholder)
