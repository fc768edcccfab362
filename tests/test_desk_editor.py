"""Ausgaben and Ausgabe bearbeiten over real HTTP: the form writes ordinary issue files; no edit is lost."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from composer.issue.issuefile import read_issue
from composer.render.build import build
from tests.conftest import make_settings
from tests.deskserver import csrf_of, desk_server
from tests.handwritten import HAND_WRITTEN, changed


@pytest.fixture
def running(workdir: Path):
    with desk_server(workdir, make_settings(state_dir=workdir / ".newsletter")) as desk:
        yield desk


def form_fields(html: str) -> dict[str, str]:
    """What the browser would post for the issue form, as it stands."""
    form = BeautifulSoup(html, "html.parser").find("form", id="issue-form")
    fields: dict[str, str] = {}
    for element in form.find_all(["input", "textarea", "select"]):
        name = element.get("name")
        if not name:
            continue
        if element.name == "textarea":
            fields[name] = element.text.removeprefix("\n")
        elif element.name == "select":
            chosen = element.find("option", selected=True) or element.find("option")
            fields[name] = chosen.get("value", chosen.text)
        else:
            fields[name] = element.get("value", "")
    return fields


def test_the_issue_list_shows_each_issue_with_its_state(running) -> None:
    page = running.client().get("/").text
    assert "2020-12" in page and "Entwurf" in page


def test_english_when_the_browser_asks_for_it(running) -> None:
    client = running.client()
    assert "Issues" in client.get("/", headers={"Accept-Language": "en-GB,en"}).text


def test_new_issue_is_the_scaffold_of_newsletter_new(running) -> None:
    client = running.client()
    fields = form_fields(client.get("/issues/2020-12").text)
    response = client.post("/new", data={"csrf": fields["csrf"], "name": "2021-01"})
    assert response.status_code == 303 and response.headers["location"] == "/issues/2021-01"
    issue, _ = read_issue(Path("issues/2021-01.md"))
    assert issue.footer == read_issue(Path("issues/2020-12.md"))[0].footer
    assert "Titel des ersten Artikels" in client.get("/issues/2021-01").text


def test_new_issue_names_the_files_it_left_out_as_a_start_because_they_have_errors(running) -> None:
    Path("issues/2021-02.md").write_text("---\nsubject: [kaputt\n---\n# Titel\n\nText\n", encoding="utf-8")
    client = running.client()
    response = client.post("/new", data={"csrf": csrf_of(client.get("/").text), "name": "2021-03"}, follow_redirects=True)
    note = BeautifulSoup(response.text, "html.parser").find(id="left-out")
    assert "beginnt mit Kopf und Fußzeile von 2020-12.md" in note.text
    assert "Nicht als Vorlage genommen, weil sie Fehler haben" in note.text
    assert note.find("a", href="/issues/2021-02/check").text == "2021-02.md"


def test_the_sample_saved_unchanged_through_the_form_reads_back_to_the_same_email(running) -> None:
    client = running.client()
    before, _ = read_issue(Path("issues/2020-12.md"))
    response = client.post("/issues/2020-12", data=form_fields(client.get("/issues/2020-12").text))
    assert response.status_code == 303, response.text
    after, _ = read_issue(Path("issues/2020-12.md"))
    assert after == before
    assert build(after, "2020-12").html == build(before, "2020-12").html


def test_a_schema_error_is_shown_at_its_field_in_german_and_nothing_is_written(running) -> None:
    client = running.client()
    original = Path("issues/2020-12.md").read_text()
    fields = form_fields(client.get("/issues/2020-12").text)
    fields["footer.imprint_url"] = "impressum"
    fields["articles[1].contacts[0].email"] = "dolas-at-caritas"
    response = client.post("/issues/2020-12", data=fields)
    assert response.status_code == 422
    page = BeautifulSoup(response.text, "html.parser")
    assert "keine Webadresse; schreiben Sie sie als https://" in page.find(id="f-footer-imprint_url-err").text
    assert "keine gültige E-Mail-Adresse" in page.find(id="f-articles-1-contacts-0-email-err").text
    assert "not a" not in page.find(id="error-summary").text
    assert page.find(id="f-footer-imprint_url")["value"] == "impressum"  # the typed value stays in the form
    assert Path("issues/2020-12.md").read_text() == original


def test_articles_are_added_moved_and_removed_in_the_form_before_saving(running) -> None:
    client = running.client()
    fields = form_fields(client.get("/issues/2020-12").text)
    titles = [fields["articles[0].title"], fields["articles[1].title"]]
    moved = form_fields(client.post("/issues/2020-12", data={**fields, "action": "down-0"}).text)
    assert [moved["articles[0].title"], moved["articles[1].title"]] == titles[::-1]
    added = client.post("/issues/2020-12", data={**moved, "action": "add-article"}).text
    assert "articles[2].title" in form_fields(added)
    saved = client.post("/issues/2020-12", data={**form_fields(added), "action": "remove-article-2"})
    fields = form_fields(saved.text)
    assert client.post("/issues/2020-12", data=fields).status_code == 303
    assert [a.title for a in read_issue(Path("issues/2020-12.md"))[0].articles] == titles[::-1]


def test_two_sessions_saving_the_same_issue_the_second_gets_the_conflict_page_and_both_texts_are_kept(running) -> None:
    first, second = running.client(), running.client()
    mine, theirs = form_fields(first.get("/issues/2020-12").text), form_fields(second.get("/issues/2020-12").text)
    mine["subject"] = "Erste Fassung"
    theirs["subject"] = "Zweite Fassung"
    assert first.post("/issues/2020-12", data=mine).status_code == 303
    conflict = second.post("/issues/2020-12", data=theirs)
    assert conflict.status_code == 409
    page = BeautifulSoup(conflict.text, "html.parser")
    assert "Erste Fassung" in page.find(id="disk").text and "Zweite Fassung" in page.find(id="mine").text
    assert read_issue(Path("issues/2020-12.md"))[0].subject == "Erste Fassung"
    kept = list(Path(".newsletter/desk-conflicts").glob("2020-12-*.md"))
    assert len(kept) == 1 and read_issue(kept[0])[0].subject == "Zweite Fassung"
    resolved = second.post("/issues/2020-12/resolve", data={"csrf": theirs["csrf"], "kept": kept[0].name})
    assert resolved.status_code == 303
    assert read_issue(Path("issues/2020-12.md"))[0].subject == "Zweite Fassung"
    assert any(read_issue(p)[0].subject == "Erste Fassung" for p in Path(".newsletter/desk-conflicts").glob("*.md"))


def test_the_preview_is_the_rendered_email_and_dark_view_forces_the_dark_styles(running) -> None:
    client = running.client()
    assert "Krefeld auf dem Weg" in client.get("/issues/2020-12/email").text
    dark = client.get("/issues/2020-12/email?dark=1").text
    assert "prefers-color-scheme" not in dark


def test_the_language_switch_turns_the_desk_english_and_back(running) -> None:
    client = running.client()
    csrf = form_fields(client.get("/issues/2020-12").text)["csrf"]
    assert client.post("/language", data={"csrf": csrf, "back": "/issues/2020-12"}).headers["location"] == "/issues/2020-12"
    assert "Save" in client.get("/issues/2020-12").text
    client.post("/language", data={"csrf": csrf, "back": "/"})
    assert "Speichern" in client.get("/issues/2020-12").text


def test_a_hand_written_file_with_a_schema_error_opens_in_the_form_with_the_error_at_its_field(running) -> None:
    text = Path("issues/2020-12.md").read_text().replace("date: 2020-12-23", "date: 23.12.2020")
    Path("issues/2020-12.md").write_text(text)
    client = running.client()
    page = client.get("/issues/2020-12")
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.find(id="f-date")["value"] == "23.12.2020"
    assert "kein Datum; schreiben Sie es als JJJJ-MM-TT" in soup.find(id="f-date-err").text
    fields = form_fields(page.text)
    fields["date"] = "2020-12-23"
    assert client.post("/issues/2020-12", data=fields).status_code == 303
    assert str(read_issue(Path("issues/2020-12.md"))[0].date) == "2020-12-23"


def test_an_issue_with_a_local_photo_and_an_arabic_article_survives_the_form_and_shows_its_photo(running) -> None:
    from tests.test_images import PHOTO, photo

    features = Path(__file__).parent / "data" / "issues" / "features.md"
    text = features.read_text(encoding="utf-8").replace("url: https://example.org/bilder/sprachcafe.jpg", f"path: {PHOTO}")
    Path("issues/2021-03.md").write_text(text, encoding="utf-8")
    photo(Path("issues") / PHOTO, (800, 400))
    client = running.client()
    before, _ = read_issue(Path("issues/2021-03.md"))
    assert client.post("/issues/2021-03", data=form_fields(client.get("/issues/2021-03").text)).status_code == 303
    assert read_issue(Path("issues/2021-03.md"))[0] == before
    assert 'src="data:image/jpeg;base64,' in client.get("/issues/2021-03/email").text


def test_the_english_form_shows_a_field_error_in_the_cli_wording(running) -> None:
    client = running.client()
    fields = form_fields(client.get("/issues/2020-12").text)
    fields["footer.imprint_url"] = "impressum"
    response = client.post("/issues/2020-12", data=fields, headers={"Accept-Language": "en"})
    error = BeautifulSoup(response.text, "html.parser").find(id="f-footer-imprint_url-err").text
    assert "not a web address; write it as https://" in error


def test_a_file_whose_fields_block_is_broken_is_shown_with_its_error_in_german(running) -> None:
    text = Path("issues/2020-12.md").read_text(encoding="utf-8").replace("  reason:", "\treason:")
    Path("issues/2020-12.md").write_text(text, encoding="utf-8")
    client = running.client()
    broken = client.get("/issues/2020-12")
    line = text.splitlines().index(next(t for t in text.splitlines() if t.startswith("\treason:"))) + 1
    assert broken.status_code == 422
    assert BeautifulSoup(broken.text, "html.parser").select_one(".errors li").text == (
        f"Zeile {line} der Ausgabe: hier steht ein Tabulator; rücken Sie nur mit Leerzeichen ein und trennen Sie nur mit "
        "Leerzeichen")
    listed = BeautifulSoup(client.get("/").text, "html.parser").select_one("td .error").text
    assert listed.startswith(f"Zeile {line} der Ausgabe: hier steht ein Tabulator")  # her words, not a file path


def test_a_new_issue_that_exists_or_is_no_month_is_said_at_the_field_in_german(running) -> None:
    client = running.client()
    csrf = form_fields(client.get("/issues/2020-12").text)["csrf"]
    exists = client.post("/new", data={"csrf": csrf, "name": "Dezember 2020"})
    page = BeautifulSoup(exists.text, "html.parser")
    assert exists.status_code == 409 and page.h1.text == "Ausgaben"  # the issue list, not a bare error page
    assert page.select_one("#new-name-err").text == "Für Dezember 2020 gibt es schon eine Ausgabe. Diese Ausgabe bearbeiten"
    assert page.select_one("#new-name-err a")["href"] == "/issues/2020-12"
    bad = BeautifulSoup(client.post("/new", data={"csrf": csrf, "name": "ä b"}).text, "html.parser")
    assert bad.select_one("#new-name-err").text.startswith("„ä b“ ist kein Monat: Wählen Sie einen aus oder schreiben Sie ihn wie ")
    assert bad.select_one("#new-name")["value"] == "ä b"  # what she typed stays


def test_a_month_typed_in_words_names_the_new_issue_file(running) -> None:
    client = running.client()
    made = client.post("/new", data={"csrf": csrf_of(client.get("/").text), "name": "Januar 2027"})
    assert made.status_code == 303 and made.headers["location"].startswith("/issues/2027-01")
    assert Path("issues/2027-01.md").exists()


def test_a_new_issue_without_a_readable_issue_to_start_from_is_refused_in_german(running) -> None:
    Path("issues/2020-12.md").write_text("kaputt\n", encoding="utf-8")
    client = running.client()
    response = client.post("/new", data={"csrf": csrf_of(client.get("/").text), "name": "2021-01"})
    assert "lässt sich lesen, um mit ihr zu beginnen: jede hat Fehler" in response.text


@pytest.fixture
def hand_written(running) -> Path:
    path = Path("issues/2026-12.md")
    path.write_text(HAND_WRITTEN, encoding="utf-8")
    return path


def test_saving_a_hand_written_issue_unchanged_writes_it_byte_for_byte(running, hand_written: Path) -> None:
    client = running.client()
    assert client.post("/issues/2026-12", data=form_fields(client.get("/issues/2026-12").text)).status_code == 303
    assert hand_written.read_text(encoding="utf-8") == HAND_WRITTEN


@pytest.mark.parametrize(("field", "old", "new", "diff"), [
    ("articles[1].body", "vieles", "manches", ["- Ohne Sie wäre vieles nicht möglich gewesen.\n",
                                               "+ Ohne Sie wäre manches nicht möglich gewesen.\n"]),
    ("subject", "Dezember", "Advent", ['- subject: "Termine im Dezember"   # Notiz: kurz halten\n',
                                       "+ subject: Termine im Advent\n"]),
], ids=["one word of an article", "a header field"])
def test_a_change_in_the_form_changes_only_its_line_and_every_comment_stays(
        running, hand_written: Path, field: str, old: str, new: str, diff: list[str]) -> None:
    client = running.client()
    fields = form_fields(client.get("/issues/2026-12").text)
    fields[field] = fields[field].replace(old, new)
    assert client.post("/issues/2026-12", data=fields).status_code == 303
    assert changed(HAND_WRITTEN, hand_written.read_text(encoding="utf-8")) == diff


def test_articles_moved_added_and_removed_in_the_form_keep_the_other_articles_text(running, hand_written: Path) -> None:
    client = running.client()
    fields = form_fields(client.get("/issues/2026-12").text)
    moved = form_fields(client.post("/issues/2026-12", data={**fields, "action": "down-0"}).text)
    added = form_fields(client.post("/issues/2026-12", data={**moved, "action": "add-article"}).text)
    added.update({"articles[3].title": "Neu", "articles[3].body": "Ein neuer Artikel."})
    removed = form_fields(client.post("/issues/2026-12", data={**added, "action": "remove-article-2"}).text)
    assert client.post("/issues/2026-12", data=removed).status_code == 303
    saved = hand_written.read_text(encoding="utf-8")
    assert [a.title for a in read_issue(hand_written)[0].articles] == ["Danke!", "Termine im Dezember", "Neu"]
    header = HAND_WRITTEN[:HAND_WRITTEN.index("# Termine im Dezember")]
    first = HAND_WRITTEN[len(header):HAND_WRITTEN.index("\n\n\n# Danke!") + 1]
    thanks = "# Danke!\n\nOhne Sie wäre vieles nicht möglich gewesen.\n"
    assert saved == header + thanks + "\n\n" + first + "\n" + "# Neu\n\nEin neuer Artikel.\n"  # blank lines stay in place


def test_an_article_over_one_megabyte_is_refused_in_german_at_its_field(running) -> None:
    client = running.client()
    before = Path("issues/2020-12.md").read_text()
    fields = form_fields(client.get("/issues/2020-12").text)
    fields["articles[0].body"] = "Sehr langer Text. " * 70_000  # 1.2 MB
    files = {"articles[1].image.upload": ("", b"", "application/octet-stream")}  # the form is multipart, as a browser's
    answer = client.post("/issues/2020-12", data=fields, files=files)
    page = BeautifulSoup(answer.text, "html.parser")
    assert answer.status_code == 413 and page.html["lang"] == "de"
    said = page.select_one("#f-articles-0-body-err").text
    assert "1,2 MB Text; ein Feld fasst höchstens 1 MB: kürzen Sie ihn oder teilen Sie den Artikel in zwei" in said
    assert "exceeded" not in answer.text and Path("issues/2020-12.md").read_text() == before


def test_a_field_too_large_to_read_is_refused_in_german(running) -> None:
    client = running.client()
    fields = form_fields(client.get("/issues/2020-12").text)
    fields["articles[0].body"] = "x" * (5 * 1024 * 1024)
    answer = client.post("/issues/2020-12", data=fields, files={"articles[1].image.upload": ("", b"", "image/jpeg")})
    assert answer.status_code == 400 and "Ein Feld des Formulars ist größer als 4096 KB" in answer.text
    assert "exceeded" not in answer.text


def test_new_issue_offers_the_first_month_without_an_issue_file(tmp_path: Path) -> None:
    from composer.desk.editor import free_month

    today = dt.date(2026, 12, 6)
    assert free_month(tmp_path, today) == "2026-12"
    for name in ("2026-12", "2027-01"):  # init's issue of this month, and one started with `newsletter new`
        (tmp_path / f"{name}.md").write_text("", encoding="utf-8")
    assert free_month(tmp_path, today) == "2027-02"


def test_the_issue_list_never_offers_the_name_of_an_existing_issue(running) -> None:
    this_month = dt.date.today().strftime("%Y-%m")
    Path(f"issues/{this_month}.md").write_text(Path("issues/2020-12.md").read_text(encoding="utf-8"), encoding="utf-8")
    offered = BeautifulSoup(running.client().get("/").text, "html.parser").find("input", id="new-name")["value"]
    assert offered != this_month and not Path(f"issues/{offered}.md").exists()


def test_copying_a_sent_issue_onto_an_existing_name_is_refused_in_the_pages_language(tmp_path: Path) -> None:
    from composer.issue.scaffold import ScaffoldError, copy_issue

    (tmp_path / "2021-01.md").write_text("taken", encoding="utf-8")
    (tmp_path / "2020-12.md").write_text("sent", encoding="utf-8")
    with pytest.raises(ScaffoldError) as refused:
        copy_issue(tmp_path / "2020-12.md", tmp_path / "2021-01.md")
    assert "gibt es schon; wählen Sie einen anderen Namen" in refused.value.shown("de")
    assert (tmp_path / "2021-01.md").read_text(encoding="utf-8") == "taken"
