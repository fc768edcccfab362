"""Commands for several people at one desk: `person-account` (add, list, remove) and `log` (the Protokoll)."""

from __future__ import annotations

import asyncio
import sys
from typing import Annotated

import typer

from composer.cli.common import EXIT_FAILED, EXIT_INPUT, app, command, err, handled, out, said, settings_and_secret, styled
from composer.cli.language import _, lang
from composer.cli.usage import Command, Group
from composer.i18n import N_, message, render

accounts = typer.Typer(cls=Group, help=N_("The people of the desk (Die Redaktion): add, list, remove."), no_args_is_help=True,
                       add_completion=False, rich_markup_mode=None)
app.add_typer(accounts, name="person-account")


@accounts.command("add", cls=Command, help=N_("Add a person to the desk and mail them an invitation link to choose their "
                                              "password (valid 7 days, once)."))
def add(
    name: Annotated[str, typer.Argument(metavar="NAME", help=N_("The person's name, e.g. 'Ayşe Yilmaz'"))],
    email: Annotated[str, typer.Argument(metavar="EMAIL", help=N_("Their address; they log in with it"))],
    role: Annotated[list[str], typer.Option("--role", metavar="ROLE",
        help=N_("Redaktion, Freigabe, Versand or Verwaltung (repeatable, or comma-separated)"))],
) -> None:
    from composer.office import mails, people
    from composer.office.roles import Actor, parse_roles
    from composer.state import Journal

    with handled():
        roles = parse_roles(role)
        settings, _secret = settings_and_secret()
        actor = Actor.command_line()
        with Journal(settings.state_dir) as journal:
            invitation = people.add(journal, actor, name, email, roles)
        link = mails.invitation_link(mails.desk_base(settings), invitation.token)
        summary = asyncio.run(mails.invitation(settings, invitation.person, link, said(actor.shown)))
    out.print(_("{name} <{email}> added.", name=invitation.person.name, email=invitation.person.email))
    if summary.sent or summary.uncertain:
        out.print(_("The invitation went to {email}; its link works once, for 7 days.", email=invitation.person.email))
        return
    err.print(styled(_("warning:"), "yellow", _("the invitation could not be mailed; give them this link yourself "
                                               "(it works once, for 7 days): {link}", link=link)))
    raise typer.Exit(EXIT_FAILED)


@accounts.command("list", cls=Command, help=N_("Everyone with an account, their roles, and whether they chose a password."))
def list_people() -> None:
    from composer.office.roles import role_names
    from composer.state import Journal

    with handled():
        settings, _secret = settings_and_secret()
        with Journal(settings.state_dir) as journal:
            everyone = journal.people()
    if not everyone:
        out.print(_("No accounts yet; `newsletter person-account add NAME EMAIL --role ...` adds one."))
    for person in everyone:
        roles = ", ".join(said(r) for r in role_names(person.roles))
        out.print(f"{person.name} <{person.email}>: {roles}" + ("" if person.password else " " + _("(invited, no password yet)")))


@accounts.command("remove", cls=Command, help=N_("Remove a person's account (the last one with Verwaltung stays)."))
def remove(email: Annotated[str, typer.Argument(metavar="EMAIL", help=N_("The person's address"))]) -> None:
    from composer.office import people
    from composer.office.roles import Actor
    from composer.state import Journal

    with handled():
        settings, _secret = settings_and_secret()
        with Journal(settings.state_dir) as journal:
            gone = people.remove(journal, Actor.command_line(), email)
    out.print(_("{name} <{email}> can no longer log in to the desk.", name=gone.name, email=gone.email))


@accounts.command("roles", cls=Command, help=N_("Give a person other roles (the last one with Verwaltung keeps it)."))
def roles(
    email: Annotated[str, typer.Argument(metavar="EMAIL", help=N_("The person's address"))],
    role: Annotated[list[str], typer.Option("--role", metavar="ROLE",
        help=N_("Redaktion, Freigabe, Versand or Verwaltung (repeatable, or comma-separated)"))],
) -> None:
    from composer.office import people
    from composer.office.roles import Actor, parse_roles, role_names
    from composer.state import Journal

    with handled():
        chosen = parse_roles(role)
        settings, _secret = settings_and_secret()
        with Journal(settings.state_dir) as journal:
            found = journal.person_by_email(email.strip())
            if found is None:
                raise people.PeopleError(message("{email} has no account.", email=email.strip()))
            changed = people.set_roles(journal, Actor.command_line(), found.id, chosen)
    out.print(_("{name} <{email}>: {roles}", name=changed.name, email=changed.email,
                roles=", ".join(said(r) for r in role_names(changed.roles))))


@command("log", help=N_("The Protokoll: who did what, when (saves, approvals, sends, lists, settings, people)."))
def log(
    issue: Annotated[str | None, typer.Option("--issue", metavar="ISSUE",
                                              help=N_("Only this issue (its name, e.g. 2027-01)"))] = None,
    as_csv: Annotated[bool, typer.Option("--csv", help=N_("As CSV"))] = False,
    verify: Annotated[bool, typer.Option("--verify", help=N_("Check that no entry was changed or removed"))] = False,
) -> None:
    from composer.i18n.formats import stamp
    from composer.office import protocol
    from composer.office.roles import shown_actor
    from composer.state import Journal

    language = lang()
    with handled():
        settings, _secret = settings_and_secret()
        with Journal(settings.state_dir) as journal:
            if verify:
                verdict = protocol.verify(journal)
                (out if verdict.ok else err).print(said(verdict.said()))
                if not verdict.ok:
                    raise typer.Exit(EXIT_INPUT)
                return
            rows = journal.protocol(issue=issue.removesuffix(".md").rsplit("/", 1)[-1] if issue else None)
    if as_csv:
        protocol.write_csv(rows, sys.stdout, language, settings.zone)
        return
    if not rows:
        out.print(_("The Protokoll has no entries for {issue}.", issue=issue) if issue else _("The Protokoll has no entries yet."))
    for row in rows:
        where = " ".join(part for part in (row.issue, f"[{row.list}]" if row.list else "") if part)
        address = protocol.address_of(row)
        out.print(f"{stamp(protocol.when(row, settings.zone), language)}  {render(shown_actor(row.actor), language)}  "
                  + (f"{where}: " if where else "") + protocol.text(row, language) + (f" ({address})" if address else ""))
