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
from urllib.parse import quote
from collections.abc import Awaitable, Callable, Sequence, Set as AbstractSet
from typing import Any

from email_validator import EmailNotValidError
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp

from composer.audience import optout, proof, signup, signupcaps, welcome
from composer.audience.subscribers import recipient_address
from composer.errors import ComposerError
from composer.i18n.formats import long_day
from composer.publish.archive import atom
from composer.publish.chromium import can_print
from composer.publish.versions import WebVersions
from composer.web.ratelimit import RateLimit
from babel import Locale

from composer.i18n import LANGUAGES, LOCALE_DIR, NAMES, N_, JinjaGettext, translate
from composer.issue.schema import RTL_LANGUAGES
from composer.i18n.languages import accepted
from composer.render.images import MEDIA
from composer.render.templates import environment
from composer.state import Journal
from composer.send.links import Links
from composer.config.settings import Settings
from composer.send.tokens import TokenError
from composer.web.guard import (Forms, ForwardedClient, SecurityHeaders, client_address, rate_key,
                               small_form)
from composer.web.reader import Face, reader_routes
from composer.web.results import EXPIRED, RESULTS, Outcomes, button_only, refused_link, to_form
from composer.web.site import Site

Handler = Callable[[Request], Awaitable[Response]]
DESK_PREFIX = "/redaktion/"
CONSENT = N_("I want to receive the newsletter by email. My address is stored only for this; I can unsubscribe "
             "at any time with the link in every issue.")  # shown on the form and kept as the consent's wording


