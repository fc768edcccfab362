"""The `newsletter` command: parses, calls the library, prints, and maps errors to exit codes.

Importing this package loads nothing else: `main` imports the commands itself, so a Ctrl-C while they load (the
first moments of every command) ends in one line, like a Ctrl-C at any later moment."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from composer.cli.interrupts import end_on_termination, exit_code, interrupted, unreported

if TYPE_CHECKING:
    import typer


def commands() -> typer.Typer:
    """The app with every command registered (each module registers its own)."""
    from composer.cli import audience, compose, desk, doctor, folder, privacy, sending, web  # noqa: F401
    from composer.cli.common import app

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
            commands()()
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
