"""The `newsletter` command: parses, calls the library, prints, and maps errors to exit codes."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn, TimeRemainingColumn
from rich.text import Text

from . import checks, inbox
from .campaign import Campaign, prepare, test_send
from .dispatch import Summary
from .errors import ComposerError, IssueFileError
from .journal import Journal
from .message import MessageFactory, Recipient
from .pipeline import build_issue, write_build
from .render import GMAIL_CLIP_BYTES
from .settings import Settings, load_settings
from .subscribers import list_path, read_list, write_list
from .tokens import load_secret

app = typer.Typer(help="Write, check, test-send and send the newsletter.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_FAILED, EXIT_INPUT = 1, 2
IssueArg = Annotated[Path, typer.Argument(help="The issue file, e.g. issues/2020-12.md")]


@contextlib.contextmanager
def _errors() -> Iterator[None]:
    """Every failure becomes one line per problem and an exit code, never a traceback."""
    try:
        yield
    except IssueFileError as exc:
        for problem in exc.problems:
            err.print(f"[red]error:[/red] {problem}")
        raise typer.Exit(EXIT_INPUT) from None
    except ComposerError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_INPUT) from None
    except OSError as exc:
        err.print(f"[red]error:[/red] {exc.filename or ''}: {exc.strerror}")
        raise typer.Exit(EXIT_INPUT) from None
    except KeyboardInterrupt:
        err.print("interrupted; run the same command again to continue where it stopped")
        raise typer.Exit(130) from None


class RateColumn(ProgressColumn):
    """Messages per second, the figure a coordinator compares with the provider's limit."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:.0f}/s" if task.speed else "")


def _settings() -> tuple[Settings, bytes]:
    settings = load_settings()
    return settings, load_secret(settings.secret_key.get_secret_value() if settings.secret_key else None,
                                 settings.state_dir)


@app.command()
def new(
    issue: Annotated[Path, typer.Argument(help="The new issue file, e.g. issues/2021-01.md")],
    previous: Annotated[Path | None, typer.Option("--from", help="Start from this issue (default: the newest)")] = None,
) -> None:
    """Start a new issue from the last one: same header and footer, today's date, one article to fill in."""
    from .scaffold import new_issue

    with _errors():
        written = new_issue(issue, previous)
    out.print(f"{written} is ready: write the articles, then `newsletter preview {written}`.")


@app.command()
def build(
    issue: IssueArg,
    out_dir: Annotated[Path, typer.Option("--out", help="Where to write the files")] = Path("build"),
    screenshots: Annotated[Path | None, typer.Option("--screenshots", help="Also write PNGs (600/375 px, light/dark) here")] = None,
) -> None:
    """Render the issue to HTML, plain text and the .eml a sample subscriber would receive."""
    with _errors():
        settings, secret = _settings()
        result = build_issue(issue, settings)
        written = write_build(result, MessageFactory(result, settings, secret), out_dir)
        for file in written:
            out.print(f"{file.path}  {file.size / 1024:.1f} KB")
        if screenshots:
            from .chromium import take

            for path in take(written[0].path, screenshots, result.slug):
                out.print(f"{path}")
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


@app.command("check")
def check_command(
    issue: IssueArg,
    online: Annotated[bool, typer.Option("--online", help="Also check that every web link answers")] = False,
) -> None:
    """Find what would go wrong in subscribers' mail programs: size, images, links, footer, CSS, spam score."""
    with _errors():
        settings, secret = _settings()
        report = checks.check(checks.prepare(issue, settings, secret), online=online)
    for finding in report.findings:
        _print_finding(finding)
    out.print(f"{len(report.errors)} errors, {len(report.warnings)} warnings")
    if report.errors:
        raise typer.Exit(EXIT_FAILED)


def _print_finding(finding: checks.Finding) -> None:
    colour = {"error": "red", "warning": "yellow", "info": "cyan"}[finding.level]
    (err if finding.level == "error" else out).print(f"[{colour}]{finding.level}:[/{colour}] {finding.where}: {finding.message}")


