"""The SMTP server part of `newsletter doctor`: connect, STARTTLS and log in as a send would, then leave; no mail."""

from __future__ import annotations

import ipaddress

from composer.checks.domain import Line
from composer.config import SMTPConfig
from composer.errors import ComposerError
from composer.send.transports.smtp import SMTPTransport


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


async def check_server(smtp: SMTPConfig) -> Line:
    if not smtp.host:
        return Line("problem", "SMTP server", "no NEWSLETTER_SMTP_HOST: mail goes to the outbox folder; set the server "
                                              "your provider gave you")
    try:
        transport = SMTPTransport(smtp)
        await transport.open()
        await transport.close()
    except ComposerError as exc:
        return Line("problem", "SMTP server", str(exc))
    how = {"starttls": "STARTTLS", "tls": "TLS", "none": "no encryption"}[smtp.security]
    login = f"logged in as {smtp.username}" if smtp.username else "no login"
    if smtp.security == "none" and not _loopback(smtp.host):
        return Line("problem", "SMTP server", f"{smtp.where}: connected without encryption ({login}); use "
                                              "NEWSLETTER_SMTP_SECURITY=starttls or tls")
    return Line("ok", "SMTP server", f"{smtp.where}: connected ({how}), {login}; no mail sent")
