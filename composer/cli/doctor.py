"""The command that checks the sender's domain and server: doctor."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from composer.cli.common import EXIT_FAILED, EXIT_INPUT, command, err, handled, load_settings, out, styled
from composer.cli.language import _, lang, ngettext
from composer.i18n import N_, render


LEVELS = {"ok": N_("ok"), "problem": N_("problem"), "warning": N_("warning"), "info": N_("info")}


@command(help=N_("Will providers accept your mail? SPF, DKIM, DMARC and alignment, bounces, reverse DNS, SMTP login, "
                  "one-click, sign-up caps."))
def doctor(
    dns_server: Annotated[str | None, typer.Option("--dns-server", metavar="HOST[:PORT]", envvar="NEWSLETTER_DNS_SERVER",
                                                   help=N_("Ask this DNS server instead of the system's"))] = None,
    dns_timeout: Annotated[float, typer.Option("--dns-timeout", metavar="SECONDS", min=0.1,
                                               help=N_("How long to wait for each DNS answer"))] = 5.0,
) -> None:
    from composer.checks.domain import Line, Lookup, check_dns
    from composer.audience.signupcaps import describe
    from composer.checks.server import check_one_click, check_server

    with handled():
        settings = load_settings()
        if not settings.from_address:
            err.print(styled(_("error:"), "red", _("set NEWSLETTER_FROM_ADDRESS (in .env) first: the checks are about "
                                                   "its domain")))
            raise typer.Exit(EXIT_INPUT)
        lines = check_dns(Lookup(dns_server, dns_timeout), settings.sender, settings.smtp.host)
        lines.append(asyncio.run(check_server(settings.smtp)))
        if settings.sender.one_click_url:
            lines.append(check_one_click(settings.sender.one_click_url))
        lines.append(Line("ok", "sign-up caps", describe(settings)))
    for line in lines:
        out.print(styled(f"{_(LEVELS.get(line.level, line.level)):<8}", "green" if line.level == "ok" else "red",
                         f"{render(line.topic, lang())}: {render(line.message, lang())}"))
    problems = sum(line.level == "problem" for line in lines)
    out.print(ngettext("{n} problem", "{n} problems", problems) + ", "
              + _("{n} ok", n=sum(line.level == "ok" for line in lines)))
    if problems:
        raise typer.Exit(EXIT_FAILED)
