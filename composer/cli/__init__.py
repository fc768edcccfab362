"""The `newsletter` command: parses, calls the library, prints, and maps errors to exit codes."""

from __future__ import annotations

import sys

from composer.cli import audience, compose, desk, doctor, folder, privacy, sending, web  # noqa: F401 (each module registers its commands)
from composer.cli.common import app, end_on_termination, err, reader_went_away, styled


def main() -> None:
    """Entry point: a bug still ends in one line the coordinator can report, not a traceback."""
    end_on_termination()
    try:
        try:
            app()
        finally:
            sys.stdout.flush()  # here, so a reader that went away is caught below, not at interpreter exit
    except SystemExit:
        raise
    except BrokenPipeError:
        reader_went_away()
    except Exception as exc:  # noqa: BLE001 - last resort for the coordinator's terminal
        err.print(styled("internal error:", "red", f"{type(exc).__name__}: {exc} (please report this)"))
        sys.exit(3)

