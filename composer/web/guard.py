"""What protects the public pages: security headers on every response (also 404s, 405s and static files), a
CSRF cookie for the forms, the client's address (a proxy's X-Forwarded-For believed only from a trusted
proxy, counted per /48 for IPv6) for the sign-up form's rate limit (composer.web.ratelimit)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

CSRF_COOKIE = "nl_csrf"
# No script at all; the pages' and the web versions' inline styles and the https images are allowed.
CSP = ("default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' https: data:; form-action 'self'; "
       "base-uri 'none'; frame-ancestors 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),  # a token in the URL never leaves in a Referer
    (b"x-content-type-options", b"nosniff"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
PUBLIC_PREFIX = "/archive/"  # the web versions are the same for everyone; every other page is one browser's
MAX_FORM_BYTES = 16_384


class SecurityHeaders:
    """ASGI middleware, outermost: every response gets the headers, whichever part of the app made it; the
    desk mounted under `own` sends its own (it needs its script)."""

    def __init__(self, app: ASGIApp, own: str | None = None) -> None:
        self.app, self.own = app, own

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (self.own and str(scope.get("path", "")).startswith(self.own)):
            await self.app(scope, receive, send)
            return
        private = not str(scope.get("path", "")).startswith(PUBLIC_PREFIX)  # a token, a CSRF field: never cached

        async def with_headers(event: MutableMapping[str, Any]) -> None:
            if event["type"] == "http.response.start":
                headers = [h for h in event.get("headers", []) if h[0].lower() not in dict(HEADERS)]
                headers += HEADERS + ([(b"cache-control", b"no-store")] if private else [])
                event["headers"] = headers
            await send(event)

        await self.app(scope, receive, with_headers)


class Forms:
    """Double-submit CSRF: a random cookie (SameSite=Strict, so a cross-site POST arrives without it) and its
    HMAC in each form. Origin must be ours or "null" (what browsers send under Referrer-Policy: no-referrer)."""

    def __init__(self, secret: bytes, public_base: str) -> None:
        self._secret = secret
        parts = urlsplit(public_base)
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._secure = parts.scheme == "https"

    def token(self, request: Request, response_cookies: dict[str, str]) -> str:
        """The form field for this browser; a browser without our cookie gets a new one with the response."""
        cookie = request.cookies.get(CSRF_COOKIE, "")
        if len(cookie) != 43 or not cookie.isascii():
            cookie = secrets.token_urlsafe(32)
            response_cookies[CSRF_COOKIE] = cookie
        return self._mac(cookie)

    def set_cookies(self, response: Response, cookies: dict[str, str]) -> None:
        for name, value in cookies.items():
            response.set_cookie(name, value, httponly=True, samesite="strict", secure=self._secure, path="/")

    def allowed(self, request: Request, field: str) -> bool:
        origin = request.headers.get("origin")
        if origin not in (None, "null", self._origin):
            return False
        cookie = request.cookies.get(CSRF_COOKIE, "")
        return bool(cookie) and hmac.compare_digest(field.encode(), self._mac(cookie).encode())

    def _mac(self, cookie: str) -> str:
        return hmac.new(self._secret, b"csrf\0" + cookie.encode(), hashlib.sha256).hexdigest()[:32]


def client_address(request: Request, trusted_proxies: frozenset[str]) -> str:
    """The peer, or, when the peer is a trusted proxy, the nearest untrusted address in its X-Forwarded-For."""
    peer = request.client.host if request.client else ""
    if peer not in trusted_proxies:
        return peer
    lines = ",".join(request.headers.getlist("x-forwarded-for"))  # a proxy may add its own header line
    forwarded = [a.strip() for a in lines.split(",") if a.strip()]
    for address in reversed(forwarded):
        if address not in trusted_proxies:
            return address
    return peer


class ForwardedClient:
    """Hands a mounted app (the desk, whose login is rate-limited per client) the client that the trusted proxy
    names, instead of the proxy itself."""

    def __init__(self, app: ASGIApp, trusted_proxies: frozenset[str]) -> None:
        self.app, self.trusted = app, trusted_proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.trusted:
            scope = {**scope, "client": (client_address(Request(scope), self.trusted), 0)}
        await self.app(scope, receive, send)


def rate_key(address: str) -> str:
    """An IPv6 client is counted by its /48, the block one customer or server host is given whole (a /64 each
    would let one host use 65,536 of them)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    return str(ipaddress.ip_network(f"{ip}/48", strict=False)) if ip.version == 6 else address


async def small_form(request: Request) -> FormData:
    """The posted form, if it is small and has no files; anything else is refused before it is stored anywhere."""
    length = request.headers.get("content-length", "")
    if not length.isdigit():
        raise HTTPException(411)
    if int(length) > MAX_FORM_BYTES:
        raise HTTPException(413)
    try:
        return await request.form(max_files=0, max_fields=20)
    except MultiPartException:
        raise HTTPException(400) from None


# The local servers' own guards (the desk, and `newsletter preview`), which serve pages only to this machine.
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
WILDCARDS = ("0.0.0.0", "::", "")
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            "frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
# The email itself, shown in the desk's iframe: its inline styles and remote images, but no script at all.
PREVIEW_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'self'; sandbox"


def security_headers(preview: bool) -> dict[str, str]:
    return {
        "content-security-policy": PREVIEW_CSP if preview else PAGE_CSP,
        "x-frame-options": "SAMEORIGIN" if preview else "DENY",
        "x-content-type-options": "nosniff",
        "referrer-policy": "same-origin",  # "no-referrer" would make browsers send "Origin: null" on our own POSTs
        "cache-control": "no-store",
        "cross-origin-opener-policy": "same-origin",
    }


def host_allowed(host: str, listening: str, port: int) -> bool:
    """A local server answers only the names it is reached by: its loopback names and the address it was given,
    with its port. A page whose own name a DNS rebinding pointed at 127.0.0.1 sends that name and is refused.
    One listening on every address (with a password) is reached by whatever name the network gives it."""
    if listening in WILDCARDS:
        return True
    try:
        parts = urlsplit(f"//{host}")
        asked, asked_port = parts.hostname, parts.port or 80
    except ValueError:
        return False
    names = {name.strip("[]").lower() for name in (*LOOPBACK_NAMES, listening)}
    return asked is not None and asked in names and asked_port == port
