"""The `newsletter` command: parses, calls the library, prints, and maps errors to exit codes.

Importing this package loads nothing else: `main` imports the commands itself, so a Ctrl-C while they load (the
first moments of every command) ends in one line, like a Ctrl-C at any later moment. It imports only the module of
the command named on the line (and `folder`, whose callback every command passes): a send does not load the
inbox's, the doctor's or the GDPR commands' modules. Without a known command name (`--help`, a typo) it loads them
all, so the list and click's "did you mean" see every command."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from composer.cli.interrupts import end_on_termination, exit_code, interrupted, unreported

if TYPE_CHECKING:
    import typer


# Each command's module (it registers the command when imported); tests/test_startup.py checks this against them.
MODULES = {"init": "folder", "backup": "folder", "restore": "folder", "new": "compose", "build": "compose",
           "preview": "compose", "check": "compose", "desk": "desk", "doctor": "doctor", "person-account": "office",
           "log": "office", "person": "privacy", "forget": "privacy", "reconfirm": "privacy", "send": "sending",
           "status": "sending", "unsubscribe": "sending", "serve": "web", "archive": "web", "inbox": "audience",
           "unbounce": "audience", "subscribers": "audience"}
TOP_OPTIONS_WITH_VALUE = ("--folder",)  # the group's own options that take a value (composer/cli/folder.py)


def command_named(args: list[str]) -> str | None:
    """The command word of a command line: its first argument that is neither an option nor an option's value."""
    rest = iter(args)
    for arg in rest:
        if arg in TOP_OPTIONS_WITH_VALUE:
            next(rest, None)
        elif arg == "--" or not arg.startswith("-"):
            return None if arg == "--" else arg
    return None


def commands(args: list[str] | None = None) -> typer.Typer:
    """The app with the command `args` names registered, or every command when they name none we know."""
    import importlib

    from composer.cli.common import app

    word = command_named(args) if args is not None else None
    for module in ("folder", MODULES[word]) if word in MODULES else sorted(set(MODULES.values())):
        importlib.import_module(f"composer.cli.{module}")
    return app


def __getattr__(name: str) -> Any:
    """`from composer.cli import app` (the tests' CliRunner) still gets the whole app."""
    if name == "app":
        return commands()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Entry point: a bug still ends in one line the coordinator can report, not a traceback."""
    end_on_termination()
    try:
        try:
            commands(sys.argv[1:])()
        finally:
            sys.stdout.flush()  # here, so a reader that went away is caught below, not at interpreter exit
    except SystemExit as exc:
        interrupt = unreported(exc)
        if interrupt is None:
            raise
        _interrupted(interrupt)
    except KeyboardInterrupt as interrupt:
        _interrupted(interrupt)
    except BrokenPipeError:
        from composer.cli.common import reader_went_away

        reader_went_away()
    except Exception as exc:  # noqa: BLE001 - last resort for the coordinator's terminal
        from composer.cli.common import err, styled
        from composer.cli.language import _

        err.print(styled(_("internal error:"), "red", _("{error} (please report this)", error=f"{type(exc).__name__}: {exc}")))
        sys.exit(3)


def _interrupted(interrupt: KeyboardInterrupt) -> None:
    """Written plainly: the consoles may not be loaded yet."""
    sys.stderr.write(interrupted() + "\n")
    sys.exit(exit_code(interrupt))
