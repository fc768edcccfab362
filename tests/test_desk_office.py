"""Three people at one desk over real HTTP (uvicorn, aiosmtpd): the writer submits, the approver approves, the
sender sends; rights are refused by the server; an edit after the approval voids it; an invitation sets a
password once."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup
from conftest import SMTPServer

from composer.office import people
from composer.office.roles import ADMIN, APPROVE, SEND, WRITE, Actor
from composer.state import Journal
from tests.deskserver import Running, csrf_of, desk_server
from tests.test_desk_editor import form_fields

PASSWORD = "ein langes Passwort"
APPROVAL = "/issues/2020-12/approval?list=volunteers"


@pytest.fixture
def office(workdir: Path, smtp_server: SMTPServer):
    settings = smtp_server.settings(state_dir=workdir / ".newsletter", approval="required")
    with desk_server(workdir, settings) as running:
        with Journal(settings.state_dir) as journal:
            boss = Actor("Büro", None, frozenset({ADMIN}))
            for name, email, roles in (("Erika Schreiber", "writer@example.org", {WRITE, APPROVE}),
                                       ("Ayşe Yilmaz", "approver@example.org", {APPROVE}),
                                       ("Paul Versand", "sender@example.org", {SEND})):
                invitation = people.add(journal, boss, name, email, frozenset(roles))
                people.accept(journal, invitation.token, PASSWORD)
        yield running


def person(running: Running, email: str) -> httpx.Client:
    client = httpx.Client(base_url=running.base, headers={"Origin": running.base, "Accept-Language": "de"}, timeout=30)
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 303
    return client


def save(client: httpx.Client, text: str = "") -> None:
    fields = form_fields(client.get("/issues/2020-12").text)
    if text:
        fields["subject"] = fields["subject"] + text
    assert client.post("/issues/2020-12", data=fields).status_code == 303


def decide(client: httpx.Client, decision: str) -> httpx.Response:
    page = client.get(APPROVAL).text
    seen = BeautifulSoup(page, "html.parser").find("input", attrs={"name": "seen"})["value"]
    return client.post("/issues/2020-12/approval", data={"csrf": csrf_of(page), "list": "volunteers", "seen": seen,
                                                         "decision": decision, "comment": ""})


def test_the_writer_submits_the_approver_approves_and_the_sender_sends(office: Running, smtp_server: SMTPServer) -> None:
    writer, approver, sender = (person(office, f"{who}@example.org") for who in ("writer", "approver", "sender"))
    save(writer)
    assert "Angemeldet: Erika Schreiber" in writer.get("/").text
    page = writer.get(APPROVAL).text
    assert writer.post("/issues/2020-12/submit", data={"csrf": csrf_of(page), "list": "volunteers"}).status_code == 303
    notices = [m for m in smtp_server.handler.messages() if m["Subject"] == "Bitte um Freigabe: 2020-12"]
    # every approver but the submitter herself: the first account (all roles) and Frau Yilmaz
    assert sorted(m["To"] for m in notices) == ["Ayşe Yilmaz <approver@example.org>", "Büro <kontakt@example.org>"]
    link = re.search(r"http://127\.0\.0\.1:\d+(/issues/2020-12/approval\?list=volunteers)", notices[0].get_content())
    assert link and approver.get(link.group(1)).status_code == 200

    own = decide(writer, "approve")
    assert own.status_code == 403 and "Sie haben die Ausgabe zuletzt geändert" in own.text
    assert decide(approver, "approve").status_code == 303
    assert "Freigegeben von Ayşe Yilmaz." in sender.get("/issues/2020-12/send?list=volunteers").text

    send_page = sender.get("/issues/2020-12/send?list=volunteers").text
    assert 'id="start"' in send_page
    started = sender.post("/issues/2020-12/send", data={"csrf": csrf_of(send_page), "list": "volunteers", "confirm": "yes"})
    assert started.status_code == 303
    log = sender.get("/log").text
    for said in ("Versand an", "Für die Liste volunteers freigegeben", "zur Freigabe vorgelegt"):
        assert said in log


def test_a_person_without_the_sending_right_sees_no_send_button_and_a_forged_post_is_refused(office: Running,
                                                                                            smtp_server: SMTPServer) -> None:
    writer = person(office, "writer@example.org")
    page = writer.get("/issues/2020-12/send?list=volunteers").text
    assert 'id="start"' not in page
    forged = writer.post("/issues/2020-12/send", data={"csrf": csrf_of(page), "list": "volunteers", "confirm": "yes"})
    assert forged.status_code == 403
    assert "Erika Schreiber darf nicht den Versand an eine Liste starten, anhalten oder planen" in forged.text
    assert not [m for m in smtp_server.handler.messages() if m["Subject"] != "Bitte um Freigabe: 2020-12"]


def test_an_edit_after_the_approval_voids_it(office: Running) -> None:
    writer, approver = person(office, "writer@example.org"), person(office, "approver@example.org")
    save(writer)
    assert decide(approver, "approve").status_code == 303
    save(writer, " (neu)")
    page = approver.get(APPROVAL).text
    assert "Geändert nach der Freigabe durch Erika Schreiber – neue Freigabe nötig." in page


def test_an_invitation_link_sets_a_password_once_and_not_twice(office: Running, smtp_server: SMTPServer) -> None:
    boss = office.client()  # the login link: the first account, with every role
    page = boss.get("/people").text
    added = boss.post("/people", data={"csrf": csrf_of(page), "name": "Neue Person", "email": "neu@example.org",
                                       "role": ["redaktion"]})
    assert added.status_code == 200 and "Neue Person ist eingeladen" in added.text
    [mail] = [m for m in smtp_server.handler.messages() if m["To"] == "Neue Person <neu@example.org>"]
    path = re.search(r"http://127\.0\.0\.1:\d+(/invitation/\S+)", mail.get_content()).group(1)
    guest = httpx.Client(base_url=office.base, headers={"Origin": office.base}, timeout=30)
    assert guest.get(path).status_code == 200
    first = guest.post(path, data={"password": "mein neues Passwort", "again": "mein neues Passwort"})
    assert first.status_code == 303 and "Angemeldet: Neue Person" in guest.get("/").text
    other = httpx.Client(base_url=office.base, headers={"Origin": office.base}, timeout=30)
    assert other.post(path, data={"password": "ein anderes Passwort", "again": "ein anderes Passwort"}).status_code == 410
