"""Commands for the subscribers: inbox, unbounce, subscribers."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from composer.cli.common import ADD_ADDRESSES, app, counted, handled, out, settings_and_secret, styled

# What a command needs of the library is imported in it: every command (and --help) starts without the others'.


@app.command("inbox")
def inbox_command(
    maildir: Annotated[Path | None, typer.Option("--maildir", metavar="DIR", help="Read a local Maildir instead of IMAP")] = None,
    mbox: Annotated[Path | None, typer.Option("--mbox", metavar="FILE", help="Read a local mbox file instead of IMAP")] = None,
    move_to: Annotated[str, typer.Option("--move-to", metavar="FOLDER", help="Folder for handled messages")] = "Processed",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only say what would be done")] = False,
) -> None:
    """Read unsubscribe requests, bounces and complaints from the mailbox (IMAP settings in .env) into the unsubscribe
    list; only reports about messages we sent count, and a token only in the To or Subject of a mail to the unsubscribe
    mailbox."""
    with handled():
        from composer.audience import inbox  # IMAP and bounce parsing, only for this command
        from composer.state import Journal

        settings, secret = settings_and_secret()
        source = inbox.open_source(settings, maildir, mbox, move_to)
        try:
            with Journal(settings.state_dir) as journal:
                counts = inbox.process(source, journal, inbox.context(settings, secret, journal), settings.soft_bounce_limit,
                                       dry_run, say=lambda said: out.print(str(said)))
        finally:
            source.close()
    out.print(f"{counts['unsubscribe']} unsubscribed, {counted(counts['bounce'], 'bounce')}, "
              f"{counted(counts['autoreply'], 'automatic reply', 'automatic replies')}, {counts['other']} left for you, "
              f"{counts['malformed']} unreadable"
              + (f", {counted(counts['complaint'], 'complaint')}" if counts["complaint"] else "")
              + (f", {counts['quarantined']} set aside unread" if counts["quarantined"] else "")
              + (" (dry run: nothing changed)" if dry_run else ""))


@app.command("unbounce")
def unbounce_command(address: Annotated[str, typer.Argument(metavar="ADDRESS", help="The bounced address to write to again")]) -> None:
    """Send to a bounced ADDRESS again (the mailbox works again); recorded with who lifted it and when."""
    from composer.audience import roster
    from composer.state import Journal

    with handled():
        settings, _ = settings_and_secret()
        with Journal(settings.state_dir) as journal:
            email, lifted = roster.unbounce(journal, address, "the coordinator (newsletter unbounce)")
    out.print(f"{email}: the bounce ({lifted.reason}) is lifted; the next issue goes to this address again.")


@app.command("subscribers")
def subscribers_command(
    list_name: Annotated[str, typer.Argument(metavar="LIST", help="The list, e.g. volunteers")],
    export: Annotated[Path | None, typer.Option("--export", metavar="FILE", help="Write the active subscribers to this CSV")] = None,
) -> None:
    """Each address of a list and its state: active, unsubscribed, bounced or erased (on request); web sign-ups with
    their consent time; rows without proof of consent say why."""
    from composer.audience import consent
    from composer.audience.erasure import Erasures
    from composer.audience.roster import roster
    from composer.audience.subscribers import LIST_DIR, list_path, write_list
    from composer.state import Journal

    with handled():
        settings, secret = settings_and_secret()
    with handled(), Journal(settings.state_dir) as journal:
        erased = Erasures(journal, secret)
        proof = consent.ConsentCount.of(journal.signups(list_name))
        listing = roster(list_name, LIST_DIR, journal)
        found = [(m, "erased" if m.recipient.email.lower() not in proof.signed_up and m.recipient.email in erased else m.state)
                 for m in listing.members]
        if export:
            write_list(export, [m.recipient for m, state in found if state == "active"], listing.columns)
    unproven = 0
    for m, state in found:
        web = f"  (web sign-up, consent {datetime.fromtimestamp(m.signed_up):%Y-%m-%d %H:%M})" if m.signed_up else ""
        why = proof.reason(m.recipient)
        unproven += why is not None
        out.print(f"{state:<13}{m.recipient.email}  {m.recipient.name or ''}".rstrip() + web + (f"  ({why})" if why else ""))
    for bad in listing.bad_rows:
        out.print(styled("skipped:", "red", f"{list_path(list_name)}:{bad.line}: {bad.reason} (a send skips this row)"))
    states = Counter(state for _, state in found)
    web_count = sum(1 for m, _ in found if m.signed_up)
    if not found and not listing.bad_rows:  # a new folder's list: say what to do, not an empty line
        out.print(f"{list_path(list_name)} has no addresses yet: {ADD_ADDRESSES}")
    else:
        out.print(", ".join([f"{n} {state}" for state, n in sorted(states.items())]
                            + [counted(len(listing.bad_rows), "skipped row")] * bool(listing.bad_rows))
                  + (f" ({web_count} of them web sign-ups)" if web_count else ""))
    warning = consent.warning(unproven, len(found), list_name, named_above=True)
    if warning:
        out.print(styled("warning:", "yellow", warning))
    if export:
        out.print(f"{counted(states['active'], 'active subscriber')} written to {export}")
