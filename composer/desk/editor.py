"""Ausgaben and Ausgabe bearbeiten: the issue list, a new issue, the form, saving with conflict detection, the preview."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from composer.desk import als, planning, sent
from composer.desk.context import SLUG, Desk, issue_path
from composer.desk import drafts
from composer.desk.forms import (READ_MAX_BYTES, apply_action, errors_by_field, field_anchor, field_label, field_target,
                                 issue_from_form, oversized, too_long)
from composer.desk.guard import Refused, checked_form
from composer.desk.language import language
from composer.desk.rights import actor
from composer.errors import ComposerError, IssueFileError, Problem, said, shown
from composer.i18n import formats, message, render, translate
from composer.office import protocol
from composer.issue.issuefile import draft_of, parse_issue, read_issue
from composer.issue.months import month_of
from composer.issue.photos import PhotoError, store_photo
from composer.issue.places import told_at
from composer.issue.scaffold import new_issue
from composer.issue.saving import digest, save_issue, take_kept
from composer.issue.writer import issue_data
from composer.state import Journal


def in_words_of(request: Request, problems: Sequence[Problem]) -> list[Problem]:
    """The reader's problems as the page's language says them, each still at its file, line and field."""
    lang = language(request)
    return [replace(p, message=render(p.message, lang)) for p in problems]


def free_month(issues_dir: Path, today: dt.date) -> str:
    """The name "Neue Ausgabe" offers: this month, or the first later one without an issue file (after `init`
    this month's issue exists, and offering its name only led to "exists already")."""
    year, month = today.year, today.month
    while (issues_dir / f"{year:04d}-{month:02d}.md").exists():
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return f"{year:04d}-{month:02d}"


def in_words(name: str, lang: str) -> str:
    """An issue's name as the month it is for ("2027-01" is "Januar 2027"); another name as it is."""
    month = month_of(name)
    return formats.month(*month, lang) if month else name


def routes(desk: Desk) -> list[Route]:
    def overview(request: Request, status: int = 200, typed: str = "", refused: str = "", existing: str = "") -> Response:
        rows = []
        with Journal(desk.settings.state_dir, read_only=True) as journal:
            for path in desk.issues_dir.glob("*.md"):
                try:
                    issue, _ = read_issue(path)
                    subject, date, problem = issue.subject, issue.date, ""
                except IssueFileError as exc:
                    first = in_words_of(request, exc.problems)[0]
                    subject, date = "", dt.date.min
                    problem = render(told_at(first.field, first.line, first.message), language(request))
                counts = journal.counts(path.stem)
                total = sum(counts[s] for s in ("pending", "sending", "sent", "deferred", "failed"))
                rows.append({"slug": path.stem, "subject": subject, "date": date, "problem": problem,
                             "sent": counts["sent"], "total": total, "failed": counts["failed"] + counts["deferred"]})
        rows.sort(key=lambda r: (r["date"], r["slug"]), reverse=True)
        suggested = free_month(desk.issues_dir, dt.date.today())
        return desk.page(request, "issues.html.j2", status, rows=rows, suggested=typed or suggested, refused=refused,
                         existing=existing, suggested_month=in_words(suggested, language(request)),
                         **planning.shown(desk, language(request)))

    async def create(request: Request) -> Response:
        """"Neue Ausgabe": the month she picked (or typed, as "Januar 2027") names the file; a month that has its
        issue already, or a wrong entry, is said at the field of the issue list, with what she typed kept."""
        form = await checked_form(request)
        typed = str(form.get("name", "")).strip()
        lang = language(request)
        picked = month_of(typed)
        name = f"{picked[0]:04d}-{picked[1]:02d}" if picked else typed.removesuffix(".md")
        if not picked and not SLUG.match(name):
            said = translate(lang, "“{typed}” is not a month: pick one, or write it like {example}", typed=typed,
                             example=in_words(free_month(desk.issues_dir, dt.date.today()), lang))
            return overview(request, 422, typed=typed, refused=said)
        if (desk.issues_dir / f"{name}.md").exists():
            said = translate(lang, "{month} has its issue already.", month=in_words(name, lang))
            return overview(request, 409, typed=typed, refused=said, existing=name)
        try:
            started = new_issue(desk.issues_dir / f"{name}.md")
        except ComposerError as exc:
            return overview(request, 422, typed=typed, refused=exc.shown(lang))
        with Journal(desk.settings.state_dir) as journal:
            protocol.record(journal, actor(request.scope), "saved", message("Started the issue from {source}",
                                                                            source=started.source.stem), name)
        if not started.left_out:
            return RedirectResponse(f"/issues/{name}", 303)
        named = urlencode([("from", started.source.stem), *(("left_out", p.stem) for p in started.left_out)])
        return RedirectResponse(f"/issues/{name}?{named}", 303)

    def editor(request: Request, slug: str, data: dict[str, Any], base: str, status: int = 200,
               problems: Sequence[Problem] = (), note: str = "", draft: drafts.Offer | None = None) -> HTMLResponse:
        worded, lang = in_words_of(request, problems), language(request)
        errors = errors_by_field(worded, lang)
        summary = [(field_target(p.field), render(told_at(p.field, p.line, p.message, data), lang)) for p in worded]
        # after "Neue Ausgabe": the issues it did not start from because they have errors, as `newsletter new` names them
        left_out = [s for s in request.query_params.getlist("left_out") if SLUG.match(s)]
        source = request.query_params.get("from", "")
        return desk.page(request, "edit.html.j2", status, **als.choice(desk, request), slug=slug, d=data, base=base,
                         errors=errors, note=note, summary=summary, draft=draft,
                         open_theme=any(name.startswith("theme") for name in errors),
                         anchor=field_anchor, field_label=field_label, view=request.query_params.get("view", "600"), stamp=base[:12],
                         left_out=left_out, source=source if SLUG.match(source) else "")

    def edit(request: Request) -> Response:
        slug = request.path_params["slug"]
        path = issue_path(desk, slug)
        if sent.sent_to(desk, slug):
            return sent.read_only(desk, request, slug)
        text = path.read_text(encoding="utf-8-sig")
        kept = drafts.offer(desk, request, slug, digest(text))
        if kept is not None and "draft" in request.query_params:  # "Wiederherstellen": the draft, over the file it was typed on
            return editor(request, slug, issue_from_form(kept.draft.fields.items()), kept.draft.base, note="restored")
        try:
            issue = parse_issue(text, shown(path))[0]
        except IssueFileError as exc:
            written = draft_of(text, shown(path))
            if written is None:
                lang = language(request)
                problems = [render(told_at(p.field, p.line, p.message), lang) for p in in_words_of(request, exc.problems)]
                return desk.page(request, "broken.html.j2", 422, slug=slug, problems=problems, text=text)
            return editor(request, slug, written, digest(text), problems=exc.problems, note="not_saved", draft=kept)
        if kept is not None and drafts.holds(issue, kept.draft):
            kept = None  # the file holds what the draft does (an autosave that arrived just after "Speichern")
        return editor(request, slug, issue_data(issue), digest(text), note=request.query_params.get("note", ""), draft=kept)

    async def save(request: Request) -> Response:
        slug = request.path_params["slug"]
        path = issue_path(desk, slug)
        if await run_in_threadpool(sent.sent_to, desk, slug):
            return sent.read_only(desk, request, slug, 409)
        form = await checked_form(request, max_part_size=READ_MAX_BYTES)
        fields = [(name, str(value)) for name, value in form.multi_items() if not isinstance(value, UploadFile)]
        base = str(form.get("base", ""))
        long_fields = [Problem(shown(path), None, name, too_long(size)) for name, size in oversized(fields)]
        if long_fields:
            return editor(request, slug, issue_from_form(fields), base, 413, long_fields, note="not_saved")
        photo_problems: list[Problem] = []
        for name, value in form.multi_items():
            if isinstance(value, UploadFile) and value.filename:  # a photo from this computer, kept beside the issue
                image = name.removesuffix(".upload")
                try:
                    stored = await run_in_threadpool(store_photo, path, value.filename, await value.read())
                except PhotoError as exc:
                    photo_problems.append(Problem(shown(path), None, f"{image}.upload", said(exc)))
                    continue
                fields = [(k, v) for k, v in fields if k not in (f"{image}.path", f"{image}.url")]
                fields.append((f"{image}.path", stored))
        data = issue_from_form(fields)
        action = str(form.get("action", "save"))
        if photo_problems:
            return editor(request, slug, data, base, 422, photo_problems, note="not_saved")
        if apply_action(data, action):
            return editor(request, slug, data, base, note="not_saved")
        try:  # checked: the text written reads as the submitted issue
            conflict = await run_in_threadpool(save_issue, path, data, base, conflicts(desk), shown(path))
        except IssueFileError as exc:
            return editor(request, slug, data, base, 422, exc.problems, note="not_saved")
        if conflict:
            return desk.page(request, "conflict.html.j2", 409, slug=slug, mine=conflict.mine, disk=conflict.disk,
                             kept=conflict.kept)
        with Journal(desk.settings.state_dir) as journal:  # who changed it last may not approve it
            protocol.record(journal, actor(request.scope), "saved", message("Saved the issue"), slug)
        await run_in_threadpool(drafts.drop, desk, request, slug)  # written into the file: the autosave has done its job
        return RedirectResponse(f"/issues/{slug}?note=saved", 303)

    async def resolve(request: Request) -> Response:
        """'Meine Fassung speichern' on the conflict page: the kept version replaces the file (the other stays kept too)."""
        slug = request.path_params["slug"]
        path = issue_path(desk, slug)
        form = await checked_form(request)
        kept = conflicts(desk) / Path(str(form.get("kept", ""))).name
        if not kept.name.startswith(f"{slug}-") or not kept.is_file():
            raise Refused(404, message("that kept version does not exist"))
        conflict = await run_in_threadpool(take_kept, path, kept, conflicts(desk))
        if conflict:
            return desk.page(request, "conflict.html.j2", 409, slug=slug, mine=conflict.mine, disk=conflict.disk,
                             kept=conflict.kept)
        await run_in_threadpool(drafts.drop, desk, request, slug)  # her version is the file now
        with Journal(desk.settings.state_dir) as journal:  # a save like any other: it counts as the last change
            protocol.record(journal, actor(request.scope), "saved", message("Saved the kept version of the issue"), slug)
        return RedirectResponse(f"/issues/{slug}?note=saved", 303)

    return [
        *sent.routes(desk, free_month),
        Route("/", overview),
        Route("/issues/{slug}/resolve", resolve, methods=["POST"]),
        Route("/new", create, methods=["POST"]),
        Route("/issues/{slug}", edit),
        Route("/issues/{slug}", save, methods=["POST"]),
    ]


def conflicts(desk: Desk) -> Path:
    """Where versions that could not be saved are kept: beside the send state, never read as issues."""
    return desk.settings.state_dir / "desk-conflicts"
