"""Commands that send and follow up: send, status, unsubscribe."""

from __future__ import annotations

import asyncio
import gc
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from composer.audience import consent
from composer.audience.subscribers import LIST_DIR, list_path
from composer.cli.common import (ADD_ADDRESSES, EXIT_FAILED, EXIT_INPUT, IssueArg, RateColumn, command, confirmed, err, handled, said,
                                 load_settings, out, settings_and_secret, styled)
from composer.cli.language import _, lang, ngettext
from composer.errors import IssueFileError, LimitReachedError, Problem
from composer.i18n import N_, Message, message, plural, render
from composer.i18n.formats import appointment
from composer.state import NEEDS_ATTENTION, Journal
from composer.send.quota import DAY, HOUR, Schedule, parse_at
from composer.send.status import write_status_csv
from composer.send.stopping import Stop, stopped_by_signals

SHOWN_EVERY = 0.05  # seconds between updates of the progress bar

if TYPE_CHECKING:  # the campaign (checks, rendering, SMTP) is imported by `send` itself, not for status or --help
    from contextlib import AbstractContextManager

    from composer.campaign import Campaign
    from composer.send.notify import Report
    from composer.config.settings import Settings
    from composer.send.dispatch import Summary

SHOWN = 20
ATTENTION = {  # the send state's kinds (NEEDS_ATTENTION) as the coordinator reads them
    "failed": N_("failed"), "deferred": N_("deferred"), "uncertain": N_("uncertain"),
    "possible duplicate": N_("possible duplicate"), "unsubscribed since": N_("unsubscribed since"),
    "bounced": N_("bounced"), "complained": N_("complained"),
}
ATTENTION_NOTES = {
    "uncertain": N_("the server may have kept the message but never answered; `send --retry-uncertain` sends it once more"),
    "possible duplicate": N_("may have received it more than once"),
}
COUNTS = {  # the send state's counts of an issue
    "pending": N_("pending"), "sending": N_("sending"), "sent": N_("sent"), "deferred": N_("deferred"),
    "failed": N_("failed"), "uncertain": N_("uncertain"), "possible duplicates": N_("possible duplicates"),
    "bounced": N_("bounced"), "unsubscribed": N_("unsubscribed"), "complained": N_("complained"),
}


def when(moment_: datetime) -> str:
    """A time the coordinator waits for, as their language writes it ("Di. 28.01.2031 09:00")."""
    return appointment(moment_, lang())


@command(help=N_("Test-send to yourself (--to), or send to a subscriber list (--list). Rerun the same command to resume."))
def send(
    issue: IssueArg,
    to: Annotated[list[str] | None, typer.Option("--to", metavar="ADDRESS",
        help=N_("Test send to this address (repeatable); no send state is kept"))] = None,
    list_name: Annotated[str | None, typer.Option("--list", metavar="NAME",
        help=N_("Send to subscribers/NAME.csv (a list name, not a path)"))] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help=N_("Do not ask before sending"))] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=N_("Show the plan, send nothing"))] = False,
    retry_failed: Annotated[bool, typer.Option("--retry-failed",
        help=N_("Also retry addresses that failed permanently before"))] = False,
    retry_uncertain: Annotated[bool, typer.Option(
        "--retry-uncertain", help=N_("Also send again where the server never answered (they may get it twice)"))] = False,
    at: Annotated[str | None, typer.Option("--at", metavar="'YYYY-MM-DD HH:MM'",
        help=N_("Start the send then (waits in the foreground; a rerun keeps the plan)"))] = None,
    despite_schedule: Annotated[bool, typer.Option("--despite-schedule",
        help=N_("Send although the desk has this issue planned (the desk's plan is cancelled)"))] = False,
    stop_at_limit: Annotated[bool, typer.Option("--stop-at-limit",
        help=N_("At the hourly/daily limit or outside the sending hours stop and say when to continue, instead of "
                "waiting"))] = False,
    notify: Annotated[str | None, typer.Option("--notify", metavar="ADDRESS",
        help=N_("Mail this address when the send is done, stops or pauses (for a send nobody watches)"))] = None,
) -> None:
    if bool(to) == bool(list_name):
        err.print(_("error:") + " " + _("say either --to YOUR@ADDRESS for a test send or --list NAME for the real send"))
        raise typer.Exit(EXIT_INPUT)
    from composer.campaign import open_send, test_send
    from composer.office.approval import ApprovalMissingError
    from composer.send.notify import tell

    with handled():
        settings, secret = settings_and_secret()
        if to:
            summary, where, built = asyncio.run(test_send(issue, to, settings, secret, dry_run=dry_run))
            if dry_run:
                out.print(_("Test send of \"{subject}\" to {to} via {where}: checked. Nothing sent.",
                            subject=built.issue.subject, to=", ".join(to), where=said(where)))
                return
            logged(settings, "test_sent", plural("Test send to {n} address", "Test send to {n} addresses", len(to)), built.slug)
            _report(summary, _("Test send of \"{subject}\" to {to} via {where}", subject=built.issue.subject,
                               to=", ".join(to), where=said(where)))
            if summary.failed or summary.deferred:  # someone did not get the test mail
                raise typer.Exit(EXIT_FAILED)
            return
        schedule = Schedule(parse_at(at, settings.zone) if at else None, stop_at_limit)
        if despite_schedule and not dry_run:
            from composer.send.schedules import cancel

            with Journal(settings.state_dir) as journal:
                cancel(journal, issue.stem)
        try:
            sending = open_send(issue, list_name or "", settings, secret, retry_failed, retry_uncertain, schedule=schedule,
                                beside_schedule=despite_schedule, dry_run=dry_run)
        except ApprovalMissingError as exc:
            logged(settings, "send_refused", message("List send refused: no valid approval"), issue.stem, list_name or "")
            err.print(styled(_("error:"), "red", exc.shown(lang())))
            raise typer.Exit(EXIT_INPUT) from None
        outcome: list[Report] = []  # what --notify is told, once the send state is free for its mail
        try:
            _send_list(sending, settings, outcome, dry_run, yes)
        finally:
            if notify and outcome:
                tell(settings, notify, outcome[0], lang())


