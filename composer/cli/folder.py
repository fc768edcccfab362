"""The newsletter folder every command works in (--folder), `newsletter init` to make one, and `backup` and
`restore` to move one to another computer."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from composer.cli.common import app, confirmed, handled, out, settings_and_secret
from composer.config import folder


def _show_version(asked: bool) -> None:
    if asked:
        from importlib.metadata import PackageNotFoundError, version

        try:
            out.print(f"newsletter-composer {version('newsletter-composer')}")
        except PackageNotFoundError:
            out.print("newsletter-composer (not installed: run from a checkout)")
        raise typer.Exit()


@app.callback()
def in_folder(
    ctx: typer.Context,
    where: Annotated[Path | None, typer.Option("--folder", metavar="DIR", envvar="NEWSLETTER_FOLDER",
                                               help="The newsletter folder (default: the current one)")] = None,
    _version: Annotated[bool, typer.Option("--version", callback=_show_version, is_eager=True,
                                           help="Show the installed version and stop")] = False,
) -> None:
    """Write, check, test-send and send the newsletter."""
    if ctx.invoked_subcommand in ("init", "restore") or asks_for_help(ctx):  # they make a folder; restore may run anywhere
        return
    with handled():
        folder.require_folder(folder.enter(where))


QUESTIONS = {  # init's questions in a terminal, in the order asked; an empty answer keeps the placeholder
    "name": "Name of your office (as readers know it)",
    "address": "Postal address for the imprint (street, postcode and town)",
    "imprint": "Link to your Impressum (https://...)",
    "privacy": "Link to your Datenschutzerklärung (https://...)",
    "sender": "Sender address (the From of the newsletter)",
}
APPROVAL_QUESTION = ("Must a second person approve each send to a list in the desk (Freigabe; a one-person office "
                     "says no)?")
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
            raise typer.BadParameter(problem)
        return value
    return checked


def asks_for_help(ctx: typer.Context) -> bool:
    """`newsletter send --help` shows the help anywhere, without a newsletter folder."""
    return bool(ctx.meta.get("help_asked"))


@app.command()
def init(
    target: Annotated[Path, typer.Argument(metavar="[FOLDER]", help="The folder to make, e.g. newsletter")] = Path("."),
    name: Annotated[str, typer.Option("--name", help="Your office's name, as readers know it", show_default=False)] = "",
    address: Annotated[str, typer.Option("--address", help="Postal address for the imprint: street, postcode and town "
                                                            "(lines separated by ;)", show_default=False)] = "",
    imprint: Annotated[str, typer.Option("--imprint", help="Link to your Impressum (https://...)", show_default=False)] = "",
    privacy: Annotated[str, typer.Option("--privacy", help="Link to your Datenschutzerklärung (https://...)",
                                         show_default=False)] = "",
    sender: Annotated[str, typer.Option("--sender", help="Sender address, written into .env as NEWSLETTER_FROM_ADDRESS",
                                        show_default=False)] = "",
    approval: Annotated[bool | None, typer.Option("--approval/--no-approval",
        help="A list send needs a second person's approval (NEWSLETTER_APPROVAL=required)", show_default=False)] = None,
) -> None:
    """Make a newsletter folder: a first issue with your office's details, a subscriber list, .env with your settings.

    What is not given as an option is asked for in a terminal; left empty (or without a terminal), it is
    written as a placeholder that `newsletter check` names until you replace it."""
    from composer.issue.starter import Office

    given = {"name": name, "address": address, "imprint": imprint, "privacy": privacy, "sender": sender}
    if in_a_terminal():
        for key, question in QUESTIONS.items():
            if not given[key].strip():
                given[key] = typer.prompt(question, default="", show_default=False, value_proc=_answer(key))
        if approval is None:
            approval = confirmed(APPROVAL_QUESTION)
    sender_ = given.pop("sender")
    with handled():
        written = folder.init(target, office=Office(**given), sender=sender_, approval=bool(approval))
    for path in written:
        out.print(str(path))
    issue = written[0].relative_to(target)
    here = target.expanduser().resolve() == Path.cwd().resolve()
    first = "Ready in this folder. Next: " if here else f"Ready. Next: cd {shlex.quote(str(target))}, "  # pasted as it is
    todo = "" if sender_.strip() else "put your sender address into .env (NEWSLETTER_FROM_ADDRESS), "
    out.print(f"{first}{todo}write {issue}, then `newsletter preview {issue}`; "
              f"`newsletter check {issue}` names every field still to fill in.")



@app.command()
def backup(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="The archive to write, e.g. newsletter-2021-01-28.tar.gz")],
    with_secrets: Annotated[bool, typer.Option("--with-secrets", help="Also the passwords in .env (SMTP, IMAP, the desk's)")] = False,
    with_outbox: Annotated[bool, typer.Option("--with-outbox", help="Also the outbox/ folder")] = False,
) -> None:
    """Write the whole folder into one archive (.tar.gz) for `newsletter restore`, also while a send runs."""
    from composer.config import backup as archive

    with handled():
        settings, secret = settings_and_secret()
        made = archive.make(Path.cwd(), file, settings, secret, with_secrets=with_secrets, with_outbox=with_outbox)
    out.print(f"Backup written to {made.path}: {made.files} files, {made.size / 1e6:.1f} MB ({', '.join(made.parts)}).")
    if made.secret_from_environment:
        out.print("The link secret came from the environment (NEWSLETTER_SECRET_KEY); the backup keeps it in .env.")
    if not with_secrets:
        out.print("Passwords left out; add --with-secrets to include them.")
    out.print("Keep the file safe: it holds every address on your lists and the secret of the unsubscribe links.")


@app.command()
def restore(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="An archive written by `newsletter backup`")],
    target: Annotated[Path, typer.Argument(metavar="FOLDER", help="The new folder to restore into (made; or an empty one)")],
) -> None:
    """Unpack a backup into a new folder that works at once: status, a send resuming, the unsubscribe links."""
    from composer.config.restore import restore as unpack

    with handled():
        restored = unpack(file, target)
    manifest = restored.manifest
    out.print(f"Restored {restored.files} files into {restored.folder}, from the backup of "
              f"{manifest.created.astimezone():%d.%m.%Y %H:%M} (newsletter-composer {manifest.release or 'from a checkout'}).")
    if manifest.left_out:
        out.print(f"Passwords were left out of the backup: fill in {', '.join(manifest.left_out)} in {restored.folder / '.env'}.")
    out.print(f"Next: cd {restored.folder} and `newsletter status`.")
