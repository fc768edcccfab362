"""What every desk page shares: the folder, settings and access state, the page renderer, and issue lookup."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from composer.desk.access import Access
from composer.desk.rights import first_account
from composer.office.roles import Actor
from composer.desk.guard import Refused, route_path
from composer.desk.language import language, page_words
from composer.i18n import Message, message
from composer.render.templates import environment
from composer.config.settings import Settings

SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")


@dataclass
class Desk:
    """What every page needs: the folder (issues/, subscribers/), the settings, the secret, the access state, and
    `stopping`, set when the desk is told to end, so work running in a worker thread (an import) ends too."""

    folder: Path
    settings: Settings
    secret: bytes
    access: Access
    extra: dict[str, Any] = field(default_factory=dict)
    stopping: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        if self.access.state_dir is None:  # the sessions live in the same state as everything else
            self.access.state_dir = self.settings.state_dir
        first_account(self.settings)

    @property
    def issues_dir(self) -> Path:
        return self.folder / "issues"

    def page(self, request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        lang = language(request)
        session = request.scope.get("state", {}).get("session")
        who: Actor | None = request.scope.get("state", {}).get("actor")
        html = environment(self.settings.templates_dir, "web").get_template(f"desk/{template}").render(
            **page_words(lang), csrf=session.csrf if session else "", path=route_path(request.scope),
            who=who, may=who.may if who else (lambda role: False),
            root=request.scope.get("root_path", ""), **values)
        return HTMLResponse(html, status_code=status)


def issue_path(desk: Desk, slug: str) -> Path:
    """The issue file for a slug from a URL; anything that is not a plain name, or no such file, is a 404."""
    path = desk.issues_dir / f"{slug}.md"
    if not SLUG.match(slug) or not path.is_file():
        raise Refused(404, message("{path} does not exist", path=f"issues/{slug}.md"))
    return path


def internal_error(exc: BaseException) -> Message:
    """What the desk says for a fault of its own (a bug): named, so the coordinator can pass it on."""
    return message("internal error: {what} (please report this)", what=f"{type(exc).__name__}: {exc}")
