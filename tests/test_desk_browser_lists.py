"""Abonnenten, Posteingang and Einstellungen in real Chromium: a screenshot of every page and axe-core on each."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from composer.state import Journal, Reason
from tests.conftest import CHROMIUM, FLAGS, FaultyHandler, SMTPServer, free_port, make_settings
from tests.deskserver import desk_server
from tests.test_desk_browser import shot
from tests.test_desk_inbox import ABMELDEN, KARL, QUESTION, maildir
from tests.test_inbox import MAIL, delivered

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason="Debian's chromium is not installed"),
]
SPREADSHEET = ("email;name;stadtteil\n"
               "anna.mueller@example.org;Anna Müller;Cracau\n"
               "lena.weiss@example.org;Lena Weiß;Fischeln\n"
               "kaputt(at)example.org;Kaputt;Linn\n"
               "neu.eins@example.org;Neu Eins;Linn\n"
               "neu.zwei@example.org;Neu Zwei;Hüls\n")


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield chromium
        chromium.close()


def open_desk(browser, desk):
    # bypass_csp only so the test can inject axe-core; the desk's own pages run under the strict policy.
    tab = browser.new_context(viewport={"width": 1400, "height": 900}, locale="de-DE", bypass_csp=True).new_page()
    tab.set_default_timeout(15_000)
    tab.goto(desk.login_url)
    return tab


def numbers(page, selector: str) -> dict[str, int]:
    return {li.get_attribute("id").removeprefix("count-"): int(li.locator("strong").inner_text())
            for li in page.locator(f"{selector} li").all()}


def test_lists_import_unsubscribe_send_inbox_and_settings_in_the_browser(browser, workdir: Path, tmp_path: Path,
                                                                       smtp_server: SMTPServer) -> None:
    violations: list[str] = []
    with Journal(workdir / ".newsletter") as journal:
        journal.suppress("lena.weiss@example.org", Reason("asked"))
    delivered("2020-12", KARL)  # the DSN answers a message we sent
    # The "abmelden" reply comes from a reader the send below reaches (marie leaves the list with the import: hers
    # would be a stranger's request, left for the coordinator).
    abmelden = ABMELDEN.replace(b"Marie Dubois <marie.dubois@example.org>", b"Anna Mueller <anna.mueller@example.org>")
    box = maildir(tmp_path / "Maildir", [(MAIL / "postfix-dsn-1.eml").read_bytes(), abmelden, QUESTION])
    settings = smtp_server.settings(state_dir=workdir / ".newsletter", inbox_maildir=box, concurrency=1)
    with desk_server(workdir, settings) as desk:
        page = open_desk(browser, desk)
        page.click("nav >> text=Abonnenten")
        assert page.locator("#lists tbody tr").first.inner_text().split() == ["volunteers", "7", "1", "0", "0"]
        shot(page, "abonnenten", violations)

        # The office's spreadsheet: one bad row, one address that unsubscribed; preview, then confirm.
        upload = tmp_path / "Verteiler.csv"
        upload.write_text(SPREADSHEET, encoding="utf-8")
        page.fill("#import-list", "volunteers")
        page.set_input_files("#import-file", str(upload))
        page.click("#import-form button")
        assert numbers(page, "#import-counts") == {"rows": 5, "new": 2, "changed": 0, "unchanged": 2, "removed": 6, "bad": 1}
        assert page.locator("#bad-rows li").inner_text().startswith(
            "Zeile 4 Ihrer Tabelle: „kaputt(at)example.org“ ist keine gültige E-Mail-Adresse")
        assert "lena.weiss@example.org: abgemeldet" in page.locator("#staying").inner_text()
        shot(page, "import-vorschau", violations)
        page.click("#confirm-import")
        assert "Die Liste wurde ersetzt." in page.locator("#note").inner_text()
        assert Path("subscribers/volunteers.csv").read_text(encoding="utf-8") == SPREADSHEET
        assert len(list(Path("subscribers/backup").glob("volunteers-*.csv"))) == 1
        shot(page, "liste", violations)

        # One address unsubscribed here, with a reason; the next send skips it (and the one that stayed unsubscribed).
        page.fill("#unsub-email", "neu.zwei@example.org")
        page.fill("#unsub-reason", "am Telefon abgemeldet")
        page.click("#unsubscribe-form button")
        assert "von der Koordination abgemeldet: am Telefon abgemeldet" in page.locator("#members tbody tr").inner_text()
        page.goto(f"{desk.base}/issues/2020-12/send?list=volunteers")
        page.check("#confirm")
        page.click("#start")
        page.wait_for_selector("#progress[data-state=finished]", timeout=60_000)
        # the readers, and the person who started the send, told how it went (her address was prefilled)
        assert sorted(smtp_server.handler.per_recipient()) == ["anna.mueller@example.org", "kontakt@example.org",
                                                               "neu.eins@example.org"]

        # Posteingang over the Maildir: a bounce, an "abmelden" reply and a question for the coordinator.
        page.click("nav >> text=Posteingang")
        page.click("#fetch")
        assert numbers(page, "#inbox-counts") == {"bounce": 1, "complaint": 0, "unsubscribe": 1, "autoreply": 0, "other": 1,
                                                "malformed": 0, "quarantined": 0}
        assert "<img src=x onerror=alert(1)>" in page.locator("article.letter pre").inner_text()
        assert page.locator("article.letter img").count() == 0
        shot(page, "posteingang", violations)

        # Einstellungen: the connection test against the test server works.
        page.click("nav >> text=Einstellungen")
        shot(page, "einstellungen", violations)
        page.click("#test-smtp")
        assert page.locator("#trial [role=status]").inner_text() == "Die Verbindung funktioniert."
        shot(page, "verbindung-ok", violations)
        assert len(smtp_server.handler.received) == 3  # the send's two and the note to whoever started it, none from the test

    # A server that refuses the login: the test names the login step.
    refusing = Controller(FaultyHandler(), hostname="127.0.0.1", port=free_port(), auth_require_tls=False,
                          authenticator=lambda *args: AuthResult(success=False, handled=False))
    refusing.start()
    try:
        settings = make_settings(state_dir=workdir / ".newsletter", smtp_host="127.0.0.1", smtp_port=refusing.port,
                                 smtp_security="none", smtp_username="buero", smtp_password="falsch",
                                 smtp_allow_plaintext_auth=True)
        with desk_server(workdir, settings) as desk:
            page = open_desk(browser, desk)
            page.goto(f"{desk.base}/settings")
            page.click("#test-smtp")
            assert "beim Schritt „Anmeldung“" in page.locator("#trial-failed").inner_text()
            assert "fehlgeschlagen" in page.locator("#step-login").inner_text()
            shot(page, "verbindung-anmeldung-abgelehnt", violations)
    finally:
        refusing.stop()
    assert not violations, violations
