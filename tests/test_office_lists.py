"""Lists as German offices keep them (issue 28, item 1): "Vorname" beside "Name"/"Nachname" is the whole name,
"Anrede" makes a formal greeting when the issue asks for one, "Einwilligung am"/"Quelle" prove consent, Excel
date cells, tabs and Windows-1252 are read right; sent through a real SMTP server on loopback."""

from __future__ import annotations

import datetime as dt
import io
from email.message import EmailMessage
from pathlib import Path

import pytest
from conftest import SMTPServer
from openpyxl import Workbook
from test_send import send

from composer.audience.importing import confirm, preview
from composer.audience.subscribers import read_list
from composer.i18n import message
from composer.records import Recipient
from composer.send.message import named_greeting
from composer.state import Journal

SEMICOLON = ("Vorname;Name;E-Mail;Einwilligung am;Quelle\n"
             "Anna;Schmitz;anna@example.org;14.05.2020;Infoabend Rathaus\n"
             "Karl;Lüdtke;karl@example.org;03.01.2021;Anmeldeformular\n")


def received(server: SMTPServer) -> dict[str, EmailMessage]:
    return {m["To"].addresses[0].addr_spec: m for m in server.handler.messages()}


def greeting_line(msg: EmailMessage) -> str:
    text = msg.get_body(("plain",)).get_content()
    return next(line for line in text.splitlines() if line.startswith(("Hallo", "Sehr", "Liebe")))


def office_sheet() -> bytes:
    """An .xlsx as the office keeps it: Anrede, Vorname, Nachname, E-Mail-Adresse, Einwilligung am as date cells."""
    book = Workbook()
    sheet = book.active
    sheet.append(["Anrede", "Vorname", "Nachname", "E-Mail-Adresse", "Einwilligung am"])
    sheet.append(["Frau", "Anna", "Schmitz", "anna@example.org", dt.datetime(2020, 5, 14)])
    sheet.append(["divers", "Kim", "Yilmaz", "kim@example.org", dt.datetime(2021, 2, 1)])
    sheet.append(["Herr", "Karl", "Lüdtke", "karl@example.org", dt.date(2021, 3, 7)])
    for row in sheet.iter_rows(min_row=2, min_col=5):
        row[0].number_format = "DD.MM.YYYY"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_vorname_and_name_columns_make_the_whole_name_in_to_and_greeting_without_consent_warning(
        workdir: Path, smtp_server: SMTPServer) -> None:
    Path("subscribers/buero.csv").write_text(SEMICOLON, encoding="utf-8")
    code, output = send(smtp_server, "--list", "buero", "--yes")
    assert code == 0, output
    assert "consent" not in output
    mails = received(smtp_server)
    assert str(mails["anna@example.org"]["To"]) == "Anna Schmitz <anna@example.org>"
    assert greeting_line(mails["anna@example.org"]) == "Hallo Anna Schmitz,"
    assert greeting_line(mails["karl@example.org"]) == "Hallo Karl Lüdtke,"


def test_an_xlsx_with_anrede_and_excel_date_cells_imported_then_sent_greets_formally_when_the_issue_asks(
        workdir: Path, smtp_server: SMTPServer) -> None:
    issue = Path("issues/2020-12.md")
    issue.write_text(issue.read_text(encoding="utf-8").replace(
        "language: de\n", "language: de\ngreeting:\n  named: \"Liebe/r {name},\"\n  anonymous: \"Liebe Engagierte,\"\n"
        "  formal: \"Sehr geehrte/r {anrede} {nachname},\"\n"), encoding="utf-8")
    state = Path(".newsletter")
    with Journal(state) as journal:
        shown = preview("buero", Path("subscribers"), journal, state, "Ehrenamt 2021.xlsx", office_sheet(), secret=b"s")
        assert [r.name for r in shown.new] == ["Anna Schmitz", "Kim Yilmaz", "Karl Lüdtke"]
        assert shown.new[0].fields["consent_date"] == "2020-05-14"
    confirm(shown.token, Path("subscribers"), state)
    code, output = send(smtp_server, "--list", "buero", "--yes")
    assert code == 0, output
    assert "consent" not in output
    mails = received(smtp_server)
    assert str(mails["anna@example.org"]["To"]) == "Anna Schmitz <anna@example.org>"
    assert greeting_line(mails["anna@example.org"]) == "Sehr geehrte/r Frau Schmitz,"
    assert greeting_line(mails["karl@example.org"]) == "Sehr geehrte/r Herr Lüdtke,"
    assert greeting_line(mails["kim@example.org"]) == "Liebe/r Kim Yilmaz,"


