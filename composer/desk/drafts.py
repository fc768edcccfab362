"""The editor's autosave: what she types is kept in the state every few seconds (a POST with the session's CSRF
token), never over the issue file; reopening the issue offers it ("Entwurf von 10:42 wiederherstellen?"), and
"Speichern" drops it once the file is written."""

from __future__ import annotations

import time
from dataclasses import dataclass

from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from composer.desk.context import Desk, issue_path
from composer.config.hours import local
from composer.desk.forms import READ_MAX_BYTES, issue_from_form
from composer.desk.guard import checked_form
from composer.desk.language import language
from composer.desk.sessions import OFFICE
from composer.i18n import formats
from composer.issue.schema import Issue
from composer.state import Journal
from composer.state.drafts import Draft

NOT_FIELDS = ("csrf", "base", "action")


@dataclass(frozen=True)
class Offer:
    """A draft to offer on the editor: when it was kept (as the page shows it) and whether the file changed since."""

    draft: Draft
    at: str
    file_changed: bool


def person_of(request: Request) -> str:
    session = request.scope.get("state", {}).get("session")
    return session.person if session is not None else OFFICE


def typed_fields(form: FormData) -> dict[str, str]:
    """The form's typed fields (no photo uploads, no CSRF token): what a draft keeps."""
    return {name: str(value) for name, value in form.multi_items()
            if name not in NOT_FIELDS and not isinstance(value, UploadFile)}


def offer(desk: Desk, request: Request, slug: str, base: str) -> Offer | None:
    """The person's draft of this issue, if one is kept; read only, so opening the editor writes nothing."""
    with Journal(desk.settings.state_dir, read_only=True) as journal:
        draft = journal.draft(slug, person_of(request))
    if draft is None:
        return None
    return Offer(draft, formats.clock(local(draft.saved, desk.settings.zone), language(request)), draft.base != base)


def holds(issue: Issue, draft: Draft) -> bool:
    """Whether the issue (the file as it is) says all that the draft does, read by the schema as a save would."""
    try:
        return Issue.model_validate(issue_from_form(draft.fields.items())) == issue
    except ValidationError:
        return False


def drop(desk: Desk, request: Request, slug: str) -> None:
    with Journal(desk.settings.state_dir) as journal:
        journal.drop_draft(slug, person_of(request))


def routes(desk: Desk) -> list[Route]:
    async def keep(request: Request) -> Response:
        slug = request.path_params["slug"]
        issue_path(desk, slug)
        form = await checked_form(request, max_part_size=READ_MAX_BYTES)
        now = time.time()
        with Journal(desk.settings.state_dir) as journal:
            kept = journal.keep_draft(slug, person_of(request), typed_fields(form), str(form.get("base", "")), now)
        if not kept:
            return JSONResponse({"kept": False}, 413)
        return JSONResponse({"kept": True, "at": formats.clock(local(now, desk.settings.zone), language(request))})

    async def discard(request: Request) -> Response:
        slug = request.path_params["slug"]
        issue_path(desk, slug)
        await checked_form(request)
        drop(desk, request, slug)
        return RedirectResponse(f"/issues/{slug}", 303)

    return [Route("/issues/{slug}/draft", keep, methods=["POST"]),
            Route("/issues/{slug}/draft/drop", discard, methods=["POST"])]
