"""Testversand and Versand: the test send, the plan, the confirmed send in the server process, its live progress
(server-sent events) and "Anhalten". The rules (check gate, exclusive lock, plan) are the campaign's `open_send`,
the same the CLI calls; this module only runs it in a thread and shows how far it got. The page that shows the
plan only looks (`outline`: no lock, nothing written, so it works while a CLI send runs); the lock, the
staging and the links are taken by the POST that starts the send."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import quote
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from composer.atomic import PRIVATE, write_text
from composer.audience.person import TEST_ADDRESSES
from composer.audience.subscribers import list_names, list_path
from composer.campaign import Outline, outline, test_send
from composer.checks import Finding
from composer.desk import als
from composer.desk.context import Desk, issue_path
from composer.desk.guard import checked_form
from composer.desk.language import language
from composer.desk.planning import now_of
from composer.desk.rights import actor
from composer.desk.runs import CHECK_ERRORS, FILE_ERRORS, SendRun, refusal, start
from composer.errors import ChecksFailedError, ComposerError, IssueFileError, said
from composer.i18n import Message, message, plural, render
from composer.issue.places import place_of_finding
from composer.i18n.formats import moment
from composer.office import approval, protocol
from composer.send import schedules
from composer.send.estimate import PACE, spoken
from composer.state import Journal

CONFIRM_MISSING = message("Tick the box above the buttons to confirm the send to this list; the plan stays as it is.")
NO_TIME = message("Choose the day and time of the send.")


def routes(desk: Desk) -> list[Route]:
    runs: dict[str, SendRun] = desk.extra.setdefault("runs", {})
    remembered = desk.settings.state_dir / TEST_ADDRESSES  # `forget` and `person` look there too

    def test_page(request: Request) -> Response:
        slug = request.path_params["slug"]
        issue_path(desk, slug)
        last = remembered.read_text(encoding="utf-8") if remembered.exists() else ""
        return desk.page(request, "test.html.j2", **als.choice(desk, request), slug=slug, addresses=last, result=None,
                         problem="")

    async def test_post(request: Request) -> Response:
        slug = request.path_params["slug"]
        path = issue_path(desk, slug)
        form = {k: str(v) for k, v in (await checked_form(request)).items()}
        lang = language(request)
        addresses = [a.strip() for a in form.get("addresses", "").replace(",", "\n").splitlines() if a.strip()]
        chosen = await run_in_threadpool(als.choice, desk, request, form)
        reader = chosen["als"] if chosen["als_members"] else None
        result, problem = None, ""
        try:
            result, _, _ = await test_send(path, addresses, desk.settings, desk.secret, desk.extra.get("transports"),
                                           als=reader)
            with Journal(desk.settings.state_dir) as journal:
                protocol.record(journal, actor(request.scope), "test_sent", plural(
                    "Test send to {n} address", "Test send to {n} addresses", len(addresses)), slug)
            remembered.parent.mkdir(parents=True, exist_ok=True)
            write_text(remembered, "\n".join(addresses), PRIVATE)
        except ChecksFailedError as exc:
            problem = "; ".join(f"{render(place_of_finding(f.where), lang)}: {render(f.message, lang)}" for f in exc.findings
                                if isinstance(f, Finding))
        except IssueFileError as exc:
            problem = "; ".join(f"{p.file}:{p.line}: {p.field}: {render(p.message, lang)}" if p.line else
                                f"{p.file}: {p.field}: {render(p.message, lang)}" for p in exc.problems)
        except ComposerError as exc:
            problem = exc.shown(lang)
        return desk.page(request, "test.html.j2", 200 if result else 400, **chosen, slug=slug,
                         addresses="\n".join(addresses), result=result, problem=problem)

    def own_address(request: Request) -> str:
        """Who starts or plans a send is told how it went: the logged-in person's address, changeable on the page."""
        person = actor(request.scope).person
        if person is None:
            return ""
        with Journal(desk.settings.state_dir, read_only=True) as journal:
            row = journal.person_by_id(person)
        return row.email if row and "@" in row.email and not row.email.endswith("@localhost") else ""

    def send_page(request: Request, problem: Message | str = "", status: int = 200, list_name: str = "",
                  form: dict[str, str] | None = None) -> Response:
        slug = request.path_params["slug"]
        path = issue_path(desk, slug)
        lang = language(request)
        run = runs.get(slug)
        with Journal(desk.settings.state_dir, read_only=True) as journal:
            planned = schedules.of_issue(journal, slug, desk.settings.zone)
        now = now_of(desk)
        values: dict[str, Any] = {"slug": slug, "problem": problem, "run": None, "planned": None, "outline": None,
                                  "lists": [], "list_name": "", "form": form or {}, "missed": False}
        if run:
            values["run"] = run.figures(lang)
            if run.state in ("running", "stopping", "finished") or (run.state == "stopped" and planned is None):
                return desk.page(request, "send.html.j2", status, **values)
        if planned:
            values.update(planned=planned, missed=planned.missed(now), planned_at=moment(planned.at, lang))
            if not values["missed"]:
                return desk.page(request, "send.html.j2", status, **values)
        list_name = list_name or request.query_params.get("list") or (run.list_name if run else "") or (
            planned.list_name if planned else "")
        if list_name:
            desk.extra["last_list"] = list_name  # the preview and the test send show its first member
        values.update(lists=list_names(desk.folder / "subscribers") or list_names(), list_name=list_name,
                      notify=(form or {}).get("notify", own_address(request)))
        if list_name:
            try:
                shown = await_outline(path, list_name, now, lang)
                values.update(outline=shown, destination=render(shown.preview.destination.said(), lang),
                              plan=shown.preview.plan,
                              duration=spoken(shown.estimate.duration).render(lang), ends=moment(shown.estimate.end, lang))
                if desk.settings.approval == approval.REQUIRED:
                    with Journal(desk.settings.state_dir, read_only=True) as journal:
                        standing = approval.standing(journal, slug, list_name, shown.content)
                    values.update(approval_said=standing.said(), approved=standing.approved)
            except ComposerError as exc:
                values["problem"] = refusal(exc)
        return desk.page(request, "send.html.j2", status, **values)

    def await_outline(path: Any, list_name: str, now: datetime, lang: str) -> Outline:
        return outline(path, list_name, desk.settings, desk.secret, now, desk.extra.get("pace", PACE))

    async def confirmed(request: Request) -> tuple[str, dict[str, str], Response | None]:
        """The issue and the send form posted for it, with the page to answer instead when its box is not ticked."""
        slug = request.path_params["slug"]
        issue_path(desk, slug)
        form = {k: str(v) for k, v in (await checked_form(request)).items()}
        if form.get("confirm") == "yes":
            return slug, form, None
        return slug, form, await run_in_threadpool(send_page, request, CONFIRM_MISSING, 400, form.get("list", ""), form)

    async def send_post(request: Request) -> Response:
        slug, form, unconfirmed = await confirmed(request)
        if unconfirmed is not None:
            return unconfirmed
        list_name = form.get("list", "")
        run = await run_in_threadpool(start, desk, slug, list_name, form.get("notify", ""), language(request),
                                      actor(request.scope), form.get("beside") == "yes")
        if run.state == "error" and run.plan is None:  # refused before it started; after, its page says why
            return await run_in_threadpool(send_page, request, run.message,
                                           400 if run.message in (CHECK_ERRORS, FILE_ERRORS) else 409,
                                           list_name, form)
        return RedirectResponse(f"/issues/{slug}/send", 303)

    async def plan_post(request: Request) -> Response:
        slug, form, unconfirmed = await confirmed(request)
        if unconfirmed is not None:
            return unconfirmed
        list_name = form.get("list", "")
        try:
            at = datetime.fromisoformat(form.get("at", "").strip())
        except ValueError:
            return await run_in_threadpool(send_page, request, NO_TIME, 400, list_name, form)
        at = at.replace(tzinfo=desk.settings.zone) if desk.settings.zone else at.astimezone()
        try:
            list_path(list_name, desk.folder / "subscribers")
            with Journal(desk.settings.state_dir) as journal:
                schedules.plan(journal, slug, list_name, at, now_of(desk), form.get("notify") or None, "desk")
                protocol.record(journal, actor(request.scope), "send_scheduled",
                                message("Send planned for {when}", when=at.isoformat(" ", "minutes")), slug, list_name)
        except ComposerError as exc:
            return await run_in_threadpool(send_page, request, said(exc), 400, list_name, form)
        return RedirectResponse(f"/issues/{slug}/send", 303)

    async def cancel_post(request: Request) -> Response:
        slug = request.path_params["slug"]
        await checked_form(request)
        with Journal(desk.settings.state_dir) as journal:
            planned = schedules.of_issue(journal, slug, desk.settings.zone)
            schedules.cancel(journal, slug)
            if planned is not None:
                protocol.record(journal, actor(request.scope), "send_cancelled", message("Planned send cancelled"), slug,
                                planned.list_name)
        return RedirectResponse(f"/issues/{slug}/send" + (f"?list={quote(planned.list_name)}" if planned else ""), 303)

    async def now_post(request: Request) -> Response:
        """A missed plan sent now: the plan is taken off and the send starts as planned, to the planned list."""
        slug = request.path_params["slug"]
        issue_path(desk, slug)
        await checked_form(request)
        with Journal(desk.settings.state_dir) as journal:
            planned = schedules.of_issue(journal, slug, desk.settings.zone)
            if planned is None:
                return RedirectResponse(f"/issues/{slug}/send", 303)
            schedules.cancel(journal, slug)
        run = await run_in_threadpool(start, desk, slug, planned.list_name, planned.notify, language(request),
                                      actor(request.scope), True)
        if run.state == "error" and run.plan is None:
            return await run_in_threadpool(send_page, request, run.message, 409, planned.list_name)
        return RedirectResponse(f"/issues/{slug}/send", 303)

    async def stop(request: Request) -> Response:
        slug = request.path_params["slug"]
        await checked_form(request)
        run = runs.get(slug)
        if run and run.state == "running":
            run.state = "stopping"
            run.stop.request("Anhalten")
            with Journal(desk.settings.state_dir) as journal:
                protocol.record(journal, actor(request.scope), "send_stopped", message("Send stopped"), slug, run.list_name)
        return RedirectResponse(f"/issues/{slug}/send", 303)

    async def events(request: Request) -> Response:
        run = runs.get(request.path_params["slug"])
        lang = language(request)

        async def stream() -> AsyncIterator[str]:
            while run is not None:
                yield f"data: {json.dumps(run.figures(lang), default=str)}\n\n"
                if run.state not in ("running", "stopping") or await request.is_disconnected():
                    return
                await asyncio.sleep(0.3)

        return StreamingResponse(stream(), media_type="text/event-stream")

    return [
        Route("/issues/{slug}/test", test_page),
        Route("/issues/{slug}/test", test_post, methods=["POST"]),
        Route("/issues/{slug}/send", send_page),
        Route("/issues/{slug}/send", send_post, methods=["POST"]),
        Route("/issues/{slug}/send/stop", stop, methods=["POST"]),
        Route("/issues/{slug}/send/plan", plan_post, methods=["POST"]),
        Route("/issues/{slug}/send/cancel", cancel_post, methods=["POST"]),
        Route("/issues/{slug}/send/now", now_post, methods=["POST"]),
        Route("/issues/{slug}/send/events", events),
    ]
