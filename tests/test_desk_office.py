"""Rights at the desk over real HTTP, without a browser: a forged POST is refused by the server. The whole path of
three people is tests/test_desk_office_browser.py."""

from __future__ import annotations

import functools
from pathlib import Path

import httpx
from argon2 import PasswordHasher
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from conftest import FaultyHandler, SMTPServer, free_port

from composer.i18n import message
from composer.office import people, protocol
from composer.office.roles import ADMIN, APPROVE, SEND, WRITE, Actor
from composer.state import Journal
from tests.deskserver import Running, csrf_of, desk_server

PASSWORD = "ein langes Passwort"


@functools.cache
def hashed() -> str:
    """PASSWORD's argon2 hash, made once: hashing is slow on purpose."""
    return PasswordHasher().hash(PASSWORD)


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
                journal.update_person(invitation.person.id, password=hashed())  # as the invitation link sets it
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


def owner(running: Running) -> tuple[httpx.Client, str]:
    """The first account (every role, the only one with Verwaltung), logged in by the desk's link; and a CSRF token."""
    client = running.client()
    client.headers["Accept-Language"] = "de"
    return client, csrf_of(client.get("/people").text)


def test_a_settings_change_is_logged_by_the_names_of_the_settings_never_with_a_password(
        office: Running, smtp_server: SMTPServer, workdir: Path) -> None:
    port = free_port()  # a server that takes any login: the changed password is tried before it is saved
    relay = Controller(FaultyHandler(), hostname="127.0.0.1", port=port, auth_require_tls=False,
                       authenticator=lambda *_: AuthResult(success=True))
    relay.start()
    env = {**smtp_server.env(), "NEWSLETTER_SMTP_PORT": str(port), "NEWSLETTER_SMTP_USERNAME": "buero",
           "NEWSLETTER_SMTP_ALLOW_PLAINTEXT_AUTH": "true"}
    (workdir / ".env").write_text("".join(f"{k}={v}\n" for k, v in env.items()), encoding="utf-8")
    client, csrf = owner(office)
    try:
        saved = client.post("/settings/save", data={"csrf": csrf, "from_name": "Stadtteilbüro Nord",
                                                    "smtp_password": "streng-geheim-42"})
    finally:
        relay.stop()
    assert saved.status_code == 200, saved.text
    assert "NEWSLETTER_SMTP_PASSWORD=streng-geheim-42" in (workdir / ".env").read_text(encoding="utf-8")
    with Journal(office.desk.settings.state_dir) as journal:
        [entry] = journal.protocol(kind="setting_changed")
        everything = repr(journal.protocol())
    assert entry.params == {"names": "NEWSLETTER_FROM_NAME, NEWSLETTER_SMTP_PASSWORD"}
    assert "streng-geheim" not in everything and "Stadtteilbüro Nord" not in everything
    log = client.get("/log").text
    assert "Einstellungen geändert: NEWSLETTER_FROM_NAME, NEWSLETTER_SMTP_PASSWORD" in log


def test_setting_the_desk_password_in_einstellungen_is_logged(office: Running) -> None:
    client, csrf = owner(office)
    answer = client.post("/settings/password", data={"csrf": csrf, "new_password": "ein neues Passwort",
                                                     "repeat_password": "ein neues Passwort"})
    assert answer.status_code == 200
    with Journal(office.desk.settings.state_dir) as journal:
        entries = journal.protocol(kind="password_set")
    [entry] = [e for e in entries if e.msgid == "Set the desk password"]
    assert entry.actor == "Büro" and "neues" not in repr(entries)


def test_roles_are_changed_in_place_and_logged(office: Running) -> None:
    client, csrf = owner(office)
    with Journal(office.desk.settings.state_dir) as journal:
        writer = journal.person_by_email("writer@example.org")
    changed = client.post("/people/roles", data={"csrf": csrf, "id": str(writer.id), "role": ["redaktion", "versand"]})
    assert changed.status_code == 303
    page = client.get("/people").text
    assert "<td>Erika Schreiber</td><td>writer@example.org</td><td>Redaktion, Versand</td>" in page
    with Journal(office.desk.settings.state_dir) as journal:
        assert journal.person_by_email("writer@example.org").roles == {WRITE, SEND}
        [entry] = journal.protocol(kind="roles_changed")
    assert entry.params == {"name": "Erika Schreiber", "roles": "Redaktion, Versand"}
    assert "Erika Schreiber hat jetzt die Rollen Redaktion, Versand" in client.get("/log").text


