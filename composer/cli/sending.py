"""Commands that send and follow up: send, status, unsubscribe."""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from composer.audience import consent
from composer.audience.subscribers import checked_address, list_path
from composer.cli.common import (ADD_ADDRESSES, EXIT_FAILED, EXIT_INPUT, IssueArg, RateColumn, app, confirmed, counted, err, handled,
                                 load_settings, out, settings_and_secret, styled)
from composer.errors import IssueFileError, LimitReachedError, Problem
from composer.state import NEEDS_ATTENTION, Journal, Reason
from composer.send.quota import DAY, HOUR, Schedule, parse_at
from composer.send.status import write_status_csv
from composer.send.stopping import Stop, stopped_by_signals

if TYPE_CHECKING:  # the campaign (checks, rendering, SMTP) is imported by `send` itself, not for status or --help
    from composer.campaign import Campaign
    from composer.send.dispatch import Summary

SHOWN = 20
ATTENTION_NOTES = {
    "uncertain": "the server may have kept the message but never answered; `send --retry-uncertain` sends it once more",
    "possible duplicate": "may have received it more than once",
}


@app.command()
def send(
    issue: IssueArg,
    to: Annotated[list[str] | None, typer.Option("--to", metavar="ADDRESS",
        help="Test send to this address (repeatable); no send state is kept")] = None,
    list_name: Annotated[str | None, typer.Option("--list", metavar="NAME",
        help="Send to subscribers/NAME.csv (a list name, not a path)")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before sending")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the plan, send nothing")] = False,
    retry_failed: Annotated[bool, typer.Option("--retry-failed", help="Also retry addresses that failed permanently before")] = False,
    retry_uncertain: Annotated[bool, typer.Option(
        "--retry-uncertain", help="Also send again where the server never answered (they may get it twice)")] = False,
    at: Annotated[str | None, typer.Option("--at", metavar="'YYYY-MM-DD HH:MM'",
        help="Start the send then (waits in the foreground; a rerun keeps the plan)")] = None,
    stop_at_limit: Annotated[bool, typer.Option("--stop-at-limit",
        help="At the hourly/daily limit or outside the sending hours stop and say when to continue, instead of waiting")] = False,
) -> None:
    """Test-send to yourself (--to), or send to a subscriber list (--list). Rerun the same command to resume."""
    if bool(to) == bool(list_name):
        err.print("error: say either --to YOUR@ADDRESS for a test send or --list NAME for the real send")
        raise typer.Exit(EXIT_INPUT)
    from composer.campaign import open_send, test_send

    with handled():
        settings, secret = settings_and_secret()
        if to:
            summary, where, built = asyncio.run(test_send(issue, to, settings, secret, dry_run=dry_run))
            if dry_run:
                out.print(f"Test send of \"{built.issue.subject}\" to {', '.join(to)} via {where}: checked. Nothing sent.")
                return
            _report(summary, f"Test send of \"{built.issue.subject}\" to {', '.join(to)} via {where}")
            if summary.failed or summary.deferred:  # someone did not get the test mail
                raise typer.Exit(EXIT_FAILED)
            return
        schedule = Schedule(parse_at(at, settings.zone) if at else None, stop_at_limit)
        with open_send(issue, list_name or "", settings, secret, retry_failed, retry_uncertain, schedule=schedule) as campaign:
            _print_plan(campaign)
            if not campaign.plan.listed and not campaign.plan.bad_rows:
                out.print(f"Nobody to send to: {list_path(campaign.list_name)} has no addresses yet; {ADD_ADDRESSES}.")
                return
            if dry_run or campaign.plan.to_send == 0:
                out.print("Nothing sent." if dry_run else "Nobody left to send to.")
                if not dry_run and campaign.plan.uncertain:  # the run is over, and those may not have the issue
                    raise typer.Exit(EXIT_FAILED)
                return
            if not yes and not confirmed(f"Send to {counted(campaign.plan.to_send, 'recipient')} now?"):
                out.print("Nothing sent.")
                return
            stop = Stop()
            try:
                summary = _run(campaign, stop)
            except LimitReachedError as exc:
                err.print(f"Paused: {exc.why}; {campaign.delivered()} of {campaign.plan.listed} have the issue. Run the same "
                          f"command again after {exc.until:%a %d.%m.%Y %H:%M} to continue.")
                raise typer.Exit(EXIT_FAILED) from None
            if summary.stopped:
                err.print(f"Stopped ({stop.reason}): {summary.sent} sent in this run, {campaign.delivered()} of {campaign.plan.listed} "
                          "have the issue; the messages under way were finished and recorded. Run the same command again "
                          "to continue.")
                raise typer.Exit(stop.exit_code)
            _report(summary, f"Sent via {campaign.destination}")
            if summary.failed or summary.deferred or summary.uncertain or campaign.uncertain_left():
                raise typer.Exit(EXIT_FAILED)


def _run(campaign: Campaign, stop: Stop) -> Summary:
    """The send with a progress bar; the first Ctrl-C (or SIGTERM, SIGHUP) stops it gracefully, a second at once."""

    async def sending(update: object) -> Summary:
        with stopped_by_signals(stop, notice):
            return await campaign.run(update, stop, waiting)  # type: ignore[arg-type]

    def notice(stop: Stop) -> None:
        err.print(f"Stopping ({stop.reason}): no new messages; the ones under way are finished and recorded (at most "
                  f"{campaign.timeout:.0f} s). Press Ctrl-C again to stop at once.")

    def waiting(until: datetime | None, why: str) -> None:
        bar.update(task, description=f"waiting until {until:%a %d.%m. %H:%M} ({why})" if until else "sending")

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  RateColumn(), TimeRemainingColumn(), console=out, transient=False) as bar:
        task = bar.add_task("sending", total=campaign.plan.to_send)
        try:
            return asyncio.run(sending(lambda s: bar.update(task, completed=s.done)))
        except asyncio.CancelledError:
            err.print("Aborted at once: the messages under way may be sent again by the next run (status names them). "
                      "Run the same command again to continue.")
            raise typer.Exit(stop.exit_code) from None