def _send_list(sending: AbstractContextManager[Campaign], settings: Settings, outcome: list[Report], dry_run: bool,
               yes: bool) -> None:
    """The list send after its plan: asked, run with a progress bar, reported; `outcome` says how it ended."""
    from composer.office import approval, protocol
    from composer.office.mails import desk_base, status_link
    from composer.send.notify import FINISHED, STOPPED, Report

    def ended(event: str, campaign: Campaign, summary: Summary | None, why: Message | str = "") -> None:
        outcome.append(Report(event, campaign.mailing.slug, campaign.list_name, campaign.delivered(), campaign.plan.listed,
                              summary.failed if summary else 0, summary.deferred if summary else 0, why,
                              status_link(desk_base(settings), campaign.mailing.slug)))

    with sending as campaign:
        _print_plan(campaign)
        if not campaign.plan.listed and not campaign.plan.bad_rows:
            out.print(_("Nobody to send to: {path} has no addresses yet; {what_to_do}.",
                        path=list_path(campaign.list_name), what_to_do=_(ADD_ADDRESSES)))
            return
        if dry_run or campaign.plan.to_send == 0:
            lack = approval.missing(settings, campaign.mailing.build, campaign.list_name) if dry_run else None
            if lack is not None:
                err.print(styled(_("warning:"), "yellow", _("Approval missing: {what} Until it is given, the real "
                                                            "send is refused.", what=said(lack))))
            out.print(_("Nothing sent.") if dry_run else _("Nobody left to send to."))
            if not dry_run and campaign.plan.uncertain:  # the run is over, and those may not have the issue
                raise typer.Exit(EXIT_FAILED)
            return
        if not yes and not confirmed(ngettext("Send to {n} recipient now?", "Send to {n} recipients now?",
                                              campaign.plan.to_send)):
            out.print(_("Nothing sent."))
            return
        stop = Stop()
        logged(settings, *protocol.send_begun(campaign.plan), campaign.mailing.slug, campaign.list_name, campaign.journal)
        try:
            summary = _run(campaign, stop)
        except LimitReachedError as exc:
            ended(STOPPED, campaign, None, message("Paused: {why}", why=exc.why))
            err.print(_("Paused: {why}; {delivered} of {listed} have the issue. Run the same command again after "
                        "{until} to continue.", why=exc.why, delivered=campaign.delivered(),
                        listed=campaign.plan.listed, until=when(exc.until)))
            raise typer.Exit(EXIT_FAILED) from None
        if summary.stopped:
            ended(STOPPED, campaign, summary, message("Stopped ({reason})", reason=stop.reason))
            logged(settings, "send_stopped", message("Send stopped ({reason})", reason=stop.reason),
                   campaign.mailing.slug, campaign.list_name, campaign.journal)
            err.print(_("Stopped ({reason}): {sent} sent in this run, {delivered} of {listed} have the issue; the "
                        "messages under way were finished and recorded. Run the same command again to continue.",
                        reason=stop.reason, sent=summary.sent, delivered=campaign.delivered(),
                        listed=campaign.plan.listed))
            raise typer.Exit(stop.exit_code)
        _report(summary, _("Sent via {destination}", destination=said(campaign.destination)))
        ended(FINISHED, campaign, summary)
        if summary.failed or summary.deferred or summary.uncertain or campaign.uncertain_left():
            raise typer.Exit(EXIT_FAILED)