def test_the_last_person_with_verwaltung_cannot_lose_it_and_others_cannot_change_roles(office: Running) -> None:
    client, csrf = owner(office)
    refused = client.post("/people/roles", data={"csrf": csrf, "id": "1", "role": ["redaktion"]})
    assert refused.status_code == 400
    assert "ist die letzte Person mit der Rolle Verwaltung und behält sie" in refused.text
    writer = person(office, "writer@example.org")
    page = writer.get("/people").text
    assert "/people/roles" not in page
    forged = writer.post("/people/roles", data={"csrf": csrf_of(page), "id": "2", "role": ["verwaltung"]})
    assert forged.status_code == 403
    with Journal(office.desk.settings.state_dir) as journal:
        assert ADMIN in journal.person_by_id(1).roles and ADMIN not in journal.person_by_email("writer@example.org").roles
        assert journal.protocol(kind="roles_changed") == []


def test_starting_an_issue_and_saving_a_kept_version_count_as_changes_in_the_log(office: Running, workdir: Path) -> None:
    from composer.issue.saving import keep_conflict

    client, csrf = owner(office)
    assert client.post("/new", data={"csrf": csrf, "name": "2021-01"}).status_code == 303
    text = (workdir / "issues/2020-12.md").read_text(encoding="utf-8").replace("subject:", "subject: Neu", 1)
    kept = keep_conflict(office.desk.settings.state_dir / "desk-conflicts", "2020-12", text)
    assert client.post("/issues/2020-12/resolve", data={"csrf": csrf, "kept": kept.name}).status_code == 303
    with Journal(office.desk.settings.state_dir) as journal:
        started, resolved = journal.protocol(kind="saved")
    assert (started.issue, started.actor, started.params) == ("2021-01", "Büro", {"source": "2020-12"})
    assert (resolved.issue, resolved.msgid) == ("2020-12", "Saved the kept version of the issue")


def test_a_wrong_desk_password_is_logged_as_a_failed_login(office: Running) -> None:
    client = httpx.Client(base_url=office.base, headers={"Origin": office.base}, timeout=30)
    assert client.post("/login", data={"password": "falsch geraten"}).status_code == 401
    with Journal(office.desk.settings.state_dir) as journal:
        [entry] = journal.protocol(kind="login_failed")
    assert (entry.actor, entry.msgid) == ("127.0.0.1", "Login with the desk password failed")
    assert "falsch" not in repr(entry)


def test_an_invitation_from_the_laptops_desk_says_its_link_opens_only_on_this_computer(office: Running,
                                                                                        smtp_server: SMTPServer) -> None:
    client, csrf = owner(office)
    page = client.post("/people", data={"csrf": csrf, "name": "Jana Neu", "email": "jana@example.org", "role": "redaktion"})
    assert "Jana Neu ist eingeladen" in page.text and "öffnet sich nur hier" in page.text
    [mail] = [m for m in smtp_server.handler.messages() if m["To"].addresses[0].addr_spec == "jana@example.org"]
    assert f"{office.base}/invitation/" in mail.get_body(("plain",)).get_content()


