"""Commands for the subscribers: inbox, unbounce, subscribers."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from composer.cli.common import ADD_ADDRESSES, command, handled, out, settings_and_secret, styled
from composer.cli.language import _, lang, ngettext
from composer.i18n import N_, render
from composer.i18n.formats import stamp

# What a command needs of the library is imported in it: every command (and --help) starts without the others'.
STATES = {"active": N_("active"), "unsubscribed": N_("unsubscribed"), "bounced": N_("bounced"), "erased": N_("erased"),
          "complained": N_("complained")}


@command("inbox", help=N_("Read unsubscribe requests, bounces and complaints from the mailbox (IMAP settings in .env) "
                           "into the unsubscribe list; only reports about messages we sent count, and a token only in "
                           "the To or Subject of a mail to the unsubscribe mailbox."))
def inbox_command(
    maildir: Annotated[Path | None, typer.Option("--maildir", metavar="DIR",
                                                 help=N_("Read a local Maildir instead of IMAP"))] = None,
    mbox: Annotated[Path | None, typer.Option("--mbox", metavar="FILE",
                                              help=N_("Read a local mbox file instead of IMAP"))] = None,
    move_to: Annotated[str, typer.Option("--move-to", metavar="FOLDER",
                                         help=N_("Folder for handled messages"))] = "Processed",
    dry_run: Annotated[bool, typer.Option("--dry-run", help=N_("Only say what would be done"))] = False,
    notify: Annotated[str | None, typer.Option("--notify", metavar="ADDRESS",
        help=N_("Mail this address when replies are left for a person to answer (for a run nobody watches)"))] = None,
) -> None:
    with handled():
        from composer.audience import inbox  # IMAP and bounce parsing, only for this command
        from composer.state import Journal

        from composer.audience.subscribers import checked_address

        told = checked_address(notify) if notify else None  # a wrong address fails before the mailbox is touched
        settings, secret = settings_and_secret()
        source = inbox.open_source(settings, maildir, mbox, move_to)
        try:
            with Journal(settings.state_dir) as journal:
                counts = inbox.process(source, journal, inbox.context(settings, secret, journal), settings.soft_bounce_limit,
                                       dry_run, say=lambda said: out.print(render(said, lang())))
        finally:
            source.close()
        if told and counts["other"] and not dry_run:
            from composer.send.notify import LeftForYou, tell

            tell(settings, told, LeftForYou(counts["other"]), lang())
    parts = [ngettext("{n} unsubscribed", "{n} unsubscribed", counts["unsubscribe"]),
             ngettext("{n} bounce", "{n} bounces", counts["bounce"]),
             ngettext("{n} automatic reply", "{n} automatic replies", counts["autoreply"]),
             ngettext("{n} left for you", "{n} left for you", counts["other"]),
             ngettext("{n} unreadable", "{n} unreadable", counts["malformed"])]
    if counts["complaint"]:
        parts.append(ngettext("{n} complaint", "{n} complaints", counts["complaint"]))
    if counts["quarantined"]:
        parts.append(ngettext("{n} set aside unread", "{n} set aside unread", counts["quarantined"]))
    out.print(", ".join(parts) + (_(" (dry run: nothing changed)") if dry_run else ""))


@command("unbounce", help=N_("Send to a bounced ADDRESS again (the mailbox works again); recorded with who lifted it "
                              "and when."))
def unbounce_command(address: Annotated[str, typer.Argument(metavar="ADDRESS",
                                                            help=N_("The bounced address to write to again"))]) -> None:
    from composer.audience import roster
    from composer.i18n import message
    from composer.office import protocol
    from composer.office.roles import Actor
    from composer.state import Journal

    with handled():
        settings, secret = settings_and_secret()
        with Journal(settings.state_dir) as journal:
            email, lifted = roster.unbounce(journal, address, "the coordinator (newsletter unbounce)")
            protocol.record(journal, Actor.command_line(), "address_unbounced", message("Lifted a bounce of an address"),
                            address=email, secret=secret)
    out.print(_("{email}: the bounce ({reason}) is lifted; the next issue goes to this address again.", email=email,
                reason=lifted.reason))


@command("subscribers", help=N_("Each address of a list and its state: active, unsubscribed, bounced or erased (on "
                                 "request); web sign-ups with their consent time; rows without proof of consent say why."))
def subscribers_command(
    list_name: Annotated[str, typer.Argument(metavar="LIST", help=N_("The list, e.g. volunteers"))],
    export: Annotated[Path | None, typer.Option("--export", metavar="FILE",
        help=N_("Write the active subscribers to this file (.csv or .xlsx), readable again as a list"))] = None,
) -> None:
    from composer.audience import consent
    from composer.audience.roster import roster
    from composer.audience.roster import export_table
    from composer.audience.subscribers import LIST_DIR, list_path
    from composer.exports import write_export
    from composer.state import Journal

    with handled():
        settings, secret = settings_and_secret()
    with handled(), Journal(settings.state_dir) as journal:
        proof = consent.ConsentCount.of(journal.signups(list_name))
        listing = roster(list_name, LIST_DIR, journal, secret)
        if export:
            write_export(export_table(listing, list_path(list_name, LIST_DIR)), export, lang())
    unproven = 0
    for m in listing.members:
        web = _("  (web sign-up, consent {when})", when=stamp(datetime.fromtimestamp(m.signed_up), lang())) if m.signed_up else ""
        why = proof.reason(m.recipient)
        unproven += why is not None
        out.print(f"{_(STATES.get(m.state, m.state)):<13}{m.recipient.email}  {m.recipient.name or ''}".rstrip() + web
                  + (f"  ({render(why, lang())})" if why else ""))
    for bad in listing.bad_rows:
        out.print(styled(_("skipped:"), "red", _("{where}: {reason} (a send skips this row)",
                                                 where=f"{list_path(list_name)}:{bad.line}",
                                                 reason=render(bad.reason, lang()))))
    counts = listing.counts
    web_count = counts.pop("web")
    if not listing.members and not listing.bad_rows:  # a new folder's list: say what to do, not an empty line
        out.print(_("{path} has no addresses yet: {what_to_do}", path=list_path(list_name), what_to_do=_(ADD_ADDRESSES)))
    else:
        out.print(", ".join([f"{n} {_(STATES.get(state, state))}" for state, n in sorted(counts.items()) if n]
                            + [ngettext("{n} skipped row", "{n} skipped rows", len(listing.bad_rows))]
                            * bool(listing.bad_rows))
                  + (_(" ({n} of them web sign-ups)", n=web_count) if web_count else ""))
    warning = consent.warning(unproven, len(listing.members), list_name, named_above=True)
    if warning:
        out.print(styled(_("warning:"), "yellow", render(warning, lang())))
    if export:
        out.print(ngettext("{n} active subscriber written to {file}", "{n} active subscribers written to {file}",
                           counts["active"], file=export))
