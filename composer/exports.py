"""Every table the tool hands out as a spreadsheet (status, subscribers, logs), written by one writer.

What German Excel opens right at a double-click: `;`-separated UTF-8 with a BOM (without one, Excel shows
"LÃ¼dtke"), headers, states and dates in the reader's language (the desk's person, the CLI's environment),
dates as 06.12.2026 14:03 in German; or an .xlsx with the same cells. A cell that a spreadsheet would read as a
formula is written as text: names, addresses and server replies come from strangers, and `=HYPERLINK(...)` in a
name must not run when the coordinator opens the export (OWASP's "CSV injection": a leading apostrophe).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from composer.atomic import PRIVATE, write_bytes
from composer.i18n import Message
from composer.i18n.formats import day, stamp

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
DELIMITER = ";"
KINDS = (".csv", ".xlsx")


def neutral(value: object) -> str:
    """The cell as text, with an apostrophe in front when a spreadsheet would otherwise read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class ExportWriter:
    """`csv.writer` for files a person opens in a spreadsheet: every cell goes through `neutral`."""

    def __init__(self, stream: TextIO, **dialect: Any) -> None:
        self._writer = csv.writer(stream, **dialect)

    def writerow(self, cells: Iterable[object]) -> None:
        self._writer.writerow([neutral(cell) for cell in cells])


@dataclass(frozen=True)
class Table:
    """Columns and rows as the library has them: a header or cell may be a `Message` (a state, a yes), a date
    or a time; the writer puts each in the reader's language."""

    columns: Sequence[Message | str]
    rows: Iterable[Sequence[object]]


def shown(cell: object, lang: str) -> str:
    """One cell as text in `lang`."""
    if cell is None:
        return ""
    if isinstance(cell, Message):
        return cell.render(lang)
    if isinstance(cell, dt.datetime):
        return stamp(cell, lang)
    if isinstance(cell, dt.date):
        return day(cell, lang)
    return str(cell)


def csv_text(table: Table, lang: str) -> str:
    """`;`-separated, starting with a BOM, every cell neutralised."""
    out = io.StringIO(newline="")
    out.write(BOM)
    writer = ExportWriter(out, delimiter=DELIMITER, lineterminator="\r\n")
    writer.writerow(shown(c, lang) for c in table.columns)
    for row in table.rows:
        writer.writerow(shown(cell, lang) for cell in row)
    return out.getvalue()


def xlsx_bytes(table: Table, lang: str) -> bytes:
    """An Excel workbook of one sheet: dates as date cells, everything else as text (neutralised, so a stranger's
    formula stays text there too)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet: Any = book.create_sheet()
    sheet.append([shown(c, lang) for c in table.columns])
    pattern = "DD.MM.YYYY" if lang == "de" else "YYYY-MM-DD"
    for row in table.rows:
        cells: list[object] = []
        for cell in row:
            if isinstance(cell, dt.date):
                value = cell.replace(tzinfo=None) if isinstance(cell, dt.datetime) else dt.datetime.combine(cell, dt.time())
                dated = WriteOnlyCell(sheet, value=value)
                dated.number_format = pattern + (" hh:mm" if isinstance(cell, dt.datetime) else "")
                cells.append(dated)
            elif isinstance(cell, int | float) and not isinstance(cell, bool):
                cells.append(cell)
            else:
                cells.append(neutral(shown(cell, lang)))
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def exported(table: Table, lang: str, kind: str = ".csv") -> bytes:
    """The table as the bytes of a file of `kind` (".csv" or ".xlsx")."""
    return xlsx_bytes(table, lang) if kind == ".xlsx" else csv_text(table, lang).encode("utf-8")


def write_export(table: Table, path: Path, lang: str) -> None:
    """Written whole and readable by its owner only (it holds addresses); .xlsx by the name, else CSV."""
    write_bytes(path, exported(table, lang, ".xlsx" if path.suffix.lower() == ".xlsx" else ".csv"), PRIVATE)
