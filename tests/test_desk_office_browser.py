"""Three people at one desk in real Chromium: the writer submits, cannot approve her own change, the approver
approves, an edit afterwards voids it, the sender sends; an invitation link sets a password once and not twice.
One desk, one mail server and one browser serve the whole module; what needs no browser (a forged POST refused
with 403, a used link answering 410) is asked over HTTP, here or in tests/test_desk_office.py."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
from aiosmtpd.controller import Controller
from argon2 import PasswordHasher

from composer.config.folder import SAMPLE
from composer.desk.access import SESSION_COOKIE
from composer.office import people
from composer.office.roles import ADMIN, APPROVE, SEND, WRITE, Actor
from composer.state import Journal
from tests.conftest import IN_CHROMIUM, FaultyHandler, SMTPServer, free_port
from tests.deskserver import Running, desk_server
from tests.test_desk_sending import wait_for

pytestmark = IN_CHROMIUM
PASSWORD = "ein langes Passwort"
APPROVAL = "/issues/2020-12/approval?list=volunteers"


@dataclass
class Office:
    desk: Running
    smtp: SMTPServer
    tab: Callable[..., object]  # a new browser context's page, logged in as the person with that address (or not)


@pytest.fixture(scope="module")
def office(browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    folder = tmp_path_factory.mktemp("office")
    shutil.copytree(SAMPLE / "issues", folder / "issues")
    shutil.copytree(SAMPLE / "subscribers", folder / "subscribers")
    handler, port = FaultyHandler(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, data_size_limit=10_000_000)
    controller.start()
    smtp = SMTPServer(handler, port)
    contexts = []
    with pytest.MonkeyPatch.context() as patch:
        for name in [name for name in os.environ if name.startswith("NEWSLETTER_")]:
            patch.delenv(name)
        patch.chdir(folder)
        settings = smtp.settings(state_dir=folder / ".newsletter", approval="required")
        with desk_server(folder, settings) as running:
            hashed = PasswordHasher().hash(PASSWORD)  # once: hashing is slow on purpose
            with Journal(settings.state_dir) as journal:
                boss = Actor("Büro", None, frozenset({ADMIN}))
                for name, email, roles in (("Erika Schreiber", "writer@example.org", {WRITE, APPROVE}),
                                           ("Ayşe Yilmaz", "approver@example.org", {APPROVE}),
                                           ("Paul Versand", "sender@example.org", {SEND})):
                    added = people.add(journal, boss, name, email, frozenset(roles))
                    journal.update_person(added.person.id, password=hashed)  # as their invitation link sets it

            def tab(email: str | None = None, by_form: bool = False):
                context = browser.new_context(locale="de-DE")
                contexts.append(context)
                page = context.new_page()
                page.set_default_timeout(15_000)
                if email and by_form:
                    page.goto(f"{running.base}/login")
                    page.fill("#email", email)
                    page.fill("#password", PASSWORD)
                    page.click("form[action='/login'] button")
                    page.wait_for_url(f"{running.base}/")
                elif email:  # a session as a login makes it, without the page and the slow password hash again
                    with Journal(settings.state_dir, read_only=True) as journal:
                        found = journal.person_by_email(email)
                    assert found is not None
                    context.add_cookies([{"name": SESSION_COOKIE, "value": running.desk.access.new_session(str(found.id)),
                                          "url": running.base}])
                return page

            yield Office(running, smtp, tab)
            for context in contexts:
                context.close()
    controller.stop()


def test_writer_approver_and_sender_each_do_their_part(office: Office) -> None:
    desk, smtp = office.desk, office.smtp
    writer = office.tab("writer@example.org", by_form=True)
    approver, sender = office.tab("approver@example.org"), office.tab("sender@example.org")
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
    assert writer.locator("#approve").count() == 0  # her own change: no button, and the page says why
    assert "Sie haben die Ausgabe zuletzt geändert" in writer.locator("#not-yours").inner_text()

    notice = next(m for m in smtp.handler.messages() if m["To"] == "Ayşe Yilmaz <approver@example.org>")
    approver.goto(re.search(r"http://\S+/approval\?list=volunteers", notice.get_content()).group(0))
    approver.fill("#comment", "Passt.")
    approver.click("#approve")
    assert approver.locator("#approval-state").inner_text() == "Freigegeben von Ayşe Yilmaz."

    edit(" (neu)")
    approver.goto(desk.base + APPROVAL)
    assert approver.locator("#approval-state").inner_text() == (
        "Erika Schreiber hat die Ausgabe nach der Freigabe geändert – neue Freigabe nötig.")
    approver.click("#approve")
    approver.wait_for_selector("#approval-state:text-is('Freigegeben von Ayşe Yilmaz.')")

    sender.goto(f"{desk.base}/issues/2020-12/send?list=volunteers")
    assert "Freigegeben von Ayşe Yilmaz." in sender.locator("#send-approval").inner_text()
    sender.check("#confirm")
    sender.click("#start")
    wait_for(lambda: sum(1 for m in smtp.handler.messages() if m["Subject"].startswith("Newsletter")) == 8)
    sender.wait_for_selector("#progress[data-state=finished]")  # the page reloads itself when the run ends
    sender.goto(f"{desk.base}/log")
    log = sender.locator("#log").inner_text()
    assert "Paul Versand" in log and "Ayşe Yilmaz" in log and "Erika Schreiber" in log


def test_an_invitation_link_sets_a_password_once_and_not_twice(office: Office) -> None:
    desk, smtp = office.desk, office.smtp
    boss = office.tab()
    boss.goto(desk.login_url)
    boss.goto(f"{desk.base}/people")
    boss.fill("#person-name", "Neue Person")
    boss.fill("#person-email", "neu@example.org")
    boss.check("#add-person input[name=role][value=redaktion]")
    boss.click("#add-person button")
    assert "Neue Person ist eingeladen" in boss.locator("#people-note").inner_text()
    mail = next(m for m in smtp.handler.messages() if m["To"] == "Neue Person <neu@example.org>")
    link = re.search(r"http://\S+/invitation/\S+", mail.get_content()).group(0)

    guest = office.tab()
    guest.goto(link)
    guest.fill("#password", "mein neues Passwort")
    guest.fill("#again", "mein neues Passwort")
    guest.click("form button")
    assert guest.locator("#who").inner_text() == "Angemeldet: Neue Person"
    again = httpx.get(link)
    assert again.status_code == 410 and 'id="password"' not in again.text
