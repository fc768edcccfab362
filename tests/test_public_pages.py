"""The public pages as a public body must offer them, against `serve`: who runs them and the Impressum,
Datenschutz and accessibility links on every page; the archive reached from every page, at /archive without the
slash, in German dates; the web versions linked to each other and to all issues (no "Im Browser ansehen" in the
browser); the Atom feed and the PDFs served; axe-core without findings at 390 and 1280 px, light and dark, and
no sideways scroll at 320 px."""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import CHROMIUM, FLAGS, IN_CHROMIUM, SMTPServer
from test_reader_pages import axe
from test_web_safety import Site, runner, serve

from composer.cli import app

ABOUT = ("https://example.org/impressum", "https://example.org/datenschutz", "/barrierefreiheit")


@pytest.fixture
def site(workdir: Path, smtp_server: SMTPServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    Path("subscribers/klein.csv").write_text("email;name\nleser@example.org;Leser\n", encoding="utf-8")
    shutil.copy("issues/2020-12.md", "issues/2021-01.md")
    for slug in ("2020-12", "2021-01"):
        result = runner.invoke(app, ["send", f"issues/{slug}.md", "--list", "klein", "--yes"])
        assert result.exit_code == 0, result.output
    yield from serve(monkeypatch, smtp_server, SIGNUP_LIMIT="1000", IMPRINT_URL=ABOUT[0], PRIVACY_URL=ABOUT[1])


def pages(site: Site) -> dict[str, str]:
    token = site.token()
    return {"subscribe": "/subscribe", "unsubscribe": f"/u/{token}", "own page": f"/p/{token}",
            "broken link": f"/u/{'a' * 32}", "not found": "/nirgends", "archive": "/archive",
            "accessibility": "/barrierefreiheit", "web version": "/archive/2021-01.html"}


def test_every_page_names_the_newsletter_and_the_office_and_links_impressum_privacy_accessibility_and_the_archive(
        site: Site) -> None:
    with site.client(**{"Accept-Language": "de"}) as c:
        for name, path in pages(site).items():
            html = c.get(path).text
            for href in ABOUT:
                assert f'href="{href}' in html, (name, href)
            assert re.search(r'href="(/archive|http://127\.0\.0\.1:\d+/archive)(\?lang=de)?"', html), name
            if name != "web version":
                assert "Newsletter Flüchtlingskoordination</a> · Stadt Krefeld – Fachbereich" in html, name


def test_the_archive_works_without_the_slash_in_german_dates_and_lists_feed_and_issues(site: Site) -> None:
    with site.client(**{"Accept-Language": "de"}) as c:
        index = c.get("/archive")
        assert index.status_code == 200 and "location" not in index.headers
        assert "23. Dezember 2020" in index.text and "2020-12-23" not in index.text
        assert 'href="/archive/2021-01.html"' in index.text and 'href="/archive/feed.xml"' in index.text
        feed = c.get("/archive/feed.xml")
        assert feed.headers["content-type"].startswith("application/atom+xml")
        assert f"{site.base}/archive/2020-12.html" in feed.text and f"{site.base}/archive/2021-01.html" in feed.text


def test_the_web_versions_link_each_other_and_all_issues_instead_of_view_in_browser(site: Site) -> None:
    with site.client() as c:
        newer, older = c.get("/archive/2021-01.html").text, c.get("/archive/2020-12.html").text
    assert "Im Browser ansehen" not in newer and "Ihre Daten und Abonnements" not in newer
    assert 'href="/archive/2020-12.html" rel="prev"' in newer and 'rel="next"' not in newer
    assert 'href="/archive/2021-01.html" rel="next"' in older
    assert f'href="{site.base}/archive"' in newer  # where the email said "Im Browser ansehen"


def test_without_playwright_the_archive_offers_no_pdf_that_would_only_find_nothing(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "playwright", None)  # a default install of the tool has no Playwright
    with site.client() as c:
        index = c.get("/archive")
        assert index.status_code == 200 and "2020-12.html" in index.text and ".pdf" not in index.text
        assert c.get("/archive/2020-12.pdf").status_code == 404


@pytest.mark.browser
def test_the_pdf_is_served_tagged_with_an_outline(site: Site) -> None:
    for mark in IN_CHROMIUM:
        if mark.name == "skipif" and mark.args[0]:
            pytest.skip(mark.kwargs["reason"])
    with httpx.Client(base_url=site.base, timeout=60) as c:
        pdf = c.get("/archive/2020-12.pdf")
        assert c.get("/archive/2099-01.pdf").status_code == 404
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and b"/StructTreeRoot" in pdf.content and b"/Outlines" in pdf.content


@pytest.mark.browser
def test_axe_finds_nothing_on_the_public_pages_in_light_and_dark_at_390_and_1280_and_none_scrolls_at_320(
        site: Site) -> None:
    from playwright.sync_api import sync_playwright

    for mark in IN_CHROMIUM:
        if mark.name == "skipif" and mark.args[0]:
            pytest.skip(mark.kwargs["reason"])
    found: list[str] = []
    with sync_playwright() as p:  # its own browser, started after the sends of `site` (its event loop is this thread's)
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_context(locale="de-DE", extra_http_headers={"Accept-Language": "de"},
                                   bypass_csp=True).new_page()
        for name, path in pages(site).items():
            if name == "web version":
                continue  # the email itself: its accessibility is tests/test_email_browser.py's
            page.goto(f"{site.base}{path}")
            axe(page, name, found)
        browser.close()
    assert not found, found
