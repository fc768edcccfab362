"""Reading an office's spreadsheet: seconds for N and 5×N rows of .xlsx and .ods, to see that it grows linearly.

    python bench/sheets.py [--rows 20000]

The files are made with openpyxl (as Excel would write them, its dimension first) and as LibreOffice writes
an .ods (one table-row per row, a repeated blank tail to the sheet's end).
"""

from __future__ import annotations

import argparse
import io
import sys
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from composer.audience.spreadsheets import read_sheet  # noqa: E402

TABLE = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
         'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')


def xlsx(rows: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["email", "name"])
    for n in range(rows):
        sheet.append([f"person{n}@example.org", f"Jürgen Müller {n}"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ods(rows: int) -> bytes:
    cell = '<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>'
    body = "".join(f"<table:table-row>{cell.format(f'person{n}@example.org')}{cell.format(f'Jürgen Müller {n}')}"
                   "</table:table-row>" for n in range(rows))
    blank = ('<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/>'
             "</table:table-row>")
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {TABLE}><office:body><office:spreadsheet>'
               f'<table:table table:name="Liste"><table:table-row>{cell.format("email")}{cell.format("name")}</table:table-row>'
               f"{body}{blank}</table:table></office:spreadsheet></office:body></office:document-content>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr("content.xml", content)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000)
    rows = parser.parse_args().rows
    for kind, make in (("xlsx", xlsx), ("ods", ods)):
        for count in (rows, 5 * rows):
            data = make(count)
            start = time.perf_counter()
            sheet = read_sheet(f"bench.{kind}", data)
            took = time.perf_counter() - start
            assert sheet.text.count("\n") == count + 1
            print(f"{kind}: {count:>7} rows ({len(data) // 1024} KB) read in {took:5.2f} s, {count / took:,.0f} rows/s")


if __name__ == "__main__":
    main()
