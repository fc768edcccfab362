"""The servers part of `newsletter doctor`: the SMTP server (connect, STARTTLS and log in as a send would, then
leave; no mail) and the one-click unsubscribe URL (it must answer a POST, RFC 8058)."""

from __future__ import annotations

import urllib.error
import urllib.request

from composer.checks.domain import Line
from composer.config.parts import SMTPConfig, is_loopback
from composer.errors import ComposerError
from composer.send.transports.smtp import SMTPTransport


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
    login = f"logged in as {smtp.username}" if smtp.username else "no login"
    if smtp.security == "none" and not is_loopback(smtp.host):
        return Line("problem", "SMTP server", f"{smtp.where}: connected without encryption ({login}); use "
                                              "NEWSLETTER_SMTP_SECURITY=starttls or tls")
    return Line("ok", "SMTP server", f"{smtp.where}: connected ({smtp.secured}), {login}; no mail sent")


PROBE_TOKEN = "doctor-check"  # not a signed token: a working endpoint refuses it and unsubscribes nobody


def check_one_click(url: str, timeout: float = 10.0) -> Line:
    """POSTs what a mail provider posts, with a token that is no one's; any answer but 'not found', 'not allowed'
    or a server error shows the URL works for one click."""
    target = url.replace("{token}", PROBE_TOKEN)
    request = urllib.request.Request(target, data=b"List-Unsubscribe=One-Click", method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return Line("problem", "one-click", f"{target} does not answer ({reason}); mail providers cannot unsubscribe in one "
                                            "click: start `newsletter serve` there, or check NEWSLETTER_PUBLIC_URL / "
                                            "NEWSLETTER_UNSUBSCRIBE_URL")
    if status in (404, 405) or status >= 500:
        return Line("problem", "one-click", f"{target} answers a POST with HTTP {status}; it must accept the POST of "
                                            "RFC 8058: check NEWSLETTER_PUBLIC_URL / NEWSLETTER_UNSUBSCRIBE_URL")
    return Line("ok", "one-click", f"{target} answers a POST (HTTP {status} for a test token that is no one's)")