def offered() -> dict[str, str]:
    """The pages' languages, each in its own words: the complete ones and any other with a compiled catalogue
    (a language added for the web pages, such as Ukrainian or Arabic; what it lacks shows in English)."""
    codes = {*LANGUAGES, *(p.parent.parent.name for p in LOCALE_DIR.glob("*/LC_MESSAGES/messages.mo"))}
    return {code: NAMES.get(code) or Locale.parse(code).get_display_name(code) or code for code in sorted(codes)}


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
    languages = offered()

    def lang_of(request: Request) -> str:
        """The reader's choice (`?lang=`, kept in every link and form), else the browser's order of preference."""
        asked = request.query_params.get("lang", "")
        return asked if asked in languages else accepted(request.headers.get("accept-language", ""), languages)

    def page(request: Request, template: str, title: str, status: int = 200, **values: Any) -> HTMLResponse:
        lang = lang_of(request)
        cookies: dict[str, str] = {}
        others = {code: name for code, name in languages.items() if code != lang}
        html = pages.get_template(f"web/{template}").render(
            title=title, newsletter=who().newsletter, csrf=forms.token(request, cookies), others=others,
            direction="rtl" if lang in RTL_LANGUAGES else "ltr", **about(), **JinjaGettext(lang).context(), **values)
        response = HTMLResponse(html, status_code=status)
        forms.set_cookies(response, cookies)
        return response

    def about() -> dict[str, str | None]:
        """Who runs the pages and the links every page carries (Impressum, Datenschutz, accessibility)."""
        now = who()
        return {"office": now.office, "imprint_url": now.imprint_url, "privacy_url": now.privacy_url,
                "accessibility_url": now.accessibility_url}

    def footer_links(lang: str) -> list[tuple[str, str]]:
        now = who()
        links = [(N_("Imprint"), now.imprint_url), (N_("Privacy"), now.privacy_url),
                 (N_("Accessibility"), now.accessibility_url or f"/barrierefreiheit?lang={lang}")]
        return [(label, href) for label, href in links if href]

    def say(request: Request, title: str, *paragraphs: str, status: int = 200, **extra: Any) -> HTMLResponse:
        return page(request, "message.html.j2", title, status, paragraphs=paragraphs, error=status >= 400, **extra)

    outcomes = Outcomes(secret)
    kinds = dict(RESULTS)  # the reader's page adds its own

    def result(request: Request, kind: str, **values: Any) -> HTMLResponse:
        """The page of what a POST came to, in the request's language, with a language switch that shows this
        same result (see composer.web.results)."""
        lang = lang_of(request)
        status, title, said, extra = kinds[kind](lang, **values)
        return say(request, title, *said, status=status, switch=outcomes.dump(kind, **values), **extra)

    async def shown(request: Request) -> Response:
        """The language switch of a result page: the same result again, in the language asked for."""
        form = await small_form(request)
        if not forms.allowed(request, str(form.get("csrf", ""))):
            return refused(request)
        outcome = outcomes.load(str(form.get("outcome", "")))
        if outcome is None or outcome["kind"] not in kinds:
            return broken_link(request, EXPIRED)
        kind = outcome.pop("kind")
        try:
            return result(request, kind, **outcome)
        except TypeError:  # an outcome of another release's shape
            return broken_link(request, EXPIRED)

    def broken_link(request: Request, reason: str) -> HTMLResponse:
        """A link that does not work: why, and the ways that still work (unsubscribe by mail, the office)."""
        lang = lang_of(request)
        mailbox = settings.sender.unsubscribe_mailbox
        word = translate(lang, "Unsubscribe")
        said = [translate(lang, reason),
                translate(lang, "To unsubscribe, you can also write an email to {address} with the subject "
                                "\u201c{word}\u201d.", address=mailbox, word=word)]
        if who().imprint:
            said.append(translate(lang, "Questions? Contact: {contact}", contact=who().imprint))
        links = [{"href": f"mailto:{mailbox}?subject={quote(word)}",
                  "text": translate(lang, "Write an email to unsubscribe")}, to_form(lang)]
        return say(request, translate(lang, "This link does not work"), *said, status=400, links=links)

    def button(request: Request, action: str, label: str, secondary: bool = False,
               hidden: dict[str, str] | None = None) -> dict[str, Any]:
        return {"action": f"{action}?lang={lang_of(request)}", "button": label, "hidden": hidden or {},
                "secondary": secondary}

    def refused(request: Request) -> HTMLResponse:
        lang = lang_of(request)
        return say(request, translate(lang, "Please try again"),
                       translate(lang, "This request did not come from our page, or the page was open too long. "
                                       "Please reload the page and try again."),
                       status=403, link=to_form(lang))

    def subscribe_form(request: Request, errors: Sequence[str] = (), invalid: AbstractSet[str] = frozenset(),
                       values: dict[str, str] | None = None) -> HTMLResponse:
        lang = lang_of(request)
        offered = lists()
        first = next(iter(offered))
        return page(request, "subscribe.html.j2", translate(lang, "Subscribe to the newsletter"),
                    400 if errors else 200, errors=errors, invalid=invalid, lists=offered,
                    consent_text=translate(lang, CONSENT),
                    values=values or {"email": "", "name": "", "list": first})

    async def subscribe(request: Request) -> Response:
        if request.method != "POST":
            return subscribe_form(request)
        lang = lang_of(request)
        form = await small_form(request)
        if not forms.allowed(request, str(form.get("csrf", ""))):
            return refused(request)
        address = client_address(request, site.trusted_proxies)
        client = rate_key(address)
        if limit.full(client):  # only accepted sign-ups count, not a form sent back for a typo
            response = result(request, "too_many", minutes=str(round(site.signup_window / 60)))
            response.headers["retry-after"] = str(int(site.signup_window))
            return response
        values = {k: str(form.get(k, "")).strip()[:200] for k in ("email", "name", "list")}
        values["consent"] = "yes" if form.get("consent") == "yes" else ""
        errors, bad = [], set()
        try:
            values["email"] = recipient_address(values["email"])
        except EmailNotValidError:
            errors.append(translate(lang, "Please enter a valid email address."))
            bad.add("email")
        if form.get("consent") != "yes":
            errors.append(translate(lang, "Please tick the box to give your consent."))
            bad.add("consent")
        if values["list"] not in site.lists:
            errors.append(translate(lang, "There is no such list."))
        values["name"] = signup.clean_name(values["name"])
        if errors:
            return subscribe_form(request, errors, bad, values)
        limit.add(client)
        wording = translate(lang, CONSENT)
        evidence = proof.FormEvidence(f"{site.public_base}/subscribe?lang={lang}", wording, proof.version_of(lang, wording),
                                      proof.recorded_ip(address, settings.signup_ip))
        sent = await run_in_threadpool(  # SMTP runs its own event loop there
            signupcaps.ask_to_confirm, settings, secret, who(), values["email"], values["list"],
            values["name"] or None, lambda token: f"{site.public_base}/confirm/{token}?lang={lang}", lang, clock(),
            evidence)
        if sent is signupcaps.Outcome.CAPPED:
            response = result(request, "capped")
            response.headers["retry-after"] = "3600"
            return response
        if sent is signupcaps.Outcome.UNAVAILABLE:
            return result(request, "unavailable")
        if sent is signupcaps.Outcome.ALREADY:
            return result(request, "already_sent", email=values["email"])
        return result(request, "check_mail", email=values["email"])

    TokenHandler = Callable[[Request, str, Journal, Links, str, FormData | None], Response]

    def token_page(one_click: bool = False) -> Callable[[TokenHandler], Handler]:
        """A bad token (malformed, forged, unknown, expired, for something else) gets the 400 page; nothing happens.
        A POST needs the form's CSRF field, except RFC 8058's one-click, which mail providers send from their servers."""
        def wrap(handler: TokenHandler) -> Handler:
            async def endpoint(request: Request) -> Response:
                lang = lang_of(request)
                form = None
                if request.method == "POST":
                    form = await small_form(request)
                    clicked = one_click and form.get("List-Unsubscribe") == "One-Click"
                    if not clicked and not forms.allowed(request, str(form.get("csrf", ""))):
                        return refused(request)
                with Journal(settings.state_dir, read_only=request.method != "POST") as journal:  # a GET only looks
                    try:
                        return handler(request, lang, journal, Links(journal, secret), request.path_params["token"],
                                       form)
                    except TokenError as exc:
                        return broken_link(request, refused_link(exc))
            return endpoint
        return wrap

    @token_page()
    def confirm(request: Request, lang: str, journal: Journal, links: Links, token: str,
                form: FormData | None) -> Response:
        if request.method != "POST":
            link = links.resolve(token, "confirm", clock())
            return say(request, translate(lang, "Confirm your subscription"),
                           translate(lang, "Should {email} receive \"{newsletter}\" by email? Then please confirm here.",
                                     email=link.email, newsletter=who().newsletter),
                           form=button(request, f"/confirm/{token}", translate(lang, "Confirm subscription")))
        done = signup.confirm(journal, links, token, translate(lang, CONSENT), clock())
        response = result(request, "confirmed", email=done.email, already=done.already,
                          bounced=done.still_bounced is not None)
        if not done.already:  # after the page is sent; the journal sends it once, however often this is pressed
            response.background = BackgroundTask(welcome.send_welcome, settings, who(), site.issues_dir.parent,
                                                 done.list_name, done.email, lang)
        return response

    @token_page(one_click=True)
    def unsubscribe(request: Request, lang: str, journal: Journal, links: Links, token: str,
                    form: FormData | None) -> Response:
        if request.method != "POST":
            link = links.resolve(token, "unsubscribe")
            if optout.stopped(journal, link):
                return say(request, translate(lang, "Unsubscribed"),
                           translate(lang, "{email} is unsubscribed already: no more issues of this newsletter go there.",
                                     email=link.email))
            return say(request, translate(lang, "Unsubscribe from the newsletter"),
                           translate(lang, "Do you want to stop the newsletter for {email}?", email=link.email),
                           form=button(request, f"/u/{token}", translate(lang, "Unsubscribe"),
                                       hidden={"List-Unsubscribe": "One-Click"}))
        done = optout.one_click(journal, links, token, clock())
        email = done.link.email
        if "text/html" not in request.headers.get("accept", ""):
            return PlainTextResponse(f"unsubscribed {email}\n")
        return result(request, "unsubscribed", email=email, token=token, undo=done.undo)

    @token_page()
    def undo(request: Request, lang: str, journal: Journal, links: Links, token: str, form: FormData | None) -> Response:
        code = str(form.get("undo", "")) if form else ""
        link, lifted = optout.undo(journal, links, token, code, clock())
        return result(request, "resubscribed" if lifted else "undo_refused", email=link.email)

    async def web_version(request: Request) -> Response:
        html = await run_in_threadpool(versions.page, request.path_params["slug"], footer_links(lang_of(request)))
        if html is None:
            raise HTTPException(404)
        return HTMLResponse(html)

    async def pdf_version(request: Request) -> Response:
        if not can_print():
            raise HTTPException(404)
        try:
            data = await run_in_threadpool(versions.pdf, request.path_params["slug"])
        except ComposerError:
            raise HTTPException(404) from None
        if data is None:
            raise HTTPException(404)
        return Response(data, media_type="application/pdf")

    async def feed(request: Request) -> Response:
        entries = await run_in_threadpool(versions.sent)
        return Response(atom(entries, f"{site.public_base}/archive"), media_type="application/atom+xml")

    async def archive_index(request: Request) -> Response:
        lang = lang_of(request)
        entries = [{"slug": slug, "issue": issue, "day": long_day(issue.date, lang)}
                   for slug, issue in await run_in_threadpool(versions.sent)]
        return page(request, "archive.html.j2", translate(lang, "All issues"), entries=entries, base="/archive/",
                    pdf=can_print(), feed=True, served=True)

    def accessibility(request: Request) -> Response:
        sender = settings.sender
        return page(request, "accessibility.html.j2", translate(lang_of(request), "Accessibility statement"),
                    contact_address=sender.reply_to or sender.address, imprint=who().imprint)

    async def media(request: Request) -> Response:
        """A photo the email links to, from a sent issue's own files."""
        picture = await run_in_threadpool(versions.picture, request.path_params["name"])
        if picture is None:
            raise HTTPException(404)
        return Response(picture.data, media_type=picture.mime)

    async def not_found(request: Request, exc: Exception) -> Response:
        lang = lang_of(request)
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        if status == 405 and request.method == "GET":
            _, title, said, extra = button_only(lang, request.url.path)
            response = say(request, title, *said, status=405, **extra)
            response.headers.update(getattr(exc, "headers", None) or {})  # Allow
            return response
        if status in (405, 411, 413):
            return PlainTextResponse(f"{exc.detail}\n" if isinstance(exc, HTTPException) else "refused\n",
                                     status_code=status, headers=getattr(exc, "headers", None))
        return say(request, translate(lang, "Page not found"), translate(lang, "This page does not exist (any more)."),
                       status=status, link=to_form(lang))

    routes: list[BaseRoute] = [
        Route("/", lambda request: RedirectResponse("/subscribe", status_code=303), methods=["GET"]),
        Route("/subscribe", subscribe, methods=["GET", "POST"]),
        Route("/confirm/{token}", confirm, methods=["GET", "POST"]),
        Route("/u/{token}", unsubscribe, methods=["GET", "POST"]),
        Route("/u/{token}/undo", undo, methods=["POST"]),
        Route("/shown", shown, methods=["POST"]),
        *reader_routes(Face(settings, secret, site, who, clock, lang_of, page, result, kinds, forms.allowed, refused,
                            broken_link)),
        Route("/archive", archive_index, methods=["GET"]),
        Route("/archive/", archive_index, methods=["GET"]),
        Route("/archive/feed.xml", feed, methods=["GET"]),
        Route("/archive/{slug}.html", web_version, methods=["GET"]),
        Route("/archive/{slug}.pdf", pdf_version, methods=["GET"]),
        Route("/barrierefreiheit", accessibility, methods=["GET"]),
        Route(f"/archive/{MEDIA}/{{name}}", media, methods=["GET"]),
    ]
    if desk is not None:
        routes += [Route("/redaktion", lambda request: RedirectResponse("/redaktion/", 308), methods=["GET"]),
                   Mount(DESK_PREFIX.rstrip("/"), app=ForwardedClient(desk, site.trusted_proxies))]
    web = Starlette(routes=routes, exception_handlers={HTTPException: not_found},
                    lifespan=desk.router.lifespan_context if desk else None)  # the desk's sends stop gracefully
    web.router.redirect_slashes = False  # its redirect would be built from the request's Host header
    return SecurityHeaders(web, own=DESK_PREFIX if desk else None)  # outermost: even the error page has them