def test_the_desks_address_for_colleagues_is_set_in_einstellungen_and_used_in_the_next_invitation(
        office: Running, smtp_server: SMTPServer, workdir: Path) -> None:
    client, csrf = owner(office)
    settings = client.get("/settings").text
    assert 'name="desk_url"' in settings and "Adresse der Redaktion für Kolleginnen und Kollegen" in settings
    saved = client.post("/settings/save", data={"csrf": csrf, "desk_url": "https://redaktion.example.org/redaktion"})
    assert saved.status_code == 200, saved.text
    assert "NEWSLETTER_DESK_URL=https://redaktion.example.org/redaktion" in (workdir / ".env").read_text(encoding="utf-8")
    page = client.post("/people", data={"csrf": csrf, "name": "Jana Neu", "email": "jana@example.org", "role": "redaktion"})
    assert "Jana Neu ist eingeladen" in page.text and "öffnet sich nur hier" not in page.text
    [mail] = [m for m in smtp_server.handler.messages() if m["To"].addresses[0].addr_spec == "jana@example.org"]
    assert "https://redaktion.example.org/redaktion/invitation/" in mail.get_body(("plain",)).get_content()


def test_the_protokoll_shows_its_times_in_the_offices_time_zone_not_the_servers(workdir: Path,
                                                                               smtp_server: SMTPServer) -> None:
    """A hosted desk's server may run on UTC while the office plans in Europe/Berlin: one clock for both."""
    settings = smtp_server.settings(state_dir=workdir / ".newsletter", time_zone="Pacific/Kiritimati")  # UTC+14
    with Journal(settings.state_dir) as journal:
        protocol.record(journal, Actor("Erika Schreiber"), "saved", message("Saved the issue"), "2020-12",
                        now=1_700_000_000.0)  # 22:13 UTC on 14 November 2023, 12:13 on the 15th at UTC+14
    with desk_server(workdir, settings) as running:
        client, _ = owner(running)
        assert "15.11.2023 12:13" in client.get("/log").text


def test_the_person_who_made_the_last_change_is_offered_no_approve_button(office: Running) -> None:
    with Journal(office.desk.settings.state_dir) as journal:
        writer = journal.person_by_email("writer@example.org")
        protocol.record(journal, people.actor_of(writer), "saved", message("Saved the issue"), "2020-12")
    page = person(office, "writer@example.org").get("/issues/2020-12/approval?list=volunteers").text
    assert 'id="approve"' not in page and 'id="return"' in page
    assert "eine andere Person muss sie freigeben" in page
    assert 'id="approve"' in person(office, "approver@example.org").get("/issues/2020-12/approval?list=volunteers").text


def test_a_person_without_verwaltung_changes_her_own_password_in_einstellungen(office: Running) -> None:
    approver = person(office, "approver@example.org")
    page = approver.get("/settings").text
    assert 'action="/me/password"' in page and "approver@example.org" in page
    wrong = approver.post("/me/password", data={"csrf": csrf_of(page), "current_password": "falsch",
                                                "new_password": "Neues-Passwort-2027", "repeat_password": "Neues-Passwort-2027"})
    assert wrong.status_code == 422 and "Das ist nicht das bisherige Passwort." in wrong.text
    changed = approver.post("/me/password", data={"csrf": csrf_of(page), "current_password": PASSWORD,
                                                  "new_password": "Neues-Passwort-2027",
                                                  "repeat_password": "Neues-Passwort-2027"})
    assert changed.status_code == 200 and "Ihr Passwort ist geändert" in changed.text
    fresh = httpx.Client(base_url=office.base, headers={"Origin": office.base})
    assert fresh.post("/login", data={"email": "approver@example.org", "password": PASSWORD}).status_code == 401
    assert fresh.post("/login", data={"email": "approver@example.org", "password": "Neues-Passwort-2027"}).status_code == 303
    with Journal(office.desk.settings.state_dir) as journal:
        assert [e.actor for e in journal.protocol(kind="password_set")] == ["Ayşe Yilmaz"]


def test_the_first_account_sets_its_password_once_under_anmeldung_not_twice(office: Running) -> None:
    client, _ = owner(office)
    page = client.get("/settings").text
    assert 'action="/settings/password"' in page and 'action="/me/password"' not in page
    forged = client.post("/me/password", data={"csrf": csrf_of(page), "new_password": "Neues-Passwort-2027",
                                               "repeat_password": "Neues-Passwort-2027"})
    assert forged.status_code == 422 and "unter Einstellungen › Anmeldung fest" in forged.text
    assert 'class="error" role="alert" id="said"' in forged.text
