"""The checks every request passes: the Host it was meant for, a session (else the login), same-origin POSTs,
CSRF, and strict headers. The local preview server reuses the Host check and the headers."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from composer.desk import rights
from composer.desk.access import SESSION_COOKIE, Access, Session
from composer.desk.language import language, page_words
from composer.i18n import Message, message, translate
from composer.office.roles import ForbiddenError
from composer.web.guard import host_allowed, security_headers
from composer.render.templates import environment

OPEN_PATHS = ("/login", "/static/", "/invitation/")
READABLE_LOGGED_OUT = ("/help",)  # Hilfe explains logging in too, so it needs none (it holds nothing of the office's)


class Guard:
    """ASGI middleware: refuses before any handler runs, so no page can forget a check."""

    def __init__(self, app: ASGIApp, access: Access) -> None:
        self.app = app
        self.access = access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        path = route_path(scope)
        root = str(scope.get("root_path", "")).encode()
        response: Response | None = None
        server = scope.get("server")
        if self.access.origin is None and server and not host_allowed(request.headers.get("host", ""), self.access.host,
                                                                      int(server[1] or 80)):
            said = translate(language(request), "This address is not the desk's. Open the link `newsletter desk` shows in "
                                                 "the terminal.")
            response = PlainTextResponse(said, status_code=421)
        elif request.method == "POST" and not same_origin(request, self.access.origin):
            response = refused(request)
        elif not path.startswith(OPEN_PATHS):
            session = self.access.session(request.cookies.get(SESSION_COOKIE))
            if session is None and path not in READABLE_LOGGED_OUT:
                response = RedirectResponse("/login", status_code=303)
            elif session is not None:
                scope.setdefault("state", {})["session"] = session
                response = self._rights(request, scope, path, session.person)
        preview = path.endswith("/email")

        async def with_headers(event: MutableMapping[str, Any]) -> None:
            if event["type"] == "http.response.start":
                headers = [(n, root + v if n.lower() == b"location" and v.startswith(b"/") else v)
                           for n, v in event.get("headers", [])]  # mounted under /redaktion/: redirects stay inside
                headers += [(name.encode(), value.encode()) for name, value in security_headers(preview).items()]
                event["headers"] = headers
            await send(event)

        await (response or self.app)(scope, receive, with_headers)


    def _rights(self, request: Request, scope: Scope, path: str, person: str) -> Response | None:
        """The session's person goes with the request; a POST their roles do not allow is a 403 (composer/desk/rights.py)."""
        assert self.access.state_dir is not None
        who = rights.actor_of(self.access.state_dir, person)
        if who is None:
            return RedirectResponse("/login", status_code=303)
        scope["state"]["actor"] = who
        role = rights.needed(request.method, path)
        if role is None or who.may(role):
            return None
        said = ""
        try:
            who.require(role)
        except ForbiddenError as exc:
            said = exc.shown(language(request))
        html = environment(None, "web").get_template("desk/message.html.j2").render(
            **page_words(language(request)), csrf="", path=path, root=scope.get("root_path", ""), title="403",
            message=said)
        return HTMLResponse(html, status_code=403)


class Refused(HTTPException):
    """A page refused (404, 403, 409) with what to tell the coordinator, said in the page's language."""

    def __init__(self, status: int, said: Message | str) -> None:
        super().__init__(status, str(said))
        self.said = said


def refused(request: Request) -> HTMLResponse:
    """A POST from another origin, in the page's language: the coordinator may meet it after following a link."""
    lang = language(request)
    html = environment(None, "web").get_template("desk/refused.html.j2").render(
        **page_words(lang), csrf="", path=route_path(request.scope), root=request.scope.get("root_path", ""))
    return HTMLResponse(html, status_code=403)


def same_origin(request: Request, origin: str | None = None) -> bool:
    """Origin (or, failing that, Referer) must name the public address when there is one (behind `serve`), else
    this very host; a POST with neither is refused too."""
    claimed = request.headers.get("origin") or request.headers.get("referer")
    if not claimed or claimed == "null":
        return False
    if origin:
        return f"{urlsplit(claimed).scheme}://{urlsplit(claimed).netloc}" == origin
    return urlsplit(claimed).netloc == request.headers.get("host", "")


def same_site(path: str) -> str:
    """A path to go back to after a form, if it stays on this site; else the start page. `//evil.example`,
    `/\\evil.example` (browsers read the backslash as a slash) and `https://…` would leave it."""
    parts = urlsplit(path)
    if (not path.startswith("/") or path.startswith("//") or "\\" in path or parts.scheme or parts.netloc
            or any(ord(c) < 32 or ord(c) == 127 for c in path)):
        return "/"
    return path


def route_path(scope: Scope) -> str:
    """The path inside the desk, also when it is mounted under /redaktion/ (Starlette keeps the whole path)."""
    path, root = str(scope.get("path", "")), str(scope.get("root_path", ""))
    return path[len(root):] or "/" if root and path.startswith(root) else path


async def checked_form(request: Request, max_part_size: int = 1024 * 1024) -> FormData:
    """The posted form, after its CSRF token matched the session's; a mismatch is a 403 and nothing happens.
    A field over `max_part_size` bytes refuses the whole form (Starlette's 400, said in our words)."""
    try:
        form = await request.form(max_part_size=max_part_size)
    except HTTPException as exc:  # Starlette's refusal of a form it cannot read (its words are English)
        raise Refused(exc.status_code, message("A field of the form is larger than {kb} KB, or the form cannot be read; "
                                               "nothing was saved. Shorten the text.", kb=max_part_size // 1024)) from None
    session: Session | None = request.scope.get("state", {}).get("session")
    token = str(form.get("csrf", ""))
    if session is None or not token or token != session.csrf:
        raise Refused(403, message("the form is outdated or not from this desk; reload the page and try again"))
    return form
