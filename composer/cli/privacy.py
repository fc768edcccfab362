"""Commands for a person's data: person (everything held, as JSON) and forget (erase on request)."""

from __future__ import annotations

import asyncio
import json
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from composer.cli.common import EXIT_FAILED, command, confirmed, handled, out, said, settings_and_secret
from composer.cli.language import _, lang, ngettext
from composer.errors import SettingsError
from composer.i18n import N_, message
from composer.i18n.formats import day

if TYPE_CHECKING:  # what a command of this module needs is imported in it, not for --help
    from composer.audience.person import Where
    from composer.send.dispatch import Summary
    from composer.config.settings import Settings

SHOWN_BAD = 20
AddressArg = Annotated[str, typer.Argument(metavar="ADDRESS", help=N_("The person's email address"))]


def _where(settings: Settings) -> Where:
    from composer.audience.person import Where
    from composer.audience.subscribers import LIST_DIR

    return Where(LIST_DIR, settings.outbox_dir, settings.state_dir)


@command(help=N_("Everything the tool holds about ADDRESS (lists, consent, deliveries, bounces, unsubscribes) as JSON."))
def person(
    address: AddressArg,
    proof_file: Annotated[Path | None, typer.Option("--proof", metavar="FILE", help=N_(
        "Write the printable proof of consent (HTML) to FILE instead"))] = None,
    pdf: Annotated[bool, typer.Option("--pdf", help=N_("With --proof: write FILE as a PDF, printed by Chromium"))] = False,
) -> None:
    from composer.audience import proof
    from composer.audience.erasure import apply_retention
    from composer.audience.person import holdings
    from composer.audience.signup import identity
    from composer.audience.subscribers import checked_address
    from composer.state import Journal

    with handled():
        email = checked_address(address)
        settings, secret = settings_and_secret()
        with Journal(settings.state_dir) as journal:
            apply_retention(journal, secret, settings)
            if proof_file is None:
                held = holdings(email, journal, secret, _where(settings))
            else:
                html = proof.document(email, journal, _where(settings), lang(), identity(settings, Path("issues")).newsletter,
                                      settings.templates_dir)
        if proof_file is not None:
            written = proof.write(html, proof_file, pdf)
            out.print(_("wrote the proof of consent of {email} to {file}", email=email, file=written))
            return
    out.print(json.dumps(held, ensure_ascii=False, indent=2))


@command("forget", help=N_("Erase ADDRESS on request: from every list file and its backups, waiting imports, the desk's "
                            "test addresses, the send state and the outbox; it is never mailed again."))
def forget_command(
    address: AddressArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help=N_("Do not ask first"))] = False,
) -> None:
    from composer.audience.person import forget
    from composer.audience.subscribers import checked_address
    from composer.i18n import message
    from composer.office import protocol
    from composer.office.roles import Actor
    from composer.state import Journal

    with handled():
        email = checked_address(address)
        settings, secret = settings_and_secret()
        where = _where(settings)
        if not yes and not confirmed(_("Erase {email} from every list in {lists}/ and from the send state? This "
                                       "cannot be undone", email=email, lists=where.lists)):
            out.print(_("Nothing erased."))
            return
        with Journal(settings.state_dir) as journal:
            done = forget(email, journal, secret, where)
            protocol.record(journal, Actor.command_line(), "address_forgotten", message("Erased an address on request"),
                            address=email, secret=secret, plain=False)
    for path, rows in done.list_rows.items():
        out.print(ngettext("removed {n} row from {path}", "removed {n} rows from {path}", rows, path=path))
    for path, rows in done.staged_rows.items():
        out.print(ngettext("removed {n} row from {path} (an import waiting for its confirmation)",
                           "removed {n} rows from {path} (an import waiting for its confirmation)", rows, path=path))
    if done.test_addresses:
        out.print(_("removed it from the desk's remembered test addresses ({file})", file=where.test_addresses))
    out.print(_("removed {records} from the send state and {files} from {outbox}/",
                records=ngettext("{n} record", "{n} records", done.state_rows),
                files=ngettext("{n} file", "{n} files", done.outbox_files), outbox=where.outbox))
    out.print(_("{email} is erased; only a keyed hash is kept, so a send never mails it again, even from an old copy "
                "of a list (the send says \"erased on request\").", email=email))


@command(help=N_("Ask the rows of LIST without proof of consent to confirm (double opt-in); rerun to resume, like send."))
def reconfirm(
    list_name: Annotated[str, typer.Argument(metavar="LIST", help=N_("The list, e.g. volunteers"))],
    until: Annotated[str, typer.Option("--until", metavar="YYYY-MM-DD",
        help=N_("After this day the rows that did not confirm get no more issues"))],
    yes: Annotated[bool, typer.Option("--yes", "-y", help=N_("Do not ask before sending"))] = False,
) -> None:
    from composer.audience.reconfirm import WHY_LEFT_OUT, open_reconfirm
    from composer.send.stopping import Stop, stopped_by_signals

    with handled():
        settings, secret = settings_and_secret()
        deadline = parse_day(until, settings.zone)
        with open_reconfirm(list_name, deadline, settings, secret) as run:
            plan = run.plan
            out.print(_("Re-permission of {list}: {addresses} to ask (via {destination}), {asked} asked before, "
                        "{suppressed} unsubscribed or bounced; unconfirmed rows get no issue from {deadline} on",
                        list=list_name, addresses=ngettext("{n} address", "{n} addresses", plan.to_send),
                        destination=said(run.destination), asked=plan.already_sent, suppressed=plan.suppressed,
                        deadline=day(deadline, lang())))
            for bad in plan.bad_rows[:SHOWN_BAD]:
                out.print(_("  skipped {row}", row=bad))
            left_out = run.mailing.left_out
            if left_out:
                out.print(ngettext("{n} address left out:", "{n} addresses left out:", len(left_out)))
                for row in left_out:
                    out.print(f"  {row.email}")
                out.print(_(WHY_LEFT_OUT))
            if plan.to_send == 0:
                out.print(_("Nobody left to ask."))
                if plan.uncertain:  # nobody to send to, but those may not have the mail
                    raise typer.Exit(EXIT_FAILED)
                return
            if not yes and not confirmed(ngettext("Send {n} confirmation request now?",
                                                  "Send {n} confirmation requests now?", plan.to_send)):
                out.print(_("Nothing sent."))
                return
            stop = Stop()

            async def asking() -> Summary:
                with stopped_by_signals(stop):
                    return await run.run(stop=stop)

            summary = asyncio.run(asking())
            uncertain = run.uncertain_left()
        out.print(_("asked {sent}, failed {failed}, deferred {deferred}; `newsletter status {slug}` shows who, and the "
                    "same command continues", sent=summary.sent, failed=summary.failed, deferred=summary.deferred,
                    slug=run.mailing.slug))
        if summary.stopped:
            raise typer.Exit(stop.exit_code)
        if summary.failed or summary.deferred or uncertain:
            raise typer.Exit(EXIT_FAILED)


def parse_day(text: str, zone: tzinfo | None) -> datetime:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise SettingsError(message("--until {text!r}: write the day as YYYY-MM-DD, e.g. 2027-03-31", text=text)) from None
    return datetime.combine(day, datetime.min.time(), zone).astimezone()
