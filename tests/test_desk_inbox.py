"""Posteingang in the desk: "Jetzt abrufen" over a Maildir and over IMAP (dovecot), what it did, and the mails
left for the coordinator shown as plain text."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import maildir
from bs4 import BeautifulSoup

from composer.state import Journal
from tests import test_inbox
from tests.conftest import make_settings
from tests.deskserver import csrf_of, desk_server
from tests.test_inbox import MAIL, PASSWORD, USER, delivered, fill, folder_counts, needs_dovecot

imap = test_inbox.imap  # the throw-away dovecot of the inbox tests

ABMELDEN = (b"From: Marie Dubois <marie.dubois@example.org>\nTo: kontakt@example.org\nSubject: Re: Newsletter - bitte abmelden\n"
            b"Message-ID: <abmelden-1@example.org>\nDate: Thu, 24 Dec 2020 09:00:00 +0100\n\nBitte nehmen Sie mich raus.\n")
QUESTION = ("From: Lena Weiss <lena.weiss@example.org>\nTo: kontakt@example.org\nSubject: Frage <b>Sprachcafé</b>\n"
            "Message-ID: <frage-2@example.org>\nDate: Thu, 24 Dec 2020 10:00:00 +0100\nMIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
            "Liebes Team,\n<img src=x onerror=alert(1)> findet das Sprachcafé statt?\nViele Grüße, Lena\n").encode()


KARL = {"karl.nirgendwo@example.org": "<postfix-dsn-1@example.org>"}


def fetch(desk) -> tuple[int, BeautifulSoup]:
    client = desk.client()
    response = client.post("/inbox", data={"csrf": csrf_of(client.get("/inbox").text)})
    return response.status_code, BeautifulSoup(response.text, "html.parser")


def counts(page: BeautifulSoup) -> dict[str, int]:
    return {li["id"].removeprefix("count-"): int(li.strong.text) for li in page.select("#inbox-counts li")}


def test_fetch_over_a_maildir_shows_the_bounce_the_unsubscribe_and_the_mail_left_for_you(workdir: Path, tmp_path: Path) -> None:
    delivered("2020-12", KARL)  # the DSN answers a message we sent
    box = maildir(tmp_path / "Maildir", [(MAIL / "postfix-dsn-1.eml").read_bytes(), ABMELDEN, QUESTION])
    settings = make_settings(state_dir=workdir / ".newsletter", inbox_maildir=box)
    with desk_server(workdir, settings) as desk:
        status, page = fetch(desk)
    assert status == 200
    assert counts(page) == {"bounce": 1, "complaint": 0, "unsubscribe": 1, "autoreply": 0, "other": 1, "malformed": 0,
                            "quarantined": 0}
    assert page.select_one(".inbox-bounce").text.strip() == ("karl.nirgendwo@example.org: dauerhaft unzustellbar (5.1.1) bei "
                                                             "2020-12: wird nicht mehr angeschrieben")
    assert page.select_one(".inbox-unsubscribe").text.strip() == ("marie.dubois@example.org: abgemeldet "
                                                                  "(per Mail von marie.dubois@example.org)")
    letter = page.select_one("article.letter")
    assert "Frage <b>Sprachcafé</b>" in letter.select("dd")[1].text and letter.select("b") == []
    assert letter.select("dd")[2].text == "24.12.2020 10:00"
    assert "<img src=x onerror=alert(1)> findet das Sprachcafé statt?" in letter.pre.text and letter.select("img") == []
    with Journal(workdir / ".newsletter") as journal:
        assert journal.suppression("karl.nirgendwo@example.org").kind == "bounced"
        assert journal.suppression("marie.dubois@example.org").kind == "unsubscribed"
    assert len(list((box / "new").iterdir()) + list((box / "cur").iterdir())) == 1  # only the question is left


def test_a_second_fetch_handles_nothing_twice_and_still_shows_the_mail_left_for_you(workdir: Path, tmp_path: Path) -> None:
    box = maildir(tmp_path / "Maildir", [ABMELDEN, QUESTION])
    with desk_server(workdir, make_settings(state_dir=workdir / ".newsletter", inbox_maildir=box)) as desk:
        fetch(desk)
        _, page = fetch(desk)
    assert counts(page)["unsubscribe"] == 0 and counts(page)["other"] == 1 and page.select("article.letter")


@needs_dovecot
def test_fetch_over_imap_sets_handled_mail_aside_and_leaves_the_rest(workdir: Path, imap: int) -> None:
    delivered("2020-12", KARL)
    fill(imap, [(MAIL / "postfix-dsn-1.eml").read_bytes(), ABMELDEN, QUESTION])
    settings = make_settings(state_dir=workdir / ".newsletter", imap_host="127.0.0.1", imap_port=imap, imap_security="none",
                             imap_allow_plaintext_auth=True, imap_username=USER, imap_password=PASSWORD)
    with desk_server(workdir, settings) as desk:
        status, page = fetch(desk)
    assert status == 200 and counts(page)["bounce"] == 1 and counts(page)["other"] == 1
    assert folder_counts(imap) == {"INBOX": 1, "Processed": 2}


@needs_dovecot
def test_a_refused_imap_login_is_one_line_without_the_password(workdir: Path, imap: int) -> None:
    settings = make_settings(state_dir=workdir / ".newsletter", imap_host="127.0.0.1", imap_port=imap, imap_security="none",
                             imap_allow_plaintext_auth=True, imap_username=USER, imap_password="falsches-passwort")
    with desk_server(workdir, settings) as desk:
        status, page = fetch(desk)
    assert status == 502 and "der IMAP-Server hat abgelehnt" in page.select_one("#problem").text
    assert "falsches-passwort" not in str(page)


def test_without_a_mailbox_the_page_says_what_to_set_up(workdir: Path) -> None:
    with desk_server(workdir, make_settings(state_dir=workdir / ".newsletter")) as desk:
        page = BeautifulSoup(desk.client().get("/inbox").text, "html.parser")
    assert "NEWSLETTER_INBOX_MAILDIR" in page.select_one("main p.error").text


def test_fetching_without_a_mailbox_says_what_to_set_up_in_german(workdir: Path) -> None:
    with desk_server(workdir, make_settings(state_dir=workdir / ".newsletter")) as desk:
        status, page = fetch(desk)
    assert status == 502 and page.select_one("#problem").text == (
        "kein Postfach eingerichtet: tragen Sie unter Einstellungen das Postfach für Antworten ein (IMAP: Server, "
        "Benutzername und Passwort), oder NEWSLETTER_INBOX_MAILDIR in .env für einen Maildir-Ordner auf diesem Computer")


def test_a_maildir_that_is_none_is_named_in_german(workdir: Path, tmp_path: Path) -> None:
    (tmp_path / "leer").mkdir()
    with desk_server(workdir, make_settings(state_dir=workdir / ".newsletter", inbox_maildir=tmp_path / "leer")) as desk:
        status, page = fetch(desk)
    assert status == 502 and page.select_one("#problem").text.endswith(": kein Maildir-Ordner (ihm fehlt der Ordner cur/)")


def test_newsletter_inbox_reads_the_configured_maildir_without_an_option(workdir: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from composer.cli import app

    box = maildir(tmp_path / "Maildir", [ABMELDEN])
    result = CliRunner().invoke(app, ["inbox"], env={"NEWSLETTER_INBOX_MAILDIR": str(box)})
    assert result.exit_code == 0 and "marie.dubois@example.org: unsubscribe" in result.output


@pytest.mark.parametrize(("language", "words"), [("de", ("Unzustellbarkeitsmeldungen", "Beschwerden", "Abmeldungen")),
                                                 ("en", ("bounces", "complaints", "unsubscribe requests"))])
def test_the_pages_intro_names_every_kind_of_mail_its_results_list(workdir: Path, language: str, words: tuple[str, ...]) -> None:
    with desk_server(workdir, make_settings(state_dir=workdir / ".newsletter")) as desk:
        page = BeautifulSoup(desk.client().get("/inbox", headers={"Accept-Language": language}).text, "html.parser")
    intro = page.select_one("#inbox-hint").text
    assert all(word in intro for word in words), intro


def test_every_page_of_part_two_has_its_english_words(workdir: Path) -> None:
    with desk_server(workdir, make_settings(state_dir=workdir / ".newsletter")) as desk:
        client = desk.client()
        for path, title in [("/subscribers", "Subscribers"), ("/subscribers/volunteers", "Subscribers: volunteers"),
                            ("/inbox", "Inbox"), ("/settings", "Settings")]:
            page = BeautifulSoup(client.get(path, headers={"Accept-Language": "en"}).text, "html.parser")
            assert page.h1.text == title


def test_an_html_only_mail_is_read_as_its_text_without_script_or_style() -> None:
    from composer.audience.letters import readable

    data = (b"From: a@example.org\nSubject: Nur HTML\nContent-Type: text/html; charset=utf-8\n\n<html><head><style>p{color:red}"
            b"</style></head><body><p>Hallo <b>Team</b>,</p><script>alert(1)</script><p>bis bald</p></body></html>")
    letter = readable(data)
    assert (letter.sender, letter.subject, letter.text) == ("a@example.org", "Nur HTML", "Hallo Team,\nbis bald")
