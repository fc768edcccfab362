"""The command that checks the sender's domain and server: doctor."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from composer.cli.common import EXIT_FAILED, EXIT_INPUT, app, counted, err, handled, load_settings, out, styled


@app.command()
def doctor(
    dns_server: Annotated[str | None, typer.Option("--dns-server", metavar="HOST[:PORT]", envvar="NEWSLETTER_DNS_SERVER",
                                                   help="Ask this DNS server instead of the system's")] = None,
    dns_timeout: Annotated[float, typer.Option("--dns-timeout", metavar="SECONDS", min=0.1,
                                               help="How long to wait for each DNS answer")] = 5.0,
) -> None:
    """Will providers accept your mail? SPF, DKIM, DMARC and alignment, bounces, reverse DNS, SMTP login, one-click, sign-up caps."""
    from composer.checks.domain import Line, Lookup, check_dns
    from composer.audience.signupcaps import describe
    from composer.checks.server import check_one_click, check_server

    with handled():
        settings = load_settings()
        if not settings.from_address:
            err.print(styled("error:", "red", "set NEWSLETTER_FROM_ADDRESS (in .env) first: the checks are about its domain"))
            raise typer.Exit(EXIT_INPUT)
        lines = check_dns(Lookup(dns_server, dns_timeout), settings.sender, settings.smtp.host)
        lines.append(asyncio.run(check_server(settings.smtp)))
        if settings.sender.one_click_url:
            lines.append(check_one_click(settings.sender.one_click_url))
        lines.append(Line("ok", "sign-up caps", describe(settings)))
    for line in lines:
        out.print(styled(f"{line.level:<8}", "green" if line.level == "ok" else "red", f"{line.topic}: {line.message}"))
    problems = sum(line.level == "problem" for line in lines)
    out.print(f"{counted(problems, 'problem')}, {sum(line.level == 'ok' for line in lines)} ok")
    if problems:
        raise typer.Exit(EXIT_FAILED)
