"""Commands that send and follow up: send, status, unsubscribe."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from composer import checks
from composer.cli.common import EXIT_FAILED, EXIT_INPUT, IssueArg, RateColumn, app, err, handled, out, print_finding, settings_and_secret
from composer.send.campaign import Campaign, prepare, test_send
from composer.send.dispatch import Summary
from composer.send.journal import Journal
from composer.send.status import write_status_csv
from composer.settings import load_settings


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
    with handled():
        settings, secret = settings_and_secret()
        subject = checks.prepare(issue, settings, secret)
        report = checks.check(subject, spam=False)
        if report.errors:
            for finding in report.errors:
                print_finding(finding)
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
    with handled(), Journal(load_settings().state_dir) as journal:
        if issue is None:
            slugs = journal.issues()
            for slug in slugs:
                out.print(_counts_line(slug, journal.counts(slug)))
            if not slugs:
                out.print("No issue has been sent yet.")
            return
        slug = issue.stem
        if as_csv:
            write_status_csv(journal.deliveries(slug), sys.stdout)
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
    with handled(), Journal(load_settings().state_dir) as journal:
        added = journal.suppress(address.strip(), "unsubscribed by the coordinator")
    out.print(f"{address} will receive no more newsletters." if added else f"{address} was already unsubscribed.")
