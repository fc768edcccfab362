"""Die Redaktion part 3 in real Chromium (German locale): a login that outlives the desk's process and ends with
"Abmelden", settings changed in the browser and written to .env, and the dark preview really dark."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image as PILImage

from composer.config.settings import load_settings
from tests.conftest import AXE, IN_CHROMIUM, SMTPServer
from tests.deskserver import desk_server

pytestmark = IN_CHROMIUM

ENV = "# Absender\nNEWSLETTER_FROM_NAME=Alt\nNEWSLETTER_FROM_ADDRESS=kontakt@example.org\n\n# Server\n" \
      "NEWSLETTER_SMTP_HOST=127.0.0.1\nNEWSLETTER_SMTP_PORT=1\nNEWSLETTER_SMTP_SECURITY=none\nNEWSLETTER_RATE_LIMIT=0\n"


@pytest.fixture
def tab(browser):
    context = browser.new_context(viewport={"width": 1300, "height": 900}, locale="de-DE", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def axe(page) -> list[str]:
    if not AXE.exists():
        return []
    page.add_script_tag(path=str(AXE))
    return page.evaluate("async () => (await axe.run(document)).violations.map(v => v.id + ': ' + "
                         "v.nodes.map(n => n.target.join(' ')).join(', '))")


def test_a_login_survives_a_restart_of_the_desk_and_ends_with_abmelden(workdir: Path, tab) -> None:
    settings = load_settings(None, state_dir=workdir / ".newsletter")
    with desk_server(workdir, settings) as first:
        tab.goto(first.login_url)
        assert tab.locator("h1").inner_text() == "Ausgaben"
    with desk_server(workdir, settings) as second:  # a new process; the browser has only its cookie
        tab.goto(second.base + "/")
        assert tab.locator("h1").inner_text() == "Ausgaben"
        tab.click("#logout")  # no password yet: asked first, since only a restart would let her in again
        tab.click("#logout-anyway")
        assert "Sie sind abgemeldet." in tab.locator("[role=alert]").inner_text()
        assert axe(tab) == []
        tab.goto(second.base + "/")
        assert tab.url.endswith("/login")


def test_sender_name_smtp_port_and_hourly_limit_are_changed_in_the_browser(workdir: Path, tab, smtp_server: SMTPServer) -> None:
    env = workdir / ".env"
    env.write_text(ENV)
    settings = load_settings(env, state_dir=workdir / ".newsletter")
    with desk_server(workdir, settings) as desk:
        tab.goto(desk.login_url)
        tab.goto(desk.base + "/settings")
        tab.fill("#s-from_name", "Koordination Krefeld")
        tab.fill("#s-smtp_port", str(smtp_server.port))  # tried before it is saved: the test server answers
        tab.fill("#s-hourly_limit", "1.000")
        tab.click("#save-settings")
        assert "Gespeichert" in tab.locator("#said").inner_text()
        assert axe(tab) == []
        assert tab.input_value("#s-hourly_limit") == "1000"
        written = env.read_text()
        assert written.startswith("# Absender\nNEWSLETTER_FROM_NAME='Koordination Krefeld'\n")
        assert f"# Server\nNEWSLETTER_SMTP_HOST=127.0.0.1\nNEWSLETTER_SMTP_PORT={smtp_server.port}\n" in written
        assert "NEWSLETTER_HOURLY_LIMIT=1000\n" in written
        running = desk.desk.settings  # in effect without a restart
        assert (running.from_name, running.smtp_port, running.hourly_limit) == ("Koordination Krefeld", smtp_server.port, 1000)

        tab.fill("#s-smtp_port", "1")  # nobody listens there: nothing is saved, every typed value stays
        tab.fill("#s-from_name", "Noch ein Name")
        tab.click("#save-settings")
        assert "Nichts wurde gespeichert" in tab.locator("#said").inner_text()
        assert tab.input_value("#s-from_name") == "Noch ein Name" and tab.input_value("#s-smtp_port") == "1"
        assert env.read_text() == written


def test_the_dark_preview_has_a_dark_background(workdir: Path, tab) -> None:
    settings = load_settings(None, state_dir=workdir / ".newsletter")
    with desk_server(workdir, settings) as desk:
        tab.goto(desk.login_url)
        tab.goto(desk.base + "/issues/2020-12/email?dark=1")
        shot = workdir / "dark.png"
        tab.screenshot(path=str(shot))
        image = PILImage.open(shot).convert("L")
        width, height = image.size
        corner = image.getpixel((5, height - 5))
        assert corner < 60, f"the dark email's page background is light ({corner})"
