"""Importing the office's sheet in real Chromium (issue 28, item 3): her columns mapped (changeable), the greeting
as it will read for the first rows, consent counted, and "Nur hinzufügen und aktualisieren" keeping an address
added by hand."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from composer.audience.subscribers import read_list
from composer.records import Recipient
from tests.conftest import CHROMIUM, SMTPServer
from tests.deskserver import desk_server

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason="Debian's chromium is not installed"),
]
SHEET = ("Vorname;Name;E-Mail;Einwilligung am;Quelle;Telefon\n"
         "Anna;Schmitz;anna.mueller@example.org;14.05.2020;Infoabend;0201 1\n"
         "Karl;Lüdtke;karl@example.org;03.01.2021;Anmeldeformular;0201 2\n"
         "Omar;Haddad;omar@example.org;;;0201 3\n")


def test_the_mapping_shows_the_greeting_and_merge_keeps_a_hand_added_address(workdir: Path, smtp_server: SMTPServer,
                                                                            browser, tmp_path: Path) -> None:
    settings = smtp_server.settings(state_dir=workdir / ".newsletter")
    with desk_server(workdir, settings) as desk:
        page = browser.new_context(locale="de-DE").new_page()
        page.set_default_timeout(15_000)
        page.goto(desk.login_url)
        page.goto(f"{desk.base}/subscribers/volunteers")  # one address added by hand
        page.fill("#add-email", "hand@example.org")
        page.fill("#add-name", "Hanna Hand")
        page.fill("#add-consent", "am Telefon")
        page.click("#add-form button")
        upload = tmp_path / "Ehrenamt.csv"
        upload.write_bytes(SHEET.encode("cp1252"))
        page.goto(f"{desk.base}/subscribers")
        page.fill("#import-list", "volunteers")
        page.set_input_files("#import-file", str(upload))
        page.click("#import-form button")
        assert "Windows-1252" in page.locator("#import-encoding").inner_text()
        assert page.locator("#role-0").input_value() == "first_name"  # Vorname
        assert page.locator("#role-1").input_value() == "last_name"  # Name beside Vorname: the surname
        assert page.locator("#greetings li").all_inner_texts()[:2] == [
            "Hallo Anna Schmitz, (anna.mueller@example.org)", "Hallo Karl Lüdtke, (karl@example.org)"]
        assert page.locator("#import-consent").inner_text() == "2 von 3 mit Einwilligung"
        assert "hand@example.org" in page.locator("#removed").inner_text()  # said openly, not folded away
        page.select_option("#role-1", "skip")  # she says: leave "Name" out
        page.click("#remap")
        assert page.locator("#greetings li").first.inner_text() == "Hallo Anna, (anna.mueller@example.org)"
        page.select_option("#role-1", "last_name")
        page.check("#mode-merge")
        page.click("#remap")
        assert page.locator("#removed").count() == 0
        assert "hand@example.org" in page.locator("#kept").inner_text()
        page.click("#confirm-import")
        assert page.locator("#note").count()
        page.context.close()
    listed = {r.email: r for r in read_list(Path("subscribers/volunteers.csv")) if isinstance(r, Recipient)}
    assert "hand@example.org" in listed and listed["karl@example.org"].name == "Karl Lüdtke"
    assert listed["anna.mueller@example.org"].name == "Anna Schmitz"