def logged(settings: Settings, kind: str, said: Message, issue: str, list_name: str = "",
           journal: Journal | None = None) -> None:
    """A Protokoll entry for what the command line did, under the OS user's name."""
    from composer.office import protocol
    from composer.office.roles import Actor

    if journal is not None:
        protocol.record(journal, Actor.command_line(), kind, said, issue, list_name)
        return
    with Journal(settings.state_dir) as opened:
        protocol.record(opened, Actor.command_line(), kind, said, issue, list_name)


def _run(campaign: Campaign, stop: Stop) -> Summary:
    """The send with a progress bar; the first Ctrl-C (or SIGTERM, SIGHUP) stops it gracefully, a second at once."""

    async def sending(update: object) -> Summary:
        with stopped_by_signals(stop, notice):
            return await campaign.run(update, stop, waiting)  # type: ignore[arg-type]

    def notice(stop: Stop) -> None:
        err.print(_("Stopping ({reason}): no new messages; the ones under way are finished and recorded (at most "
                    "{seconds} s). Press Ctrl-C again to stop at once.", reason=stop.reason,
                    seconds=f"{campaign.timeout:.0f}"))

    def waiting(until: datetime | None, why: str) -> None:
        bar.update(task, description=_("waiting until {until} ({why})", until=when(until), why=why) if until
                   else _("sending"))

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  RateColumn(), TimeRemainingColumn(), console=out, transient=False) as bar:
        task = bar.add_task(_("sending"), total=campaign.plan.to_send)
        shown = [0.0]

        def progress(summary: Summary) -> None:
            """The bar is told at most SHOWN_EVERY seconds apart: it redraws ten times a second, and telling it
            of every message cost more than the redrawing; the last count is told when the send ends."""
            if (now := time.monotonic()) - shown[0] >= SHOWN_EVERY:
                shown[0] = now
                bar.update(task, completed=summary.done)

        gc.freeze()  # what the start made (modules, the issue, its build) lives on: the collector stops walking it
        try:
            summary = asyncio.run(sending(progress))
            bar.update(task, completed=summary.done)
            return summary
        except asyncio.CancelledError:
            err.print(_("Aborted at once: the messages under way may be sent again by the next run (status names "
                        "them). Run the same command again to continue."))
            raise typer.Exit(stop.exit_code) from None


def _print_plan(campaign: Campaign) -> None:
    plan = campaign.plan
    out.print(_("Issue:   {subject}", subject=campaign.mailing.build.issue.subject))
    out.print(_("List:    {name} ({addresses})", name=campaign.list_name,
                addresses=ngettext("{n} valid address", "{n} valid addresses", plan.listed)))
    out.print(_("Send to: {n} via {destination}", n=plan.to_send, destination=said(campaign.destination)))
    quota = campaign.quota
    if quota and quota.limits:
        now = quota.clock.now()
        out.print(_("Limits:  {limits}; sent in the last hour {hour}, in the last 24 hours {day}",
                    limits=quota.limits.describe(lang()), hour=quota.sent_within(HOUR, now), day=quota.sent_within(DAY, now)))
    if quota and quota.not_before:
        out.print(_("Starts:  {when} (planned)", when=when(quota.not_before)) if quota.not_before > quota.clock.now()
                  else _("Starts:  {when} (planned; that time has come)", when=when(quota.not_before)))
    skipped = [(ngettext("{n} already sent", "{n} already sent", plan.already_sent)),
               (ngettext("{n} unsubscribed or bounced", "{n} unsubscribed or bounced", plan.suppressed)),
               ngettext("{n} failed before (use --retry-failed)", "{n} failed before (use --retry-failed)",
                        0 if campaign.options.retry_failed else plan.failed_before),
               ngettext("{n} uncertain before (use --retry-uncertain)", "{n} uncertain before (use --retry-uncertain)",
                        0 if campaign.options.retry_uncertain else plan.uncertain),
               ngettext("{n} erased on request", "{n} erased on request", plan.erased),
               ngettext("{n} without consent after the reconfirmation deadline",
                        "{n} without consent after the reconfirmation deadline", plan.not_reconfirmed),
               ngettext("{n} invalid or repeated row", "{n} invalid or repeated rows", len(plan.bad_rows))]
    counts = [plan.already_sent, plan.suppressed, 0 if campaign.options.retry_failed else plan.failed_before,
              0 if campaign.options.retry_uncertain else plan.uncertain, plan.erased, plan.not_reconfirmed,
              len(plan.bad_rows)]
    out.print(_("Skipped: {what}", what=", ".join(said for said, n in zip(skipped, counts, strict=True) if n)
                or _("none")))
    unproven = consent.warning(plan.without_consent, plan.listed, campaign.list_name)
    if unproven:
        out.print(styled(_("warning:"), "yellow", render(unproven, lang())))
    if plan.interrupted:
        out.print(styled(ngettext("{n} was being sent when the last run stopped; sent again, it may receive the issue "
                                  "twice.", "{n} were being sent when the last run stopped; sent again, they may "
                                  "receive the issue twice.", plan.interrupted), "yellow"))
    for row in plan.bad_rows:
        err.print(styled(_("skipped"), "yellow", f"{campaign.mailing.source}:{row.line}: {render(row.reason, lang())}"))


