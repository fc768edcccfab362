"""Commands for several people at one desk: `person-account` (add, list, remove) and `log` (the Protokoll)."""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Annotated

import typer

from composer.cli.common import EXIT_FAILED, EXIT_INPUT, app, err, handled, out, settings_and_secret, styled
from composer.i18n import Message, render
from composer.i18n.languages import from_environment

accounts = typer.Typer(help="The people of the desk (Die Redaktion): add, list, remove.", no_args_is_help=True,
                       add_completion=False, rich_markup_mode=None)
app.add_typer(accounts, name="person-account")


def said(text: Message | str) -> str:
    """A library message in the terminal's language."""
    return render(text, from_environment(os.environ))


@accounts.command("add")
def add(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The person's name, e.g. 'Ayşe Yilmaz'")],
    email: Annotated[str, typer.Argument(metavar="EMAIL", help="Their address; they log in with it")],
    role: Annotated[list[str], typer.Option("--role", metavar="ROLE",
        help="Redaktion, Freigabe, Versand or Verwaltung (repeatable, or comma-separated)")],
) -> None:
    """Add a person to the desk and mail them an invitation link to choose their password (valid 7 days, once)."""
    from composer.office import mails, people
    from composer.office.roles import Actor, parse_roles
    from composer.state import Journal

    with handled():
        roles = parse_roles(role)
        settings, _ = settings_and_secret()
        actor = Actor.command_line()
        with Journal(settings.state_dir) as journal:
            invitation = people.add(journal, actor, name, email, roles)
        link = mails.invitation_link(mails.desk_base(settings), invitation.token)
        summary = asyncio.run(mails.invitation(settings, invitation.person, link, said(actor.shown)))
    out.print(f"{invitation.person.name} <{invitation.person.email}> added.")
    if summary.sent or summary.uncertain:
        out.print(f"The invitation went to {invitation.person.email}; its link works once, for 7 days.")
        return
    err.print(styled("warning:", "yellow", "the invitation could not be mailed; give them this link yourself "
                     f"(it works once, for 7 days): {link}"))
    raise typer.Exit(EXIT_FAILED)


@accounts.command("list")
def list_people() -> None:
    """Everyone with an account, their roles, and whether they chose a password."""
    from composer.office.roles import role_names
    from composer.state import Journal

    with handled():
        settings, _ = settings_and_secret()
        with Journal(settings.state_dir) as journal:
            everyone = journal.people()
    if not everyone:
        out.print("No accounts yet; `newsletter person-account add NAME EMAIL --role ...` adds one.")
    for person in everyone:
        roles = ", ".join(said(r) for r in role_names(person.roles))
        out.print(f"{person.name} <{person.email}>: {roles}" + ("" if person.password else " (invited, no password yet)"))


@accounts.command("remove")
def remove(email: Annotated[str, typer.Argument(metavar="EMAIL", help="The person's address")]) -> None:
    """Remove a person's account (the last one with Verwaltung stays)."""
    from composer.office import people
    from composer.office.roles import Actor
    from composer.state import Journal

    with handled():
        settings, _ = settings_and_secret()
        with Journal(settings.state_dir) as journal:
            gone = people.remove(journal, Actor.command_line(), email)
    out.print(f"{gone.name} <{gone.email}> can no longer log in to the desk.")


@app.command("log")
def log(
    issue: Annotated[str | None, typer.Option("--issue", metavar="ISSUE", help="Only this issue (its name, e.g. 2027-01)")] = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="As CSV")] = False,
    verify: Annotated[bool, typer.Option("--verify", help="Check that no entry was changed or removed")] = False,
) -> None:
    """The Protokoll: who did what, when (saves, approvals, sends, lists, settings, people)."""
    from composer.i18n.formats import stamp
    from composer.office import protocol
    from composer.office.roles import shown_actor
    from composer.state import Journal

    lang = from_environment(os.environ)
    with handled():
        settings, _ = settings_and_secret()
        with Journal(settings.state_dir) as journal:
            if verify:
                verdict = protocol.verify(journal)
                (out if verdict.ok else err).print(said(verdict.said()))
                if not verdict.ok:
                    raise typer.Exit(EXIT_INPUT)
                return
            rows = journal.protocol(issue=issue.removesuffix(".md").rsplit("/", 1)[-1] if issue else None)
    if as_csv:
        protocol.write_csv(rows, sys.stdout, lang)
        return
    if not rows:
        out.print("The Protokoll has no entries" + (f" for {issue}." if issue else " yet."))
    for row in rows:
        where = " ".join(part for part in (row.issue, f"[{row.list}]" if row.list else "") if part)
        address = protocol.address_of(row)
        out.print(f"{stamp(protocol.when(row), lang)}  {render(shown_actor(row.actor), lang)}  "
                  + (f"{where}: " if where else "") + protocol.text(row, lang) + (f" ({address})" if address else ""))
