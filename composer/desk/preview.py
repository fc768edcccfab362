"""The live preview: the email as the unsaved form would make it, built by the same library steps as
`newsletter build` (form -> issue text -> schema -> render -> the sample reader's message), at 600 px, 375 px or
dark. The editor's script posts the form into the preview's frame a moment after she stops typing."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from composer.config.settings import Settings
from composer.desk.context import Desk, issue_path
from composer.desk.editor import in_dark_mode, in_words_of
from composer.desk.forms import READ_MAX_BYTES, issue_from_form
from composer.desk.guard import checked_form
from composer.desk.language import language
from composer.errors import ComposerError, IssueFileError, shown
from composer.i18n import render, translate
from composer.issue.places import told_at
from composer.issue.writer import issue_text
from composer.send.message import MessageFactory
from composer.send.pipeline import SAMPLE_RECIPIENT, build_unsaved


def unsaved_email(data: dict[str, Any], path: Path, settings: Settings, secret: bytes) -> str:
    """The sample reader's email of the issue `data` would be if saved at `path` (raises what a save would)."""
    result = build_unsaved(issue_text(data, shown(path)), path, settings)
    html, _ = MessageFactory(result, settings.sender, secret).preview(SAMPLE_RECIPIENT)
    return result.viewable(html)


def routes(desk: Desk) -> list[Route]:
    async def live(request: Request) -> Response:
        path = issue_path(desk, request.path_params["slug"])
        form = await checked_form(request, max_part_size=READ_MAX_BYTES)
        data = issue_from_form((name, str(value)) for name, value in form.multi_items()
                               if not isinstance(value, UploadFile))
        lang = language(request)
        try:
            html = await run_in_threadpool(unsaved_email, data, path, desk.settings, desk.secret)
        except IssueFileError as exc:
            said = [render(told_at(p.field, None, p.message, data), lang) for p in in_words_of(request, exc.problems)]
            return waiting(lang, said)
        except ComposerError as exc:
            return waiting(lang, [exc.shown(lang)])
        return HTMLResponse(in_dark_mode(html) if request.query_params.get("dark") else html)

    return [Route("/issues/{slug}/email", live, methods=["POST"])]


def waiting(lang: str, said: list[str]) -> HTMLResponse:
    """What the frame shows while the form cannot be built: what to correct first, in her words."""
    items = "".join(f"<li>{escape(s)}</li>" for s in said)
    title = escape(translate(lang, "The preview shows the email again once this is corrected:"))
    return HTMLResponse(f'<!doctype html><html lang="{lang}"><meta charset="utf-8"><body style="font: 16px/1.5 sans-serif; '
                        f'padding: 1rem"><p>{title}</p><ul>{items}</ul></body></html>', 422)
