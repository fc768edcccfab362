"""The public pages in the reader's language: every page a reader can reach (sign-up and its errors, confirm,
unsubscribe, undo, link and page errors, the archive) in German and in English, with no sentence of the other
language; the language from the browser's Accept-Language in its order of preference, or the reader's choice."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup
from conftest import SMTPServer
from test_cli_language import sentences
from test_web_safety import ANNA, Site, confirmation_token, csrf_of, serve, sign_up, undo_form

GERMAN_ADDRESS, LATE = "leser@example.com", "spaet@example.com"


@pytest.fixture
def site(workdir: Path, smtp_server: SMTPServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    yield from serve(monkeypatch, smtp_server, SIGNUP_LIMIT="1000")


def crawl(site: Site, accept_language: str) -> dict[str, httpx.Response]:
    """Every page a reader meets, reached as a reader reaches it, by name."""
    pages: dict[str, httpx.Response] = {}
    with site.client(**{"Accept-Language": accept_language, "Accept": "text/html"}) as c:
        pages["form"] = c.get("/subscribe")
        pages["form errors"] = c.post("/subscribe", data={"email": "kein-at", "list": "nix", "csrf": csrf_of(pages["form"])})
        pages["check your mail"] = sign_up(c, GERMAN_ADDRESS)
        token = confirmation_token(site, GERMAN_ADDRESS)
        pages["confirm"] = c.get(f"/confirm/{token}")
        pages["confirmed"] = c.post(f"/confirm/{token}", data={"csrf": csrf_of(pages["confirm"])})
        pages["confirmed before"] = c.post(f"/confirm/{token}", data={"csrf": csrf_of(pages["confirm"])})
        unsubscribe = site.token(ANNA)
        pages["unsubscribe"] = c.get(f"/u/{unsubscribe}")
        pages["unsubscribed"] = c.post(f"/u/{unsubscribe}", data={"List-Unsubscribe": "One-Click"})
        pages["undone"] = c.post(f"/u/{unsubscribe}/undo", data=undo_form(pages["unsubscribed"]))
        pages["undo refused"] = c.post(f"/u/{unsubscribe}/undo", data=undo_form(pages["unsubscribed"]))
        pages["broken link"] = c.get("/confirm/" + "a" * 32)
        pages["wrong purpose"] = c.get(f"/confirm/{unsubscribe}")
        sign_up(c, LATE)
        site.clock.now += 8 * 86_400
        pages["expired link"] = c.get(f"/confirm/{confirmation_token(site, LATE)}")
        pages["not found"] = c.get("/nichts-hier")
        pages["refused"] = c.post("/subscribe", data={"email": LATE, "consent": "yes"})
        pages["archive"] = c.get("/archive/")
    return pages


STATUS = {"form": 200, "form errors": 400, "check your mail": 200, "confirm": 200, "confirmed": 200,
          "confirmed before": 200, "unsubscribe": 200, "unsubscribed": 200, "undone": 200, "undo refused": 409,
          "broken link": 400, "wrong purpose": 400, "expired link": 400, "not found": 404, "refused": 403, "archive": 200}

SAID = {  # one sentence each page must say, in each language
    "de": {"form": "Tragen Sie Ihre E-Mail-Adresse ein.", "form errors": "Diesen Verteiler gibt es nicht.",
           "check your mail": "Der Link gilt 7 Tage.", "confirm": "Dann bestätigen Sie bitte hier.",
           "confirmed": "erhält den Newsletter ab der nächsten Ausgabe.",
           "confirmed before": "Diese Anmeldung war schon bestätigt", "unsubscribe": "Möchten Sie den Newsletter",
           "unsubscribed": "Doch wieder anmelden", "undone": "erhält den Newsletter wieder.",
           "undo refused": "Das lässt sich nicht mehr rückgängig machen", "broken link": "Dieser Link funktioniert nicht",
           "wrong purpose": "für etwas anderes gedacht", "expired link": "Der Link ist abgelaufen.",
           "not found": "Diese Seite gibt es nicht (mehr).", "refused": "Bitte laden Sie die Seite neu",
           "archive": "Newsletter"},
    "en": {"form": "Enter your email address.", "form errors": "There is no such list.",
           "check your mail": "The link works for 7 days.", "confirm": "Then please confirm here.",
           "confirmed": "will receive the newsletter from the next issue on.",
           "confirmed before": "This subscription had been confirmed before", "unsubscribe": "Do you want to stop",
           "unsubscribed": "Subscribe again", "undone": "will receive the newsletter again.",
           "undo refused": "This cannot be undone any more", "broken link": "This link does not work",
           "wrong purpose": "meant for something else", "expired link": "The link has expired.",
           "not found": "This page does not exist (any more).", "refused": "Please reload the page",
           "archive": "Newsletter"},
}


@pytest.mark.parametrize(("accept_language", "lang"), [("de-DE,de;q=0.9,en;q=0.5", "de"),
                                                      ("uk, en-GB;q=0.8, de;q=0.3", "en")])
def test_every_page_speaks_the_readers_language_and_no_sentence_of_the_other(site: Site, accept_language: str,
                                                                             lang: str) -> None:
    wrong = sentences(german=lang == "en")
    for name, page in crawl(site, accept_language).items():
        text = re.sub(r"\s+", " ", BeautifulSoup(page.text, "lxml").get_text(" "))
        assert page.status_code == STATUS[name], (name, text)
        assert BeautifulSoup(page.text, "lxml").html["lang"] == lang, name
        assert SAID[lang][name] in text, (name, text)
        assert not [s for s in wrong if s in text], (name, [s for s in wrong if s in text])


def test_the_readers_choice_wins_over_the_browser_and_every_link_keeps_it(site: Site) -> None:
    with site.client(**{"Accept-Language": "de"}) as c:
        page = c.get("/subscribe?lang=en")
        assert "Subscribe to the newsletter" in page.text and 'action="/subscribe?lang=en"' in page.text
        assert '<a href="?lang=de" lang="de">Deutsch</a>' in page.text
    with site.client(**{"Accept-Language": "fa, ar;q=0.9"}) as c:  # nothing offered: the office's language
        assert "Newsletter abonnieren" in c.get("/subscribe").text


def test_a_language_added_for_the_web_pages_is_offered_in_its_own_words(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from composer.web import app

    for code in ("uk", "ar"):
        (tmp_path / code / "LC_MESSAGES").mkdir(parents=True)
        (tmp_path / code / "LC_MESSAGES" / "messages.mo").write_bytes(b"")
    monkeypatch.setattr(app, "LOCALE_DIR", tmp_path)
    assert app.offered() == {"ar": "العربية", "de": "Deutsch", "en": "English", "uk": "українська"}
