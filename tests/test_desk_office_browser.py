"""Three people at one desk in real Chromium: the writer submits, cannot approve her own change, the approver
approves, an edit afterwards voids it, the sender sends; a person without Versand sees no send button and a
forged POST gets 403; an invitation link sets a password once and not twice."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from composer.office import people
from composer.office.roles import ADMIN, APPROVE, SEND, WRITE, Actor
from composer.state import Journal
from tests.conftest import IN_CHROMIUM, SMTPServer
from tests.deskserver import desk_server
from tests.test_desk_sending import wait_for

pytestmark = IN_CHROMIUM
PASSWORD = "ein langes Passwort"
APPROVAL = "/issues/2020-12/approval?list=volunteers"


@pytest.fixture
def office(workdir: Path, smtp_server: SMTPServer, browser):
    settings = smtp_server.settings(state_dir=workdir / ".newsletter", approval="required")
    with desk_server(workdir, settings) as running:
        with Journal(settings.state_dir) as journal:
            boss = Actor("Büro", None, frozenset({ADMIN}))
            for name, email, roles in (("Erika Schreiber", "writer@example.org", {WRITE, APPROVE}),
                                       ("Ayşe Yilmaz", "approver@example.org", {APPROVE}),
                                       ("Paul Versand", "sender@example.org", {SEND})):
                people.accept(journal, people.add(journal, boss, name, email, frozenset(roles)).token, PASSWORD)
        contexts = []

        def tab(email: str | None = None):
            context = browser.new_context(locale="de-DE")
            contexts.append(context)
            page = context.new_page()
            page.set_default_timeout(15_000)
            if email:
                page.goto(f"{running.base}/login")
                page.fill("#email", email)
                page.fill("#password", PASSWORD)
                page.click("form[action='/login'] button")
                page.wait_for_url(f"{running.base}/")
            return page

        yield running, tab
        for context in contexts:
            context.close()


def test_writer_approver_and_sender_each_do_their_part(office, smtp_server: SMTPServer) -> None:
    desk, tab = office
    writer, approver, sender = tab("writer@example.org"), tab("approver@example.org"), tab("sender@example.org")
    assert writer.locator("#who").inner_text() == "Angemeldet: Erika Schreiber"

    def edit(subject_suffix: str) -> None:
        writer.goto(f"{desk.base}/issues/2020-12")
        writer.fill("#f-subject", writer.input_value("#f-subject") + subject_suffix)
        writer.click("#save")
        writer.wait_for_url(re.compile(r".*note=saved"))

    edit(" ")
    writer.goto(desk.base + APPROVAL)
    writer.click("#submit")
    writer.wait_for_selector("text=Zur Freigabe vorgelegt von Erika Schreiber.")
    writer.click("#approve")
    assert "Sie haben die Ausgabe zuletzt geändert" in writer.locator("#approval-problem").inner_text()

    notice = next(m for m in smtp_server.handler.messages() if m["To"] == "Ayşe Yilmaz <approver@example.org>")
    approver.goto(re.search(r"http://\S+/approval\?list=volunteers", notice.get_content()).group(0))
    approver.fill("#comment", "Passt.")
    approver.click("#approve")
    assert approver.locator("#approval-state").inner_text() == "Freigegeben von Ayşe Yilmaz."

    edit(" (neu)")
    approver.goto(desk.base + APPROVAL)
    assert approver.locator("#approval-state").inner_text() == (
        "Geändert nach der Freigabe durch Erika Schreiber – neue Freigabe nötig.")
    approver.click("#approve")

    writer.goto(f"{desk.base}/issues/2020-12/send?list=volunteers")
    assert writer.locator("#start").count() == 0
    forged = writer.evaluate("""async () => {
        const csrf = document.querySelector("input[name=csrf]").value;
        const r = await fetch("/issues/2020-12/send", {method: "POST", body: new URLSearchParams(
            {csrf, list: "volunteers", confirm: "yes"})});
        return [r.status, await r.text()]; }""")
    assert forged[0] == 403 and "darf nicht den Versand an eine Liste starten" in forged[1]

    sender.goto(f"{desk.base}/issues/2020-12/send?list=volunteers")
    assert "Freigegeben von Ayşe Yilmaz." in sender.locator("#send-approval").inner_text()
    sender.check("#confirm")
    sender.click("#start")
    wait_for(lambda: any(m["To"] and "example.org" in m["To"] and m["Subject"].startswith("Newsletter")
                         for m in smtp_server.handler.messages()))
    sender.goto(f"{desk.base}/log")
    log = sender.locator("#log").inner_text()
    assert "Paul Versand" in log and "Ayşe Yilmaz" in log and "Erika Schreiber" in log


def test_an_invitation_link_sets_a_password_once_and_not_twice(office, smtp_server: SMTPServer) -> None:
    desk, tab = office
    boss = tab()
    boss.goto(desk.login_url)
    boss.goto(f"{desk.base}/people")
    boss.fill("#person-name", "Neue Person")
    boss.fill("#person-email", "neu@example.org")
    boss.check("input[name=role][value=redaktion]")
    boss.click("#add-person button")
    assert "Neue Person ist eingeladen" in boss.locator("#people-note").inner_text()
    mail = next(m for m in smtp_server.handler.messages() if m["To"] == "Neue Person <neu@example.org>")
    link = re.search(r"http://\S+/invitation/\S+", mail.get_content()).group(0)

    guest = tab()
    guest.goto(link)
    guest.fill("#password", "mein neues Passwort")
    guest.fill("#again", "mein neues Passwort")
    guest.click("form button")
    assert guest.locator("#who").inner_text() == "Angemeldet: Neue Person"
    again = tab()
    response = again.goto(link)
    assert response.status == 410 and again.locator("#password").count() == 0
