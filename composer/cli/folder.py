"""The newsletter folder every command works in (--folder), and `newsletter init` to make one."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer

from composer.config import folder
from composer.cli.common import app, handled, out


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
    if ctx.invoked_subcommand == "init" or asks_for_help(ctx):
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
TextOption = Annotated[str, typer.Option(show_default=False)]


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
) -> None:
    """Make a newsletter folder: a first issue with your office's details, a subscriber list, .env with your settings.

    What is not given as an option is asked for in a terminal; left empty (or without a terminal), it is
    written as a placeholder that `newsletter check` names until you replace it."""
    from composer.issue.starter import Office

    given = {"name": name, "address": address, "imprint": imprint, "privacy": privacy, "sender": sender}
    if sys.stdin.isatty() and sys.stdout.isatty():
        for key, question in QUESTIONS.items():
            if not given[key].strip():
                given[key] = typer.prompt(question, default="", show_default=False)
    sender_ = given.pop("sender")
    with handled():
        written = folder.init(target, office=Office(**given), sender=sender_)
    for path in written:
        out.print(str(path))
    issue = written[0].relative_to(target)
    here = target.expanduser().resolve() == Path.cwd().resolve()
    first = "Ready in this folder. Next: " if here else f"Ready. Next: cd {shlex.quote(str(target))}, "  # pasted as it is
    todo = "" if sender_.strip() else "put your sender address into .env (NEWSLETTER_FROM_ADDRESS), "
    out.print(f"{first}{todo}write {issue}, then `newsletter preview {issue}`; "
              f"`newsletter check {issue}` names every field still to fill in.")
