"""The send page in real Chromium (issue 28, item 6): the plan she confirms, each state by its name with only its own
buttons, a resume that ends "26 von 26", Planen and Absagen, and a planned send that the desk carries out by its
(injected) clock, telling the person who planned it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

from composer.state import Journal
from tests.conftest import CHROMIUM, SMTPServer
from tests.deskserver import csrf_of, desk_server
from tests.test_desk_sending import wait_for

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason="Debian's chromium is not installed"),
]
BUTTONS = ("#stop", "#resume", "#start", "#plan-send", "#send-now", "#cancel-plan")


@dataclass
class FakeClock:
    moment: datetime

    def now(self) -> datetime:
        return self.moment


def office_list(folder: Path, count: int = 26) -> None:
    rows = "\n".join(f"helfer{n:02d}@example.org;Helfer;Nummer {n};14.05.2020;Infoabend" for n in range(count))
    (folder / "subscribers" / "buero.csv").write_text(f"E-Mail;Vorname;Name;Einwilligung am;Quelle\n{rows}\n",
                                                       encoding="utf-8")


@pytest.fixture
def desk(workdir: Path, smtp_server: SMTPServer):
    office_list(workdir)
    settings = smtp_server.settings(state_dir=workdir / ".newsletter", concurrency=1)
    with desk_server(workdir, settings) as running:
        yield running


@pytest.fixture
def tab(browser, desk):
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(desk.login_url)
    yield page
    context.close()


def visible_buttons(page) -> list[str]:
    return [b for b in BUTTONS if page.locator(b).count() and page.locator(b).is_visible()]


def state_and_buttons(page) -> tuple[str, list[str]]:
    """The state line and the visible buttons read in one turn of the page's script, so a poll that lands
    between two reads cannot pair one state with the next state's buttons; a read that the page's own reload
    interrupts is read again from the reloaded page."""
    for _ in range(20):
        try:
            state, buttons = page.evaluate("""ids => [document.querySelector('#run-state').innerText,
                                                      ids.filter(id => document.querySelector(id)?.checkVisibility())]""",
                                           list(BUTTONS))
            return state, buttons
        except PlaywrightError:
            page.wait_for_selector("#run-state")
    raise AssertionError("the send page kept reloading")


def state_of(page) -> str:
    return page.locator("#run-state").inner_text()


def test_the_plan_names_what_goes_out_and_stays_when_the_confirmation_is_missing(tab, desk) -> None:
    tab.goto(f"{desk.base}/issues/2020-12/send?list=buero")
    assert tab.locator("#plan-subject").inner_text() == "Newsletter Flüchtlingskoordination – Dezember 2020"
    assert "kontakt@example.org" in tab.locator("#plan-sender").inner_text()
    assert tab.locator("#plan-to-send").inner_text().startswith("26 ")
    assert "fertig gegen" in tab.locator("#plan-end").inner_text()
    assert tab.locator("#plan-hours").inner_text() == "jederzeit"
    assert tab.locator("#plan-consent").count() == 0  # "Einwilligung am" and "Quelle" prove it
    tab.click("#start")
    assert "Häkchen" in tab.locator("#send-problem").inner_text()
    assert tab.locator("#plan-subject").is_visible() and visible_buttons(tab) == ["#start", "#plan-send"]


def test_each_state_shows_only_its_own_buttons_and_a_resume_ends_26_of_26(tab, desk, smtp_server: SMTPServer) -> None:
    smtp_server.handler.delay = 0.25
    tab.goto(f"{desk.base}/issues/2020-12/send?list=buero")
    tab.check("#confirm")
    tab.click("#start")
    wait_for(lambda: state_of(tab) == "Läuft")
    assert visible_buttons(tab) == ["#stop"]
    assert "von 26 versendet · 0 fehlgeschlagen · 0 zurückgestellt" in tab.locator("#run-line").inner_text()
    tab.click("#stop")
    wait_for(lambda: state_of(tab) in ("Wird angehalten", "Angehalten"))
    state, buttons = state_and_buttons(tab)
    assert buttons == ([] if state == "Wird angehalten" else ["#resume"])
    wait_for(lambda: state_of(tab) == "Angehalten")
    assert visible_buttons(tab) == ["#resume"]
    smtp_server.handler.delay = 0
    tab.click("#resume")
    wait_for(lambda: state_of(tab) == "Fertig")
    assert tab.locator("#run-line").inner_text().startswith("26 von 26 versendet")
    assert visible_buttons(tab) == [] and tab.locator("#to-status").is_visible()
    assert len(smtp_server.handler.per_recipient()) == 26
    tab.goto(f"{desk.base}/issues/2020-12")  # sent: read-only, copied to start the next one
    assert "kann hier nicht mehr geändert werden" in tab.locator("#sent-note").inner_text()
    assert tab.locator("#f-subject").count() == 0
    tab.click("#copy-issue")
    assert tab.locator("#f-subject").input_value() == "Newsletter Flüchtlingskoordination – Dezember 2020"


def test_a_send_held_by_the_hourly_limit_waits_with_only_its_stop_button(workdir: Path, smtp_server: SMTPServer,
                                                                        browser) -> None:
    office_list(workdir, 4)
    settings = smtp_server.settings(state_dir=workdir / ".newsletter", concurrency=1, hourly_limit=2)
    with desk_server(workdir, settings) as held:
        page = browser.new_context(locale="de-DE").new_page()
        page.goto(held.login_url)
        page.goto(f"{held.base}/issues/2020-12/send?list=buero")
        assert "2 pro Stunde" in page.locator("#plan-limits").inner_text()
        page.check("#confirm")
        page.click("#start")
        wait_for(lambda: state_of(page) == "Wartet")
        assert page.locator("#run-held").inner_text().startswith("Wartet bis")
        assert visible_buttons(page) == ["#stop"]
        page.click("#stop")
        wait_for(lambda: state_of(page) == "Angehalten")
        page.context.close()


def test_planen_lists_the_send_on_ausgaben_and_absagen_takes_it_back(tab, desk) -> None:
    tab.goto(f"{desk.base}/issues/2020-12/send?list=buero")
    when = (datetime.now() + timedelta(days=2)).replace(hour=9, minute=30, second=0, microsecond=0)
    tab.fill("#at", when.strftime("%Y-%m-%dT%H:%M"))
    tab.check("#confirm")
    tab.click("#plan-send")
    assert "Redaktion muss dann laufen" in tab.locator("#planned-text").inner_text()
    assert visible_buttons(tab) == ["#cancel-plan"]
    tab.goto(f"{desk.base}/")
    assert "buero" in tab.locator("#schedules").inner_text() and "09:30" in tab.locator("#schedules").inner_text()
    tab.goto(f"{desk.base}/issues/2020-12/send")
    tab.click("#cancel-plan")
    assert tab.locator("#planned").count() == 0 and tab.locator("#plan-subject").is_visible()
    with Journal(Path(".newsletter")) as journal:
        assert journal.planned_starts() == []


def test_the_desk_carries_out_a_planned_send_by_its_clock_and_tells_who_planned_it(desk, smtp_server: SMTPServer) -> None:
    clock = FakeClock(datetime.now().astimezone())
    desk.desk.extra.update(clock=clock, tick=0.05)
    client = desk.client()
    page = client.get("/issues/2020-12/send?list=buero").text
    at = (clock.moment + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    answer = client.post("/issues/2020-12/send/plan", data={"csrf": csrf_of(page), "list": "buero", "at": at,
                                                            "notify": "koordination@example.org", "confirm": "yes"})
    assert answer.status_code == 303
    assert smtp_server.handler.received == []
    clock.moment += timedelta(hours=1, minutes=1)
    wait_for(lambda: "koordination@example.org" in smtp_server.handler.per_recipient())
    assert len(smtp_server.handler.per_recipient()) == 27
    told = next(m for m in smtp_server.handler.messages() if m["To"] == "koordination@example.org")
    assert told["Subject"] == "Versendet: 2020-12 an die Liste buero"
    assert "26 von 26 versendet" in told.get_content()
    assert "http://127.0.0.1:8025/issues/2020-12/status" in told.get_content()  # a whole link, NEWSLETTER_DESK_URL's


def test_a_send_the_desk_starts_at_its_planned_time_is_in_the_protokoll_as_the_plans(desk, smtp_server: SMTPServer
                                                                                        ) -> None:
    clock = FakeClock(datetime.now().astimezone())
    desk.desk.extra.update(clock=clock, tick=0.05)
    client = desk.client()
    page = client.get("/issues/2020-12/send?list=buero").text
    at = (clock.moment + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    client.post("/issues/2020-12/send/plan", data={"csrf": csrf_of(page), "list": "buero", "at": at, "confirm": "yes"})
    clock.moment += timedelta(hours=1, minutes=1)

    def started() -> list[tuple[str, str]]:
        with Journal(desk.desk.settings.state_dir, read_only=True) as journal:
            return [(row.actor, row.list) for row in journal.protocol(issue="2020-12", kind="send_started")]

    wait_for(lambda: started() != [] and len(smtp_server.handler.per_recipient()) == 26)
    assert started() == [("plan:desk", "buero")]
    log = client.get("/log").text
    assert "Planung (automatisch)" in log
    assert "Versand an 26 Empfänger gestartet" in log


def test_a_planned_send_whose_time_passed_unseen_is_asked_about_not_sent(desk, smtp_server: SMTPServer) -> None:
    clock = FakeClock(datetime.now().astimezone())
    client = desk.client()
    page = client.get("/issues/2020-12/send?list=buero").text
    at = (clock.moment + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    client.post("/issues/2020-12/send/plan", data={"csrf": csrf_of(page), "list": "buero", "at": at, "confirm": "yes"})
    clock.moment += timedelta(hours=3)  # the laptop slept through it
    desk.desk.extra.update(clock=clock, tick=0.05)
    page = client.get("/issues/2020-12/send").text
    assert "nicht hinausgegangen" in page and 'id="send-now"' in page and 'id="cancel-plan"' in page
    assert 'id="plan-send"' in page  # neu planen
    assert "nicht gesendet, weil die Redaktion nicht lief" in client.get("/").text
    assert smtp_server.handler.received == []
    client.post("/issues/2020-12/send/now", data={"csrf": csrf_of(page)})
    wait_for(lambda: len(smtp_server.handler.per_recipient()) == 26)
