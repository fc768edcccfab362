"""A local preview server: renders on request whenever the issue or a template changed, so a reload shows edits."""

from __future__ import annotations

import html
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from composer.web.guard import host_allowed, security_headers
from composer.errors import ComposerError
from composer.web.ports import ensure_free
from composer.send.pipeline import SAMPLE_RECIPIENT, build_issue
from composer.render.templates import search_path
from composer.send.message import MessageFactory
from composer.config.settings import Settings


class Previewer:
    """Caches the last render and redoes it only when a watched file's modification time moved."""

    def __init__(self, issue: Path, settings: Settings, secret: bytes, templates: Path | None = None) -> None:
        self.issue, self.settings, self.secret = issue, settings, secret
        self.templates = templates or settings.templates_dir
        self._stamp: tuple[float, ...] = ()
        self._pages: tuple[str, str] = ("", "")
        self._lock = threading.Lock()

    def pages(self) -> tuple[str, str]:
        """(html, text) for the sample subscriber; a broken issue gives a page listing its problems."""
        with self._lock:
            stamp = self._watch()
            if stamp != self._stamp:
                self._stamp, self._pages = stamp, self._render()
            return self._pages

    def _watch(self) -> tuple[float, ...]:
        files = [self.issue, *(f for folder in search_path(self.templates) for f in sorted(folder.rglob("*.j2")))]
        return tuple(f.stat().st_mtime_ns if f.exists() else 0 for f in files)

    def _render(self) -> tuple[str, str]:
        try:
            build = build_issue(self.issue, self.settings, self.templates)
            html_page, text = MessageFactory(build, self.settings.sender, self.secret).preview(SAMPLE_RECIPIENT)
            return build.viewable(html_page), text
        except ComposerError as exc:
            lines = "".join(f"<li>{html.escape(line)}</li>" for line in str(exc).splitlines())
            return f"<!doctype html><meta charset=utf-8><title>Fehler</title><h1>Problems</h1><ul>{lines}</ul>", str(exc)


def server(previewer: Previewer, host: str = "127.0.0.1", port: int = 8025) -> ThreadingHTTPServer:
    """`/` is the HTML as a subscriber sees it, `/text` the plain-text part. The draft is shown only to requests
    meant for this server (the desk's Host check) and with the headers the desk shows an email with: no script,
    no framing by other sites."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            if not host_allowed(self.headers.get("Host", ""), host, httpd.server_port):
                self._answer(421, "text/plain", "not this server's address; open the link `newsletter preview` shows")
                return
            html_page, text_page = previewer.pages()
            routes = {"/": ("text/html", html_page), "/text": ("text/plain", text_page)}
            path = self.path.split("?")[0]
            kind, body = routes.get(path, ("text/plain", "not found"))
            self._answer(200 if path in routes else 404, kind, body)

        def _answer(self, status: int, kind: str, body: str) -> None:
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in security_headers(preview=True).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the coordinator's terminal shows only what the CLI prints."""

    ensure_free(host, port)
    httpd = ThreadingHTTPServer((host, port), Handler)
    return httpd
