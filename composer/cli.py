"""The `newsletter` command: parses, calls the library, prints, and maps errors to exit codes."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from .errors import ComposerError, IssueFileError
from .message import MessageFactory
from .pipeline import build_issue, write_build
from .render import GMAIL_CLIP_BYTES
from .settings import Settings, load_settings
from .tokens import load_secret

app = typer.Typer(help="Write, check, test-send and send the newsletter.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

EXIT_FAILED, EXIT_INPUT = 1, 2
IssueArg = Annotated[Path, typer.Argument(help="The issue file, e.g. issues/2020-12.md")]


@contextlib.contextmanager
def _errors() -> Iterator[None]:
    """Every failure becomes one line per problem and an exit code, never a traceback."""
    try:
        yield
    except IssueFileError as exc:
        for problem in exc.problems:
            err.print(f"[red]error:[/red] {problem}", soft_wrap=True)
        raise typer.Exit(EXIT_INPUT) from None
    except ComposerError as exc:
        err.print(f"[red]error:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(EXIT_INPUT) from None
    except OSError as exc:
        err.print(f"[red]error:[/red] {exc.filename or ''}: {exc.strerror}", soft_wrap=True)
        raise typer.Exit(EXIT_INPUT) from None
    except KeyboardInterrupt:
        err.print("interrupted; run the same command again to continue where it stopped")
        raise typer.Exit(130) from None


def _settings() -> tuple[Settings, bytes]:
    settings = load_settings()
    return settings, load_secret(settings.secret_key.get_secret_value() if settings.secret_key else None,
                                 settings.state_dir)


@app.command()
def build(issue: IssueArg, out_dir: Annotated[Path, typer.Option("--out", help="Where to write the files")] = Path("build")) -> None:
    """Render the issue to HTML, plain text and the .eml a sample subscriber would receive."""
    with _errors():
        settings, secret = _settings()
        result = build_issue(issue)
        written = write_build(result, MessageFactory(result, settings, secret), out_dir)
    for file in written:
        out.print(f"{file.path}  {file.size / 1024:.1f} KB")
    if result.html_bytes > GMAIL_CLIP_BYTES * 0.9:
        err.print(f"[yellow]warning:[/yellow] the HTML is {result.html_bytes / 1024:.0f} KB; Gmail clips emails over "
                  f"{GMAIL_CLIP_BYTES // 1024} KB. Shorten the issue or split it.")


@app.command()
def preview(issue: IssueArg,
            port: Annotated[int, typer.Option(help="Port on 127.0.0.1")] = 8025) -> None:
    """Show the issue in your browser; reload the page after editing the issue or a template."""
    from .preview import Previewer, server

    with _errors():
        settings, secret = _settings()
        httpd = server(Previewer(issue, settings, secret), "127.0.0.1", port)
    out.print(f"Preview: http://127.0.0.1:{port}/  (plain text: http://127.0.0.1:{port}/text) - Ctrl+C to stop")
    with contextlib.suppress(KeyboardInterrupt):
        httpd.serve_forever()
    httpd.server_close()


def main() -> None:
    """Entry point: a bug still ends in one line the coordinator can report, not a traceback."""
    try:
        app()
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - last resort for the coordinator's terminal
        err.print(f"[red]internal error:[/red] {type(exc).__name__}: {exc} (please report this)")
        sys.exit(3)
