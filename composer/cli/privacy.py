"""Commands for a person's data: person (everything held, as JSON) and forget (erase on request)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from composer.audience.erasure import anonymise_old
from composer.audience.person import Where, forget, holdings
from composer.audience.subscribers import LIST_DIR, checked_address
from composer.cli.common import app, confirmed, counted, handled, out, settings_and_secret
from composer.send.journal import Journal
from composer.settings import Settings

AddressArg = Annotated[str, typer.Argument(metavar="ADDRESS", help="The person's email address")]


def _where(settings: Settings) -> Where:
    return Where(LIST_DIR, settings.outbox_dir, settings.state_dir / "backups")


@app.command()
def person(address: AddressArg) -> None:
    """Everything the tool holds about ADDRESS (lists, consent, deliveries, bounces, unsubscribes) as JSON."""
    with handled():
        email = checked_address(address)
        settings, secret = settings_and_secret()
        with Journal(settings.state_dir) as journal:
            anonymise_old(journal.db, secret, settings.retention_days)
            held = holdings(email, journal, secret, _where(settings))
    out.print(json.dumps(held, ensure_ascii=False, indent=2))


@app.command("forget")
def forget_command(
    address: AddressArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask first")] = False,
) -> None:
    """Erase ADDRESS on request: from every list file, the send state and the outbox; it is never mailed again."""
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
    out.print(f"removed {counted(done.state_rows, 'record')} from the send state and "
              f"{counted(done.outbox_files, 'file')} from {where.outbox}/")
    if done.backups:
        out.print(f"The list files as they were are in {', '.join(map(str, done.backups))}: they still hold the address; "
                  "delete them once you have checked the lists.")
    out.print(f"{email} is erased; only a keyed hash is kept, so a send never mails it again, even from an old copy "
              "of a list (the send says \"erased on request\").")
