"""The privacy notice (GDPR Art. 13): linked in every email's footer and on the web pages; `check` warns without it."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from conftest import make_settings
from test_check import findings, messages, variant

from composer.checks import prepare
from composer.web import create_app
from composer.web.site import site_for

PRIVACY = "  privacy_url: https://example.org/datenschutz\n"


def test_the_privacy_link_is_in_the_footer_of_the_html_and_the_text(workdir: Path) -> None:
    subject = prepare(Path("issues/2020-12.md"), make_settings(), b"secret")
    assert re.search(r'<a href="https://example.org/datenschutz"[^>]*>Datenschutz</a>', subject.html)
    assert "Datenschutz: https://example.org/datenschutz" in subject.text


def test_an_english_issue_calls_it_privacy(workdir: Path) -> None:
    path = variant("language: de", "language: en")
    subject = prepare(path, make_settings(), b"secret")
    assert re.search(r'<a href="https://example.org/datenschutz"[^>]*>Privacy</a>', subject.html)


def test_check_warns_when_the_issue_has_no_privacy_link(workdir: Path) -> None:
    assert messages(findings(variant(PRIVACY, ""))) == [
        "warning: issues/2021-01.md:12: footer: no privacy notice (GDPR Art. 13): add footer.privacy_url, the link to "
        "your Datenschutzerklärung"]


def get(app: object, path: str) -> str:
    """One GET through the ASGI interface of the app, as uvicorn would make it."""
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "query_string": b"", "headers": [],
             "scheme": "http", "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1), "http_version": "1.1", "root_path": ""}
    asyncio.run(app(scope, receive, send))  # type: ignore[operator]
    return b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body").decode()  # type: ignore[misc]


def test_the_web_pages_link_the_privacy_notice_of_the_settings_else_of_the_newest_issue(workdir: Path) -> None:
    def app(**values: object) -> object:
        settings = make_settings(**values)
        return create_app(settings, b"secret", site_for(settings, local_base="http://127.0.0.1:8080"))

    page = get(app(privacy_url="https://example.org/privacy-web"), "/subscribe")
    assert '<a href="https://example.org/privacy-web">Datenschutz</a>' in page
    assert '<a href="https://example.org/datenschutz">Datenschutz</a>' in get(app(), "/subscribe")  # the sample issue's
    variant(PRIVACY, "", name="2099-01.md")
    assert "datenschutz" not in get(app(), "/subscribe").lower()
