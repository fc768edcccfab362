"""Where messages go: SMTP when a host is configured, else one .eml file per recipient in the outbox."""

from __future__ import annotations

from collections.abc import Callable

from composer.send.transports.base import Transport
from composer.send.transports.memory import MemoryTransport
from composer.send.transports.outbox import OutboxTransport
from composer.send.transports.smtp import SMTPTransport, refuse_plaintext_login
from composer.errors import SettingsError
from composer.settings import Settings

__all__ = ["MemoryTransport", "OutboxTransport", "SMTPTransport", "Transport", "choose"]


def choose(settings: Settings, folder: str) -> tuple[Callable[[], Transport], str]:
    """A factory of transports (one per connection) and a sentence saying where the mail goes."""
    if settings.smtp_host:
        if not settings.from_address:
            raise SettingsError("NEWSLETTER_FROM_ADDRESS is not set: put the address your mail provider lets you send from "
                                "into .env (NEWSLETTER_FROM_ADDRESS=...)")
        smtp = settings.smtp
        refuse_plaintext_login(smtp)
        return (lambda: SMTPTransport(smtp)), f"SMTP server {smtp.where} ({smtp.secured})"
    path = settings.outbox_dir / folder
    return (lambda: OutboxTransport(path)), f"the outbox folder {path}/, one .eml file per recipient (no SMTP server is set up)"
