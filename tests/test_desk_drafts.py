"""The editor's autosave and live preview over real HTTP: a draft is kept in the state (a POST with the session's
CSRF token), never over the issue file; opening the editor offers it and writes nothing; saving drops it; the
preview is built from the posted, unsaved form."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from composer.desk.rights import WRITE, needed
from tests.conftest import make_settings
from tests.deskserver import desk_server
from tests.test_desk_editor import form_fields
from tests.test_desk_sessions import state_bytes


@pytest.fixture
def running(workdir: Path):
    with desk_server(workdir, make_settings(state_dir=workdir / ".newsletter")) as desk:
        yield desk


def test_an_autosaved_draft_is_offered_on_reopening_and_restored_without_touching_the_file(running) -> None:
    client = running.client()
    issue = Path("issues/2020-12.md")
    written = issue.read_bytes()
    fields = form_fields(client.get("/issues/2020-12").text)
    typed = {**fields, "subject": "Noch nicht gespeichert", "articles[0].title": "Ein neuer Titel"}
    kept = client.post("/issues/2020-12/draft", data=typed)
    assert kept.status_code == 200 and kept.json()["kept"] is True
    assert issue.read_bytes() == written

    state = state_bytes(Path(".newsletter"))
    page = BeautifulSoup(client.get("/issues/2020-12").text, "html.parser")
    assert page.select_one("#draft-offer p").text.startswith(f"Entwurf von {kept.json()['at']} wiederherstellen?")
    assert page.select_one("#f-subject")["value"] != "Noch nicht gespeichert"  # the file, until she asks for the draft
    restored = BeautifulSoup(client.get("/issues/2020-12?draft=1").text, "html.parser")
    assert state_bytes(Path(".newsletter")) == state  # looking at the offer and the draft writes nothing
    assert restored.select_one("#f-subject")["value"] == "Noch nicht gespeichert"
    assert restored.select_one("#f-articles-0-title")["value"] == "Ein neuer Titel"
    assert restored.select_one("#note").text == "Der Entwurf ist wiederhergestellt, aber noch nicht gespeichert."

    assert client.post("/issues/2020-12", data=form_fields(str(restored))).status_code == 303
    assert "Noch nicht gespeichert" in issue.read_text(encoding="utf-8")
    assert BeautifulSoup(client.get("/issues/2020-12").text, "html.parser").select_one("#draft-offer") is None


def test_a_draft_is_refused_without_the_forms_csrf_token_and_can_be_discarded(running) -> None:
    client = running.client()
    fields = form_fields(client.get("/issues/2020-12").text)
    refused = client.post("/issues/2020-12/draft", data={**fields, "csrf": "wrong", "subject": "Fremd"})
    assert refused.status_code == 403
    assert BeautifulSoup(client.get("/issues/2020-12").text, "html.parser").select_one("#draft-offer") is None
    client.post("/issues/2020-12/draft", data={**fields, "subject": "Verworfen"})
    dropped = client.post("/issues/2020-12/draft/drop", data={"csrf": fields["csrf"]})
    assert dropped.status_code == 303
    assert BeautifulSoup(client.get("/issues/2020-12").text, "html.parser").select_one("#draft-offer") is None


def test_the_live_preview_is_built_from_the_unsaved_form_and_says_what_keeps_it_from_showing(running) -> None:
    client = running.client()
    fields = form_fields(client.get("/issues/2020-12").text)
    shown = client.post("/issues/2020-12/email", data={**fields, "articles[0].title": "Getippt, nicht gespeichert"})
    assert shown.status_code == 200 and "Getippt, nicht gespeichert" in shown.text
    assert "default-src 'none'" in shown.headers["content-security-policy"]  # the email's own strict policy
    dark = client.post("/issues/2020-12/email?dark=1", data=fields).text
    assert "prefers-color-scheme" not in dark and "(min-width: 0px)" in dark
    waiting = client.post("/issues/2020-12/email", data={**fields, "articles[1].body": ""})
    assert waiting.status_code == 422
    assert "Artikel 2 › Text (Markdown): darf nicht leer sein" in BeautifulSoup(waiting.text, "html.parser").text
    assert client.post("/issues/2020-12/email", data={**fields, "csrf": "wrong"}).status_code == 403


def test_the_live_preview_goes_on_to_the_article_she_types_in(running) -> None:
    client = running.client()
    fields = form_fields(client.get("/issues/2020-12").text)
    sent_on = client.post("/issues/2020-12/email?at=1", data={**fields, "articles[1].title": "Patenschaften im Mai"})
    assert sent_on.status_code == 303
    where, anchor = sent_on.headers["location"].split("#")
    assert where.startswith("/issues/2020-12/email?live=") and anchor == "patenschaften-im-mai"
    shown = client.get(where)
    assert 'id="patenschaften-im-mai"' in shown.text and "Patenschaften im Mai" in shown.text
    assert "default-src 'none'" in shown.headers["content-security-policy"]


def test_the_preview_of_a_file_with_a_mistake_names_its_place_not_the_file(running) -> None:
    text = Path("issues/2020-12.md").read_text(encoding="utf-8").replace("dolas@caritas-krefeld.de", "dolas-at-caritas")
    Path("issues/2020-12.md").write_text(text, encoding="utf-8")
    shown = running.client().get("/issues/2020-12/email")
    said = BeautifulSoup(shown.text, "html.parser").select_one("li").text
    assert shown.status_code == 422 and said.startswith("Artikel 2 › Ansprechperson Eva Dolas › E-Mail: ")
    assert "2020-12.md" not in shown.text and "articles[" not in shown.text


def test_a_draft_that_the_file_already_holds_is_not_offered(running) -> None:
    """An autosave that arrives just after "Speichern" would otherwise offer her what she has just saved."""
    client = running.client()
    fields = form_fields(client.get("/issues/2020-12").text)
    assert client.post("/issues/2020-12/draft", data=fields).json()["kept"] is True
    assert BeautifulSoup(client.get("/issues/2020-12").text, "html.parser").select_one("#draft-offer") is None


def test_an_autosave_needs_the_redaktion_role_and_the_live_preview_only_the_login() -> None:
    assert needed("POST", "/issues/2027-01/draft") == WRITE
    assert needed("POST", "/issues/2027-01/draft/drop") == WRITE
    assert needed("POST", "/issues/2027-01/email") is None  # it changes nothing; a reader of the issue may look too
