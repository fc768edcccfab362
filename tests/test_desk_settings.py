"""Einstellungen: the settings in effect with their sources, and "Verbindung testen" against real servers."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from composer.checks.connection import try_imap, try_smtp
from composer.desk.words import SETTINGS
from composer.i18n import translate
from composer.config.settings import Settings, load_settings
from tests.conftest import SMTPServer, free_port
from tests.deskserver import csrf_of, desk_server
from tests import test_inbox, test_provider
from tests.test_inbox import PASSWORD as IMAP_PASSWORD
from tests.test_inbox import USER as IMAP_USER
from tests.test_inbox import needs_dovecot
from tests.test_provider import TLSServer

# The real servers of the inbox and provider tests: dovecot, and aiosmtpd with STARTTLS or TLS and a login.
imap, pki, tls_server = test_inbox.imap, test_provider.pki, test_provider.tls_server

SMTP_PASSWORD = "Sehr-Geheim-42"


def steps(trial) -> dict[str, str]:
    return {s.name: s.outcome for s in trial.steps}


def test_settings_page_names_each_source_and_never_shows_a_password(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Path(".env").write_text(f"NEWSLETTER_SMTP_HOST=mail.example.org\nNEWSLETTER_SMTP_USERNAME=buero\n"
                            f"NEWSLETTER_SMTP_PASSWORD={SMTP_PASSWORD}\nNEWSLETTER_FROM_ADDRESS=kontakt@example.org\n")
    monkeypatch.setenv("NEWSLETTER_RATE_LIMIT", "60")
    settings = load_settings(Path(".env"), state_dir=workdir / ".newsletter")
    with desk_server(workdir, settings) as desk:
        html = desk.client().get("/settings").text
    rows = {tr.select("td")[0].text: [td.text.strip() for td in tr.select("td")[1:]]
            for tr in BeautifulSoup(html, "html.parser").select("#settings tbody tr")}
    assert rows["NEWSLETTER_SMTP_HOST"] == ["mail.example.org", "Datei .env"]
    assert rows["NEWSLETTER_RATE_LIMIT"][1] == "Umgebungsvariable" and rows["NEWSLETTER_RATE_LIMIT"][0].startswith("60")
    assert rows["NEWSLETTER_CONCURRENCY"][1] == "Voreinstellung"
    assert rows["NEWSLETTER_SIGNUP_HOURLY_CAP"][0].startswith("50Bestätigungsmails in beliebigen 60 Minuten")
    assert rows["NEWSLETTER_SIGNUP_DAILY_CAP"][0].startswith("200") and rows["NEWSLETTER_SIGNUP_DAILY_CAP"][1] == "Voreinstellung"
    assert rows["NEWSLETTER_SMTP_PORT"][0] == "587"
    assert rows["NEWSLETTER_SMTP_PASSWORD"] == ["gesetzt (wird nicht angezeigt)", "Datei .env"]
    assert rows["NEWSLETTER_IMAP_PASSWORD"][0] == "nicht gesetzt"
    assert SMTP_PASSWORD not in html and "*" * len(SMTP_PASSWORD) not in html and "•" not in html


def settings_rows(html: str) -> dict[str, tuple[str, str]]:
    """Each setting's value and the note under it, as the page shows them."""
    rows = {}
    for tr in BeautifulSoup(html, "html.parser").select("#settings tbody tr"):
        cell = tr.select("td")[1]
        note = cell.select_one(".note")
        rows[tr.select("td")[0].text] = (cell.text.removesuffix(note.text if note else ""), note.text if note else "")
    return rows


def test_every_setting_the_library_describes_is_in_the_catalogue_in_its_own_words() -> None:
    described = {f"NEWSLETTER_{name.upper()}": info.description for name, info in Settings.model_fields.items()
                 if info.description}
    assert described == SETTINGS
    assert all(translate("de", text) != text for text in SETTINGS.values())


def test_the_german_settings_page_describes_the_settings_in_german(workdir: Path) -> None:
    with desk_server(workdir, load_settings(None, state_dir=workdir / ".newsletter")) as desk:
        rows = settings_rows(desk.client().get("/settings").text)
    assert rows["NEWSLETTER_RATE_LIMIT"][1] == "Nachrichten pro Minute über alle Verbindungen; 0 = keine Grenze"
    english = {name for name, info in Settings.model_fields.items() if info.description
               and info.description in {note for _, note in rows.values()}}
    assert not english, english


def test_the_german_settings_page_writes_yes_no_and_a_decimal_comma(workdir: Path) -> None:
    with desk_server(workdir, load_settings(None, state_dir=workdir / ".newsletter", retry_base_delay=2.5)) as desk:
        html = desk.client().get("/settings").text
    rows = settings_rows(html)
    assert rows["NEWSLETTER_VERP"][0] == "nein (false)" and rows["NEWSLETTER_RETRY_BASE_DELAY"][0] == "2,5"
    assert rows["NEWSLETTER_SMTP_TIMEOUT"][0] == "30,0" and rows["NEWSLETTER_CONCURRENCY"][0] == "4"
    assert "Dezimalzahlen mit Punkt" in html


