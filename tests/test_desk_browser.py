"""Die Redaktion in real Chromium, as the coordinator uses it: a screenshot of every page and axe-core on each."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from PIL import Image as PILImage

from composer.issue.issuefile import read_issue
from composer.send.pipeline import build_issue
from tests.conftest import ARTIFACTS, AXE, CHROMIUM, FLAGS, IN_CHROMIUM, SMTPServer, make_settings
from tests.deskserver import desk_server
from tests.test_desk_sending import fifty_addresses, wait_for

pytestmark = IN_CHROMIUM


@pytest.fixture
def page(workdir: Path, smtp_server: SMTPServer):
    from playwright.sync_api import sync_playwright

    fifty_addresses(workdir)
    settings = smtp_server.settings(state_dir=workdir / ".newsletter", concurrency=1)
    with desk_server(workdir, settings) as desk, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        # bypass_csp only so the test can inject axe-core; the desk's own pages run under the strict policy.
        context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="de-DE", bypass_csp=True)
        tab = context.new_page()
        tab.set_default_timeout(15_000)
        tab.desk = desk
        yield tab
        browser.close()


def shot(page, name: str, axe_violations: list[str]) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"desk-{name}.png"), full_page=False)
    if AXE.exists():
        page.add_script_tag(path=str(AXE))
        found = page.evaluate("async () => (await axe.run(document)).violations"
                              ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
                              ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))")
        axe_violations += [f"{name}: {v}" for v in found]


def test_the_coordinators_whole_path_in_the_browser(page, smtp_server: SMTPServer) -> None:
    violations: list[str] = []
    desk = page.desk
    page.goto(f"{desk.base}/login?token=wrong")
    shot(page, "login-refused", violations)
    page.goto(desk.login_url)
    assert page.locator("h1").inner_text() == "Ausgaben"
    shot(page, "ausgaben", violations)

    # A new issue entirely through the form: two articles, a contact, a photo from this computer.
    page.fill("#new-name", "2021-01")
    page.click("form[action='/new'] button")
    page.fill("#f-subject", "Newsletter Flüchtlingskoordination – Januar 2021")
    page.fill("#f-preheader", "Sprachcafé und neue Patenschaften")
    page.fill("#f-articles-0-title", "Sprachcafé öffnet wieder")
    page.fill("#f-articles-0-body", "Ab **Februar** treffen wir uns jeden Dienstag.\n\n- Ort: Stadtbibliothek\n- Zeit: 17 Uhr")
    page.click("text=Artikel hinzufügen")
    page.fill("#f-articles-1-title", "Neue Patenschaften")
    page.fill("#f-articles-1-author", "Esther Mai")
    page.fill("#f-articles-1-body", "Zwölf Familien suchen eine Patin oder einen Paten.")
    page.click("#f-articles-1 >> text=Ansprechperson hinzufügen")
    page.fill("#f-articles-1-contacts-0-name", "Eva Dolas")
    page.fill("#f-articles-1-contacts-0-phone", "0162 1032055")
    page.fill("#f-articles-1-contacts-0-email", "dolas-at-example.org")
    photo = Path("Sprachcafé.jpg")
    PILImage.new("RGB", (1600, 1000), (40, 110, 160)).save(photo, "JPEG")
    page.set_input_files("#f-articles-0-image-upload", str(photo))
    page.fill("#f-articles-0-image-alt", "Tische und Tassen im Sprachcafé")
    page.click("#save")
    assert "keine gültige E-Mail-Adresse" in page.locator("#f-articles-1-contacts-0-email-err").inner_text()
    shot(page, "bearbeiten-fehler", violations)
    page.fill("#f-articles-1-contacts-0-email", "dolas@example.org")
    page.click("#save")
    assert page.locator("p.ok").inner_text() == "Gespeichert."
    shot(page, "bearbeiten", violations)
    issue, _ = read_issue(Path("issues/2021-01.md"))
    assert [a.title for a in issue.articles] == ["Sprachcafé öffnet wieder", "Neue Patenschaften"]
    assert issue.articles[1].contacts[0].email == "dolas@example.org"
    assert issue.articles[0].image.path == "fotos/2021-01-sprachcafe.jpg" and Path("issues/fotos/2021-01-sprachcafe.jpg").exists()
    shown = page.frame_locator("iframe").get_by_alt_text("Tische und Tassen im Sprachcafé")
    assert shown.evaluate("img => img.complete && img.naturalWidth") > 0  # the photo, resized, in the preview
    shown.scroll_into_view_if_needed()
    shot(page, "bilder", violations)
    assert "Sprachcafé öffnet wieder" in html.unescape(build_issue(Path("issues/2021-01.md"), make_settings()).html)

    # Someone edits the file by hand meanwhile: saving shows both versions and overwrites nothing.
    Path("issues/2021-01.md").write_text(Path("issues/2021-01.md").read_text().replace("Zwölf", "Elf"))
    page.fill("#f-articles-0-title", "Sprachcafé öffnet bald wieder")
    page.click("#save")
    assert "inzwischen geändert" in page.locator("h1").inner_text()
    shot(page, "konflikt", violations)
    page.click("text=Meine Fassung speichern")
    page.fill("#f-articles-0-title", "Sprachcafé öffnet wieder")
    page.click("#save")

    # The phone-width preview; switching it keeps what was typed and not yet saved.
    page.fill("#f-preheader", "Noch nicht gespeichert")
    page.click("text=375 px")
    assert page.input_value("#f-preheader") == "Noch nicht gespeichert"
    page.fill("#f-preheader", "Sprachcafé und neue Patenschaften")
    page.click("#save")
    page.click("text=375 px")
    frame = page.locator("iframe")
    assert round(frame.bounding_box()["width"]) == 375
    assert "Neue Patenschaften" in page.frame_locator("iframe").locator("body").inner_text()
    shot(page, "vorschau-375", violations)

    # A deliberate check error, found by Prüfen at its field and fixed in the form.
    page.fill("#f-footer-address", "Stadt Krefeld")
    page.click("#save")
    page.click("nav >> text=Prüfen")
    error = page.locator(".findings.error li").first
    assert "keine Postanschrift" in error.inner_text()
    shot(page, "pruefen-fehler", violations)
    error.locator("a").click()
    assert page.url.endswith("#f-footer-address")
    page.fill("#f-footer-address", "Stadt Krefeld – Fachbereich Migration & Integration\nMusterstraße 1, 47798 Krefeld")
    page.click("#save")
    page.click("nav >> text=Prüfen")
    assert page.locator(".findings.error").count() == 0
    shot(page, "pruefen", violations)

    # A test send arrives on the test SMTP server.
    page.click("nav >> text=Testversand")
    page.fill("#addresses", "koordination@example.org")
    page.click("text=Testversand starten")
    assert "1 versendet" in page.locator("[role=status]").inner_text()
    assert list(smtp_server.handler.per_recipient()) == ["koordination@example.org"]
    shot(page, "testversand", violations)
    smtp_server.handler.received.clear()

    # The send to 50 addresses on a slow server, stopped with "Anhalten" and continued.
    smtp_server.handler.delay = 0.1
    page.click("nav >> text=\"Versand\"")
    page.select_option("#list", "fifty")
    page.click("text=Plan")
    assert page.locator("#plan-to-send").inner_text().startswith("50")
    shot(page, "versand-plan", violations)
    page.check("#confirm")
    page.click("#start")
    wait_for(lambda: len(smtp_server.handler.received) >= 10)
    shot(page, "versand-laeuft", violations)
    page.click("#stop")
    page.wait_for_selector("#resume", timeout=60_000)
    assert len(smtp_server.handler.received) < 50
    shot(page, "versand-angehalten", violations)
    smtp_server.handler.delay = 0
    page.click("#resume")
    page.wait_for_selector("#progress[data-state=finished]", timeout=60_000)
    counts = smtp_server.handler.per_recipient()
    assert len(counts) == 50 and set(counts.values()) == {1}

    page.click("nav >> text=Status")
    assert "50 versendet" in " ".join(page.locator("#counts").inner_text().split())
    assert page.locator("#deliveries tbody tr").count() == 50
    shot(page, "status", violations)
    page.goto(desk.base + "/")
    assert "50 von 50 versendet" in page.locator("table").inner_text()

    assert not violations, violations


def background_of(tab) -> tuple[int, int, int]:
    """The colour the reader sees behind the email's text: a pixel of the preview's content column, as shown."""
    import io

    iframe = tab.locator(".preview iframe")
    outer, column = iframe.bounding_box(), tab.frame_locator(".preview iframe").locator(".dm-bg").nth(1).bounding_box()
    shot = PILImage.open(io.BytesIO(iframe.screenshot())).convert("RGB")
    top, bottom = max(column["y"], outer["y"]), min(column["y"] + column["height"], outer["y"] + outer["height"])
    return shot.getpixel((int(column["x"] - outer["x"] + 4), int((top + bottom) / 2 - outer["y"])))


@pytest.mark.parametrize(("view", "dark"), [("600", False), ("dark", True)])
def test_the_dark_preview_shows_the_dark_email_and_the_light_one_the_light(workdir: Path, browser, view: str,
                                                                            dark: bool) -> None:
    """Chromium never matches a rewritten `@media (all)`: "Dunkel" showed the light email (issue 27)."""
    with desk_server(workdir, make_settings(state_dir=workdir / ".newsletter")) as desk:
        context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="de-DE", color_scheme="light")
        tab = context.new_page()
        tab.goto(desk.login_url)
        tab.goto(f"{desk.base}/issues/2020-12?view={view}")
        red, green, blue = background_of(tab)
        body = tab.frame_locator(".preview iframe").locator("body").evaluate("b => getComputedStyle(b).backgroundColor")
        context.close()
    assert (max(red, green, blue) < 60) is dark and (min(red, green, blue) > 200) is not dark, (red, green, blue)
    assert (body == "rgb(18, 18, 18)") is dark, body
