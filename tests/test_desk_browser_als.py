"""See what a reader gets (issue 28, item 4), in real Chromium: the editor's preview and the test send "als" a real
member of a chosen list, by default the first member of the list last used."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import CHROMIUM, SMTPServer
from tests.deskserver import desk_server
from tests.test_desk_sending import wait_for

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason="Debian's chromium is not installed"),
]


def test_preview_and_test_send_as_a_member_of_the_chosen_list(workdir: Path, smtp_server: SMTPServer, browser) -> None:
    Path("subscribers/buero.csv").write_text("Vorname;Name;E-Mail\nAnna;Schmitz;anna@example.org\n"
                                             "Karl;Lüdtke;karl@example.org\n", encoding="utf-8")
    with desk_server(workdir, smtp_server.settings(state_dir=workdir / ".newsletter")) as desk:
        page = browser.new_context(locale="de-DE").new_page()
        page.set_default_timeout(15_000)
        page.goto(desk.login_url)
        page.goto(f"{desk.base}/issues/2020-12/send?list=buero")  # the list she last used
        page.goto(f"{desk.base}/issues/2020-12")
        frame = page.frame_locator("iframe[name=preview-frame]")
        assert "Hallo Anna Schmitz," in frame.locator("body").inner_text()
        page.select_option("#als", "karl@example.org")
        page.click("#als-show")
        wait_for(lambda: "Hallo Karl Lüdtke," in frame.locator("body").inner_text())
        assert page.locator("#f-subject").is_visible()  # the editor stays as it was: only the preview changed

        page.goto(f"{desk.base}/issues/2020-12/test?list=buero&als=karl@example.org")
        assert "Karl Lüdtke" in page.locator("#test-als").inner_text()
        page.fill("#addresses", "ich@example.org")
        page.click("#send-test")
        assert "1 versendet" in page.locator("[role=status]").inner_text()
        page.context.close()
    [mail] = smtp_server.handler.messages()
    assert str(mail["To"]) == "Karl Lüdtke <ich@example.org>"
    assert "Hallo Karl Lüdtke," in mail.get_body(("plain",)).get_content()