def _print_plan(campaign: Campaign) -> None:
    plan = campaign.plan
    out.print(f"Issue:   {campaign.mailing.build.issue.subject}")
    out.print(f"List:    {campaign.list_name} ({counted(plan.listed, 'valid address', 'valid addresses')})")
    out.print(f"Send to: {plan.to_send} via {campaign.destination}")
    quota = campaign.quota
    if quota and quota.limits:
        now = quota.clock.now()
        out.print(f"Limits:  {quota.limits.describe()}; sent in the last hour {quota.sent_within(HOUR, now)}, "
                  f"in the last 24 hours {quota.sent_within(DAY, now)}")
    if quota and quota.not_before:
        out.print(f"Starts:  {quota.not_before:%a %d.%m.%Y %H:%M}" + (" (planned)" if quota.not_before > quota.clock.now()
                                                                  else " (planned; that time has come)"))
    skipped = {"already sent": plan.already_sent, "unsubscribed or bounced": plan.suppressed,
               "failed before (use --retry-failed)": 0 if campaign.options.retry_failed else plan.failed_before,
               "uncertain before (use --retry-uncertain)": 0 if campaign.options.retry_uncertain else plan.uncertain,
               "erased on request": plan.erased,
               "without consent after the reconfirmation deadline": plan.not_reconfirmed,
               "invalid or repeated rows" if len(plan.bad_rows) != 1 else "invalid or repeated row": len(plan.bad_rows)}
    out.print("Skipped: " + (", ".join(f"{n} {what}" for what, n in skipped.items() if n) or "none"))
    unproven = consent.warning(plan.without_consent, plan.listed, campaign.list_name)
    if unproven:
        out.print(styled("warning:", "yellow", unproven))
    if plan.interrupted:
        were = "was" if plan.interrupted == 1 else "were"
        out.print(styled(f"{plan.interrupted} {were} being sent when the last run stopped; sent again, they may "
                         "receive the issue twice.", "yellow"))
    for row in plan.bad_rows:
        err.print(styled("skipped", "yellow", f"{campaign.mailing.source}:{row.line}: {row.reason}"))


def _report(summary: Summary, headline: str) -> None:
    out.print(headline)
    out.print(f"sent {summary.sent}, failed {summary.failed}, deferred {summary.deferred}"
              + (f", uncertain {summary.uncertain}" if summary.uncertain else ""))
    for problem in summary.problems[:SHOWN]:
        reply = f"{problem.code} {problem.message}" if problem.code else problem.message
        err.print(styled("not delivered:", "red", f"{problem.recipient}: {reply}"))
    if summary.deferred:
        out.print("Deferred addresses are tried again when you run the same command again.")
    if summary.uncertain:
        out.print("Uncertain: the server may have kept those messages but never answered; `newsletter status` names "
                  "them and `--retry-uncertain` sends them once more.")


@app.command()
def status(
    issue: Annotated[Path | None, typer.Argument(metavar="[ISSUE]",
        help="The issue file; without it, one line per issue sent so far")] = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="Every recipient and their state, as CSV")] = False,
) -> None:
    """How far the send of an issue got, and who needs your attention (not delivered, maybe twice, unsubscribed)."""
    with handled(), Journal(load_settings().state_dir) as journal:
        if issue is None:
            slugs = journal.issues()
            for slug in slugs:
                out.print(_counts_line(slug, journal.counts(slug)))
            if not slugs:
                out.print("No issue has been sent yet.")
            return
        slug = issue.stem
        if not issue.exists() and not any(journal.counts(slug).values()):  # a typo must not read as "not sent yet"
            sent = ", ".join(journal.issues()) or "none yet"
            raise IssueFileError([Problem(str(issue), None, "", f"no such file, and no issue of that name was sent; check "
                                                                f"the path (issues sent so far: {sent})")])
        if as_csv:
            write_status_csv(journal.deliveries(slug), sys.stdout)
            return
        counts = journal.counts(slug)
        if not any(counts.values()):
            out.print(f"{slug}: not sent to anyone yet.")
            return
        out.print(_counts_line(slug, counts))
        for kind in NEEDS_ATTENTION:
            total, rows = journal.attention(slug, kind, SHOWN)
            if not total:
                continue
            note = ATTENTION_NOTES.get(kind)
            out.print(f"{kind} ({total})" + (f": {note}" if note else ""))
            for email, reason in rows:
                out.print(f"  {email}" + (f": {reason}" if reason else ""))
            if total > len(rows):
                out.print(f"  and {total - len(rows)} more (--csv for all)")


def _counts_line(slug: str, counts: dict[str, int]) -> str:
    return f"{slug}: " + ", ".join(counted(n, what.removesuffix("s"), what) if what == "possible duplicates" else f"{n} {what}"
                                   for what, n in counts.items() if n)


@app.command()
def unsubscribe(address: Annotated[str, typer.Argument(metavar="ADDRESS", help="The address that asked to be removed")]) -> None:
    """Never send to ADDRESS again (wins over every subscriber list)."""
    with handled():
        email = checked_address(address)
        with Journal(load_settings().state_dir) as journal:
            added = journal.suppress(email, Reason("coordinator"))
    out.print(f"{email} will receive no more newsletters." if added else f"{email} was already unsubscribed.")