@app.command()
def send(
    issue: IssueArg,
    to: Annotated[list[str] | None, typer.Option("--to", help="Test send to this address (repeatable); no send state is kept")] = None,
    list_name: Annotated[str | None, typer.Option("--list", help="Send to subscribers/NAME.csv")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before sending")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the plan, send nothing")] = False,
    retry_failed: Annotated[bool, typer.Option("--retry-failed", help="Also retry addresses that failed permanently before")] = False,
) -> None:
    """Test-send to yourself (--to), or send to a subscriber list (--list). Rerun the same command to resume."""
    if bool(to) == bool(list_name):
        err.print("error: say either --to YOUR@ADDRESS for a test send or --list NAME for the real send")
        raise typer.Exit(EXIT_INPUT)
    with _errors():
        settings, secret = _settings()
        subject = checks.prepare(issue, settings, secret)
        report = checks.check(subject, spam=False)
        if report.errors:
            for finding in report.errors:
                _print_finding(finding)
            err.print(f"Not sent: the issue has {len(report.errors)} check error(s). Fix them, then run "
                      f"`newsletter check {issue}` to confirm.")
            raise typer.Exit(EXIT_INPUT)
        result = subject.build
        if to:
            summary, where = asyncio.run(test_send(result, to, settings, secret))
            _report(summary, f"Test send of \"{result.issue.subject}\" to {', '.join(to)} via {where}")
            return
        with Journal(settings.state_dir, exclusive=True) as journal:
            campaign = prepare(result, list_name or "", journal, settings, secret, retry_failed)
            _print_plan(campaign)
            if dry_run or campaign.plan.to_send == 0:
                out.print("Nothing sent." if dry_run else "Nobody left to send to.")
                return
            if not yes and not typer.confirm(f"Send to {campaign.plan.to_send} recipients now?"):
                out.print("Nothing sent.")
                return
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                          RateColumn(), TimeRemainingColumn(), console=out, transient=False) as bar:
                task = bar.add_task("sending", total=campaign.plan.to_send)
                summary = asyncio.run(campaign.run(lambda s: bar.update(task, completed=s.done)))
            _report(summary, f"Sent via {campaign.destination}")
            if summary.failed or summary.deferred:
                raise typer.Exit(EXIT_FAILED)


def _print_plan(campaign: Campaign) -> None:
    plan = campaign.plan
    out.print(f"Issue:   {campaign.build.issue.subject}")
    out.print(f"List:    {campaign.list_name} ({plan.listed} valid addresses)")
    out.print(f"Send to: {plan.to_send} via {campaign.destination}")
    skipped = {"already sent": plan.already_sent, "unsubscribed or bounced": plan.suppressed,
               "failed before (use --retry-failed)": 0 if campaign.retry_failed else plan.failed_before,
               "invalid rows": len(plan.bad_rows)}
    out.print("Skipped: " + (", ".join(f"{n} {what}" for what, n in skipped.items() if n) or "none"))
    if plan.interrupted:
        out.print(f"[yellow]{plan.interrupted} were being sent when the last run stopped; they are sent again "
                  "and may receive the issue twice.[/yellow]")
    for row in plan.bad_rows:
        err.print(f"[yellow]skipped[/yellow] {campaign.source}:{row.line}: {row.reason}")


def _report(summary: Summary, headline: str) -> None:
    out.print(headline)
    out.print(f"sent {summary.sent}, failed {summary.failed}, deferred {summary.deferred}")
    for problem in summary.problems[:20]:
        err.print(f"[red]not delivered:[/red] {problem.recipient}: {problem.code} {problem.message}")
    if summary.deferred:
        out.print("Deferred addresses are tried again when you run the same command again.")


@app.command()
def status(
    issue: Annotated[Path | None, typer.Argument(help="The issue file; without it, one line per issue sent so far")] = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="Every recipient and their state, as CSV")] = False,
) -> None:
    """How far the send of an issue got, and who did not receive it."""
    with _errors(), Journal(load_settings().state_dir) as journal:
        if issue is None:
            slugs = journal.issues()
            for slug in slugs:
                out.print(_counts_line(slug, journal.counts(slug)))
            if not slugs:
                out.print("No issue has been sent yet.")
            return
        slug = issue.stem
        if as_csv:
            writer = csv.writer(sys.stdout)
            writer.writerow(["email", "status", "attempts", "code", "reply", "possible_duplicate"])
            for d in journal.deliveries(slug):
                writer.writerow([d.email, d.status, d.attempts, d.code or "", d.reply or "", "yes" if d.interrupted else ""])
            return
        counts = journal.counts(slug)
        if not any(counts.values()):
            out.print(f"{slug}: not sent to anyone yet.")
            return
        out.print(_counts_line(slug, counts))
        for d in journal.deliveries(slug, ("failed", "deferred")):
            out.print(f"  {d.status}: {d.email}: {d.code or ''} {d.reply or ''}".rstrip())
        if counts["possible duplicates"]:
            out.print(f"{counts['possible duplicates']} were in flight when a send was interrupted and may have received it twice.")


