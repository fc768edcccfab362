"""`newsletter desk`: the Starlette app and its login; the pages come from the editor, review and sending modules."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from composer.desk.access import SESSION_COOKIE, Access
from composer.desk.context import Desk, internal_error
from composer.desk.guard import Guard, Refused, checked_form, same_site
from composer.web.guard import security_headers
from composer.desk.language import COOKIE, language, other
from composer.desk.rights import actor
from composer.i18n import message, render, translate
from composer.office import people, protocol
from composer.office.roles import Actor
from composer.state import Journal
from composer.render.templates import TEMPLATES
from composer.config.settings import Settings


LOGIN_WITHOUT_PASSWORD = message("To log in from another browser, set a password in the desk (Settings › Login); or restart "
                                 "the desk and open the new link it prints.")
FORGOTTEN = message("Forgot the password? Set a new one in the terminal, in the newsletter's folder: "
                    "newsletter desk --set-password")
STARLETTE = {404: message("This page does not exist."), 405: message("This page cannot be called this way.")}


def create_desk(desk: Desk) -> Starlette:
    from composer.desk import (configuration, drafts, editor, inbox, letters, office, planning, preview, review, runs,
                               sending, subscribers)

    async def login(request: Request) -> Response:
        lang = language(request)
        link_bad = translate(lang, "This login link is wrong or was used already. Restart the desk and open the new "
                             "link from the terminal.")
        if request.method == "GET" and "token" in request.query_params:
            session_id = desk.access.use_link(request.query_params["token"])
            if session_id is None:
                return desk.page(request, "login.html.j2", 403, message=link_bad, password=False)
            return _logged_in(session_id)
        if request.method == "POST":
            client = request.client.host if request.client else "?"
            if desk.access.limited(client):
                limited = translate(lang, "Too many attempts. Please wait 15 minutes.")
                return desk.page(request, "login.html.j2", 429, message=limited, password=True)
            form = await request.form()
            if str(form.get("email", "")).strip():  # a named person of the desk (composer/office/people.py)
                session_id = await run_in_threadpool(_person_login, client, str(form.get("email", "")),
                                                     str(form.get("password", "")))
            else:
                session_id = desk.access.use_password(client, str(form.get("password", "")))
                if session_id is None:
                    await run_in_threadpool(_password_failed, client)
            if session_id:
                return _logged_in(session_id)
            return desk.page(request, "login.html.j2", 401, message=translate(lang, "Wrong password."), password=True)
        if desk.access.session(request.cookies.get(SESSION_COOKIE)) is not None:
            return RedirectResponse("/", status_code=303)
        logged_out = "out" in request.query_params
        said = [message("You are logged out.")] if logged_out else []
        if not desk.access.password_hash:
            said.append(LOGIN_WITHOUT_PASSWORD)
        return desk.page(request, "login.html.j2", 200 if logged_out else 401, message=" ".join(render(m, lang) for m in said),
                         password=bool(desk.access.password_hash), forgotten=render(FORGOTTEN, lang))

    def _person_login(client: str, email: str, password: str) -> str | None:
        """A session for a person's address and password; a wrong one counts toward the rate limit and is logged."""
        with Journal(desk.settings.state_dir) as journal:
            person = people.login(journal, email, password)
            if person is None:
                desk.access.attempts.add(client)
                protocol.record(journal, Actor(client), "login_failed", message("Login failed"), address=email.strip(),
                                secret=desk.secret)
                return None
        return desk.access.new_session(str(person.id))

    def _password_failed(client: str) -> None:
        """A wrong desk password (the shared login, without an address) is logged like a person's wrong one."""
        with Journal(desk.settings.state_dir) as journal:
            protocol.record(journal, Actor(client), "login_failed", message("Login with the desk password failed"))

    def _can_come_back(request: Request) -> bool:
        with Journal(desk.settings.state_dir, read_only=True) as journal:
            return people.can_log_in_again(journal, actor(request.scope).person, bool(desk.access.password_hash))

    def _logged_in(session_id: str) -> Response:
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(SESSION_COOKIE, session_id, max_age=int(desk.access.sessions.lifetime), httponly=True,
                            samesite="strict", secure=desk.access.secure_cookie)
        return response

    async def logout(request: Request) -> Response:
        """"Abmelden": the session ends in the state (on every desk sharing it), the cookie goes. Someone who could
        not log in again without restarting the desk (no password yet) is asked first."""
        form = await checked_form(request)
        if form.get("anyway") != "yes" and not await run_in_threadpool(_can_come_back, request):
            return desk.page(request, "logout.html.j2")
        desk.access.log_out(request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/login?out=1", status_code=303)
        response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="strict", secure=desk.access.secure_cookie)
        return response

    async def switch_language(request: Request) -> Response:
        form = await checked_form(request)
        response = RedirectResponse(same_site(str(form.get("back", "/"))), 303)
        response.set_cookie(COOKIE, other(language(request)), samesite="strict", httponly=True)
        return response

    async def refused(request: Request, exc: Exception) -> Response:
        """Our refusals say why in the page's language; Starlette's own (no such page, a wrong method) by their code."""
        assert isinstance(exc, HTTPException)
        said = exc.said if isinstance(exc, Refused) else STARLETTE.get(exc.status_code, exc.detail)
        return desk.page(request, "message.html.j2", exc.status_code, title=str(exc.status_code),
                         message=render(said, language(request)))

    async def failed(request: Request, exc: Exception) -> Response:
        """A bug: the page says so in the page's language (uvicorn still logs the traceback). Starlette answers it
        outside the guard, so the page takes the guard's headers itself."""
        page = desk.page(request, "message.html.j2", 500, title="500", message=internal_error(exc).render(language(request)))
        page.headers.update(security_headers(preview=False))
        return page

    def help_page(request: Request) -> Response:
        return desk.page(request, "help.html.j2")

    routes = [
        Route("/login", login, methods=["GET", "POST"]),
        Route("/help", help_page),
        Route("/logout", logout, methods=["POST"]),
        Route("/language", switch_language, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(TEMPLATES / "desk" / "static"))),
        *editor.routes(desk), *drafts.routes(desk), *preview.routes(desk), *review.routes(desk), *sending.routes(desk),
        *configuration.routes(desk), *letters.routes(desk), *subscribers.routes(desk), *inbox.routes(desk),
        *office.routes(desk),
    ]
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        planner = asyncio.create_task(planning.ticking(desk))  # the sends planned in the desk go out from here
        yield
        planner.cancel()
        await run_in_threadpool(runs.stop_all, desk)

    return Starlette(routes=routes, middleware=[Middleware(Guard, access=desk.access)],
                     exception_handlers={HTTPException: refused, Exception: failed}, lifespan=lifespan)


def hosted_desk(settings: Settings, secret: bytes, public_base: str, host: str = "127.0.0.1") -> Starlette | None:
    """The desk for `newsletter serve` to mount under /redaktion/: only when a desk password is set (no login
    link there), its cookies Secure behind an https address, its POSTs checked against that address."""
    if not settings.desk_password_hash:
        return None
    access = Access(host, settings.desk_password_hash.get_secret_value(), origin=public_base)
    return create_desk(Desk(Path.cwd(), settings, secret, access))
