"""Abonnenten in the desk: counts, search, one address added or unsubscribed, a spreadsheet imported through a
preview, the active addresses exported; the files and the send state checked after each step."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from typer.testing import CliRunner

from composer.audience.erasure import Erasures
from composer.cli import app
from composer.state import Journal, Reason
from tests.conftest import SMTPServer
from tests.deskserver import csrf_of, desk_server

LIST = Path("subscribers/volunteers.csv")


@pytest.fixture
def running(workdir: Path, smtp_server: SMTPServer):
    with desk_server(workdir, smtp_server.settings(state_dir=workdir / ".newsletter")) as desk:
        yield desk


def post(client, page: str, action: str, files=None, **data: str):
    return client.post(action, data={"csrf": csrf_of(client.get(page).text), **data}, files=files, follow_redirects=True)


def counts(html: str, selector: str = "#counts") -> dict[str, int]:
    items = BeautifulSoup(html, "html.parser").select(f"{selector} li")
    return {" ".join(li.text.split()[1:]): int(li.strong.text) for li in items}


def journal() -> Journal:
    return Journal(Path(".newsletter"))


def xlsx(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ods(rows: list[list[str]]) -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document, table = OpenDocumentSpreadsheet(), Table(name="Liste")
    for row in rows:
        cells = TableRow()
        for value in row:
            cell = TableCell(valuetype="string") if value else TableCell()
            if value:
                cell.addElement(P(text=value))
            cells.addElement(cell)
        table.addElement(cells)
    blank = TableRow(numberrowsrepeated=1000)
    blank.addElement(TableCell(numbercolumnsrepeated=1024))
    table.addElement(blank)
    document.spreadsheet.addElement(table)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_each_list_shows_active_unsubscribed_bounced_and_web_signups(running) -> None:
    with journal() as j:
        j.suppress("lena.weiss@example.org", Reason("asked"))
        j.suppress("grete.kuehn@example.org", Reason("bounced", {"status": "5.1.1"}), "bounced")
        j.add_signup("volunteers", "neu@example.org", "Neu", "Ich möchte den Newsletter erhalten.")
    client = running.client()
    overview = BeautifulSoup(client.get("/subscribers").text, "html.parser")
    row = [td.text for td in overview.select("#lists tbody tr")[0].select("td")]
    assert row == ["volunteers", "7", "1", "1", "1"]
    page = client.get("/subscribers/volunteers").text
    assert counts(page) == {"aktiv": 7, "abgemeldet": 1, "unzustellbar": 1, "Anmeldungen über die Website": 1}
    signup = BeautifulSoup(page, "html.parser").select_one("#signups tbody tr").text
    assert "neu@example.org" in signup and dt.date.today().strftime("%d.%m.%Y") in signup


def test_search_finds_by_address_or_name(running) -> None:
    rows = BeautifulSoup(running.client().get("/subscribers/volunteers?q=kühn").text, "html.parser").select("#members tbody tr")
    assert [r.td.text for r in rows] == ["grete.kuehn@example.org"]


def test_adding_an_address_appends_a_row_with_its_consent(running) -> None:
    response = post(running.client(), "/subscribers/volunteers", "/subscribers/volunteers/add", email=" Neu.Person@Example.org ",
                    name="Neue Person", consent="Formular vom Ehrenamtstag")
    assert response.status_code == 200 and "Die Adresse wurde hinzugefügt." in response.text
    lines = LIST.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "email;name;stadtteil;consent_date;consent_source"
    assert lines[-1] == f"Neu.Person@example.org;Neue Person;;{dt.date.today().isoformat()};Formular vom Ehrenamtstag"
    assert len(lines) == 10


@pytest.mark.parametrize(("email", "consent", "said"), [
    ("kein-at-zeichen", "Formular", "„kein-at-zeichen“ ist keine gültige E-Mail-Adresse (es fehlt das Zeichen @)"),
    ("neu@example.org", "", "sagen Sie, woher die Einwilligung stammt"),
    ("anna.mueller@example.org", "Formular", "anna.mueller@example.org steht schon in der Liste volunteers"),
    ("weg@example.org", "Formular", f"weg@example.org ist seit {dt.date.today():%d.%m.%Y} abgemeldet (hat um Abmeldung gebeten)"),
    ("anna..b@example.org", "Formular", "(zwei Punkte hintereinander sind nicht möglich)"),
    ("anna b@example.org", "Formular", "(sie enthält ein Leerzeichen)"),
    ("jürgen@example.org", "Formular", "(vor dem @ sind Umlaute und andere Sonderzeichen nicht möglich)"),
    ("Anna <anna@example.org>", "Formular", "(sie enthält ein Leerzeichen)"),
    ("anna@example.invalid", "Formular", "(nach dem @ steht kein Domainname, den es geben kann)"),
])
def test_an_address_that_cannot_be_added_is_refused_with_the_reason_in_german(running, email: str, consent: str, said: str) -> None:
    with journal() as j:
        j.suppress("weg@example.org", Reason("asked"))
    before = LIST.read_bytes()
    response = post(running.client(), "/subscribers/volunteers", "/subscribers/volunteers/add", email=email, name="", consent=consent)
    assert response.status_code == 400 and said in BeautifulSoup(response.text, "html.parser").select_one("#problem").text
    assert LIST.read_bytes() == before


def test_an_address_unsubscribed_here_is_the_coordinators_with_a_reason_and_skipped_by_the_next_send(
        running, smtp_server: SMTPServer) -> None:
    response = post(running.client(), "/subscribers/volunteers", "/subscribers/volunteers/unsubscribe",
                    email="anna.mueller@example.org", reason="hat am Telefon darum gebeten")
    assert "abgemeldet" in BeautifulSoup(response.text, "html.parser").select_one("#members tbody tr").text
    with journal() as j:
        record = j.suppression("anna.mueller@example.org")
    assert record.kind == "unsubscribed" and str(record.reason) == "unsubscribed by the coordinator: hat am Telefon darum gebeten"
    result = CliRunner().invoke(app, ["send", "issues/2020-12.md", "--list", "volunteers", "--yes"], env=smtp_server.env())
    assert result.exit_code == 0, result.output
    assert "anna.mueller@example.org" not in smtp_server.handler.per_recipient()
    assert len(smtp_server.handler.per_recipient()) == 7


def test_an_unsubscribe_without_a_reason_changes_nothing(running) -> None:
    response = post(running.client(), "/subscribers/volunteers", "/subscribers/volunteers/unsubscribe",
                    email="anna.mueller@example.org", reason=" ")
    assert response.status_code == 400
    assert BeautifulSoup(response.text, "html.parser").select_one("#problem").text.startswith("nennen Sie einen Grund")
    with journal() as j:
        assert j.suppression("anna.mueller@example.org") is None


CSV_UPLOAD = ("email;name;stadtteil\n"
              "anna.mueller@example.org;Anna Müller;Cracau\n"  # unchanged
              "juergen.schaefer@example.org;Jürgen Schäfer;Bockum\n"  # changed
              "lena.weiss@example.org;Lena Weiß;Fischeln\n"  # unchanged, unsubscribed
              "kaputt-at-example.org;Kaputt;\n"  # line 5: bad
              "neu.eins@example.org;Neu Eins;Linn\n"
              "neu.zwei@example.org;Neu Zwei;Hüls\n")


def test_a_csv_import_previews_then_replaces_the_list_keeping_a_backup(running) -> None:
    with journal() as j:
        j.suppress("lena.weiss@example.org", Reason("asked"))
    client = running.client()
    old = LIST.read_bytes()
    preview = post(client, "/subscribers", "/subscribers/import", files={"file": ("liste.csv", CSV_UPLOAD.encode("cp1252"))},
                   list="volunteers")
    assert preview.status_code == 200, preview.text
    assert counts(preview.text, "#import-counts") == {"Zeilen gelesen": 6, "neu": 2, "geändert (Name oder Spalten)": 1,
                                                      "unverändert": 2, "entfallen": 5, "ungültige Zeilen": 1}
    page = BeautifulSoup(preview.text, "html.parser")
    assert page.select_one("#bad-rows li").text.startswith(
        "Zeile 5 Ihrer Tabelle: „kaputt-at-example.org“ ist keine gültige E-Mail-Adresse")
    assert "lena.weiss@example.org: abgemeldet" in page.select_one("#staying li").text
    assert LIST.read_bytes() == old  # nothing changes before the confirmation

    confirmation = {"csrf": csrf_of(preview.text), "token": page.select_one("[name=token]")["value"]}
    done = client.post("/subscribers/import/confirm", data=confirmation, follow_redirects=True)
    assert "Die Liste wurde ersetzt." in done.text
    assert LIST.read_text(encoding="utf-8") == CSV_UPLOAD
    backups = list(Path("subscribers/backup").glob("volunteers-*.csv"))
    assert len(backups) == 1 and backups[0].read_bytes() == old and backups[0].name.startswith(f"volunteers-{dt.date.today()}")
    with journal() as j:
        assert j.suppression("lena.weiss@example.org") is not None  # kept unsubscribed
    again = client.post("/subscribers/import/confirm", data=confirmation)
    assert again.status_code == 409


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_a_spreadsheet_import_names_bad_rows_by_their_row_in_the_sheet(running, kind: str) -> None:
    rows = [["E-Mail", "Name", "Einwilligung_Datum"], ["eins@example.org", "Eins\nMit Umbruch", "2020-05-01"],
            ["", "", ""], ["zwei@example.org", "Zwei", ""], ["falsch@", "Falsch", ""]]
    data = xlsx(rows) if kind == "xlsx" else ods(rows)
    preview = post(running.client(), "/subscribers", "/subscribers/import", files={"file": (f"Liste.{kind}", data)}, list="neu")
    page = BeautifulSoup(preview.text, "html.parser")
    assert [li.text.split(":")[0] for li in page.select("#bad-rows li")] == ["Zeile 2 Ihrer Tabelle", "Zeile 5 Ihrer Tabelle"]
    assert counts(preview.text, "#import-counts")["neu"] == 1


def test_an_unclosed_quotation_mark_in_the_upload_is_named_in_german_in_the_preview(running) -> None:
    upload = 'email;name\n"anna.mueller@example.org;Anna\nneu@example.org;Neu\n'
    preview = post(running.client(), "/subscribers", "/subscribers/import", files={"file": ("l.csv", upload.encode())},
                   list="volunteers")
    assert BeautifulSoup(preview.text, "html.parser").select_one("#bad-rows li").text == (
        'Zeile 2 Ihrer Tabelle: ein Anführungszeichen (") in dieser Zeile wird nie geschlossen, darum wurden die Zeilen 2 bis 3 als eine '
        "Zeile gelesen; entfernen oder schließen Sie es")


def test_an_import_is_refused_when_the_list_changed_after_the_preview(running) -> None:
    client = running.client()
    preview = post(client, "/subscribers", "/subscribers/import", files={"file": ("l.csv", CSV_UPLOAD.encode())}, list="volunteers")
    LIST.write_text(LIST.read_text(encoding="utf-8") + "spaet@example.org;Spät;\n", encoding="utf-8")
    token = BeautifulSoup(preview.text, "html.parser").select_one("[name=token]")["value"]
    response = client.post("/subscribers/import/confirm", data={"csrf": csrf_of(preview.text), "token": token})
    assert response.status_code == 409 and "wurde nach der Vorschau geändert" in response.text
    assert "spaet@example.org" in LIST.read_text(encoding="utf-8")


def test_a_file_without_an_email_column_is_refused_in_one_line(running) -> None:
    response = post(running.client(), "/subscribers", "/subscribers/import", files={"file": ("l.csv", b"Name;Ort\nA;B\n")},
                    list="volunteers")
    alert = BeautifulSoup(response.text, "html.parser").select_one("[role=alert]").text
    assert response.status_code == 400 and alert.startswith(
        "l.csv: keine der ersten 10 Zeilen hat eine Spalte „E-Mail“; geben Sie der Spalte mit den Adressen diese Überschrift "
        "(die erste Zeile hat: Name, Ort)")


def test_export_has_the_active_addresses_and_web_signups_only(running) -> None:
    with journal() as j:
        j.suppress("lena.weiss@example.org", Reason("asked"))
        j.add_signup("volunteers", "neu@example.org", "Neu", "Ich möchte den Newsletter erhalten.")
    response = running.client().get("/subscribers/volunteers/export")
    lines = response.text.lstrip("\ufeff").splitlines()
    assert response.headers["content-type"].startswith("text/csv")
    assert lines[0] == "email;name;stadtteil;Einwilligung am;Quelle der Einwilligung"  # hers, then ours (a sign-up's)
    assert "lena.weiss@example.org" not in response.text and len(lines) == 1 + 8
    assert any(line.startswith("neu@example.org;Neu;;") and line.endswith(";Anmeldung im Web") for line in lines)


def test_forget_removes_an_address_from_an_import_waiting_for_its_confirmation_and_person_names_it(running) -> None:
    client = running.client()
    preview = post(client, "/subscribers", "/subscribers/import", files={"file": ("liste.csv", CSV_UPLOAD.encode("cp1252"))},
                   list="volunteers")
    staged, sheet = sorted(Path(".newsletter/imports").glob("*.csv"))  # the list to confirm, and the sheet as read
    held = json.loads(CliRunner().invoke(app, ["person", "neu.eins@example.org"]).output)
    assert {"file": str(staged), "line": 6, "columns": {
        "email": "neu.eins@example.org", "name": "Neu Eins", "stadtteil": "Linn"}} in held["staged_imports"]
    assert str(sheet) in [row["file"] for row in held["staged_imports"]]

    result = CliRunner().invoke(app, ["forget", "Neu.Eins@example.org", "--yes"])
    assert result.exit_code == 0, result.output
    assert f"removed 1 row from {staged} (an import waiting for its confirmation)" in result.output
    assert "neu.eins" not in sheet.read_text(encoding="utf-8").lower()
    assert "neu.eins" not in staged.read_text(encoding="utf-8").lower() and "neu.zwei" in staged.read_text(encoding="utf-8")
    assert staged.stat().st_mode & 0o777 == 0o600
    assert json.loads(CliRunner().invoke(app, ["person", "neu.eins@example.org"]).output)["staged_imports"] == []

    page = BeautifulSoup(preview.text, "html.parser")
    confirmation = {"csrf": csrf_of(preview.text), "token": page.select_one("[name=token]")["value"]}
    assert "Die Liste wurde ersetzt." in client.post("/subscribers/import/confirm", data=confirmation, follow_redirects=True).text
    assert "neu.eins" not in LIST.read_text(encoding="utf-8") and "neu.zwei@example.org" in LIST.read_text(encoding="utf-8")


def test_each_row_hands_out_the_printable_proof_of_consent_of_its_address(running) -> None:
    client = running.client()
    post(client, "/subscribers/volunteers", "/subscribers/volunteers/add", email="nachweis@example.org",
         name="Nina Nachweis", consent="Formular vom Ehrenamtstag")
    with journal() as j:
        j.suppress("nachweis@example.org", Reason("asked"))
    page = BeautifulSoup(client.get("/subscribers/volunteers?q=nachweis").text, "html.parser")
    link = page.select_one("#members a.proof-row")["href"]
    response = client.get(link)
    assert response.status_code == 200 and "no-store" in response.headers["cache-control"]
    assert "attachment" in response.headers["content-disposition"]
    proof = BeautifulSoup(response.text, "html.parser").text
    assert "nachweis@example.org" in proof and "Formular vom Ehrenamtstag" in proof
    assert "nein (abgemeldet: " in proof and "asked" not in proof  # why no mail goes there, in the page's words


OLENA = "olena.shevchenko@example.org"
ERASED_UPLOAD = (f"E-Mail;Name;Einwilligung_Datum;Bemerkung\n{OLENA};Олена Шевченко;2026-03-01;Dolmetscherin\n"
                 "neu@example.org;Neu;2026-03-01;\n")


def erase(running, address: str) -> None:
    with journal() as j:
        Erasures(j, running.desk.secret).add(address)


def test_an_import_leaves_out_and_names_an_address_erased_on_request(running) -> None:
    erase(running, OLENA)
    client = running.client()
    preview = post(client, "/subscribers", "/subscribers/import", files={"file": ("Ehrenamtliche.csv", ERASED_UPLOAD.encode())},
                   list="volunteers")
    shown = counts(preview.text, "#import-counts")
    assert shown["neu"] == 1 and shown["auf Wunsch gelöscht (ausgelassen)"] == 1
    page = BeautifulSoup(preview.text, "html.parser")
    assert [li.text for li in page.select("#erased li")] == [OLENA]
    assert OLENA not in page.select_one("#details-new_rows").text and OLENA not in page.select_one("#greetings").text
    confirmation = {"csrf": csrf_of(preview.text), "token": page.select_one("[name=token]")["value"]}
    assert "Die Liste wurde ersetzt." in client.post("/subscribers/import/confirm", data=confirmation, follow_redirects=True).text
    written = LIST.read_text(encoding="utf-8")
    assert "olena" not in written.lower() and "Шевченко" not in written and "Dolmetscherin" not in written
    assert "neu@example.org" in written


def test_a_sign_up_confirmed_after_the_erasure_is_new_consent_and_the_import_keeps_the_row(running) -> None:
    erase(running, OLENA)
    with journal() as j:
        j.add_signup("volunteers", OLENA, "Olena", "Ich möchte den Newsletter erhalten.")
    client = running.client()
    preview = post(client, "/subscribers", "/subscribers/import", files={"file": ("Ehrenamtliche.csv", ERASED_UPLOAD.encode())},
                   list="volunteers")
    assert BeautifulSoup(preview.text, "html.parser").select_one("#erased") is None
    assert counts(preview.text, "#import-counts")["neu"] == 2


def test_a_row_of_an_erased_address_in_the_list_file_is_shown_erased_and_never_exported_or_offered(running) -> None:
    from composer.desk.als import members

    LIST.write_text(LIST.read_text(encoding="utf-8") + f"{OLENA};Олена Шевченко;Linn\n", encoding="utf-8")
    erase(running, OLENA)
    client = running.client()
    page = client.get(f"/subscribers/volunteers?q={OLENA}").text
    assert counts(page) == {"aktiv": 8, "abgemeldet": 0, "unzustellbar": 0, "auf Wunsch gelöscht": 1,
                            "Anmeldungen über die Website": 0}
    row = BeautifulSoup(page, "html.parser").select_one("#members tbody tr")
    assert row["class"] == ["erased"] and "auf Wunsch gelöscht" in row.text and "aktiv" not in row.text
    assert OLENA not in client.get("/subscribers/volunteers/export").text
    assert OLENA not in [r.email for r in members(running.desk, "volunteers")]


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_title_above_the_header_is_skipped_said_and_the_rows_keep_their_number_in_the_sheet(running, kind: str) -> None:
    title = "Ehrenamtliche Flüchtlingshilfe – Stand Dezember 2026"
    rows = [[title, "", ""], ["", "", ""], ["E-Mail", "Name", "Einwilligung_Datum"], ["eins@example.org", "Eins", "2026-05-01"],
            ["falsch@", "Falsch", ""], ["zwei@example.org", "Zwei", ""]]
    data = xlsx(rows) if kind == "xlsx" else "".join(";".join(row) + "\n" for row in rows).encode()
    client = running.client()
    preview = post(client, "/subscribers", "/subscribers/import", files={"file": (f"Ehrenamtliche_2026.{kind}", data)}, list="neu")
    page = BeautifulSoup(preview.text, "html.parser")
    assert page.select_one("#import-title").text == (
        f"Die Spaltenüberschriften stehen in Zeile 3; was darüber steht, wurde als Titel übersprungen („{title}“).")
    assert [li.text.split(":")[0] for li in page.select("#bad-rows li")] == ["Zeile 5 Ihrer Tabelle"]
    assert counts(preview.text, "#import-counts")["neu"] == 2
    confirmation = {"csrf": csrf_of(preview.text), "token": page.select_one("[name=token]")["value"]}
    client.post("/subscribers/import/confirm", data=confirmation, follow_redirects=True)
    assert Path("subscribers/neu.csv").read_text(encoding="utf-8").startswith("E-Mail;Name;Einwilligung_Datum\neins@example.org;")


def test_rows_holding_an_address_are_never_skipped_as_a_title(running) -> None:
    upload = "anna@example.org;Anna\nE-Mail;Name\nbert@example.org;Bert\n"
    response = post(running.client(), "/subscribers", "/subscribers/import", files={"file": ("l.csv", upload.encode())},
                    list="volunteers")
    alert = BeautifulSoup(response.text, "html.parser").select_one("[role=alert]").text
    assert response.status_code == 400 and "keine der ersten 10 Zeilen hat eine Spalte „E-Mail“" in alert


def test_a_title_that_mentions_an_address_is_still_a_title(running) -> None:
    upload = "Helferliste (Fragen an buero@example.org)\n\nE-Mail;Name\nbert@example.org;Bert\n"
    preview = post(running.client(), "/subscribers", "/subscribers/import", files={"file": ("l.csv", upload.encode())},
                   list="neu")
    page = BeautifulSoup(preview.text, "html.parser")
    assert preview.status_code == 200 and "Zeile 3" in page.select_one("#import-title").text


def test_the_preview_counts_rows_of_her_sheet_and_the_list_page_rows_of_the_list_file_and_each_says_so(running) -> None:
    rows = [["Helferliste"], ["E-Mail", "Name"], ["eins@example.org", "Eins"], [], ["zwei@example.org", "Zwei"],
            ["falsch@", "Falsch"], ["Eins@example.org", "Eins doppelt"]]
    client = running.client()
    preview = post(client, "/subscribers", "/subscribers/import", files={"file": ("Helfer.xlsx", xlsx(rows))}, list="neu")
    page = BeautifulSoup(preview.text, "html.parser")
    assert [li.text for li in page.select("#bad-rows li")] == [
        "Zeile 6 Ihrer Tabelle: „falsch@“ ist keine gültige E-Mail-Adresse (nach dem @ fehlt etwas)",
        "Zeile 7 Ihrer Tabelle: Eins@example.org steht doppelt in der Liste (zuerst in Zeile 3); erhält die Ausgabe nur einmal"]
    confirmation = {"csrf": csrf_of(preview.text), "token": page.select_one("[name=token]")["value"]}
    listed = BeautifulSoup(client.post("/subscribers/import/confirm", data=confirmation, follow_redirects=True).text,
                           "html.parser")
    assert "Zeilen der Listendatei neu.csv" in listed.select_one("#bad-rows p").text
    assert [li.text.split(":")[0] for li in listed.select("#bad-rows li")] == ["Zeile 4 in neu.csv", "Zeile 5 in neu.csv"]
