"""Rights at the desk over real HTTP, without a browser: a forged POST is refused by the server. The whole path of
three people is tests/test_desk_office_browser.py."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from conftest import SMTPServer

from composer.office import people
from composer.office.roles import ADMIN, APPROVE, SEND, WRITE, Actor
from composer.state import Journal
from tests.deskserver import Running, csrf_of, desk_server

PASSWORD = "ein langes Passwort"


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


def test_a_person_without_the_sending_right_sees_no_send_button_and_a_forged_post_is_refused(office: Running,
                                                                                            smtp_server: SMTPServer) -> None:
    writer = person(office, "writer@example.org")
    page = writer.get("/issues/2020-12/send?list=volunteers").text
    assert 'id="start"' not in page
    forged = writer.post("/issues/2020-12/send", data={"csrf": csrf_of(page), "list": "volunteers", "confirm": "yes"})
    assert forged.status_code == 403
    assert "Erika Schreiber darf nicht den Versand an eine Liste starten, anhalten oder planen" in forged.text
    assert smtp_server.handler.messages() == []
