"""A sent issue opens read-only: what went out stays what the archive and the status name. "Als neue Ausgabe
kopieren" starts the next one from its whole text."""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from composer.desk.context import Desk, issue_path
from composer.desk.guard import checked_form
from composer.desk.language import language
from composer.errors import ComposerError
from composer.issue.scaffold import copy_issue
from composer.state import Journal


def sent_to(desk: Desk, slug: str) -> int:
    """How many have the issue; more than none makes it read-only."""
    with Journal(desk.settings.state_dir, read_only=True) as journal:
        return journal.counts(slug)["sent"]


def read_only(desk: Desk, request: Request, slug: str, status: int = 200) -> Response:
    path = issue_path(desk, slug)
    return desk.page(request, "sent.html.j2", status, slug=slug, sent=sent_to(desk, slug),
                     text=path.read_text(encoding="utf-8-sig"))


def routes(desk: Desk, free_name: object) -> list[Route]:
    async def copy(request: Request) -> Response:
        slug = request.path_params["slug"]
        path = issue_path(desk, slug)
        await checked_form(request)
        name = free_name(desk.issues_dir, dt.date.today())  # type: ignore[operator]
        try:
            copy_issue(path, desk.issues_dir / f"{name}.md")
        except ComposerError as exc:
            return desk.page(request, "message.html.j2", 409, title="409", message=exc.shown(language(request)))
        return RedirectResponse(f"/issues/{name}", 303)

    return [Route("/issues/{slug}/copy", copy, methods=["POST"])]
