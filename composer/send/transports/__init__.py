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
from composer.i18n import N_, Message, message
from composer.config.settings import Settings

UNENCRYPTED = N_("unencrypted")  # SECURED's word for a connection without TLS

__all__ = ["Accepted", "Destination", "MemoryTransport", "OutboxTransport", "SMTPTransport", "Transport", "choose"]


@dataclass(frozen=True)
class Destination:
    """Where a send's mail goes, as parts each face words in its language; str() is the CLI's English."""

    kind: Literal["smtp", "outbox"]
    where: str  # host:port, or the outbox folder
    security: str = ""  # smtp: starttls, tls or none
    placeholder: str | None = None  # outbox: the sender used while NEWSLETTER_FROM_ADDRESS is unset

    def said(self) -> Message:
        if self.kind == "smtp":
            secured = SECURED[self.security]
            return message("SMTP server {where} ({security})", where=self.where,
                           security=message(UNENCRYPTED) if secured == UNENCRYPTED else secured)
        if self.placeholder:
            return message("the outbox folder {where}/, one .eml file per recipient (no SMTP server is set up; from "
                           "{sender}, a placeholder until NEWSLETTER_FROM_ADDRESS is set)", where=self.where,
                           sender=self.placeholder)
        return message("the outbox folder {where}/, one .eml file per recipient (no SMTP server is set up)",
                       where=self.where)

    def __str__(self) -> str:
        return str(self.said())


def choose(settings: Settings, folder: str) -> tuple[Callable[[], Transport], Destination]:
    """A factory of transports (one per connection) and where the mail goes."""
    if settings.smtp_host:
        if not settings.from_address:
            raise SettingsError(message("NEWSLETTER_FROM_ADDRESS is not set: put the address your mail provider lets you "
                                        "send from into .env (NEWSLETTER_FROM_ADDRESS=...)"))
        smtp = settings.smtp
        refuse_plaintext_login(smtp)
        return (lambda: SMTPTransport(smtp)), Destination("smtp", smtp.where, smtp.security)
    path = settings.outbox_dir / folder
    placeholder = None if settings.from_address else settings.sender.address
    return (lambda: OutboxTransport(path)), Destination("outbox", str(path), placeholder=placeholder)