def test_the_english_settings_page_keeps_the_settings_own_words(workdir: Path) -> None:
    with desk_server(workdir, load_settings(None, state_dir=workdir / ".newsletter")) as desk:
        rows = settings_rows(desk.client().get("/settings", headers={"Accept-Language": "en"}).text)
    assert rows["NEWSLETTER_RATE_LIMIT"] == ("300.0", "messages per minute over all connections; 0 = no limit")
    assert rows["NEWSLETTER_VERP"][0] == "False"


def test_the_german_connection_test_without_a_server_says_what_is_missing_in_german(workdir: Path) -> None:
    with desk_server(workdir, load_settings(None, state_dir=workdir / ".newsletter")) as desk:
        client = desk.client()
        response = client.post("/settings/test", data={"csrf": csrf_of(client.get("/settings").text), "service": "smtp"})
    page = BeautifulSoup(response.text, "html.parser")
    assert page.select_one("#trial-title").text == "Versand-Server (SMTP)"
    assert page.select_one("#step-settings").text == "Einstellungen: fehlgeschlagen (NEWSLETTER_SMTP_HOST nicht gesetzt)"


def test_smtp_test_with_tls_and_login_passes_every_step_and_sends_nothing(tls_server: TLSServer) -> None:
    trial = asyncio.run(try_smtp(tls_server.settings().smtp))
    assert trial.ok and steps(trial) == {"connect": "ok", "tls": "ok", "login": "ok", "quit": "ok"}
    assert tls_server.handler.received == []


def test_smtp_test_names_the_login_step_when_the_password_is_refused(tls_server: TLSServer) -> None:
    trial = asyncio.run(try_smtp(tls_server.settings(smtp_password="falsch").smtp))
    assert trial.failed.name == "login" and "535" in trial.failed.detail
    assert "NEWSLETTER_SMTP_PASSWORD" in trial.failed.advice and "falsch" not in str(trial)


def test_smtp_test_names_the_tls_step_without_the_private_ca(tls_server: TLSServer) -> None:
    trial = asyncio.run(try_smtp(tls_server.settings(smtp_ca_file=None).smtp))
    assert trial.failed.name == "tls" and "NEWSLETTER_SMTP_CA_FILE" in trial.failed.advice


def test_smtp_test_names_the_connect_step_when_nothing_listens() -> None:
    trial = asyncio.run(try_smtp(load_settings(None, smtp_host="127.0.0.1", smtp_port=free_port(), smtp_security="none").smtp))
    assert steps(trial) == {"connect": "failed"} and "NEWSLETTER_SMTP_PORT" in trial.failed.advice


def test_desk_connection_test_against_the_test_server_succeeds(workdir: Path, smtp_server: SMTPServer) -> None:
    with desk_server(workdir, smtp_server.settings(state_dir=workdir / ".newsletter")) as desk:
        client = desk.client()
        response = client.post("/settings/test", data={"csrf": csrf_of(client.get("/settings").text), "service": "smtp"})
    page = BeautifulSoup(response.text, "html.parser")
    assert response.status_code == 200 and page.select_one("#trial [role=status]").text == "Die Verbindung funktioniert."
    assert "übersprungen" in page.select_one("#step-login").text and "in Ordnung" in page.select_one("#step-quit").text
    assert smtp_server.handler.received == []


def test_desk_connection_test_says_which_step_failed_in_german(workdir: Path, tls_server: TLSServer) -> None:
    settings = tls_server.settings(smtp_password="falsch", state_dir=workdir / ".newsletter")
    with desk_server(workdir, settings) as desk:
        client = desk.client()
        response = client.post("/settings/test", data={"csrf": csrf_of(client.get("/settings").text), "service": "smtp"})
    alert = BeautifulSoup(response.text, "html.parser").select_one("#trial-failed").text
    assert response.status_code == 422 and "beim Schritt „Anmeldung“" in alert and "App-Passwort" in alert
    assert "falsch" not in response.text


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that takes the connection and never speaks, as a TLS port does to a client waiting for a greeting."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()[1]


def test_a_port_that_never_answers_is_said_as_such_and_not_waited_for_a_whole_send_timeout(silent_port: int) -> None:
    smtp = load_settings(None, smtp_host="127.0.0.1", smtp_port=silent_port, smtp_timeout=30.0).smtp
    trial = asyncio.run(try_smtp(smtp, seconds=0.3))
    assert steps(trial) == {"connect": "failed"} and trial.failed.reason == "no_answer"
    assert "465" in trial.failed.advice and "NEWSLETTER_SMTP_SECURITY" in trial.failed.advice


