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

from composer.cli.interrupts import INTERRUPTED, exit_code
from composer.send.tokens import load_secret
from composer.errors import ChecksFailedError, ComposerError, IssueFileError

if TYPE_CHECKING:  # the settings (pydantic) and the checks load when a command needs them, not for --help
    from composer import checks
    from composer.config.settings import Settings

# The commands in the order of the work, as `newsletter --help` lists them; any other comes after, by name.
# What a new folder's empty list needs, said by `subscribers` and by `send` (init writes only the header row).
ADD_ADDRESSES = "add them below its header row, or import your spreadsheet in the desk (newsletter desk, Abonnenten)"
WORK_ORDER = ("init", "new", "preview", "check", "send", "status", "log", "build", "desk", "person-account", "subscribers", "inbox",
              "unsubscribe", "unbounce", "serve", "archive", "doctor", "person", "forget", "reconfirm", "backup", "restore")


class Commands(typer.core.TyperGroup):
    """Lists the commands in the order of the work, and notes `--help` anywhere after the command's name, so
    the group's callback can leave the folder alone when only the help is wanted."""

    # `ctx` is the Context of the click that typer bundles, which it does not export by a public name.
    def list_commands(self, ctx: Any) -> list[str]:
        names = super().list_commands(ctx)
        return sorted(names, key=lambda n: (WORK_ORDER.index(n) if n in WORK_ORDER else len(WORK_ORDER), n))

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        ctx.meta["help_asked"] = any(arg in ctx.help_option_names for arg in args)
        return super().parse_args(ctx, args)


app = typer.Typer(cls=Commands, help="Write, check, test-send and send the newsletter.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False, rich_markup_mode=None)
# Untrusted text (names, addresses, titles, server replies, paths) is printed as it is: no markup, no emoji
# codes. Colour is added only through `styled`, never parsed out of a string.
out = Console(highlight=False, soft_wrap=True, markup=False, emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)

EXIT_FAILED, EXIT_INPUT = 1, 2
IssueArg = Annotated[Path, typer.Argument(metavar="ISSUE", help="The issue file, e.g. issues/2020-12.md")]


@contextlib.contextmanager
def handled() -> Iterator[None]:
    """Every failure becomes one line per problem and an exit code, never a traceback."""
    try:
        yield
    except IssueFileError as exc:
        for problem in exc.problems:
            err.print(styled("error:", "red", str(problem)))
        raise typer.Exit(EXIT_INPUT) from None
    except ChecksFailedError as exc:
        for finding in exc.findings:
            print_finding(finding)  # type: ignore[arg-type]
        err.print(str(exc))
        raise typer.Exit(EXIT_INPUT) from None
    except ComposerError as exc:
        err.print(styled("error:", "red", str(exc)))
        raise typer.Exit(EXIT_INPUT) from None
    except BrokenPipeError:
        reader_went_away()
    except OSError as exc:
        err.print(styled("error:", "red", f"{exc.filename or ''}: {exc.strerror}"))
        raise typer.Exit(EXIT_INPUT) from None
    except KeyboardInterrupt as exc:
        err.print(INTERRUPTED)
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


def print_finding(finding: checks.Finding) -> None:
    colour = {"error": "red", "warning": "yellow", "info": "cyan"}[finding.level]
    (err if finding.level == "error" else out).print(styled(f"{finding.level}:", colour, f"{finding.where}: {finding.message}"))


def confirmed(question: str) -> bool:
    """Ctrl-C or a signal at the question is an interruption (one line, exit 130/143), not click's "Aborted!";
    no answer at all (input closed) is a no."""
    try:
        return typer.confirm(question)
    except typer.Abort as exc:
        if isinstance(exc.__context__, KeyboardInterrupt):  # click raises Abort from it
            raise exc.__context__ from None
        return False


def counted(n: int, one: str, many: str | None = None) -> str:
    """'1 address', '2 addresses': the coordinator reads these lines, so the grammar should hold."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def reader_went_away() -> NoReturn:
    """`status --csv | head`: the reader closing the pipe is no error; the final flush is silenced too."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(0)
