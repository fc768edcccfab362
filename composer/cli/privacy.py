"""Commands for a person's data: person (everything held, as JSON) and forget (erase on request)."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Annotated

import typer

from composer.cli.common import EXIT_FAILED, app, confirmed, counted, handled, out, settings_and_secret
from composer.errors import SettingsError

if TYPE_CHECKING:  # what a command of this module needs is imported in it, not for --help
    from composer.audience.person import Where
    from composer.send.dispatch import Summary
    from composer.config.settings import Settings

SHOWN_BAD = 20
AddressArg = Annotated[str, typer.Argument(metavar="ADDRESS", help="The person's email address")]


def _where(settings: Settings) -> Where:
    from composer.audience.person import Where
    from composer.audience.subscribers import LIST_DIR

    return Where(LIST_DIR, settings.outbox_dir, settings.state_dir)


@app.command()
def person(address: AddressArg) -> None:
    """Everything the tool holds about ADDRESS (lists, consent, deliveries, bounces, unsubscribes) as JSON."""
    from composer.audience.erasure import anonymise_old
    from composer.audience.person import holdings
    from composer.audience.subscribers import checked_address
    from composer.state import Journal

    with handled():
        email = checked_address(address)
        settings, secret = settings_and_secret()
        with Journal(settings.state_dir) as journal:
            anonymise_old(journal, secret, settings.retention_days)
            held = holdings(email, journal, secret, _where(settings))
    out.print(json.dumps(held, ensure_ascii=False, indent=2))


@app.command("forget")
def forget_command(
    address: AddressArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask first")] = False,
) -> None:
    """Erase ADDRESS on request: from every list file and its backups, waiting imports, the desk's test addresses, the
    send state and the outbox; it is never mailed again."""
    from composer.audience.person import forget
    from composer.audience.subscribers import checked_address
    from composer.state import Journal

    with handled():
        email = checked_address(address)
        settings, secret = settings_and_secret()
        where = _where(settings)
        if not yes and not confirmed(f"Erase {email} from every list in {where.lists}/ and from the send state? "
                                     "This cannot be undone"):
            out.print("Nothing erased.")
            return
        with Journal(settings.state_dir) as journal:
            done = forget(email, journal, secret, where)
    for path, rows in done.list_rows.items():
        out.print(f"removed {counted(rows, 'row')} from {path}")
    for path, rows in done.staged_rows.items():
        out.print(f"removed {counted(rows, 'row')} from {path} (an import waiting for its confirmation)")
    if done.test_addresses:
        out.print(f"removed it from the desk's remembered test addresses ({where.test_addresses})")
    out.print(f"removed {counted(done.state_rows, 'record')} from the send state and "
              f"{counted(done.outbox_files, 'file')} from {where.outbox}/")
    out.print(f"{email} is erased; only a keyed hash is kept, so a send never mails it again, even from an old copy "
              "of a list (the send says \"erased on request\").")


@app.command()
def reconfirm(
    list_name: Annotated[str, typer.Argument(metavar="LIST", help="The list, e.g. volunteers")],
    until: Annotated[str, typer.Option("--until", metavar="YYYY-MM-DD",
        help="After this day the rows that did not confirm get no more issues")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before sending")] = False,
) -> None:
    """Ask the rows of LIST without proof of consent to confirm (double opt-in); rerun to resume, like send."""
    from composer.audience.reconfirm import WHY_LEFT_OUT, open_reconfirm
    from composer.i18n import message, plural
    from composer.i18n.languages import from_environment
    from composer.send.stopping import Stop, stopped_by_signals

    with handled():
        settings, secret = settings_and_secret()
        deadline = parse_day(until, settings.zone)
        with open_reconfirm(list_name, deadline, settings, secret) as run:
            plan = run.plan
            out.print(f"Re-permission of {list_name}: {counted(plan.to_send, 'address', 'addresses')} to ask "
                      f"(via {run.destination}), {plan.already_sent} asked before, {plan.suppressed} unsubscribed or bounced; "
                      f"unconfirmed rows get no issue from {deadline:%d.%m.%Y} on")
            for bad in plan.bad_rows[:SHOWN_BAD]:
                out.print(f"  skipped {bad}")
            left_out = run.mailing.left_out
            if left_out:
                lang = from_environment(os.environ)
                out.print(plural("{n} address left out:", "{n} addresses left out:", len(left_out)).render(lang))
                for row in left_out:
                    out.print(f"  {row.email}")
                out.print(message(WHY_LEFT_OUT).render(lang))
            if plan.to_send == 0:
                out.print("Nobody left to ask.")
                if plan.uncertain:  # nobody to send to, but those may not have the mail
                    raise typer.Exit(EXIT_FAILED)
                return
            if not yes and not confirmed(f"Send {counted(plan.to_send, 'confirmation request')} now?"):
                out.print("Nothing sent.")
                return
            stop = Stop()

            async def asking() -> Summary:
                with stopped_by_signals(stop):
                    return await run.run(stop=stop)

            summary = asyncio.run(asking())
            uncertain = run.uncertain_left()
        out.print(f"asked {summary.sent}, failed {summary.failed}, deferred {summary.deferred}; "
                  f"`newsletter status {run.mailing.slug}` shows who, and the same command continues")
        if summary.stopped:
            raise typer.Exit(stop.exit_code)
        if summary.failed or summary.deferred or uncertain:
            raise typer.Exit(EXIT_FAILED)


def parse_day(text: str, zone: tzinfo | None) -> datetime:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise SettingsError(f"--until {text!r}: write the day as YYYY-MM-DD, e.g. 2027-03-31") from None
    return datetime.combine(day, datetime.min.time(), zone).astimezone()
