"""The newsletter folder every command works in (--folder), `newsletter init` to make one, and `backup` and
`restore` to move one to another computer."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from composer.cli.common import app, command, handled, out, settings_and_secret
from composer.cli.language import _, lang
from composer.config import folder
from composer.i18n import N_, render
from composer.i18n.formats import number, stamp


def _show_version(asked: bool) -> None:
    if asked:
        from importlib.metadata import PackageNotFoundError, version

        try:
            out.print(f"newsletter-composer {version('newsletter-composer')}")
        except PackageNotFoundError:
            out.print(_("newsletter-composer (not installed: run from a checkout)"))
        raise typer.Exit()


@app.callback(help=N_("Write, check, test-send and send the newsletter."))
def in_folder(
    ctx: typer.Context,
    where: Annotated[Path | None, typer.Option("--folder", metavar="DIR", envvar="NEWSLETTER_FOLDER",
                                               help=N_("The newsletter folder (default: the current one)"))] = None,
    _version: Annotated[bool, typer.Option("--version", callback=_show_version, is_eager=True,
                                           help=N_("Show the installed version and stop"))] = False,
) -> None:
    if ctx.invoked_subcommand in ("init", "restore") or asks_for_help(ctx):  # they make a folder; restore may run anywhere
        return
    with handled():
        folder.require_folder(folder.enter(where))


QUESTIONS = {  # init's questions in a terminal, in the order asked; an empty answer keeps the placeholder
    "name": N_("Name of your office (as readers know it)"),
    "address": N_("Postal address for the imprint (street, postcode and town)"),
    "imprint": N_("Link to your Impressum (https://...)"),
    "privacy": N_("Link to your Datenschutzerklärung (https://...)"),
    "sender": N_("Sender address (the From of the newsletter)"),
}
TextOption = Annotated[str, typer.Option(show_default=False)]


def in_a_terminal() -> bool:
    """init asks its questions only of a person at a terminal; a script or a pipe gets the placeholders."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def _answer(key: str) -> Callable[[str], str]:
    """An answer checked as it is given: a bad one is said under the question, which is asked again (typer's click re-asks
    when the answer raises BadParameter)."""
    def checked(value: str) -> str:
        problem = folder.answer_problem(key, value)
        if problem:
            raise typer.BadParameter(render(problem, lang()))
        return value
    return checked


def asks_for_help(ctx: typer.Context) -> bool:
    """`newsletter send --help` shows the help anywhere, without a newsletter folder."""
    return bool(ctx.meta.get("help_asked"))


@command(help=N_("Make a newsletter folder: a first issue with your office's details, a subscriber list, .env with "
                  "your settings.\n\nWhat is not given as an option is asked for in a terminal; left empty (or without "
                  "a terminal), it is written as a placeholder that `newsletter check` names until you replace it."))
def init(
    target: Annotated[Path, typer.Argument(metavar="[FOLDER]", help=N_("The folder to make, e.g. newsletter"))] = Path("."),
    name: Annotated[str, typer.Option("--name", help=N_("Your office's name, as readers know it"), show_default=False)] = "",
    address: Annotated[str, typer.Option("--address", help=N_("Postal address for the imprint: street, postcode and "
                                                               "town (lines separated by ;)"), show_default=False)] = "",
    imprint: Annotated[str, typer.Option("--imprint", help=N_("Link to your Impressum (https://...)"),
                                         show_default=False)] = "",
    privacy: Annotated[str, typer.Option("--privacy", help=N_("Link to your Datenschutzerklärung (https://...)"),
                                         show_default=False)] = "",
    sender: Annotated[str, typer.Option("--sender", help=N_("Sender address, written into .env as "
                                                             "NEWSLETTER_FROM_ADDRESS"), show_default=False)] = "",
) -> None:
    from composer.issue.starter import Office

    given = {"name": name, "address": address, "imprint": imprint, "privacy": privacy, "sender": sender}
    if in_a_terminal():
        for key, question in QUESTIONS.items():
            if not given[key].strip():
                given[key] = typer.prompt(_(question), default="", show_default=False, value_proc=_answer(key))
    sender_ = given.pop("sender")
    with handled():
        written = folder.init(target, office=Office(**given), sender=sender_)
    for path in written:
        out.print(str(path))
    issue = written[0].relative_to(target)
    here = target.expanduser().resolve() == Path.cwd().resolve()
    first = _("Ready in this folder. Next: ") if here else _("Ready. Next: cd {folder}, ",
                                                              folder=shlex.quote(str(target)))  # pasted as it is
    todo = "" if sender_.strip() else _("put your sender address into .env (NEWSLETTER_FROM_ADDRESS), ")
    out.print(first + todo + _("write {issue}, then `newsletter preview {issue}`; `newsletter check {issue}` names every "
                               "field still to fill in.", issue=issue))



@command(help=N_("Write the whole folder into one archive (.tar.gz) for `newsletter restore`, also while a send runs."))
def backup(
    file: Annotated[Path, typer.Argument(metavar="FILE",
                                         help=N_("The archive to write, e.g. newsletter-2021-01-28.tar.gz"))],
    with_secrets: Annotated[bool, typer.Option("--with-secrets",
                                               help=N_("Also the passwords in .env (SMTP, IMAP, the desk's)"))] = False,
    with_outbox: Annotated[bool, typer.Option("--with-outbox", help=N_("Also the outbox/ folder"))] = False,
) -> None:
    from composer.config import backup as archive

    with handled():
        settings, secret = settings_and_secret()
        made = archive.make(Path.cwd(), file, settings, secret, with_secrets=with_secrets, with_outbox=with_outbox)
    out.print(_("Backup written to {path}: {files} files, {size} MB ({parts}).", path=made.path, files=made.files,
                size=number(made.size / 1e6, lang(), 1), parts=", ".join(made.parts)))
    if made.secret_from_environment:
        out.print(_("The link secret came from the environment (NEWSLETTER_SECRET_KEY); the backup keeps it in .env."))
    if not with_secrets:
        out.print(_("Passwords left out; add --with-secrets to include them."))
    out.print(_("Keep the file safe: it holds every address on your lists and the secret of the unsubscribe links."))


@command(help=N_("Unpack a backup into a new folder that works at once: status, a send resuming, the unsubscribe links."))
def restore(
    file: Annotated[Path, typer.Argument(metavar="FILE", help=N_("An archive written by `newsletter backup`"))],
    target: Annotated[Path, typer.Argument(metavar="FOLDER",
                                           help=N_("The new folder to restore into (made; or an empty one)"))],
) -> None:
    from composer.config.restore import restore as unpack

    with handled():
        restored = unpack(file, target)
    manifest = restored.manifest
    out.print(_("Restored {files} files into {folder}, from the backup of {when} (newsletter-composer {release}).",
                files=restored.files, folder=restored.folder, when=stamp(manifest.created.astimezone(), lang()),
                release=manifest.release or _("from a checkout")))
    if manifest.left_out:
        out.print(_("Passwords were left out of the backup: fill in {names} in {file}.",
                    names=", ".join(manifest.left_out), file=restored.folder / ".env"))
    out.print(_("Next: cd {folder} and `newsletter status`.", folder=restored.folder))
