"""Testversand and Versand: the test send, the plan, the confirmed send in the server process, its live progress
(server-sent events) and "Anhalten". The rules (check gate, exclusive lock, plan) are the campaign's `open_send`,
the same the CLI calls; this module only runs it in a thread and shows how far it got. The page that shows the
plan only looks (`plan_send`: no lock, nothing written, so it works while a CLI send runs); the lock, the
staging and the links are taken by the POST that starts the send."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from composer.atomic import PRIVATE, write_text
from composer.audience.subscribers import list_names
from composer.audience.person import TEST_ADDRESSES
from composer.checks import Finding
from composer.desk.context import Desk, internal_error, issue_path
from composer.desk.german import wording
from composer.desk.guard import checked_form
from composer.desk.language import language
from composer.desk.words import SECURITY
from composer.errors import ChecksFailedError, ComposerError
from composer.issue.places import place_of_finding
from composer.campaign import Campaign, open_send, plan_send, test_send
from composer.send.dispatch import Summary
from composer.i18n import Message, message, render, translate
from composer.i18n.formats import moment
from composer.send.stopping import Stop
from composer.send.transports import Destination

Opening = Callable[[], AbstractContextManager[Campaign]]
CHECK_ERRORS = message("The issue has check errors; fix them before sending.")
CONFIRM_MISSING = message("Please confirm the send.")


@dataclass
class SendRun:
    """One send's progress, written by the send's thread and read by the pages."""

    list_name: str
    total: int = 0
    state: str = "running"  # running, stopping, stopped, finished, error
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    uncertain: int = 0
    started: float = field(default_factory=time.monotonic)
    message: Message | str = ""  # why it ended in an error: our words, or a library error as it came
    held_until: datetime | None = None  # a limit, the sending hours or the planned start holds the send back
    held_by: str = ""
    stop: Stop = field(default_factory=Stop)
    ready: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def progress(self, summary: Summary) -> None:
        self.sent, self.failed, self.deferred, self.uncertain = summary.sent, summary.failed, summary.deferred, summary.uncertain

    def waiting(self, until: datetime | None, why: str) -> None:
        self.held_until, self.held_by = until, why

    def figures(self) -> dict[str, object]:
        done = self.sent + self.failed + self.deferred + self.uncertain
        rate = done / max(time.monotonic() - self.started, 1e-6)
        left = (self.total - done) / rate if rate and self.state == "running" else 0
        return {"list_name": self.list_name, "total": self.total, "state": self.state, "sent": self.sent,
                "failed": self.failed, "deferred": self.deferred + self.uncertain, "message": self.message, "done": done,
                "held": self.held_until.isoformat() if self.held_until else "",
                "percent": round(100 * done / self.total) if self.total else 100, "rate": round(rate * 60), "left": round(left)}


def destination_text(where: Destination, lang: str) -> str:
    """Where a send's mail goes, in the page's language."""
    if where.kind == "smtp":
        return translate(lang, "SMTP server {where} ({security})", where=where.where,
                         security=translate(lang, SECURITY[where.security]))
    if where.placeholder:
        return translate(lang, "the outbox folder {where}/, one .eml file per recipient (no SMTP server is set up; from "
                         "{address}, a placeholder until NEWSLETTER_FROM_ADDRESS is set)", where=where.where,
                         address=where.placeholder)
    return translate(lang, "the outbox folder {where}/, one .eml file per recipient (no SMTP server is set up)",
                     where=where.where)


def run_send(opening: Opening, run: SendRun) -> None:
    """The send's thread: it holds the send state (SQLite stays in one thread), tells the waiting request that it
    has started (or why not), then runs the campaign until it is done or "Anhalten" is honoured."""
    try:
        with opening() as campaign:
            run.total = campaign.plan.to_send
            run.ready.set()
            summary = asyncio.run(campaign.run(run.progress, run.stop, run.waiting))
        run.state = "stopped" if summary.stopped else "finished"
    except ChecksFailedError:
        run.state, run.message = "error", CHECK_ERRORS
    except ComposerError as exc:
        run.state, run.message = "error", str(exc)
    except Exception as exc:  # noqa: BLE001 - the page must say it stopped, not spin forever
        run.state, run.message = "error", internal_error(exc)
    finally:
        run.ready.set()


def stop_all(desk: Desk, wait: float = 60) -> None:
    """When the desk shuts down (Ctrl+C), running sends stop as "Anhalten" stops them, not in mid-message."""
    for run in desk.extra.get("runs", {}).values():
        run.stop.request("the desk was shut down")
    for run in desk.extra.get("runs", {}).values():
        if run.thread:
            run.thread.join(wait)


def routes(desk: Desk) -> list[Route]:
    runs: dict[str, SendRun] = desk.extra.setdefault("runs", {})
    remembered = desk.settings.state_dir / TEST_ADDRESSES  # `forget` and `person` look there too

    def opening(slug: str, list_name: str) -> Opening:
        return lambda: open_send(issue_path(desk, slug), list_name, desk.settings, desk.secret,
                                 transports=desk.extra.get("transports"))

    def test_page(request: Request) -> Response:
        slug = request.path_params["slug"]
        issue_path(desk, slug)
        last = remembered.read_text(encoding="utf-8") if remembered.exists() else ""
        return desk.page(request, "test.html.j2", slug=slug, addresses=last, result=None, problem="")

    async def test_post(request: Request) -> Response:
        slug = request.path_params["slug"]
        path = issue_path(desk, slug)
        form = await checked_form(request)
        say, lang = wording(request), language(request)
        addresses = [a.strip() for a in str(form.get("addresses", "")).replace(",", "\n").splitlines() if a.strip()]
        result, problem = None, ""
        try:
            result, _, _ = await test_send(path, addresses, desk.settings, desk.secret, desk.extra.get("transports"))
            remembered.parent.mkdir(parents=True, exist_ok=True)
            write_text(remembered, "\n".join(addresses), PRIVATE)
        except ChecksFailedError as exc:
            problem = "; ".join(f"{render(place_of_finding(f.where), lang)}: {say(f.message, 'findings')}"
                                for f in exc.findings if isinstance(f, Finding))
        except ComposerError as exc:
            problem = say(str(exc), "errors")
        return desk.page(request, "test.html.j2", 200 if result else 400, slug=slug, addresses="\n".join(addresses),
                         result=result, problem=problem)

    def send_page(request: Request, problem: Message | str = "", status: int = 200, list_name: str = "") -> Response:
        slug = request.path_params["slug"]
        issue_path(desk, slug)
        run = runs.get(slug)
        if run and run.state in ("running", "stopping"):
            held = moment(run.held_until, language(request)) if run.held_until else ""
            return desk.page(request, "send.html.j2", slug=slug, run=run.figures(), plan=None, lists=[], problem="",
                             say=wording(request), held=held, held_by=run.held_by)
        list_name = list_name or request.query_params.get("list") or (run.list_name if run else "")
        plan, destination = None, ""
        if list_name and not problem:
            try:
                shown = plan_send(issue_path(desk, slug), list_name, desk.settings, desk.secret)
                plan, destination = shown.plan, destination_text(shown.destination, language(request))
            except ChecksFailedError:
                problem = CHECK_ERRORS
            except ComposerError as exc:
                problem = str(exc)
        return desk.page(request, "send.html.j2", status, say=wording(request), slug=slug, plan=plan, list_name=list_name,
                         lists=list_names(),
                         run=run.figures() if run else None, problem=problem, destination=destination)

    async def send_post(request: Request) -> Response:
        slug = request.path_params["slug"]
        issue_path(desk, slug)
        form = await checked_form(request)
        list_name = str(form.get("list", ""))
        if form.get("confirm") != "yes":
            return send_page(request, CONFIRM_MISSING, 400, list_name)
        run = SendRun(list_name)
        run.thread = threading.Thread(target=run_send, args=(opening(slug, list_name), run), daemon=True, name=f"send-{slug}")
        run.thread.start()
        await run_in_threadpool(run.ready.wait, 60)
        if run.state == "error":
            return send_page(request, run.message, 400 if run.message == CHECK_ERRORS else 409, list_name)
        runs[slug] = run
        return RedirectResponse(f"/issues/{slug}/send", 303)

    async def stop(request: Request) -> Response:
        slug = request.path_params["slug"]
        await checked_form(request)
        run = runs.get(slug)
        if run and run.state == "running":
            run.state = "stopping"
            run.stop.request("Anhalten")
        return RedirectResponse(f"/issues/{slug}/send", 303)

    async def events(request: Request) -> Response:
        run = runs.get(request.path_params["slug"])

        async def stream() -> AsyncIterator[str]:
            while run is not None:
                yield f"data: {json.dumps(run.figures(), default=str)}\n\n"
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
        Route("/issues/{slug}/send/events", events),
    ]