def test_a_windows_1252_csv_is_sent_with_its_umlauts_right(workdir: Path, smtp_server: SMTPServer) -> None:
    Path("subscribers/buero.csv").write_bytes(SEMICOLON.encode("cp1252"))
    code, output = send(smtp_server, "--list", "buero", "--yes")
    assert code == 0, output
    assert str(received(smtp_server)["karl@example.org"]["To"]) == "Karl Lüdtke <karl@example.org>"


def test_a_windows_1252_upload_is_read_right_and_said_in_the_preview(workdir: Path) -> None:
    state = Path(".newsletter")
    with Journal(state) as journal:
        shown = preview("buero", Path("subscribers"), journal, state, "liste.csv", SEMICOLON.encode("cp1252"), secret=b"s")
    assert shown.encoding == "Windows-1252"
    assert shown.new[1].name == "Karl Lüdtke"


@pytest.mark.parametrize("header", ["Vorname\tNachname\tMail\tDatum der Einwilligung\tQuelle der Einwilligung",
                                    "Vorname,Familienname,E-Mail,Einwilligung am,Quelle"])
def test_tab_and_comma_separated_lists_with_german_headers_are_read(tmp_path: Path, header: str) -> None:
    separator = "\t" if "\t" in header else ","
    path = tmp_path / "liste.csv"
    path.write_text(header + "\n" + separator.join(["Anna", "Schmitz", "anna@example.org", "14.05.2020", "Messe"]) + "\n",
                    encoding="utf-8")
    assert list(read_list(path)) == [Recipient("anna@example.org", "Anna Schmitz", {
        "first_name": "Anna", "last_name": "Schmitz", "consent_date": "14.05.2020", "consent_source": "Messe"})]


def test_a_list_with_a_consent_day_but_no_source_column_proves_consent_yet_an_empty_source_cell_does_not() -> None:
    from composer.audience.consent import missing_evidence

    assert missing_evidence(Recipient("a@example.org", None, {"consent_date": "2020-05-14"})) is None
    assert missing_evidence(Recipient("a@example.org", None, {"consent_date": "2020-05-14", "consent_source": ""})) \
        == message("no {column}", column="consent_source")


@pytest.mark.parametrize(("fields", "expected"), [
    ({"salutation": "Frau", "last_name": "Schmitz", "first_name": "Anna"}, "Sehr geehrte/r Frau Schmitz,"),
    ({"salutation": "divers", "last_name": "Yilmaz", "first_name": "Kim"}, "Liebe/r Kim Yilmaz,"),
    ({"last_name": "Schmitz", "first_name": "Anna"}, "Liebe/r Kim Yilmaz,"),
])
def test_the_formal_greeting_needs_an_anrede_of_frau_or_herr_and_a_surname(fields: dict[str, str], expected: str) -> None:
    name = "Kim Yilmaz"
    got = named_greeting(("Liebe/r {name},", "Liebe Engagierte,"), name, fields, "Sehr geehrte/r {anrede} {nachname},")
    assert got == expected


def test_a_formal_greeting_without_a_surname_slot_is_refused() -> None:
    from pydantic import ValidationError

    from composer.issue.schema import Greeting

    with pytest.raises(ValidationError, match=r"must contain \{nachname\}"):
        Greeting(named="Hallo {name},", anonymous="Hallo,", formal="Sehr geehrte/r {anrede},")
    assert Greeting(named="Hallo {name},", anonymous="Hallo,", formal="Guten Tag {anrede} {nachname},").formal


