"""The reader's own page on the public side (`/p/TOKEN`, the token of every issue's unsubscribe link): it shows
the address and its lists and offers, by POST under the forms' CSRF check: leaving the list the mail came from
or all lists; and a one-time link by mail (valid one hour) that opens the data to see, download, correct and
erase. The rules live in composer.audience.reader; this face only parses, calls and shows."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from composer.audience import reader, signup
from composer.audience.erasure import apply_retention
from composer.audience.person import Where, forget, holdings
from composer.config.settings import Settings
from composer.i18n import N_, translate
from composer.send.links import Links
from composer.send.tokens import TokenError
from composer.state import Journal
from composer.web.guard import client_address, rate_key, small_form
from composer.web.ratelimit import RateLimit
from composer.web import readerdata
from composer.web.results import refused_link
from composer.web.site import Site

Shown = tuple[int, str, list[str], dict[str, Any]]
DATA_POSTS = 60  # the data page's posts per connection in the sign-up window: a reader uses a few, a shelter's WLAN more
USED_UP = N_("The link has expired or was used already. Please ask for a new one on your page (the link at the end "
             "of every issue).")


@dataclass
class Face:
    """What the public app lends this page: its settings, its page helpers and its result pages."""

    settings: Settings
    secret: bytes
    site: Site
    who: Callable[[], signup.Identity]
    clock: Callable[[], float]
    lang_of: Callable[[Request], str]
    page: Callable[..., HTMLResponse]
    result: Callable[..., HTMLResponse]
    results: dict[str, Callable[..., Shown]]
    allowed: Callable[[Request, str], bool]
    refused: Callable[[Request], HTMLResponse]
    broken_link: Callable[[Request, str], HTMLResponse]


def reader_routes(face: Face) -> list[BaseRoute]:
    settings, site = face.settings, face.site
    where = Where(site.lists_dir, settings.outbox_dir, settings.state_dir)
    grants = URLSafeTimedSerializer(face.secret, salt="reader-grant")
    asks = RateLimit(site.signup_limit, site.signup_window)  # mail goes out: bound like sign-ups, counted apart
    posts = RateLimit(DATA_POSTS, site.signup_window)

    def title_of(list_name: str) -> str:
        return site.lists.get(list_name) or (face.who().newsletter if list_name in site.lists else list_name)

    face.results.update({
        "left": lambda lang, email, list_title: (200, translate(lang, "Unsubscribed"), [translate(
            lang, "{email} will not receive \u201c{list}\u201d any more. Other lists stay as they are.",
            email=email, list=list_title)], {}),
        "left_all": lambda lang, email: (200, translate(lang, "Unsubscribed"), [translate(
            lang, "{email} will not receive any of our newsletters any more.", email=email)], {}),
        "access_sent": lambda lang, email: (200, translate(lang, "Please look in your mailbox"), [translate(
            lang, "We sent an email with a link to {email}. It opens your data once, for one hour. Please also look "
                  "in your spam folder.", email=email)], {}),
        "access_enough": lambda lang, email: (429, translate(lang, "Please look in your mailbox"), [translate(
            lang, "In the last hour we already sent several links to {email}, so no further email was sent now. "
                  "Please use the newest of them (also look in your spam folder) or ask again in an hour.",
            email=email)], {}),
        "access_unavailable": lambda lang: (503, translate(lang, "Please try again"), [translate(
            lang, "The email with the link could not be sent just now. Please try again later.")], {}),
        "busy": lambda lang, minutes: (429, translate(lang, "Too many attempts"), [translate(
            lang, "Too many requests came from your connection in a short time. Please try again in {minutes} "
                  "minutes.", minutes=minutes)], {}),
        "forgotten": lambda lang, email: (200, translate(lang, "Your data is deleted"), [translate(
            lang, "Everything we held about {email} is deleted. Only a keyed fingerprint of the address is kept, so "
                  "that an old list can never add it back.", email=email)], {}),
    })

    def resolved(request: Request) -> tuple[str, str]:
        """(address, list) of the page's token; TokenError for anything else."""
        with Journal(settings.state_dir, read_only=True) as journal:
            link = Links(journal, face.secret).resolve(request.path_params["token"], "unsubscribe")
        return link.email, link.list_name

    async def own_page(request: Request) -> Response:
        lang = face.lang_of(request)
        try:
            email, list_name = resolved(request)
        except TokenError as exc:
            return face.broken_link(request, refused_link(exc))
        with Journal(settings.state_dir, read_only=True) as journal:
            now = reader.standing(email, journal, where)
        token = request.path_params["token"]
        return face.page(request, "reader.html.j2", translate(lang, "Your data and subscriptions"),
                         email=email, lists=[title_of(n) for n in now.lists], left=[title_of(n) for n in now.left],
                         stopped=now.stopped, this=title_of(list_name) if list_name in now.lists else None,
                         action=f"/p/{token}")

    async def guarded(request: Request, limit: RateLimit | None) -> Response | None:
        """The refusal of a POST from elsewhere or of too many from one connection; None when it may go on.
        Leaving a list has no limit (it acts only on the signed token of an issue, and readers behind one shared
        connection must never block each other's unsubscribe); none of these counts against the sign-ups."""
        form = await small_form(request)
        request.state.form = form
        if not face.allowed(request, str(form.get("csrf", ""))):
            return face.refused(request)
        if limit is not None and not limit.allow(rate_key(client_address(request, site.trusted_proxies))):
            response = face.result(request, "busy", minutes=str(round(site.signup_window / 60)))
            response.headers["retry-after"] = str(int(site.signup_window))
            return response
        return None

    async def leave(request: Request) -> Response:
        if (refusal := await guarded(request, None)) is not None:
            return refusal
        try:
            email, list_name = resolved(request)
        except TokenError as exc:
            return face.broken_link(request, refused_link(exc))
        everything = request.state.form.get("which") == "all"
        with Journal(settings.state_dir) as journal:
            if everything:
                reader.leave_all(journal, email)
            else:
                reader.leave(journal, email, list_name, face.clock())
        if everything:
            return face.result(request, "left_all", email=email)
        return face.result(request, "left", email=email, list_title=title_of(list_name))

    async def ask(request: Request) -> Response:
        if (refusal := await guarded(request, asks)) is not None:
            return refusal
        try:
            email, _ = resolved(request)
        except TokenError as exc:
            return face.broken_link(request, refused_link(exc))
        lang = face.lang_of(request)
        asked = await run_in_threadpool(reader.ask_access, settings, face.who(), email,
                                        lambda code: f"{site.public_base}/p/data/{code}?lang={lang}", lang, face.clock())
        if asked is reader.Asked.UNAVAILABLE:
            return face.result(request, "access_unavailable")
        return face.result(request, "access_sent" if asked is reader.Asked.SENT else "access_enough", email=email)

    async def data_door(request: Request) -> Response:
        """The mailed link: a GET changes nothing (a mail scanner may follow it), so the code is used by this button."""
        lang = face.lang_of(request)
        return face.page(request, "message.html.j2", translate(lang, "Your data"), paragraphs=[translate(
            lang, "This link opens your data once, for one hour.")], form={
            "action": f"/p/data/{request.path_params['code']}?lang={lang}", "hidden": {}, "secondary": False,
            "button": translate(lang, "Show my data")})

    def data_page(request: Request, email: str, note: str | None = None) -> HTMLResponse:
        lang = face.lang_of(request)
        with Journal(settings.state_dir, read_only=True) as journal:
            held = holdings(email, journal, face.secret, where)
        return face.page(request, "readerdata.html.j2", translate(lang, "Your data"), email=email,
                         sections=readerdata.sections(reader.for_reader(held), lang, title_of, settings.zone),
                         grant=grants.dumps(email), name=reader.held_name(held), note=note)

    async def open_data(request: Request) -> Response:
        if (refusal := await guarded(request, posts)) is not None:
            return refusal
        with Journal(settings.state_dir) as journal:
            email = reader.open_access(journal, request.path_params["code"], face.clock())
        if email is None:
            return face.broken_link(request, USED_UP)
        return data_page(request, email)

    async def granted(request: Request) -> tuple[str | None, Response | None]:
        """The address the data page's grant (signed, one hour) names, or the response that refuses."""
        if (refusal := await guarded(request, posts)) is not None:
            return None, refusal
        try:
            email = grants.loads(str(request.state.form.get("grant", ""))[:1024], max_age=3600)
        except BadSignature:
            email = None
        if not isinstance(email, str):
            return None, face.broken_link(request, USED_UP)
        return email, None

    async def download(request: Request) -> Response:
        email, refusal = await granted(request)
        if email is None:
            return refusal or face.refused(request)
        with Journal(settings.state_dir) as journal:
            apply_retention(journal, face.secret, settings)  # what is shown is what is held now
            held = holdings(email, journal, face.secret, where)
        name = translate(face.lang_of(request), "my-data") + ".json"  # a file name in her language: meine-daten.json
        return Response(json.dumps(reader.for_reader(held), ensure_ascii=False, indent=2) + "\n",
                        media_type="application/json",
                        headers={"content-disposition": f'attachment; filename="{name if name.isascii() else "my-data.json"}"; '
                                                        f"filename*=UTF-8''{quote(name)}"})

    async def correct(request: Request) -> Response:
        email, refusal = await granted(request)
        if email is None:
            return refusal or face.refused(request)
        name = signup.clean_name(str(request.state.form.get("name", "")).strip()[:200])
        with Journal(settings.state_dir) as journal:
            done = reader.rename(journal, email, name, where)
        lang = face.lang_of(request)
        if done.changed:
            note = translate(lang, "Your name is corrected.")
        elif done.held:
            note = translate(lang, "Your name was already saved like this; nothing changed.")
        else:
            note = translate(lang, "We keep no name for you, only your address, so there was nothing to correct.")
        return data_page(request, email, note)

    async def erase(request: Request) -> Response:
        email, refusal = await granted(request)
        if email is None:
            return refusal or face.refused(request)
        if request.state.form.get("sure") != "yes":
            return data_page(request, email, translate(face.lang_of(request),
                                                        "Please tick the box to confirm the deletion."))
        with Journal(settings.state_dir) as journal:
            forget(email, journal, face.secret, where)
        return face.result(request, "forgotten", email=email)

    return [
        Route("/p/data/{code}", data_door, methods=["GET"]),
        Route("/p/data/{code}", open_data, methods=["POST"]),
        Route("/p/mine/download", download, methods=["POST"]),
        Route("/p/mine/name", correct, methods=["POST"]),
        Route("/p/mine/forget", erase, methods=["POST"]),
        Route("/p/{token}", own_page, methods=["GET"]),
        Route("/p/{token}/leave", leave, methods=["POST"]),
        Route("/p/{token}/access", ask, methods=["POST"]),
    ]
