"""The editor's preview: the email of the saved file (GET, the frame's first page and the page without script), and
live, the email as the unsaved form would make it (POST, which the editor's script sends into the frame a moment
after she stops typing); both built by the same library steps as `newsletter build` (form -> issue text -> schema
-> render -> the sample reader's message), at 600 px, 375 px or dark. When the issue cannot be built, the frame says
what to correct, each at its place in her words."""

from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from html import escape
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from composer.config.settings import Settings
from composer.desk import als
from composer.desk.context import Desk, issue_path
from composer.desk.editor import in_words_of
from composer.desk.forms import READ_MAX_BYTES, issue_from_form
from composer.desk.guard import checked_form
from composer.desk.language import language
from composer.errors import ComposerError, IssueFileError, shown
from composer.i18n import render, translate
from composer.issue.issuefile import draft_of
from composer.issue.places import told_at
from composer.issue.writer import issue_text
from composer.records import Recipient
from composer.render.build import Build
from composer.send.message import MessageFactory
from composer.send.pipeline import SAMPLE_RECIPIENT, build_issue, build_unsaved

DARK_QUERY = re.compile(r"\(\s*prefers-color-scheme\s*:\s*dark\s*\)", re.I)


def in_dark_mode(html: str) -> str:
    """The email as a reader in dark mode sees it, whatever the desk's own browser prefers: its dark rules hold always.
    The condition becomes one that is always true, `(min-width: 0px)`, valid also after `screen and`; `(all)` is not
    a media condition, and Chromium never matched it."""
    return DARK_QUERY.sub("(min-width: 0px)", html)


@dataclass(frozen=True)
class Email:
    """The sample reader's email as a browser shows it, and the anchor of each article in it."""

    html: str
    anchors: list[str]


def saved_email(path: Path, settings: Settings, secret: bytes, reader: Recipient = SAMPLE_RECIPIENT) -> Email:
    """The email of the issue file at `path`, as `reader` gets it."""
    return _email(build_issue(path, settings), settings, secret, reader)


def unsaved_email(data: dict[str, Any], path: Path, settings: Settings, secret: bytes,
                  reader: Recipient = SAMPLE_RECIPIENT) -> Email:
    """The email the issue `data` would make if saved at `path` (raises what a save would), as `reader` gets it."""
    return _email(build_unsaved(issue_text(data, shown(path)), path, settings), settings, secret, reader)


def _email(result: Build, settings: Settings, secret: bytes, reader: Recipient) -> Email:
    html, _ = MessageFactory(result, settings.sender, secret).preview(reader)
    return Email(result.viewable(html), result.issue.anchors())


class Shown:
    """The last few live previews, each under a random name: the frame is sent on to one of them with the anchor of
    the article she is typing in (`/issues/x/email?live=NAME#anchor`), so the preview stays at that article."""

    KEPT = 8

    def __init__(self) -> None:
        self._pages: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def keep(self, html: str) -> str:
        name = secrets.token_urlsafe(16)
        with self._lock:
            self._pages[name] = html
            while len(self._pages) > self.KEPT:
                self._pages.popitem(last=False)
        return name

    def get(self, name: str) -> str | None:
        with self._lock:
            return self._pages.get(name)


def routes(desk: Desk) -> list[Route]:
    live_pages = Shown()

    async def saved(request: Request) -> Response:
        path = issue_path(desk, request.path_params["slug"])
        kept = live_pages.get(request.query_params.get("live", ""))
        if kept is not None:  # a live preview the frame was sent on to
            return HTMLResponse(kept)
        reader = (await run_in_threadpool(als.choice, desk, request))["als"]  # the member chosen "als", else the sample
        shown = await answer(request, saved_email, path, desk.settings, desk.secret, reader,
                             data=lambda: draft_of(path.read_text(encoding="utf-8-sig"), path.name))
        if not isinstance(shown, Email):
            return shown
        return HTMLResponse(in_dark_mode(shown.html) if request.query_params.get("dark") else shown.html)

    async def live(request: Request) -> Response:
        slug = request.path_params["slug"]
        path = issue_path(desk, slug)
        form = await checked_form(request, max_part_size=READ_MAX_BYTES)
        data = issue_from_form((name, str(value)) for name, value in form.multi_items()
                               if not isinstance(value, UploadFile))
        reader = (await run_in_threadpool(als.choice, desk, request))["als"]
        shown = await answer(request, unsaved_email, data, path, desk.settings, desk.secret, reader, data=lambda: data)
        if not isinstance(shown, Email):
            return shown
        at = request.query_params.get("at", "")
        html = in_dark_mode(shown.html) if request.query_params.get("dark") else shown.html
        if not at.isdigit() or int(at) >= len(shown.anchors):
            return HTMLResponse(html)
        return RedirectResponse(f"/issues/{slug}/email?live={live_pages.keep(html)}#{shown.anchors[int(at)]}", 303)

    async def answer(request: Request, make: Callable[..., Email], *args: Any,
                     data: Callable[[], dict[str, Any] | None]) -> Response | Email:
        """The email, or the page that says what keeps it from being built, at its place (`data` names a contact
        by her name)."""
        lang = language(request)
        try:
            email = await run_in_threadpool(make, *args)
        except IssueFileError as exc:
            fields = data()
            return waiting(lang, [render(told_at(p.field, p.line, p.message, fields), lang)
                                  for p in in_words_of(request, exc.problems)])
        except ComposerError as exc:
            return waiting(lang, [exc.shown(lang)])
        return email

    return [Route("/issues/{slug}/email", saved), Route("/issues/{slug}/email", live, methods=["POST"])]


def waiting(lang: str, said: list[str]) -> HTMLResponse:
    """What the frame shows while the form cannot be built: what to correct first, in her words."""
    items = "".join(f"<li>{escape(s)}</li>" for s in said)
    title = escape(translate(lang, "The preview shows the email again once this is corrected:"))
    return HTMLResponse(f'<!doctype html><html lang="{lang}"><meta charset="utf-8"><body style="font: 16px/1.5 sans-serif; '
                        f'padding: 1rem"><p>{title}</p><ul>{items}</ul></body></html>', 422)
