"""The public web side (Starlette): sign-up with double opt-in, the reader's unsubscribe and its undo, and the
web versions of sent issues. It stands on the internet, so:

- GET and HEAD never change anything (link scanners follow and probe links); every change is a POST, and every
  POST but the RFC 8058 one-click carries the form's CSRF field;
- links are built from the configured public address only, and the form names only the public lists;
- the rules (one confirmation mail a day per address, the site's caps, what an undo may lift) live in
  composer.audience.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence, Set as AbstractSet
from typing import Any

from email_validator import EmailNotValidError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp

from composer.audience import optout, signup, signupcaps
from composer.audience.subscribers import recipient_address
from composer.publish.versions import WebVersions
from composer.web.ratelimit import RateLimit
from composer.render.images import MEDIA
from composer.render.templates import environment
from composer.state import Journal
from composer.send.links import Links
from composer.config.settings import Settings
from composer.send.tokens import TokenError
from composer.web.guard import (Forms, ForwardedClient, SecurityHeaders, client_address, rate_key,
                               small_form)
from composer.web.site import Site
from composer.web.text import TEXT, WebText

Handler = Callable[[Request], Awaitable[Response]]
DESK_PREFIX = "/redaktion/"


def create_app(settings: Settings, secret: bytes, site: Site, clock: Callable[[], float] = time.time,
               desk: Starlette | None = None) -> ASGIApp:
    """`desk`: Die Redaktion, mounted under /redaktion/ (only when a desk password is set; `serve` decides)."""
    pages = environment(settings.templates_dir, "web")
    who = signup.CurrentIdentity(settings, site.issues_dir)

    def lists() -> dict[str, str]:
        return {name: title or who().newsletter for name, title in site.lists.items()}
    forms = Forms(secret, site.public_base)
    limit = RateLimit(site.signup_limit, site.signup_window)
    Journal(settings.state_dir).close()  # the state and its tables exist before the first click

    def was_sent(slug: str) -> bool:
        with Journal(settings.state_dir, read_only=True) as journal:
            return journal.was_sent(slug)

    versions = WebVersions(site.issues_dir, settings, secret, was_sent)

    def lang_of(request: Request) -> str:
        asked = request.query_params.get("lang") or request.headers.get("accept-language", "de")[:2].lower()
        return asked if asked in TEXT else "de"

    def page(request: Request, template: str, title: str, status: int = 200, **values: Any) -> HTMLResponse:
        lang = lang_of(request)
        cookies: dict[str, str] = {}
        html = pages.get_template(f"web/{template}").render(
            lang=lang, t=TEXT[lang], title=title, newsletter=who().newsletter, csrf=forms.token(request, cookies),
            privacy_url=who().privacy_url, **values)
        response = HTMLResponse(html, status_code=status)
        forms.set_cookies(response, cookies)
        return response

    def message(request: Request, title: str, *paragraphs: str, status: int = 200, **extra: Any) -> HTMLResponse:
        return page(request, "message.html.j2", title, status, paragraphs=paragraphs, error=status >= 400, **extra)

    def button(request: Request, action: str, label: str, secondary: bool = False,
               hidden: dict[str, str] | None = None) -> dict[str, Any]:
        return {"action": f"{action}?lang={lang_of(request)}", "button": label, "hidden": hidden or {},
                "secondary": secondary}

    def refused(request: Request) -> HTMLResponse:
        t = TEXT[lang_of(request)]
        return message(request, t.forbidden_title, t.forbidden, status=403,
                       link={"href": f"/subscribe?lang={lang_of(request)}", "text": t.invalid_hint})

    def subscribe_form(request: Request, errors: Sequence[str] = (), invalid: AbstractSet[str] = frozenset(),
                       values: dict[str, str] | None = None) -> HTMLResponse:
        t = TEXT[lang_of(request)]
        offered = lists()
        first = next(iter(offered))
        return page(request, "subscribe.html.j2", t.subscribe_title, 400 if errors else 200, errors=errors,
                    invalid=invalid, lists=offered, consent_text=t.consent,
                    values=values or {"email": "", "name": "", "list": first})

    async def subscribe(request: Request) -> Response:
        if request.method != "POST":
            return subscribe_form(request)
        t = TEXT[lang_of(request)]
        form = await small_form(request)
        if not forms.allowed(request, str(form.get("csrf", ""))):
            return refused(request)
        if not limit.allow(rate_key(client_address(request, site.trusted_proxies))):
            minutes = str(round(site.signup_window / 60))
            response = message(request, t.too_many_title, t.too_many.format(minutes=minutes), status=429)
            response.headers["retry-after"] = str(int(site.signup_window))
            return response
        values = {k: str(form.get(k, "")).strip()[:200] for k in ("email", "name", "list")}
        errors, bad = [], set()
        try:
            values["email"] = recipient_address(values["email"])
        except EmailNotValidError:
            errors.append(t.email_invalid)
            bad.add("email")
        if form.get("consent") != "yes":
            errors.append(t.consent_missing)
            bad.add("consent")
        if values["list"] not in site.lists:
            errors.append(t.list_unknown)
        values["name"] = signup.clean_name(values["name"])
        if errors:
            return subscribe_form(request, errors, bad, values)
        lang = lang_of(request)
        sent = await run_in_threadpool(  # SMTP runs its own event loop there
            signupcaps.ask_to_confirm, settings, secret, who(), values["email"], values["list"],
            values["name"] or None, lambda token: f"{site.public_base}/confirm/{token}?lang={lang}", lang, clock())
        if sent is signupcaps.Outcome.CAPPED:
            response = message(request, t.capped_title, t.capped, status=429)
            response.headers["retry-after"] = "3600"
            return response
        if sent is signupcaps.Outcome.UNAVAILABLE:
            return message(request, t.forbidden_title, t.unavailable, status=503)
        return message(request, t.check_mail_title, t.check_mail.format(email=values["email"]))

    TokenHandler = Callable[[Request, WebText, Journal, Links, str, FormData | None], Response]
    reasons = {"expired": "token_expired", "purpose": "token_purpose"}

    def token_page(one_click: bool = False) -> Callable[[TokenHandler], Handler]:
        """A bad token (malformed, forged, unknown, expired, for something else) gets the 400 page; nothing happens.
        A POST needs the form's CSRF field, except RFC 8058's one-click, which mail providers send from their servers."""
        def wrap(handler: TokenHandler) -> Handler:
            async def endpoint(request: Request) -> Response:
                t = TEXT[lang_of(request)]
                form = None
                if request.method == "POST":
                    form = await small_form(request)
                    clicked = one_click and form.get("List-Unsubscribe") == "One-Click"
                    if not clicked and not forms.allowed(request, str(form.get("csrf", ""))):
                        return refused(request)
                with Journal(settings.state_dir, read_only=request.method != "POST") as journal:  # a GET only looks
                    try:
                        return handler(request, t, journal, Links(journal, secret), request.path_params["token"], form)
                    except TokenError as exc:
                        said = getattr(t, reasons.get(exc.reason, "token_invalid"))
                        return message(request, t.invalid_title, said, status=400,
                                       link={"href": f"/subscribe?lang={lang_of(request)}", "text": t.invalid_hint})
            return endpoint
        return wrap

    @token_page()
    def confirm(request: Request, t: WebText, journal: Journal, links: Links, token: str, form: FormData | None) -> Response:
        if request.method != "POST":
            link = links.resolve(token, "confirm", clock())
            return message(request, t.confirm_title, t.confirm_question.format(email=link.email, newsletter=who().newsletter),
                           form=button(request, f"/confirm/{token}", t.confirm_button))
        done = signup.confirm(journal, links, token, t.consent, clock())
        said = t.already_confirmed if done.already else t.confirmed.format(email=done.email)
        bounced = [t.still_bounced.format(email=done.email)] if done.still_bounced else []
        return message(request, t.confirmed_title, said, *bounced)

    @token_page(one_click=True)
    def unsubscribe(request: Request, t: WebText, journal: Journal, links: Links, token: str,
                    form: FormData | None) -> Response:
        if request.method != "POST":
            link = links.resolve(token, "unsubscribe")
            return message(request, t.unsubscribe_title, t.unsubscribe_question.format(email=link.email),
                           form=button(request, f"/u/{token}", t.unsubscribe_button,
                                       hidden={"List-Unsubscribe": "One-Click"}))
        done = optout.one_click(journal, links, token, clock())
        email = done.link.email
        if "text/html" not in request.headers.get("accept", ""):
            return PlainTextResponse(f"unsubscribed {email}\n")
        if done.undo is None:  # unsubscribed before, by this link or another way: nothing to undo here
            return message(request, t.unsubscribed_title, t.unsubscribed.format(email=email))
        return message(request, t.unsubscribed_title, t.unsubscribed.format(email=email),
                       form=button(request, f"/u/{token}/undo", t.undo_button, secondary=True,
                                   hidden={"undo": done.undo}))

    @token_page()
    def undo(request: Request, t: WebText, journal: Journal, links: Links, token: str, form: FormData | None) -> Response:
        code = str(form.get("undo", "")) if form else ""
        link, lifted = optout.undo(journal, links, token, code, clock())
        if not lifted:
            return message(request, t.resubscribed_title, t.undo_refused.format(email=link.email), status=409)
        return message(request, t.resubscribed_title, t.resubscribed.format(email=link.email))

    async def web_version(request: Request) -> Response:
        html = await run_in_threadpool(versions.page, request.path_params["slug"])
        if html is None:
            raise HTTPException(404)
        return HTMLResponse(html)

    async def archive_index(request: Request) -> Response:
        entries = [{"slug": slug, "issue": issue} for slug, issue in await run_in_threadpool(versions.sent)]
        html = pages.get_template("web/archive.html.j2").render(entries=entries, newsletter=who().newsletter,
                                                                 lang=lang_of(request), pdf=False, feed=False)
        return HTMLResponse(html)

    async def media(request: Request) -> Response:
        """A photo the email links to, from a sent issue's own files."""
        picture = await run_in_threadpool(versions.picture, request.path_params["name"])
        if picture is None:
            raise HTTPException(404)
        return Response(picture.data, media_type=picture.mime)

    async def not_found(request: Request, exc: Exception) -> Response:
        t = TEXT[lang_of(request)]
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        if status in (405, 411, 413):
            return PlainTextResponse(f"{exc.detail}\n" if isinstance(exc, HTTPException) else "refused\n",
                                     status_code=status, headers=getattr(exc, "headers", None))
        return message(request, t.not_found_title, t.not_found, status=status,
                       link={"href": f"/subscribe?lang={lang_of(request)}", "text": t.invalid_hint})

    routes: list[BaseRoute] = [
        Route("/", lambda request: RedirectResponse("/subscribe", status_code=303), methods=["GET"]),
        Route("/subscribe", subscribe, methods=["GET", "POST"]),
        Route("/confirm/{token}", confirm, methods=["GET", "POST"]),
        Route("/u/{token}", unsubscribe, methods=["GET", "POST"]),
        Route("/u/{token}/undo", undo, methods=["POST"]),
        Route("/archive/", archive_index, methods=["GET"]),
        Route("/archive/{slug}.html", web_version, methods=["GET"]),
        Route(f"/archive/{MEDIA}/{{name}}", media, methods=["GET"]),
    ]
    if desk is not None:
        routes += [Route("/redaktion", lambda request: RedirectResponse("/redaktion/", 308), methods=["GET"]),
                   Mount(DESK_PREFIX.rstrip("/"), app=ForwardedClient(desk, site.trusted_proxies))]
    web = Starlette(routes=routes, exception_handlers={HTTPException: not_found},
                    lifespan=desk.router.lifespan_context if desk else None)  # the desk's sends stop gracefully
    web.router.redirect_slashes = False  # its redirect would be built from the request's Host header
    return SecurityHeaders(web, own=DESK_PREFIX if desk else None)  # outermost: even the error page has them
