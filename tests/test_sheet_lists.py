"""A list may be the office's own sheet (issue 28, item 2): subscribers/NAME.xlsx or .ods is read directly by
`--list NAME` through the bounded reader, and every change the tool makes is written back into the file in its
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


def office_ods(path: Path) -> None:
    """Her LibreOffice list as LibreOffice stores it: blank cells and rows repeated, a note column, a second sheet."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name="Liste")
    for cells in (["Vorname", "Name", "E-Mail", "", "Notiz"], ["Anna", "Schmitz", "anna@example.org", "", "Chor"],
                  ["Kim", "Yilmaz", "kim@example.org", "", "Garten"], ["Karl", "Lüdtke", "karl@example.org", "", ""]):
        row = TableRow()
        for value in cells:
            cell = TableCell(valuetype="string") if value else TableCell(numbercolumnsrepeated=1)
            if value:
                cell.addElement(P(text=value))
            row.addElement(cell)
        row.addElement(TableCell(numbercolumnsrepeated=1019))
        table.addElement(row)
    blank = TableRow(numberrowsrepeated=1048572)
    blank.addElement(TableCell(numbercolumnsrepeated=1024))
    table.addElement(blank)
    notes = Table(name="Notizen")
    row = TableRow()
    cell = TableCell(valuetype="string")
    cell.addElement(P(text="Nicht löschen"))
    row.addElement(cell)
    notes.addElement(row)
    document.spreadsheet.addElement(table)
    document.spreadsheet.addElement(notes)
    document.save(str(path))


def ods_tables(path: Path) -> dict[str, list[list[str]]]:
    """Each sheet's rows as LibreOffice shows them, up to the last value (odfpy, not the tool's reader)."""
    from odf.opendocument import load
    from odf.table import Table, TableCell, TableRow
    from odf.teletype import extractText

    tables = {}
    for table in load(str(path)).spreadsheet.getElementsByType(Table):
        rows = []
        for row in table.getElementsByType(TableRow):
            cells = []
            for cell in row.getElementsByType(TableCell):
                cells += [extractText(cell)] * int(cell.getAttribute("numbercolumnsrepeated") or 1)
            while cells and not cells[-1]:
                cells.pop()
            rows += [cells] * int(row.getAttribute("numberrowsrepeated") or 1) if cells else []
        tables[table.getAttribute("name")] = rows
    return tables


def test_changes_are_written_back_into_the_ods_keeping_her_columns_sheets_and_other_parts(workdir: Path) -> None:
    import zipfile

    lists, path = Path("subscribers"), Path("subscribers/buero.ods")
    office_ods(path)
    with zipfile.ZipFile(path) as archive:
        before = {name: archive.read(name) for name in archive.namelist() if name != "content.xml"}
    with Journal(Path(".newsletter")) as journal:
        roster.add("buero", lists, journal, "neu@example.org", "Nora Neu", "am Telefon", dt.date(2026, 12, 6))
    roster.edit("buero", lists, "kim@example.org", "Kim Yilmaz-Berg", "01.02.2021", "Brief")
    result = CliRunner().invoke(app, ["forget", "anna@example.org", "--yes"])
    assert result.exit_code == 0, result.output
    tables = ods_tables(path)
    assert tables["Notizen"] == [["Nicht löschen"]]
    rows = tables["Liste"]
    assert rows[0][:5] == ["Vorname", "Name", "E-Mail", "", "Notiz"]
    assert [r[2] for r in rows[1:]] == ["kim@example.org", "karl@example.org", "neu@example.org"]
    assert rows[1][:2] == ["Kim", "Yilmaz-Berg"] and rows[1][4] == "Garten" and rows[3][:2] == ["Nora", "Neu"]
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist()[0] == "mimetype"
        assert {name: archive.read(name) for name in archive.namelist() if name != "content.xml"} == before
        content = archive.read("content.xml").decode()
    assert "1048571" in content  # the blank rows below gave the new row, so the sheet keeps LibreOffice's size
    assert len(list((lists / "backup").glob("buero-*.ods"))) >= 2
    assert not any("anna@example.org" in str(ods_tables(b)) for b in (lists / "backup").glob("buero-*.ods"))
    listed = [r.email for r in read_list(path) if isinstance(r, Recipient)]
    assert listed == ["kim@example.org", "karl@example.org", "neu@example.org"]
    assert [r.name for r in read_list(path) if isinstance(r, Recipient)][0] == "Kim Yilmaz-Berg"


def test_an_import_replaces_the_first_sheet_of_an_ods_list_and_keeps_the_others(workdir: Path) -> None:
    from composer.audience.importing import confirm, preview

    state, lists, path = Path(".newsletter"), Path("subscribers"), Path("subscribers/buero.ods")
    Path("subscribers/volunteers.csv").unlink()
    office_ods(path)
    upload = "Vorname;Name;E-Mail;Ort\nEva;Berg;eva@example.org;Köln\nOle;Dahl;ole@example.org;Bonn\n"
    with Journal(state) as journal:
        shown = preview("buero", lists, journal, state, "neu.csv", upload.encode(), secret=b"s")
    confirm(shown.token, lists, state)
    tables = ods_tables(path)
    assert tables["Liste"] == [["Vorname", "Name", "E-Mail", "Ort"], ["Eva", "Berg", "eva@example.org", "Köln"],
                               ["Ole", "Dahl", "ole@example.org", "Bonn"]]
    assert tables["Notizen"] == [["Nicht löschen"]]
    assert [r.name for r in read_list(path) if isinstance(r, Recipient)] == ["Eva Berg", "Ole Dahl"]


def test_a_new_column_in_an_ods_splits_the_blank_cells_libreoffice_stores_repeated(tmp_path: Path) -> None:
    from odf.opendocument import load
    from odf.table import TableRow

    from composer.audience import sheetfiles

    path = tmp_path / "buero.ods"
    office_ods(path)
    assert sheetfiles.update(path, "karl@example.org", {"Ort": "Köln"})
    rows = ods_tables(path)["Liste"]
    assert rows[0] == ["Vorname", "Name", "E-Mail", "", "Notiz", "Ort"] and rows[3][5] == "Köln"
    assert rows[1] == ["Anna", "Schmitz", "anna@example.org", "", "Chor"]
    first = load(str(path)).spreadsheet.getElementsByType(TableRow)[0]
    assert sum(int(c.getAttribute("numbercolumnsrepeated") or 1) for c in first.childNodes) == 1024


def test_a_broken_ods_list_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    from composer.audience import sheetfiles

    path = tmp_path / "buero.ods"
    path.write_bytes(b"PK not really")
    with pytest.raises(SubscriberListError, match="cannot be read as a ods spreadsheet"):
        sheetfiles.remove(path, "anna@example.org")


def test_a_backup_copy_names_the_list_it_was_taken_of(tmp_path: Path) -> None:
    import datetime as dt

    from composer.audience.listfiles import keep_backup, list_of_backup

    path = tmp_path / "ehrenamt-nord.csv"
    path.write_text("email\nanna@example.org\n", encoding="utf-8")
    now = dt.datetime(2026, 12, 6, 9, 30)
    first, second = keep_backup(path, now), keep_backup(path, now)
    assert first and second and list_of_backup(first) == list_of_backup(second) == "ehrenamt-nord"
    assert list_of_backup(path) is None
