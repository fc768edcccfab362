"""The newsletter folder every command works in (--folder), and `newsletter init` to make one."""

from __future__ import annotations

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
    if ctx.invoked_subcommand == "init":
        return
    with handled():
        folder.require_folder(folder.enter(where))


@app.command()
def init(target: Annotated[Path, typer.Argument(metavar="[FOLDER]", help="The folder to make, e.g. newsletter")] = Path(".")) -> None:
    """Make a newsletter folder: a first issue, a subscriber list, .env with your settings to fill in."""
    with handled():
        written = folder.init(target)
    for path in written:
        out.print(str(path))
    issue = written[0].relative_to(target)
    out.print(f"Ready. Next: cd {target}, put your sender address into .env (NEWSLETTER_FROM_ADDRESS), "
              f"write {issue}, then `newsletter preview {issue}`.")
