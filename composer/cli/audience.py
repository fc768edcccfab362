"""Commands for the subscribers: inbox, subscribers."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from composer.audience import consent, inbox
from composer.audience.erasure import Erasures
from composer.audience.subscribers import list_path, read_list, write_list
from composer.cli.common import app, counted, handled, out, settings_and_secret, styled
from composer.records import Recipient
from composer.send.journal import Journal
from composer.settings import load_settings


@app.command("inbox")
def inbox_command(
    maildir: Annotated[Path | None, typer.Option("--maildir", metavar="DIR", help="Read a local Maildir instead of IMAP")] = None,
    mbox: Annotated[Path | None, typer.Option("--mbox", metavar="FILE", help="Read a local mbox file instead of IMAP")] = None,
    move_to: Annotated[str, typer.Option("--move-to", metavar="FOLDER", help="Folder for handled messages")] = "Processed",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only say what would be done")] = False,
) -> None:
    """Read unsubscribe requests and bounces from the mailbox (IMAP settings in .env) into the unsubscribe list."""
    with handled():
        settings, secret = settings_and_secret()
        source = inbox.open_source(settings, maildir, mbox, move_to)
        try:
            with Journal(settings.state_dir) as journal:
                counts = inbox.process(source, journal, inbox.context(settings, secret), settings.soft_bounce_limit,
                                       dry_run, say=out.print)
        finally:
            source.close()
    out.print(f"{counts['unsubscribe']} unsubscribed, {counted(counts['bounce'], 'bounce')}, "
              f"{counted(counts['autoreply'], 'automatic reply', 'automatic replies')}, {counts['other']} left for you, "
              f"{counts['malformed']} unreadable" + (" (dry run: nothing changed)" if dry_run else ""))


@app.command("subscribers")
def subscribers_command(
    list_name: Annotated[str, typer.Argument(metavar="LIST", help="The list, e.g. volunteers")],
    export: Annotated[Path | None, typer.Option("--export", metavar="FILE", help="Write the active subscribers to this CSV")] = None,
) -> None:
    """Each address of a list and its state: active, unsubscribed, bounced or erased (on request)."""
    with handled(), Journal(load_settings().state_dir) as journal:
        erased = Erasures(journal.db, settings_and_secret()[1])
        rows = [(r, _state(journal, erased, r.email)) for r in read_list(list_path(list_name)) if isinstance(r, Recipient)]
        proof = consent.ConsentCount(frozenset(r.email.lower() for r in journal.signups(list_name)))
        if export:
            write_list(export, [r for r, state in rows if state == "active"])
    unproven = 0
    for recipient, state in rows:
        why = proof.reason(recipient)
        unproven += why is not None
        out.print(f"{state:<13}{recipient.email}  {recipient.name or ''}".rstrip() + (f"  ({why})" if why else ""))
    states = Counter(state for _, state in rows)
    out.print(", ".join(f"{n} {state}" for state, n in sorted(states.items())))
    warning = consent.warning(unproven, len(rows), list_name)
    if warning:
        out.print(styled("warning:", "yellow", warning))
    if export:
        out.print(f"{counted(states['active'], 'active subscriber')} written to {export}")


def _state(journal: Journal, erased: Erasures, email: str) -> str:
    if email in erased:
        return "erased"
    suppressed = journal.suppression(email)
    return suppressed.kind if suppressed else "active"
