"""A list kept as the office's own sheet (subscribers/NAME.xlsx or NAME.ods), changed in place: a row added,
changed or removed, or the whole first sheet replaced by an import, written back in its own format (whole,
atomically; the file as it was kept in subscribers/backup/ by the caller). Her other columns, rows and sheets stay.
An .xlsx goes through openpyxl, which keeps formatting as far as it can (README: conditional formats, charts and
macros may be lost); an .ods through odsfiles.OdsSheet, which offers the same few sheet operations and rewrites
only the table's changed rows, every other part of the file kept as it was."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from composer.atomic import PRIVATE, write_bytes
from composer.audience.odsfiles import OdsSheet
from composer.audience.subscribers import read_header, recipient_address


def _same(cell: object, address: str) -> bool:
    text = "" if cell is None else str(cell).strip()
    try:
        return recipient_address(text).lower() == address.lower()
    except Exception:  # noqa: BLE001 - a cell that is no address is simply not this one
        return text.lower() == address.lower()


def change(path: Path, edit: Callable[[Any, list[str]], bool]) -> bool:
    """Opens the workbook (or the .ods), lets `edit(first sheet, its column names as the tool reads them)` change it, and writes
    it back when it says it did."""
    if path.suffix.lower() == ".ods":
        table = OdsSheet(path)
        if not edit(table, read_header(_line(table.header()))[1]):
            return False
        table.save()
        return True
    from openpyxl import load_workbook

    book = load_workbook(path)
    sheet = book.worksheets[0]
    header = ["" if c.value is None else str(c.value) for c in sheet[1]]
    keys = read_header(_line(header))[1]
    if not edit(sheet, keys):
        return False
    out = io.BytesIO()
    book.save(out)
    write_bytes(path, out.getvalue(), PRIVATE)
    return True


def remove(path: Path, address: str) -> int:
    """Deletes the rows of `address`; returns how many."""
    gone = 0

    def edit(sheet: Any, keys: list[str]) -> bool:
        nonlocal gone
        if "email" not in keys:
            return False
        column = keys.index("email") + 1
        for number in range(sheet.max_row, 1, -1):
            if _same(sheet.cell(number, column).value, address):
                sheet.delete_rows(number)
                gone += 1
        return gone > 0

    change(path, edit)
    return gone


def append(path: Path, values: dict[str, str]) -> None:
    """One row at the end, in the sheet's columns; a column it lacks is added at the right when a value needs it."""

    def edit(sheet: Any, keys: list[str]) -> bool:
        _add_columns(sheet, keys, values)
        sheet.append([values.get(key, "") for key in keys])
        return True

    change(path, edit)


def update(path: Path, address: str, values: dict[str, str]) -> bool:
    """The row of `address` with `values` in its columns; False when no row has it."""

    def edit(sheet: Any, keys: list[str]) -> bool:
        if "email" not in keys:
            return False
        column = keys.index("email") + 1
        numbers = [n for n in range(2, sheet.max_row + 1) if _same(sheet.cell(n, column).value, address)]
        if not numbers:
            return False
        _add_columns(sheet, keys, values)
        for number in numbers:
            for key, value in values.items():
                if key in keys:
                    sheet.cell(number, keys.index(key) + 1, value)
        return True

    return change(path, edit)


def replace(path: Path, text: str) -> None:
    """The first sheet's cells replaced by the rows of list CSV `text` (an import); other sheets stay."""
    delimiter = read_header(text.partition("\n")[0])[0]
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))

    def edit(sheet: Any, keys: list[str]) -> bool:
        sheet.delete_rows(1, sheet.max_row)
        for row in rows:
            sheet.append(row)
        return True

    change(path, edit)


def _add_columns(sheet: Any, keys: list[str], values: dict[str, str]) -> None:
    for key, value in values.items():
        if key not in keys and value:
            keys.append(key)
            sheet.cell(1, len(keys), key)


def _line(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerow(cells)
    return out.getvalue()
