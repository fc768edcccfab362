"""A spreadsheet as offices export it (CSV, Excel's .xlsx, LibreOffice's .ods) turned into list CSV text, with
each CSV line mapped back to the row of the sheet, so a bad row is reported where the coordinator sees it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

from composer.errors import SubscriberListError

MAX_BYTES = 20 * 1024 * 1024
KINDS = (".csv", ".txt", ".xlsx", ".ods")


@dataclass(frozen=True)
class Sheet:
    """List CSV text and, for each line of it that starts a row, the row number in the original sheet."""

    text: str
    rows: dict[int, int] = field(default_factory=dict)

    def row_of(self, line: int) -> int:
        return self.rows.get(line, line)


def read_sheet(filename: str, data: bytes) -> Sheet:
    """Raises SubscriberListError with one line saying what to do, for a file that is none of the kinds read."""
    name = filename.lower()
    if len(data) > MAX_BYTES:
        raise SubscriberListError(f"{filename}: larger than {MAX_BYTES // 1024 // 1024} MB; is this the subscriber list?")
    if name.endswith((".csv", ".txt")):
        return Sheet(_decoded(filename, data))
    if name.endswith((".xlsx", ".ods")):
        try:
            rows = list(_xlsx_rows(data) if name.endswith(".xlsx") else _ods_rows(data))
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise SubscriberListError(f"{filename}: cannot be read as a {name.rsplit('.', 1)[1]} spreadsheet ({exc}); "
                                      "save it again from the spreadsheet program, or export it as CSV UTF-8") from None
        return _as_csv(rows)
    raise SubscriberListError(f"{filename}: not a spreadsheet this tool reads; save the list as CSV, .xlsx or .ods")


def _decoded(filename: str, data: bytes) -> str:
    """UTF-8 (with or without BOM); else Windows-1252, which German Excel writes for plain "CSV"."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            raise SubscriberListError(f"{filename}: neither UTF-8 nor Windows text; export it as 'CSV UTF-8'") from None


def _as_csv(rows: list[tuple[int, list[str]]]) -> Sheet:
    """Semicolon CSV (what German Excel opens); a cell with a line break spans lines, so the row map keeps count."""
    while rows and not any(rows[-1][1]):
        rows.pop()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    mapping, line = {}, 1
    for number, cells in rows:
        mapping[line] = number
        before = out.tell()
        writer.writerow(cells)
        line += out.getvalue()[before:].count("\n")
    return Sheet(out.getvalue(), mapping)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), 1):
            yield number, _trimmed([_cell(v) for v in row])
    finally:
        book.close()


def _ods_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    """The first table of an OpenDocument spreadsheet; repeated rows and cells (how it stores blanks) unfolded."""
    from odf import teletype
    from odf.namespaces import OFFICENS, TABLENS
    from odf.opendocument import load
    from odf.table import Table, TableRow

    document = load(io.BytesIO(data))
    tables = document.spreadsheet.getElementsByType(Table)
    if not tables:
        raise ValueError("no table in the file")
    number = 0
    for row in tables[0].getElementsByType(TableRow):
        cells: list[str] = []
        for cell in row.childNodes:
            if cell.qname[1] not in ("table-cell", "covered-table-cell"):
                continue
            kind = cell.attributes.get((OFFICENS, "value-type"))
            value = cell.attributes.get((OFFICENS, "date-value")) if kind == "date" else None
            text = value[:10] if value else "\n".join(teletype.extractText(p) for p in cell.childNodes if p.qname[1] == "p")
            repeat = int(cell.attributes.get((TABLENS, "number-columns-repeated"), 1))
            cells.extend([text.strip()] * min(repeat, 1024))  # a row's blank tail is repeated up to the sheet's width
        repeated = int(row.attributes.get((TABLENS, "number-rows-repeated"), 1))
        cells = _trimmed(cells)
        for _ in range(repeated if cells else 1):
            number += 1
            yield number, cells
        if not cells:
            number += repeated - 1


def _trimmed(cells: list[str]) -> list[str]:
    while cells and not cells[-1]:
        cells.pop()
    return cells
