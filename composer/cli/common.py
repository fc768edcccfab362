"""What every command of the CLI shares: the consoles, the error mapping, the settings at the edge."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import ProgressColumn, Task
from rich.text import Text

from composer.cli.interrupts import exit_code, interrupted
from composer.cli.language import _, is_yes, lang
from composer.cli.usage import Command, Group, speak_for_click
from composer.i18n import N_, render
from composer.send.tokens import load_secret
from composer.errors import ChecksFailedError, ComposerError, IssueFileError

if TYPE_CHECKING:  # the settings (pydantic) and the checks load when a command needs them, not for --help
    from composer import checks
    from composer.config.settings import Settings

# The commands in the order of the work, as `newsletter --help` lists them; any other comes after, by name.
# What a new folder's empty list needs, said by `subscribers` and by `send` (init writes only the header row).
ADD_ADDRESSES = N_("add them below its header row, or import your spreadsheet in the desk (newsletter desk, Abonnenten)")
WORK_ORDER = ("init", "new", "preview", "check", "send", "status", "build", "desk", "subscribers", "inbox",
              "unsubscribe", "unbounce", "serve", "archive", "doctor", "person", "forget", "reconfirm", "backup", "restore")


class Commands(Group):
    """Lists the commands in the order of the work, and notes `--help` anywhere after the command's name, so
    the group's callback can leave the folder alone when only the help is wanted."""

    # `ctx` is the Context of the click that typer bundles, which it does not export by a public name.
    def list_commands(self, ctx: Any) -> list[str]:
        names = super().list_commands(ctx)
        return sorted(names, key=lambda n: (WORK_ORDER.index(n) if n in WORK_ORDER else len(WORK_ORDER), n))

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        ctx.meta["help_asked"] = any(arg in ctx.help_option_names for arg in args)
        return super().parse_args(ctx, args)


app = typer.Typer(cls=Commands, help=N_("Write, check, test-send and send the newsletter."), no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False, rich_markup_mode=None)
speak_for_click()


def command(name: str | None = None, **options: Any) -> Any:
    """`app.command` with our command class: help texts are msgids, shown in the command line's language."""
    return app.command(name, cls=Command, **options)

# Untrusted text (names, addresses, titles, server replies, paths) is printed as it is: no markup, no emoji
# codes. Colour is added only through `styled`, never parsed out of a string.
out = Console(highlight=False, soft_wrap=True, markup=False, emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)

EXIT_FAILED, EXIT_INPUT = 1, 2
IssueArg = Annotated[Path, typer.Argument(metavar="ISSUE", help=N_("The issue file, e.g. issues/2020-12.md"))]


@contextlib.contextmanager
def handled() -> Iterator[None]:
    """Every failure becomes one line per problem and an exit code, never a traceback."""
    try:
        yield
    except IssueFileError as exc:
        for problem in exc.problems:
            err.print(styled(_("error:"), "red", str(problem)))
        raise typer.Exit(EXIT_INPUT) from None
    except ChecksFailedError as exc:
        for finding in exc.findings:
            print_finding(finding)  # type: ignore[arg-type]
        err.print(exc.shown(lang()))
        raise typer.Exit(EXIT_INPUT) from None
    except ComposerError as exc:
        err.print(styled(_("error:"), "red", exc.shown(lang())))
        raise typer.Exit(EXIT_INPUT) from None
    except BrokenPipeError:
        reader_went_away()
    except OSError as exc:
        err.print(styled(_("error:"), "red", f"{exc.filename or ''}: {exc.strerror}"))
        raise typer.Exit(EXIT_INPUT) from None
    except KeyboardInterrupt as exc:
        err.print(interrupted())
        raise typer.Exit(exit_code(exc)) from None


class RateColumn(ProgressColumn):
    """Messages per second, the figure a coordinator compares with the provider's limit."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:.0f}/s" if task.speed else "")


def load_settings() -> Settings:
    """The settings from .env and the environment; pydantic is imported here, when a command needs them."""
    from composer.config.settings import load_settings as load

    return load()


def settings_and_secret() -> tuple[Settings, bytes]:
    settings = load_settings()
    return settings, load_secret(settings.secret_key.get_secret_value() if settings.secret_key else None,
                                 settings.state_dir)


def styled(label: str, style: str, rest: str = "") -> Text:
    """A coloured label followed by plain text that is never read as markup."""
    return Text.assemble((label, style), f" {rest}" if rest else "")


LEVELS = {"error": N_("error:"), "warning": N_("warning:"), "info": N_("note:")}


def print_finding(finding: checks.Finding) -> None:
    colour = {"error": "red", "warning": "yellow", "info": "cyan"}[finding.level]
    said = render(finding.message, lang())  # a library message, or (until checks/ makes messages) plain text
    (err if finding.level == "error" else out).print(styled(_(LEVELS[finding.level]), colour, f"{finding.where}: {said}"))


def confirmed(question: str) -> bool:
    """Our own yes/no question, `[j/N]` in German: j, ja, y and yes confirm in either language; anything else, or
    no answer at all (input closed), is a no. Ctrl-C or a signal at the question is an interruption (one line,
    exit 130/143), not click's "Aborted!"."""
    try:
        answer = typer.prompt(question + " " + _("[y/N]"), default="", show_default=False)
    except typer.Abort as exc:
        if isinstance(exc.__context__, KeyboardInterrupt):  # click raises Abort from it
            raise exc.__context__ from None
        return False
    return is_yes(answer)


def said(value: Any) -> str:
    """A library's message, or something that says itself as one (a send's destination), in the command line's
    language; anything else as it is."""
    spoken = getattr(value, "said", None)
    return str(render(spoken() if callable(spoken) else value, lang()))


def reader_went_away() -> NoReturn:
    """`status --csv | head`: the reader closing the pipe is no error; the final flush is silenced too."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(0)
