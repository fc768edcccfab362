"""The welcome mail after a confirmed sign-up (composer/audience/welcome.py): once per address through the one send
path, in the reader's language, or in the folder's own words from letters/willkommen.md."""

from __future__ import annotations

from pathlib import Path

from conftest import SMTPServer

from composer.audience.signup import Identity
from composer.audience.welcome import send_welcome
from composer.issue.newest import newest
from composer.state import Journal

WHO = Identity("Helferbrief", "Stadt Krefeld, Freiwilligenagentur")


def signed_up(state: Path, email: str = "neu@example.org") -> None:
    with Journal(state) as journal:
        journal.add_signup("helfer", email, None, "Ich möchte den Newsletter erhalten.")


def test_a_confirmed_address_is_welcomed_once_however_often_it_is_asked(tmp_path: Path, smtp_server: SMTPServer) -> None:
    settings = smtp_server.settings(state_dir=tmp_path / "state")
    signed_up(settings.state_dir)
    for _ in range(2):
        send_welcome(settings, WHO, tmp_path, "helfer", "neu@example.org", "de")
    [mail] = smtp_server.handler.messages()
    assert mail["Subject"] == "Willkommen bei Helferbrief"
    text = mail.get_body(("plain",)).get_content()
    assert "neu@example.org erhält den Newsletter „Helferbrief“" in text and "Stadt Krefeld" in text
    with Journal(settings.state_dir) as journal:
        assert journal.counts("welcome-helfer")["sent"] == 1


def test_no_welcome_goes_while_a_send_holds_the_state(tmp_path: Path, smtp_server: SMTPServer) -> None:
    settings = smtp_server.settings(state_dir=tmp_path / "state")
    signed_up(settings.state_dir)
    with Journal(settings.state_dir, exclusive=True):
        assert send_welcome(settings, WHO, tmp_path, "helfer", "neu@example.org", "de") is None
    assert smtp_server.handler.messages() == []


def test_an_address_without_a_confirmed_sign_up_gets_no_welcome(tmp_path: Path, smtp_server: SMTPServer) -> None:
    settings = smtp_server.settings(state_dir=tmp_path / "state")
    signed_up(settings.state_dir)
    send_welcome(settings, WHO, tmp_path, "helfer", "fremd@example.org", "de")
    assert smtp_server.handler.messages() == []


def test_the_welcome_is_in_english_for_a_reader_who_confirmed_in_english(tmp_path: Path, smtp_server: SMTPServer) -> None:
    settings = smtp_server.settings(state_dir=tmp_path / "state")
    signed_up(settings.state_dir)
    send_welcome(settings, WHO, tmp_path, "helfer", "neu@example.org", "en")
    [mail] = smtp_server.handler.messages()
    assert mail["Subject"] == "Welcome to Helferbrief"


def test_the_folders_own_letter_replaces_the_built_in_text_and_is_never_an_issue(
        tmp_path: Path, smtp_server: SMTPServer) -> None:
    settings = smtp_server.settings(state_dir=tmp_path / "state")
    (tmp_path / "letters").mkdir()
    (tmp_path / "letters" / "willkommen.md").write_text(
        "---\nsubject: Schön, dass Sie da sind\n---\nLiebe Helferin, lieber Helfer,\n\n{email} ist jetzt dabei.\n",
        encoding="utf-8")
    (tmp_path / "issues").mkdir()
    signed_up(settings.state_dir)
    send_welcome(settings, WHO, tmp_path, "helfer", "neu@example.org", "de")
    [mail] = smtp_server.handler.messages()
    assert mail["Subject"] == "Schön, dass Sie da sind"
    text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith("Liebe Helferin, lieber Helfer,\n\nneu@example.org ist jetzt dabei.")
    assert newest(tmp_path / "issues").issue is None
