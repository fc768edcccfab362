"""A list may be the office's own sheet (issue 28, item 2): subscribers/NAME.xlsx or .ods is read directly by
`--list NAME` through the bounded reader, and every change the tool makes is written back into the .xlsx in its
own format, with the other columns, rows and sheets kept and the old file in subscribers/backup/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import SMTPServer
from openpyxl import load_workbook
from test_office_lists import greeting_line, office_sheet, received
from test_send import send
from typer.testing import CliRunner

from composer.audience import roster
from composer.audience.subscribers import list_names, list_path, read_list
from composer.cli import app
from composer.errors import SubscriberListError
from composer.records import Recipient
from composer.state import Journal


def with_second_sheet(data: bytes, path: Path) -> None:
    import io

    book = load_workbook(io.BytesIO(data))
    notes = book.create_sheet("Notizen")
    notes["A1"] = "Nicht löschen"
    book.save(path)


def test_an_xlsx_list_is_sent_to_directly_with_the_whole_name(workdir: Path, smtp_server: SMTPServer) -> None:
    Path("subscribers/volunteers.csv").unlink()
    with_second_sheet(office_sheet(), Path("subscribers/buero.xlsx"))
    assert list_names(Path("subscribers")) == ["buero"]
    code, output = send(smtp_server, "--list", "buero", "--yes")
    assert code == 0, output
    assert "consent" not in output
    mails = received(smtp_server)
    assert str(mails["karl@example.org"]["To"]) == "Karl Lüdtke <karl@example.org>"
    assert greeting_line(mails["karl@example.org"]) == "Hallo Karl Lüdtke,"


def test_two_files_for_one_list_are_refused(workdir: Path) -> None:
    Path("subscribers/volunteers.xlsx").write_bytes(office_sheet())
    with pytest.raises(SubscriberListError, match="two files for the list volunteers"):
        list_path("volunteers", Path("subscribers"))


def test_changes_are_written_back_into_the_xlsx_keeping_her_columns_and_sheets(workdir: Path) -> None:
    lists, path = Path("subscribers"), Path("subscribers/buero.xlsx")
    with_second_sheet(office_sheet(), path)
    with Journal(Path(".newsletter")) as journal:
        roster.add("buero", lists, journal, "neu@example.org", "Nora Neu", "am Telefon", dt.date(2026, 12, 6))
    roster.edit("buero", lists, "kim@example.org", "Kim Yilmaz-Berg", "01.02.2021", "Brief")
    assert CliRunner().invoke(app, ["forget", "anna@example.org", "--yes"]).exit_code == 0
    book = load_workbook(path)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:5] == ("Anrede", "Vorname", "Nachname", "E-Mail-Adresse", "Einwilligung am")
    assert [r[3] for r in rows[1:]] == ["kim@example.org", "karl@example.org", "neu@example.org"]
    assert rows[1][1:3] == ("Kim", "Yilmaz-Berg") and rows[3][1:3] == ("Nora", "Neu")
    assert book["Notizen"]["A1"].value == "Nicht löschen"
    assert len(list((lists / "backup").glob("buero-*.xlsx"))) >= 2
    assert not any("anna@example.org" in str(load_workbook(b).worksheets[0]["D2"].value)
                   for b in (lists / "backup").glob("buero-*.xlsx"))  # forget reaches the backups too
    listed = [r.email for r in read_list(path) if isinstance(r, Recipient)]
    assert listed == ["kim@example.org", "karl@example.org", "neu@example.org"]


def test_an_ods_list_is_read_and_a_change_asks_to_save_it_as_xlsx(workdir: Path, smtp_server: SMTPServer) -> None:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name="Liste")
    for cells in (["Vorname", "Name", "E-Mail"], ["Anna", "Schmitz", "anna@example.org"]):
        row = TableRow()
        for value in cells:
            cell = TableCell()
            cell.addElement(P(text=value))
            row.addElement(cell)
        table.addElement(row)
    document.spreadsheet.addElement(table)
    document.save("subscribers/buero.ods")
    assert [r.name for r in read_list(Path("subscribers/buero.ods")) if isinstance(r, Recipient)] == ["Anna Schmitz"]
    with Journal(Path(".newsletter")) as journal, pytest.raises(SubscriberListError, match="save it as .xlsx or .csv"):
        roster.add("buero", Path("subscribers"), journal, "neu@example.org", "Nora", "am Telefon")
