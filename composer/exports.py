"""What leaves as a spreadsheet (CSV downloads and exports): a cell that a spreadsheet would read as a formula is
written as text. Names, addresses and server replies come from strangers; `=HYPERLINK(...)` in a name must not run
when the coordinator opens the export in Excel or LibreOffice (OWASP's "CSV injection": a leading apostrophe)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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
