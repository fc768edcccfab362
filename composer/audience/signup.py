"""The double opt-in confirmation email: one plain message with the link, no advertising, sent like an issue."""

from __future__ import annotations

import asyncio
import uuid
from email.message import EmailMessage
from email.utils import formataddr, formatdate

from composer.records import OutgoingMessage
from composer.send.message import check_header
from composer.send.transports import choose
from composer.settings import Settings


def confirmation(settings: Settings, to: str, name: str | None, subject: str, body: str) -> OutgoingMessage:
    msg = EmailMessage()
    msg["From"] = formataddr((settings.from_name or "Newsletter", settings.sender_address))
    msg["To"] = formataddr((check_header("name", name or ""), to)) if name else to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=True)
    message_id = f"<{uuid.uuid4().hex}@{settings.sender_domain}>"
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(body)
    return OutgoingMessage(settings.bounce_address, to, message_id, msg.as_bytes())


def deliver(settings: Settings, message: OutgoingMessage) -> None:
    """Raises TransportError when the mail server is unreachable or refuses; the caller says so to the user."""
    factory, _ = choose(settings, "confirmations")

    async def go() -> None:
        transport = factory()
        await transport.open()
        try:
            await transport.send(message)
        finally:
            await transport.close()

    asyncio.run(go())
