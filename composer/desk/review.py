"""Prüfen and Status: the check report with links to the fields, and the per-recipient state of a send."""

from __future__ import annotations

import re
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from composer import checks
from composer.desk.context import Desk, issue_path
from composer.desk.words import place
from composer.i18n import render
from composer.desk.forms import field_anchor, field_label
from composer.desk.language import language
from composer.errors import ComposerError, IssueFileError, said
from composer.state import NEEDS_ATTENTION, STATUSES, Journal
from composer.desk.downloads import download
from composer.exports import exported
from composer.send.status import status_table

SHOWN = 20
WHERE = re.compile(r"^(?P<file>[^:]+)(?::(?P<line>\d+))?(?:: (?P<field>\S+))?$")


def field_of(where: str) -> str:
    """The form field a finding's `file:line: field` names (its top-level part for fields without an input)."""
    match = WHERE.match(where)
    return (match.group("field") or "") if match else ""


def routes(desk: Desk) -> list[Route]:
    async def check(request: Request) -> Response:
        slug = request.path_params["slug"]
        path = issue_path(desk, slug)
        try:
            subject = await run_in_threadpool(checks.prepare, path, desk.settings, desk.secret)
            report = await run_in_threadpool(checks.check, subject)
            findings: list[dict[str, Any]] = [{"level": f.level, "where": f.where, "message": f.message, "field": field_of(f.where)}
                        for f in report.findings]
        except IssueFileError as exc:
            findings = [{"level": "error", "where": f"{p.file}:{p.line}", "message": p.message, "field": p.field}
                        for p in exc.problems]
        except ComposerError as exc:
            findings = [{"level": "error", "where": path.name, "message": said(exc), "field": ""}]
        lang = language(request)
        findings = [{**f, "where": place(f["where"], lang), "message": render(f["message"], lang)} for f in findings]
        return desk.page(request, "check.html.j2", slug=slug, findings=findings, anchor=field_anchor, field_label=field_label)

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
