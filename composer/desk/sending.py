"""Testversand and Versand: the test send, the plan, the confirmed send in the server process, its live progress
(server-sent events) and a graceful stop. The send holds the journal's exclusive lock, exactly as the CLI's does."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from composer import checks
from composer.audience.subscribers import list_names
from composer.desk.app import Desk
from composer.desk.editor import issue_path
from composer.desk.guard import checked_form
from composer.errors import ComposerError
from composer.records import Recipient
from composer.send.campaign import Campaign, prepare, test_send
from composer.send.dispatch import Dispatcher, Summary
from composer.send.journal import Journal


@dataclass
class SendRun:
    """One send's progress, written by the send's thread and read by the pages."""

    list_name: str
    total: int
    state: str = "running"  # running, stopping, stopped, finished, error
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    started: float = field(default_factory=time.monotonic)
    message: str = ""
    stop: threading.Event = field(default_factory=threading.Event)
    ready: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def progress(self, summary: Summary) -> None:
        self.sent, self.failed, self.deferred = summary.sent, summary.failed, summary.deferred

    def figures(self) -> dict[str, object]:
        done = self.sent + self.failed + self.deferred
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = done / elapsed
        left = (self.total - done) / rate if rate and self.state == "running" else 0
        return {"list_name": self.list_name, "total": self.total, "state": self.state, "sent": self.sent,
                "failed": self.failed, "deferred": self.deferred, "message": self.message, "done": done,
                "percent": round(100 * done / self.total) if self.total else 100,
                "rate": round(rate * 60), "left": round(left)}


def stoppable(recipients: Iterable[Recipient], stop: threading.Event) -> Iterator[Recipient]:
    """Hands recipients to the dispatcher until "Anhalten": those already handed over finish, the rest stay pending."""
    for recipient in recipients:
        if stop.is_set():
            return
        yield recipient


def run_send(start: Callable[[Journal], Campaign], state_dir: Path, run: SendRun) -> None:
    """The send's thread: it opens the journal with the exclusive lock (SQLite stays in one thread), plans, tells
    the waiting request it has started (or why not), then runs the campaign's dispatcher through the stop switch."""
    try:
        with Journal(state_dir, exclusive=True) as journal:
            campaign = start(journal)
            run.total = campaign.plan.to_send
            run.ready.set()
            dispatcher = Dispatcher(campaign._factory, campaign._transports, journal.ledger(campaign.build.slug),
                                    campaign._policy, run.progress)
            queue = journal.queue(campaign.build.slug, campaign.retry_failed)
            asyncio.run(dispatcher.run(stoppable(queue, run.stop)))
        run.state = "stopped" if run.stop.is_set() else "finished"
    except ComposerError as exc:
        run.state, run.message = "error", str(exc)
    except Exception as exc:  # noqa: BLE001 - the page must say it stopped, not spin forever
        run.state, run.message = "error", f"internal error: {type(exc).__name__}: {exc} (please report this)"
    finally:
        run.ready.set()


def stop_all(desk: Desk, wait: float = 60) -> None:
    """When the desk shuts down (Ctrl+C), running sends stop as "Anhalten" stops them, not in mid-message."""
    for run in desk.extra.get("runs", {}).values():
        run.stop.set()
    for run in desk.extra.get("runs", {}).values():
        if run.thread:
            run.thread.join(wait)


def routes(desk: Desk) -> list[Route]:
    runs: dict[str, SendRun] = desk.extra.setdefault("runs", {})
    remembered = desk.settings.state_dir / "desk-test-addresses.txt"

    def gate(slug: str) -> tuple[checks.Subject, list[checks.Finding]]:
        subject = checks.prepare(issue_path(desk, slug), desk.settings, desk.secret)
        return subject, checks.check(subject, spam=False).errors

    def test_page(request: Request) -> Response:
        slug = request.path_params["slug"]
        issue_path(desk, slug)
        last = remembered.read_text(encoding="utf-8") if remembered.exists() else ""
        return desk.page(request, "test.html.j2", slug=slug, addresses=last, result=None, problem="")

    async def test_post(request: Request) -> Response:
        slug = request.path_params["slug"]
        form = await checked_form(request)
        addresses = [a.strip() for a in str(form.get("addresses", "")).replace(",", "\n").splitlines() if a.strip()]
        result, problem = None, ""
        try:
            subject, errors = await run_in_threadpool(gate, slug)
            if errors:
                problem = "; ".join(f"{f.where}: {f.message}" for f in errors)
            else:
                result, _ = await test_send(subject.build, addresses, desk.settings, desk.secret)
                remembered.parent.mkdir(parents=True, exist_ok=True)
                remembered.write_text("\n".join(addresses), encoding="utf-8")
        except ComposerError as exc:
            problem = str(exc)
        return desk.page(request, "test.html.j2", 200 if result else 400, slug=slug, addresses="\n".join(addresses),
                         result=result, problem=problem)

    def send_page(request: Request, problem: str = "", status: int = 200) -> Response:
        slug = request.path_params["slug"]
        issue_path(desk, slug)
        run = runs.get(slug)
        if run and run.state in ("running", "stopping"):
            return desk.page(request, "send.html.j2", slug=slug, run=run.figures(), plan=None, lists=[], problem="")
        list_name = request.query_params.get("list") or (run.list_name if run else "")
        plan, campaign = None, None
        if list_name:
            try:
                subject, errors = gate(slug)
                if errors:
                    problem = "check_errors"
                else:
                    with Journal(desk.settings.state_dir, exclusive=True) as journal:
                        campaign = prepare(subject.build, list_name, journal, desk.settings, desk.secret)
                        plan = campaign.plan
            except ComposerError as exc:
                problem = str(exc)
        return desk.page(request, "send.html.j2", status, slug=slug, plan=plan, list_name=list_name, lists=list_names(),
                         run=run.figures() if run else None, problem=problem,
                         destination=campaign.destination if campaign else "")

    async def send_post(request: Request) -> Response:
        slug = request.path_params["slug"]
        form = await checked_form(request)
        list_name = str(form.get("list", ""))
        if form.get("confirm") != "yes":
            request.scope["query_string"] = f"list={list_name}".encode()
            return send_page(Request(request.scope), "confirm_missing", 400)
        try:
            subject, errors = await run_in_threadpool(gate, slug)
        except ComposerError as exc:
            return send_page(request, str(exc), 409)
        if errors:
            return send_page(request, "check_errors", 400)
        run = SendRun(list_name, 0)

        def start(journal: Journal) -> Campaign:
            return prepare(subject.build, list_name, journal, desk.settings, desk.secret, transports=desk.extra.get("transports"))

        run.thread = threading.Thread(target=run_send, args=(start, desk.settings.state_dir, run), daemon=True,
                                      name=f"send-{slug}")
        run.thread.start()
        await run_in_threadpool(run.ready.wait, 60)
        if run.state == "error":
            return send_page(request, run.message, 409)
        runs[slug] = run
        return RedirectResponse(f"/issues/{slug}/send", 303)

    async def stop(request: Request) -> Response:
        slug = request.path_params["slug"]
        await checked_form(request)
        run = runs.get(slug)
        if run and run.state == "running":
            run.state = "stopping"
            run.stop.set()
        return RedirectResponse(f"/issues/{slug}/send", 303)

    async def events(request: Request) -> Response:
        run = runs.get(request.path_params["slug"])

        async def stream() -> AsyncIterator[str]:
            while run is not None:
                yield f"data: {json.dumps(run.figures())}\n\n"
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
