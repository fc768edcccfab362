"""The editor's preview: the email of the saved file (GET, the frame's first page and the page without script), and
live, the email as the unsaved form would make it (POST, which the editor's script sends into the frame a moment
after she stops typing); both built by the same library steps as `newsletter build` (form -> issue text -> schema
-> render -> the sample reader's message), at 600 px, 375 px or dark. When the issue cannot be built, the frame says
what to correct, each at its place in her words."""

from __future__ import annotations

import re
from html import escape
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from composer.config.settings import Settings
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
from composer.send.message import MessageFactory
from composer.send.pipeline import SAMPLE_RECIPIENT, build_issue, build_unsaved

DARK_QUERY = re.compile(r"\(\s*prefers-color-scheme\s*:\s*dark\s*\)", re.I)


def in_dark_mode(html: str) -> str:
    """The email as a reader in dark mode sees it, whatever the desk's own browser prefers: its dark rules hold always.
    The condition becomes one that is always true, `(min-width: 0px)`, valid also after `screen and`; `(all)` is not
    a media condition, and Chromium never matched it."""
    return DARK_QUERY.sub("(min-width: 0px)", html)


def saved_email(path: Path, settings: Settings, secret: bytes) -> str:
    """The sample reader's email of the issue file at `path`."""
    result = build_issue(path, settings)
    html, _ = MessageFactory(result, settings.sender, secret).preview(SAMPLE_RECIPIENT)
    return result.viewable(html)


def unsaved_email(data: dict[str, Any], path: Path, settings: Settings, secret: bytes) -> str:
    """The sample reader's email of the issue `data` would be if saved at `path` (raises what a save would)."""
    result = build_unsaved(issue_text(data, shown(path)), path, settings)
    html, _ = MessageFactory(result, settings.sender, secret).preview(SAMPLE_RECIPIENT)
    return result.viewable(html)


def routes(desk: Desk) -> list[Route]:
    async def saved(request: Request) -> Response:
        path = issue_path(desk, request.path_params["slug"])
        return await answer(request, saved_email, path, desk.settings, desk.secret,
                            data=lambda: draft_of(path.read_text(encoding="utf-8-sig"), path.name))

    async def live(request: Request) -> Response:
        path = issue_path(desk, request.path_params["slug"])
        form = await checked_form(request, max_part_size=READ_MAX_BYTES)
        data = issue_from_form((name, str(value)) for name, value in form.multi_items()
                               if not isinstance(value, UploadFile))
        return await answer(request, unsaved_email, data, path, desk.settings, desk.secret, data=lambda: data)

    async def answer(request: Request, make: Callable[..., str], *args: Any,
                     data: Callable[[], dict[str, Any] | None]) -> Response:
        """The email, or what keeps it from being built, at its place (`data` names a contact by her name)."""
        lang = language(request)
        try:
            html = await run_in_threadpool(make, *args)
        except IssueFileError as exc:
            fields = data()
            return waiting(lang, [render(told_at(p.field, p.line, p.message, fields), lang)
                                  for p in in_words_of(request, exc.problems)])
        except ComposerError as exc:
            return waiting(lang, [exc.shown(lang)])
        return HTMLResponse(in_dark_mode(html) if request.query_params.get("dark") else html)

    return [Route("/issues/{slug}/email", saved), Route("/issues/{slug}/email", live, methods=["POST"])]


def waiting(lang: str, said: list[str]) -> HTMLResponse:
    """What the frame shows while the form cannot be built: what to correct first, in her words."""
    items = "".join(f"<li>{escape(s)}</li>" for s in said)
    title = escape(translate(lang, "The preview shows the email again once this is corrected:"))
    return HTMLResponse(f'<!doctype html><html lang="{lang}"><meta charset="utf-8"><body style="font: 16px/1.5 sans-serif; '
                        f'padding: 1rem"><p>{title}</p><ul>{items}</ul></body></html>', 422)
