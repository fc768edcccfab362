"""The small web app (Starlette). Every write goes to the SQLite send state the sender reads.

Links carry signed tokens (composer.tokens), so a link is checked without a database read; a GET never
changes anything, because link scanners follow GETs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence, Set as AbstractSet
from pathlib import Path
from typing import Any

from email_validator import EmailNotValidError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from composer.audience.signup import confirmation, deliver
from composer.audience.subscribers import LIST_DIR, list_names, recipient_address
from composer.tokens import CONFIRM_DAYS, Claims, TokenError, make_token, read_token
from composer.errors import TransportError
from composer.render.templates import environment
from composer.send.journal import Journal
from composer.settings import Settings
from composer.web.text import TEXT, WebText

TokenHandler = Callable[[Request, WebText, str, Claims], Awaitable[Response]]


def create_app(settings: Settings, secret: bytes, lists_dir: Path = LIST_DIR, archive: Path | None = None) -> Starlette:
    pages = environment(settings.templates_dir, "web")
    newsletter = settings.from_name or "Newsletter"

    def lang_of(request: Request) -> str:
        asked = request.query_params.get("lang") or request.headers.get("accept-language", "de")[:2].lower()
        return asked if asked in TEXT else "de"

    def page(request: Request, template: str, title: str, status: int = 200, **values: Any) -> HTMLResponse:
        lang = lang_of(request)
        html = pages.get_template(f"web/{template}").render(lang=lang, t=TEXT[lang], title=title, newsletter=newsletter,
                                                             privacy_url=settings.privacy_url, **values)
        return HTMLResponse(html, status_code=status)

    def message(request: Request, title: str, *paragraphs: str, status: int = 200, **extra: Any) -> HTMLResponse:
        return page(request, "message.html.j2", title, status, paragraphs=paragraphs, error=status >= 400, **extra)

    def lists() -> list[str]:
        return list_names(lists_dir) or ["newsletter"]

    def subscribe_form(request: Request, errors: Sequence[str] = (), invalid_fields: AbstractSet[str] = frozenset(),
                       values: dict[str, str] | None = None) -> HTMLResponse:
        t = TEXT[lang_of(request)]
        return page(request, "subscribe.html.j2", t.subscribe_title, 400 if errors else 200, errors=errors,
                    invalid=invalid_fields, lists=lists(), consent_text=t.consent,
                    values=values or {"email": "", "name": "", "list": lists()[0]})

    async def subscribe(request: Request) -> Response:
        if request.method == "GET":
            return subscribe_form(request)
        t = TEXT[lang_of(request)]
        form = await request.form()
        values = {k: str(form.get(k, "")).strip() for k in ("email", "name", "list")}
        errors, bad = [], set()
        try:
            values["email"] = recipient_address(values["email"])
        except EmailNotValidError:
            errors.append(t.email_invalid)
            bad.add("email")
        if form.get("consent") != "yes":
            errors.append(t.consent_missing)
            bad.add("consent")
        if values["list"] not in lists():
            errors.append(t.list_unknown)
        values["name"] = " ".join(values["name"].split())  # no line breaks can reach a header
        if errors:
            return subscribe_form(request, errors, bad, values)
        token = make_token(secret, "confirm", values["email"], values["list"], CONFIRM_DAYS, values["name"])
        url = f"{settings.public_base or str(request.base_url).rstrip('/')}/confirm/{token}?lang={lang_of(request)}"
        name = f" {values['name']}" if values["name"] else ""
        mail = confirmation(settings.sender, values["email"], values["name"] or None, t.confirm_subject,
                            t.confirm_body.format(name=name, newsletter=newsletter, url=url))
        try:
            await run_in_threadpool(deliver, settings, mail)  # SMTP runs its own event loop there
        except TransportError as exc:
            return message(request, t.invalid_title, str(exc), status=503)
        return message(request, t.check_mail_title, t.check_mail.format(email=values["email"]))

    def with_token(purpose: str) -> Callable[[TokenHandler], Callable[[Request], Awaitable[Response]]]:
        """Checks the link's token before the handler runs; a bad one gets the 400 page, nothing else happens."""
        def wrap(handler: TokenHandler) -> Callable[[Request], Awaitable[Response]]:
            async def endpoint(request: Request) -> Response:
                t = TEXT[lang_of(request)]
                token = request.path_params["token"]
                try:
                    claims = read_token(secret, token, purpose)
                except TokenError as exc:
                    return message(request, t.invalid_title, str(exc), status=400,
                                   link={"href": f"/subscribe?lang={lang_of(request)}", "text": t.invalid_hint})
                return await handler(request, t, token, claims)
            return endpoint
        return wrap

    @with_token("confirm")
    async def confirm(request: Request, t: WebText, token: str, claims: Claims) -> Response:
        with Journal(settings.state_dir) as journal:
            journal.add_signup(claims.list_name, claims.email, claims.name or None, t.consent)
        return message(request, t.confirmed_title, t.confirmed.format(email=claims.email))

    @with_token("unsubscribe")
    async def unsubscribe(request: Request, t: WebText, token: str, claims: Claims) -> Response:
        if request.method == "GET":
            return message(request, t.unsubscribe_title, t.unsubscribe_question.format(email=claims.email),
                           form={"action": f"/u/{token}?lang={lang_of(request)}", "button": t.unsubscribe_button,
                                 "hidden": {"List-Unsubscribe": "One-Click"}})
        with Journal(settings.state_dir) as journal:
            journal.suppress(claims.email, "unsubscribed by the link in the newsletter", "unsubscribed",
                             f"one-click, list {claims.list_name}")
        if "text/html" not in request.headers.get("accept", ""):
            return PlainTextResponse(f"unsubscribed {claims.email}\n")
        return message(request, t.unsubscribed_title, t.unsubscribed.format(email=claims.email),
                       form={"action": f"/u/{token}/undo?lang={lang_of(request)}", "button": t.undo_button,
                             "hidden": {}, "secondary": True})

    @with_token("unsubscribe")
    async def undo(request: Request, t: WebText, token: str, claims: Claims) -> Response:
        with Journal(settings.state_dir) as journal:
            journal.unsuppress(claims.email)
        return message(request, t.resubscribed_title, t.resubscribed.format(email=claims.email))

    routes: list[BaseRoute] = [
        Route("/subscribe", subscribe, methods=["GET", "POST"]),
        Route("/confirm/{token}", confirm, methods=["GET"]),
        Route("/u/{token}", unsubscribe, methods=["GET", "POST"]),
        Route("/u/{token}/undo", undo, methods=["POST"]),
    ]
    if archive and archive.is_dir():
        routes.append(Mount("/archive", StaticFiles(directory=str(archive), html=True)))
    return Starlette(routes=routes)