def _counts_line(slug: str, counts: dict[str, int]) -> str:
    return f"{slug}: " + ", ".join(f"{n} {what}" for what, n in counts.items() if n)


@app.command()
def unsubscribe(address: Annotated[str, typer.Argument(help="The address that asked to be removed")]) -> None:
    """Never send to ADDRESS again (wins over every subscriber list)."""
    with _errors(), Journal(load_settings().state_dir) as journal:
        added = journal.suppress(address.strip(), "unsubscribed by the coordinator")
    out.print(f"{address} will receive no more newsletters." if added else f"{address} was already unsubscribed.")


@app.command("inbox")
def inbox_command(
    maildir: Annotated[Path | None, typer.Option("--maildir", help="Read a local Maildir instead of IMAP")] = None,
    mbox: Annotated[Path | None, typer.Option("--mbox", help="Read a local mbox file instead of IMAP")] = None,
    move_to: Annotated[str, typer.Option("--move-to", help="Folder for handled messages")] = "Processed",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only say what would be done")] = False,
) -> None:
    """Read unsubscribe requests and bounces from the mailbox (IMAP settings in .env) into the unsubscribe list."""
    with _errors():
        settings, secret = _settings()
        source = inbox.open_source(settings, maildir, mbox, move_to)
        try:
            with Journal(settings.state_dir) as journal:
                counts = inbox.process(source, journal, inbox.context(settings, secret), settings.soft_bounce_limit,
                                       dry_run, say=out.print)
        finally:
            source.close()
    out.print(f"{counts['unsubscribe']} unsubscribed, {counts['bounce']} bounces, {counts['autoreply']} automatic replies, "
              f"{counts['other']} left for you, {counts['malformed']} unreadable" + (" (dry run: nothing changed)" if dry_run else ""))


@app.command("subscribers")
def subscribers_command(
    list_name: Annotated[str, typer.Argument(help="The list, e.g. volunteers")],
    export: Annotated[Path | None, typer.Option("--export", help="Write the active subscribers to this CSV")] = None,
) -> None:
    """Each address of a list and its state: active, unsubscribed or bounced."""
    with _errors(), Journal(load_settings().state_dir) as journal:
        rows = [(r, _state(journal, r.email)) for r in read_list(list_path(list_name)) if isinstance(r, Recipient)]
        if export:
            write_list(export, [r for r, state in rows if state == "active"])
    for recipient, state in rows:
        out.print(f"{state:<13}{recipient.email}  {recipient.name or ''}".rstrip())
    states = Counter(state for _, state in rows)
    out.print(", ".join(f"{n} {state}" for state, n in sorted(states.items())))
    if export:
        out.print(f"{states['active']} active subscribers written to {export}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on; keep 127.0.0.1 behind your web server")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8080,
    archive_dir: Annotated[Path, typer.Option("--archive", help="Static archive to serve under /archive")] = Path("site"),
) -> None:
    """The web side: one-click unsubscribe (/u/...), sign-up with confirmation (/subscribe), the archive."""
    import uvicorn

    from .web import create_app

    with _errors():
        settings, secret = _settings()
        web = create_app(settings, secret, archive=archive_dir)
    out.print(f"Serving on http://{host}:{port}/subscribe - Ctrl+C to stop")
    uvicorn.run(web, host=host, port=port, log_level="warning")


@app.command()
def archive(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the static site")] = Path("site"),
    issues_dir: Annotated[Path, typer.Option("--issues", help="Folder of issue files")] = Path("issues"),
    pdf: Annotated[bool, typer.Option("--pdf/--no-pdf", help="Print each issue to PDF with Chromium")] = True,
) -> None:
    """A static site of all issues: index (newest first), web versions, Atom feed, PDFs."""
    from .archive import build_archive

    with _errors():
        settings, secret = _settings()
        written = build_archive(issues_dir, out_dir, settings, secret, pdf)
    for path in written:
        out.print(str(path))


def _state(journal: Journal, email: str) -> str:
    suppressed = journal.suppression(email)
    return suppressed.kind if suppressed else "active"


def main() -> None:
    """Entry point: a bug still ends in one line the coordinator can report, not a traceback."""
    try:
        app()
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - last resort for the coordinator's terminal
        err.print(f"[red]internal error:[/red] {type(exc).__name__}: {exc} (please report this)")
        sys.exit(3)
