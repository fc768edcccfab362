"""The web side, served by uvicorn on loopback and driven by real headless Chromium and raw HTTP."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import uvicorn
from conftest import ARTIFACTS, CHROMIUM, FLAGS, SMTPServer, free_port
from lxml import etree
from typer.testing import CliRunner

from composer.cli import app
from composer.web import create_app
from composer.web.site import site_for

runner = CliRunner()
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason="Debian's chromium")
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def site(workdir: Path, smtp_server: SMTPServer, monkeypatch: pytest.MonkeyPatch):
    """The app on a loopback port, sending confirmations to the test SMTP server; returns its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    for name, value in {**smtp_server.env(), "NEWSLETTER_PUBLIC_URL": base, "NEWSLETTER_PUBLIC_LISTS": "volunteers"}.items():
        monkeypatch.setenv(name, value)
    from composer.send.tokens import load_secret
    from composer.config.settings import load_settings

    settings = load_settings(env_file=None)
    web = create_app(settings, load_secret(None, settings.state_dir), site_for(settings))
    server = uvicorn.Server(uvicorn.Config(web, host="127.0.0.1", port=port, log_level="warning", proxy_headers=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    yield base
    server.should_exit = True
    thread.join(10)


def secret() -> bytes:
    return Path(".newsletter/secret").read_bytes().strip()


def request(base: str, method: str, path: str, body: str = "", accept: str = "*/*") -> tuple[int, str]:
    connection = http.client.HTTPConnection(urlsplit(base).hostname, urlsplit(base).port, timeout=10)
    headers = {"Accept": accept}
    if body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    return response.status, response.read().decode()


def states(list_name: str = "volunteers") -> dict[str, str]:
    out = runner.invoke(app, ["subscribers", list_name]).output
    return {line.split()[1]: line.split()[0] for line in out.splitlines() if "@" in line}


@needs_chromium
def test_sign_up_confirm_then_unsubscribe_through_the_emailed_link(site: str, smtp_server: SMTPServer) -> None:
    from playwright.sync_api import sync_playwright

    shots = ARTIFACTS / "web"
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 600, "height": 800}, locale="de-DE")
        page.goto(f"{site}/subscribe")
        page.screenshot(path=str(shots / "1-subscribe.png"), full_page=True)
        page.get_by_label("E-Mail-Adresse").fill("neu.dabei@example.org")
        page.get_by_label("Name").fill("Neu Dabei")
        page.get_by_role("checkbox").check()
        page.get_by_role("button", name="Anmelden").click()
        assert page.get_by_role("heading").inner_text() == "Fast geschafft"
        page.screenshot(path=str(shots / "2-check-your-mail.png"), full_page=True)

        [confirmation] = smtp_server.handler.messages()
        assert confirmation["To"].addresses[0].addr_spec == "neu.dabei@example.org"
        link = re.search(r"http://\S+/confirm/\S+", confirmation.get_body(("plain",)).get_content()).group(0)
        page.goto(link)
        assert page.get_by_role("heading").inner_text() == "Anmeldung bestätigen"
        page.screenshot(path=str(shots / "3-confirm.png"), full_page=True)
        page.get_by_role("button", name="Anmeldung bestätigen").click()
        assert page.get_by_role("heading").inner_text() == "Anmeldung bestätigt"
        page.screenshot(path=str(shots / "4-confirmed.png"), full_page=True)
        browser.close()

    result = runner.invoke(app, ["send", "issues/2020-12.md", "--list", "volunteers", "--yes"])
    assert result.exit_code == 0, result.output
    *_, issue = [m for m in smtp_server.handler.messages() if m["To"].addresses[0].addr_spec == "neu.dabei@example.org"]
    assert issue["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = issue.get_body(("html",)).get_content()
    assert f'href="{site}/archive/2020-12.html"' in html and "Im Browser ansehen" in html
    unsubscribe = re.search(r'href="(http://127\.0\.0\.1:\d+/u/[^"]+)"', html).group(1)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 600, "height": 800}, locale="de-DE")
        page.goto(f"{site}/archive/2020-12.html")  # "Im Browser ansehen": served from the issue file, no archive build
        assert page.get_by_role("heading", name="Krefeld auf dem Weg zur weltoffenen Kommune").is_visible()
        page.goto(unsubscribe)
        page.screenshot(path=str(shots / "5-unsubscribe.png"), full_page=True)
        page.get_by_role("button", name="Abbestellen").click()
        assert page.get_by_role("heading").inner_text() == "Abbestellt"
        page.screenshot(path=str(shots / "6-unsubscribed.png"), full_page=True)
        page.keyboard.press("Tab")  # the newsletter's name at the top, a link to all issues
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Doch wieder anmelden"
        shutil.copy("issues/2020-12.md", "issues/2021-01.md")
        assert "neu.dabei@example.org" not in sent_to(smtp_server, "issues/2021-01.md")
        page.keyboard.press("Enter")
        assert page.get_by_role("heading").inner_text() == "Wieder angemeldet"
        page.screenshot(path=str(shots / "7-subscribed-again.png"), full_page=True)
        browser.close()
    shutil.copy("issues/2020-12.md", "issues/2021-02.md")
    assert "neu.dabei@example.org" in sent_to(smtp_server, "issues/2021-02.md")


def sent_to(smtp_server: SMTPServer, issue: str) -> list[str]:
    """A real send of the issue, as its own process: Playwright's event loop may be running in this thread."""
    before = len(smtp_server.handler.received)
    result = subprocess.run([sys.executable, "-m", "composer", "send", issue, "--list", "volunteers", "--yes"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return [rcpts[0] for _, rcpts, _ in smtp_server.handler.received[before:]]


@needs_chromium
def test_archive_has_index_web_versions_feed_and_pdfs(workdir: Path) -> None:
    later = Path("issues/2020-12.md").read_text().replace("date: 2020-12-23", "date: 2021-01-28")
    Path("issues/2021-01.md").write_text(later.replace("Dezember 2020", "Januar 2021"))
    result = runner.invoke(app, ["archive", "--out", "site", "--drafts"])
    assert result.exit_code == 0, result.output
    index = Path("site/index.html").read_text()
    assert index.index("2021-01.html") < index.index("2020-12.html")  # newest first
    page = Path("site/2020-12.html").read_text()
    assert "Erika" not in page and "Hallo" not in page and "Liebe Engagierte," in page
    assert not re.search(r"unsubscribe%20\w", page)
    feed = etree.parse("site/feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    assert sorted(e.findtext(f"{ATOM}title") for e in entries) == [
        "Newsletter Flüchtlingskoordination – Dezember 2020", "Newsletter Flüchtlingskoordination – Januar 2021"]
    assert all(e.find(f"{ATOM}link").get("href").endswith(".html") and e.findtext(f"{ATOM}updated") for e in entries)
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", "site/2020-12.pdf"], capture_output=True,
                                                             text=True).stdout).group(1))
    assert 2 <= pages <= 6
    text = " ".join(subprocess.run(["pdftotext", "site/2020-12.pdf", "-"], capture_output=True, text=True).stdout.split())
    for title in ["Krefeld auf dem Weg zur weltoffenen Kommune", "„Gemeinsam klappt's“ erfolgreich gestartet"]:
        assert title in text
    links = set(re.findall(rb"/URI \(([^)]*)\)", Path("site/2020-12.pdf").read_bytes()))
    assert {b"https://example.org/impressum", b"mailto:dolas@caritas-krefeld.de", b"tel:01621032055"} <= links
