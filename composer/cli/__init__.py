"""The `newsletter` command: parses, calls the library, prints, and maps errors to exit codes."""

from __future__ import annotations

import contextlib
import sys

import click
import typer

from composer.cli import audience, compose, folder, sending, web  # noqa: F401 (each module registers its commands)
from composer.cli.common import app, end_on_termination, err, quiet_pipe, styled


def command() -> click.Command:
    """The click command behind `newsletter`, its values shown as NAME (typer would print `<list[str]>`)."""
    group = typer.main.get_command(app)
    commands = [group, *getattr(group, "commands", {}).values()]
    for param in (p for c in commands for p in c.params):
        if param.metavar is None and not getattr(param, "is_flag", False) and param.name:
            param.metavar = param.name.upper()
    return group  # type: ignore[return-value]  # typer vendors click's types


def main() -> None:
    """Entry point: a bug still ends in one line the coordinator can report, not a traceback."""
    end_on_termination()
    try:
        command()(prog_name="newsletter")
    except SystemExit:
        raise
    except BrokenPipeError:
        with contextlib.suppress(SystemExit, typer.Exit):
            quiet_pipe()
        sys.exit(0)
    except Exception as exc:  # noqa: BLE001 - last resort for the coordinator's terminal
        err.print(styled("internal error:", "red", f"{type(exc).__name__}: {exc} (please report this)"))
        sys.exit(3)

