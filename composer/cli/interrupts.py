"""Ctrl-C and the stop signals at any moment of a command: one line and 128 + the signal's number, never a
traceback. Light on purpose (no typer, no rich): the entry point needs it before anything heavy is imported."""

from __future__ import annotations

import signal

from composer.cli.language import _


def interrupted() -> str:
    return _("interrupted; run the same command again to continue where it stopped")


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP while no send is running: the command ends like Ctrl-C, with that signal's exit code."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.exit_code = 128 + signum


def exit_code(interrupt: KeyboardInterrupt) -> int:
    return int(getattr(interrupt, "exit_code", 128 + signal.SIGINT))


def end_on_termination() -> None:
    """SIGTERM and SIGHUP end a command with one line instead of silently; a send's run stops gracefully
    (composer/send/stopping.py). A signal ignored on purpose (nohup) stays ignored."""

    def terminated(signum: int, frame: object) -> None:
        raise Terminated(signum)

    for signum in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(signum) is signal.SIG_DFL:
            signal.signal(signum, terminated)


def unreported(exc: SystemExit) -> KeyboardInterrupt | None:
    """The interrupt behind an exit that nobody reported: typer turns a Ctrl-C outside `handled()` (while a
    command imports what it needs, or parses its options) into a silent exit 130, raising its Exit from the
    interrupt. `handled()` reports its own and raises its Exit from None."""
    cause = exc.__context__.__cause__ if exc.__context__ is not None else None
    return cause if isinstance(cause, KeyboardInterrupt) else None
