"""Die Redaktion hosted beside the public pages by `newsletter serve`: only with a desk password, behind its login."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import ARTIFACTS, CHROMIUM, FLAGS, SMTPServer
from test_web_safety import Site, serve

from composer.desk.access import hash_password

PASSWORD = "ein-langes-desk-passwort"


@pytest.fixture
def hosted(workdir: Path, smtp_server: SMTPServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    yield from serve(monkeypatch, smtp_server, DESK_PASSWORD_HASH=hash_password(PASSWORD))


def login(site: Site, client: httpx.Client, password: str) -> httpx.Response:
    return client.post("/redaktion/login", data={"password": password}, headers={"Origin": site.base})


def test_without_a_desk_password_the_desk_is_not_there(workdir: Path, smtp_server: SMTPServer,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    for site in serve(monkeypatch, smtp_server):
        with site.client() as c:
            assert [c.get(p).status_code for p in ("/redaktion/", "/redaktion/login", "/redaktion")] == [404] * 3


def test_the_desk_asks_for_the_password_and_then_lists_the_issues(hosted: Site) -> None:
    with hosted.client() as c:
        first = c.get("/redaktion/")
        assert first.status_code == 303 and first.headers["location"] == "/redaktion/login"
        form = c.get("/redaktion/login")
        assert form.status_code == 401 and 'type="password"' in form.text and 'action="/redaktion/login"' in form.text
        assert "script-src 'self'" in form.headers["content-security-policy"]  # the desk's own policy
        answer = login(hosted, c, PASSWORD)
        assert answer.status_code == 303 and answer.headers["location"] == "/redaktion/"
        issues = c.get("/redaktion/")
    assert issues.status_code == 200 and "Ausgaben" in issues.text
    assert 'href="/redaktion/issues/2020-12"' in issues.text and 'href="/issues/' not in issues.text


def test_five_wrong_passwords_rate_limit_the_login(hosted: Site) -> None:
    with hosted.client() as c:
        assert [login(hosted, c, "falsch").status_code for _ in range(5)] == [401] * 5
        assert login(hosted, c, PASSWORD).status_code == 429


def test_a_desk_post_from_another_origin_is_refused(hosted: Site) -> None:
    with hosted.client() as c:
        login(hosted, c, PASSWORD)
        answer = c.post("/redaktion/new", data={"name": "2021-01"}, headers={"Origin": "https://evil.example.com"})
    assert answer.status_code == 403 and not Path("issues/2021-01.md").exists()


@pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason="Debian's chromium")
def test_in_chromium_the_hosted_desk_logs_in_and_opens_an_issue(hosted: Site) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1200, "height": 800}, locale="de-DE")
        page.goto(f"{hosted.base}/redaktion/")
        page.fill("input[type=password]", PASSWORD)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.locator("h1").inner_text() == "Ausgaben"
        page.click("a[href='/redaktion/issues/2020-12']")
        assert page.url.endswith("/redaktion/issues/2020-12")
        page.frame_locator("iframe").get_by_role("heading", name="Krefeld auf dem Weg zur weltoffenen Kommune").wait_for()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "web-redaktion.png"))
        browser.close()
