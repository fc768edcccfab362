"""Prüfen and Status: the check report with links to the fields, and the per-recipient state of a send."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from composer import checks
from composer.desk.context import Desk, issue_path
from composer.desk.forms import field_target
from composer.desk.language import language
from composer.errors import ComposerError, IssueFileError, said
from composer.i18n import N_, Message, render
from composer.issue.issuefile import draft_of
from composer.issue.places import field_of, place_at, place_of_finding
from composer.issue.writer import issue_data
from composer.state import NEEDS_ATTENTION, STATUSES, Journal
from composer.desk.downloads import download
from composer.exports import exported
from composer.send.status import status_table

SHOWN = 20


def routes(desk: Desk) -> list[Route]:
    async def check(request: Request) -> Response:
        slug = request.path_params["slug"]
        path = issue_path(desk, slug)
        data: dict[str, Any] | None = None  # the issue's fields, so a place names a contact by her name
        try:
            subject = await run_in_threadpool(checks.prepare, path, desk.settings, desk.secret)
            data = issue_data(subject.build.issue)
            report = await run_in_threadpool(checks.check, subject)
            findings: list[dict[str, Any]] = [{"level": f.level, "where": place_of_finding(f.where, data), "message": f.message,
                                                "field": field_of(f.where)} for f in report.findings]
        except IssueFileError as exc:
            data = draft_of(path.read_text(encoding="utf-8-sig"), path.name)
            findings = [{"level": "error", "where": place_at(p.field, p.line, data), "message": p.message, "field": p.field}
                        for p in exc.problems]
        except ComposerError as exc:
            findings = [{"level": "error", "where": Message(N_("the issue")), "message": said(exc), "field": ""}]
        lang = language(request)
        findings = [{**f, "where": render(f["where"], lang), "message": render(f["message"], lang),
                     "target": field_target(f["field"])} for f in findings]
        return desk.page(request, "check.html.j2", slug=slug, findings=findings)

    def status(request: Request) -> Response:
        slug = request.path_params["slug"]
        issue_path(desk, slug)
        wanted = request.query_params.get("state", "")
        search = request.query_params.get("q", "").strip().lower()
        with Journal(desk.settings.state_dir, read_only=True) as journal:
            counts = journal.counts(slug)
            attention = [(kind, *journal.attention(slug, kind, SHOWN)) for kind in NEEDS_ATTENTION]
            rows = [d for d in journal.deliveries(slug, (wanted,) if wanted in STATUSES else STATUSES)
                    if search in d.email.lower()]
        kind = request.query_params.get("format")
        if kind in ("csv", "xlsx"):
            return download(exported(status_table(rows), language(request), f".{kind}"), f"{slug}-status.{kind}")
        return desk.page(request, "status.html.j2", slug=slug, counts=counts, rows=rows, wanted=wanted, q=search,
                         statuses=STATUSES, attention=[a for a in attention if a[1]])

    return [Route("/issues/{slug}/check", check), Route("/issues/{slug}/status", status)]