def test_an_imap_port_that_never_answers_is_said_as_such(silent_port: int) -> None:
    imap = load_settings(None, imap_host="127.0.0.1", imap_port=silent_port, imap_username=IMAP_USER,
                         imap_password=IMAP_PASSWORD).imap
    trial = try_imap(imap, timeout=0.3)
    assert steps(trial) == {"connect": "failed"} and trial.failed.reason == "no_answer" and "993" in trial.failed.advice


def test_the_desk_says_in_german_to_check_the_port_with_its_encryption_when_the_server_is_silent(
        workdir: Path, silent_port: int) -> None:
    settings = load_settings(None, state_dir=workdir / ".newsletter", smtp_host="127.0.0.1", smtp_port=silent_port,
                             smtp_timeout=0.3)
    with desk_server(workdir, settings) as desk:
        client = desk.client()
        response = client.post("/settings/test", data={"csrf": csrf_of(client.get("/settings").text), "service": "smtp"})
    alert = BeautifulSoup(response.text, "html.parser").select_one("#trial-failed").text
    assert "Der Server antwortet nicht. Prüfen Sie den Port zusammen mit der Verschlüsselung (TLS: meist 465" in alert


@needs_dovecot
def test_imap_test_logs_in_looks_at_the_folder_and_logs_out(workdir: Path, imap: int) -> None:
    settings = load_settings(None, imap_host="127.0.0.1", imap_port=imap, imap_security="none", imap_username=IMAP_USER,
                             imap_password=IMAP_PASSWORD, imap_allow_plaintext_auth=True)
    trial = try_imap(settings.imap)
    assert trial.ok and steps(trial) == {"connect": "ok", "tls": "skipped", "login": "ok", "folder": "ok", "logout": "ok"}
    kept = settings.model_dump(include={"imap_host", "imap_port", "imap_security", "imap_username", "imap_allow_plaintext_auth"})
    wrong = try_imap(load_settings(None, **{**kept, "imap_password": "falsch"}).imap)
    assert wrong.failed.name == "login" and "NEWSLETTER_IMAP_PASSWORD" in wrong.failed.advice


def test_imap_test_without_settings_says_what_to_set(workdir: Path) -> None:
    trial = try_imap(load_settings(None).imap)
    assert trial.failed.name == "settings" and "NEWSLETTER_IMAP_HOST" in trial.failed.advice


def test_the_imap_test_refuses_a_password_over_a_plain_connection_in_german(workdir: Path, smtp_server: SMTPServer) -> None:
    settings = smtp_server.settings(state_dir=workdir / ".newsletter", imap_host="127.0.0.1", imap_port=free_port(),
                                    imap_security="none", imap_username=IMAP_USER, imap_password=IMAP_PASSWORD)
    with desk_server(workdir, settings) as desk:
        client = desk.client()
        response = client.post("/settings/test", data={"csrf": csrf_of(client.get("/settings").text), "service": "imap"})
    alert = BeautifulSoup(response.text, "html.parser").select_one("#trial-failed").text
    assert response.status_code == 422 and "beim Schritt „Einstellungen“" in alert
    assert "NEWSLETTER_IMAP_ALLOW_PLAINTEXT_AUTH=true nur in einem vertrauenswürdigen Netz" in alert
    assert IMAP_PASSWORD not in response.text


def test_the_welcome_letter_is_edited_in_the_desk_and_the_next_welcome_goes_out_with_it(
        workdir: Path, smtp_server: SMTPServer) -> None:
    from composer.audience.signup import Identity
    from composer.audience.welcome import send_welcome
    from composer.state import Journal

    settings = smtp_server.settings(state_dir=workdir / ".newsletter")
    with desk_server(workdir, settings) as desk:
        client = desk.client()
        page = client.get("/settings/welcome").text
        assert "eingebaute Text" in page
        refused = client.post("/settings/welcome", data={"csrf": csrf_of(page), "subject": " ", "body": "Text"})
        assert refused.status_code == 400 and "braucht einen Betreff und einen Text" in refused.text
        saved = client.post("/settings/welcome", data={"csrf": csrf_of(page), "subject": "Schön, dass Sie da sind",
                                                       "body": "Liebe Helferin, lieber Helfer,\n\n{email} ist dabei."},
                            follow_redirects=True)
        assert "Gespeichert." in saved.text and "eingebaute Text" not in saved.text
    with Journal(settings.state_dir) as journal:
        journal.add_signup("helfer", "neu@example.org", None, "Ich möchte den Newsletter erhalten.")
    send_welcome(settings, Identity("Helferbrief", "Stadt Krefeld"), workdir, "helfer", "neu@example.org", "de")
    [mail] = smtp_server.handler.messages()
    assert mail["Subject"] == "Schön, dass Sie da sind"
    assert "neu@example.org ist dabei." in mail.get_body(("plain",)).get_content()