def _report(summary: Summary, headline: str) -> None:
    out.print(headline)
    out.print(_("sent {sent}, failed {failed}, deferred {deferred}", sent=summary.sent, failed=summary.failed,
                deferred=summary.deferred)
              + (_(", uncertain {n}", n=summary.uncertain) if summary.uncertain else ""))
    for problem in summary.problems[:SHOWN]:
        reply = f"{problem.code} {problem.message}" if problem.code else problem.message
        err.print(styled(_("not delivered:"), "red", f"{problem.recipient}: {reply}"))
    if summary.deferred:
        out.print(_("Deferred addresses are tried again when you run the same command again."))
    if summary.uncertain:
        out.print(_("Uncertain: the server may have kept those messages but never answered; `newsletter status` "
                    "names them and `--retry-uncertain` sends them once more."))


@command(help=N_("How far the send of an issue got, and who needs your attention (not delivered, maybe twice, "
                  "unsubscribed)."))
def status(
    issue: Annotated[Path | None, typer.Argument(metavar="[ISSUE]",
        help=N_("The issue file; without it, one line per issue sent so far"))] = None,
    as_csv: Annotated[bool, typer.Option("--csv", help=N_("Every recipient and their state, as CSV"))] = False,
) -> None:
    with handled(), Journal(load_settings().state_dir) as journal:
        if issue is None:
            slugs = journal.issues()
            for slug in slugs:
                out.print(_counts_line(slug, journal.counts(slug)))
            if not slugs:
                out.print(_("No issue has been sent yet."))
            return
        slug = issue.stem
        if not issue.exists() and not any(journal.counts(slug).values()):  # a typo must not read as "not sent yet"
            sent = ", ".join(journal.issues()) or _("none yet")
            raise IssueFileError([Problem(str(issue), None, "", _("no such file, and no issue of that name was sent; "
                                                                  "check the path (issues sent so far: {sent})",
                                                                  sent=sent))])
        if as_csv:
            write_status_csv(journal.deliveries(slug), sys.stdout, lang())
            return
        counts = journal.counts(slug)
        if not any(counts.values()):
            out.print(_("{slug}: not sent to anyone yet.", slug=slug))
            return
        out.print(_counts_line(slug, counts))
        for kind in NEEDS_ATTENTION:
            total, rows = journal.attention(slug, kind, SHOWN)
            if not total:
                continue
            note = ATTENTION_NOTES.get(kind)
            out.print(f"{_(ATTENTION.get(kind, kind))} ({total})" + (f": {_(note)}" if note else ""))
            for email, reason in rows:
                out.print(f"  {email}" + (f": {reason}" if reason else ""))
            if total > len(rows):
                out.print(_("  and {n} more (--csv for all)", n=total - len(rows)))


def _counts_line(slug: str, counts: dict[str, int]) -> str:
    return f"{slug}: " + ", ".join(
        ngettext("{n} possible duplicate", "{n} possible duplicates", n) if what == "possible duplicates"
        else f"{n} {_(COUNTS.get(what, what))}" for what, n in counts.items() if n)


@command(help=N_("Never send to ADDRESS again (wins over every subscriber list, also for an address on none)."))
def unsubscribe(address: Annotated[str, typer.Argument(metavar="ADDRESS",
                                                       help=N_("The address that asked to be removed"))]) -> None:
    from composer.audience.roster import block
    from composer.office import protocol
    from composer.office.roles import Actor

    with handled():
        settings, secret = settings_and_secret()
        with Journal(settings.state_dir) as journal:
            done = block(journal, address, None, LIST_DIR)
            if done.added:
                protocol.record(journal, Actor.command_line(), "address_unsubscribed", message("Unsubscribed an address"),
                                address=done.email, secret=secret)
    out.print(render(done.said, lang()))