def test_unsubscribing_an_address_on_no_list_blocks_it_as_a_precaution_and_says_so(workdir: Path) -> None:
    from typer.testing import CliRunner

    from composer.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["unsubscribe", "niemand@example.org"], env={"LANG": "de_DE.UTF-8", "LANGUAGE": ""})
    assert result.exit_code == 0, result.output
    assert "niemand@example.org steht auf keiner Liste – vorsorglich gesperrt" in result.output
    with Journal(Path(".newsletter")) as journal:
        assert journal.suppression("niemand@example.org") is not None
    listed = runner.invoke(app, ["unsubscribe", "anna.mueller@example.org"], env={"LANG": "C"})
    assert "anna.mueller@example.org is taken off the list volunteers and will receive no more newsletters." in listed.output
    again = runner.invoke(app, ["unsubscribe", "anna.mueller@example.org"], env={"LANG": "C"})
    assert "was unsubscribed or bounced already" in again.output


def test_the_library_says_which_lists_held_the_address(workdir: Path) -> None:
    from composer.audience.roster import block

    Path("subscribers/buero.csv").write_text(SEMICOLON, encoding="utf-8")
    with Journal(Path(".newsletter")) as journal:
        assert block(journal, "anna@example.org", "am Telefon", Path("subscribers")).lists == ["buero"]
        assert block(journal, "weg@example.org", "am Telefon", Path("subscribers")).lists == []


def test_merge_keeps_the_lists_other_addresses_and_replace_lists_them_as_removed(workdir: Path) -> None:
    from composer.audience.importing import MERGE, REPLACE, remap

    state, lists = Path(".newsletter"), Path("subscribers")
    with Journal(state) as journal:
        shown = preview("volunteers", lists, journal, state, "buero.csv", SEMICOLON.encode(), secret=b"s")
        assert len(shown.removed) == 8 and shown.with_consent == 2 and shown.greetings[0] == ("anna@example.org",
                                                                                            "Hallo Anna Schmitz,")
        merged = remap(shown.token, {}, MERGE, lists, journal, state, secret=b"s")
        assert merged.removed == [] and len(merged.kept) == 8
        assert remap(shown.token, {}, REPLACE, lists, journal, state, secret=b"s").removed
        merged = remap(shown.token, {"Name": "skip"}, MERGE, lists, journal, state, secret=b"s")
        assert merged.greetings[0] == ("anna@example.org", "Hallo Anna,")
    confirm(shown.token, lists, state)
    emails = [r.email for r in read_list(lists / "volunteers.csv") if isinstance(r, Recipient)]
    assert len(emails) == 10 and "anna.mueller@example.org" in emails and "anna@example.org" in emails


def test_an_imported_lists_export_names_its_columns_in_german_and_reads_back_as_the_same_list(tmp_path: Path) -> None:
    from composer.audience.roster import export_table, roster
    from composer.exports import exported

    path = tmp_path / "helfer.csv"  # as an import writes it: our plain column names
    path.write_text("email;name;first_name;last_name;consent_date;consent_source\n"
                    "fatima@example.org;;Fatima;Al-Hassan;2020-05-14;Formular\n", encoding="utf-8")
    with Journal(tmp_path / "state") as journal:
        table = export_table(roster("helfer", tmp_path, journal, b"secret"), path)
    text = exported(table, "de").decode("utf-8-sig")
    assert text.splitlines()[0] == "email;name;Vorname;Nachname;Einwilligung am;Quelle der Einwilligung"
    again = tmp_path / "again.csv"
    again.write_text(text, encoding="utf-8")
    [row] = read_list(again)
    assert (row.email, row.name, row.fields["consent_source"]) == ("fatima@example.org", "Fatima Al-Hassan", "Formular")
