"""A spreadsheet as offices export it (CSV, Excel's .xlsx, LibreOffice's .ods) turned into list CSV text, with
each CSV line mapped back to the row of the sheet, so a bad row is reported where the coordinator sees it.

An upload is a stranger's file: a few bytes can declare a million rows (`<dimension ref="A1:XFD1048576"/>`,
`number-rows-repeated="2000000"`) or unpack to gigabytes. So the sheet's own claims are never trusted: the zip's
members are measured before anything is unpacked, only rows and cells that hold something are read, and our
own limits (rows, columns, cell size, time) end the reading with one line saying which was reached."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from composer.errors import ComposerError, SubscriberListError
from composer.i18n import N_, Message, message

MB = 1024 * 1024
MAX_BYTES = 20 * MB
KINDS = (".csv", ".txt", ".xlsx", ".ods")
TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_CELLS = (f"{{{TABLE_NS}}}table-cell", f"{{{TABLE_NS}}}covered-table-cell")


@dataclass(frozen=True)
class Limits:
    """What one spreadsheet may ask of us; far above any office's list of volunteers."""

    rows: int = 200_000
    columns: int = 100
    cell: int = 10_000  # characters in one cell
    text: int = 64 * MB  # characters of the whole list: repeated rows and shared texts could make gigabytes of a few
    shared_strings: int = 32 * MB  # an .xlsx's table of texts, unpacked: openpyxl holds it whole
    unpacked: int = 256 * MB  # every member of the .xlsx/.ods zip together, unpacked
    members: int = 10_000
    seconds: float = 120.0


LIMITS = Limits()


class SheetLimitError(SubscriberListError):
    """A spreadsheet beyond one of our limits, or its reading was stopped: nothing of it is used."""


def never() -> bool:
    return False


HEADER_ROWS = 10  # how far down an upload's header row is looked for: offices put a title (and a blank row) above it


@dataclass(frozen=True)
class Sheet:
    """List CSV text and, for each line of it that starts a row, the row number in the original sheet (a line
    not in `rows` is `offset` lines further down: the title lines of a CSV upload skipped by `headed`)."""

    text: str
    rows: dict[int, int] = field(default_factory=dict)
    encoding: str = "UTF-8"  # how a CSV upload was written: "Windows-1252" is said in the preview
    offset: int = 0
    header_row: int = 1  # the row of the sheet that holds the column names
    title: str = ""  # what the rows above it held, skipped as a title

    def row_of(self, line: int) -> int:
        return self.rows.get(line, line + self.offset)



def read_sheet(filename: str, data: bytes, limits: Limits = LIMITS, stop: Callable[[], bool] = never,
               clock: Callable[[], float] = time.monotonic) -> Sheet:
    """Raises SubscriberListError with one line saying what to do, for a file that is none of the kinds read or
    cannot be read, and SheetLimitError at a limit or when `stop()` turns true (the desk is shutting down)."""
    name = filename.lower()
    if len(data) > MAX_BYTES:
        raise SubscriberListError(message("{file}: larger than {mb} MB; is this the subscriber list?", file=filename,
                                          mb=MAX_BYTES // MB))
    if name.endswith((".csv", ".txt")):
        return Sheet(*_decoded(filename, data))
    if not name.endswith((".xlsx", ".ods")):
        raise SubscriberListError(message("{file}: not a spreadsheet this tool reads; save the list as CSV, .xlsx or .ods",
                                          file=filename))
    kind = name.rsplit(".", 1)[1]
    reading = _Reading(filename, limits, stop, clock)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            reading.measure(archive)
            return _as_csv(_xlsx_rows(data, reading) if kind == "xlsx" else _ods_rows(archive, reading))
    except ComposerError:
        raise
    except Exception as exc:  # a broken file makes zipfile, lxml and openpyxl fail in many ways; each means the same
        raise SubscriberListError(message("{file}: cannot be read as a {kind} spreadsheet ({why}); save it again from the "
                                          "spreadsheet program, or export it as CSV UTF-8", file=filename, kind=kind,
                                          why=f"{exc.__class__.__name__}: {exc}")) from None


@dataclass
class _Reading:
    """One spreadsheet being read: its name for the messages, the limits and when the time is up."""

    filename: str
    limits: Limits
    stop: Callable[[], bool]
    clock: Callable[[], float]
    deadline: float = 0.0
    size: int = 0  # characters read so far

    def __post_init__(self) -> None:
        self.deadline = self.clock() + self.limits.seconds

    def refuse(self, msgid: str, **params: object) -> SheetLimitError:
        """`msgid` (marked with N_) names the file as {file}."""
        return SheetLimitError(Message(msgid, {"file": self.filename, **params}))

    def measure(self, archive: zipfile.ZipFile) -> None:
        """The members' unpacked sizes as the zip declares them, before anything is unpacked (zipfile never
        unpacks more than declared: a member that would is broken, not big)."""
        members = archive.infolist()
        if len(members) > self.limits.members:
            raise self.refuse(N_("{file}: {n} files packed in it, more than {max}; save it again from the spreadsheet "
                                 "program, or export it as CSV UTF-8"), n=len(members), max=self.limits.members)
        unpacked = sum(m.file_size for m in members)
        if unpacked > self.limits.unpacked:
            raise self.refuse(N_("{file}: unpacked it would be {mb} MB, more than {max} MB; save it again from the "
                                 "spreadsheet program, or export it as CSV UTF-8"), mb=unpacked // MB,
                              max=self.limits.unpacked // MB)
        strings = sum(m.file_size for m in members if m.filename.lower().endswith("sharedstrings.xml"))
        if strings > self.limits.shared_strings:
            raise self.refuse(N_("{file}: its texts take {mb} MB unpacked, more than {max} MB; is this the subscriber "
                                 "list?"), mb=strings // MB, max=self.limits.shared_strings // MB)

    def tick(self) -> None:
        """Called for every row read, empty ones included."""
        if self.stop():
            raise self.refuse(N_("{file}: the import was stopped because the desk is shutting down"))
        if self.clock() > self.deadline:
            raise self.refuse(N_("{file}: reading it took longer than {n} seconds; export it as CSV UTF-8 and import "
                                 "that"), n=f"{self.limits.seconds:.0f}")

    def checked(self, number: int, cells: list[str], times: int = 1) -> list[str]:
        """A row that holds something, ending at its last value; `times` rows from `number` on hold the same."""
        if number + times - 1 > self.limits.rows:
            raise self.refuse(N_("{file}: more than {n} rows; split the list, or delete what is below it"),
                              n=self.limits.rows)
        cells = _trimmed(cells)
        if len(cells) > self.limits.columns:
            raise self.too_wide(number, len(cells))
        for column, cell in enumerate(cells, 1):
            if len(cell) > self.limits.cell:
                raise self.refuse(N_("{file}: row {row}, column {column} holds more than {n} characters; is this the "
                                     "subscriber list?"), row=number, column=column, n=self.limits.cell)
        self.size += times * sum(len(cell) + 1 for cell in cells)
        if self.size > self.limits.text:
            raise self.refuse(N_("{file}: more than {mb} MB of text; is this the subscriber list?"),
                              mb=self.limits.text // MB)
        return cells

    def too_wide(self, number: int, column: int) -> SheetLimitError:
        return self.refuse(N_("{file}: row {row} has a value in column {column}; at most {n} columns are read, so "
                              "delete what is right of the list"), row=number, column=column, n=self.limits.columns)


def _decoded(filename: str, data: bytes) -> tuple[str, dict[int, int], str]:
    """UTF-8 (with or without BOM); else Windows-1252, which German Excel writes for plain "CSV"."""
    try:
        return data.decode("utf-8-sig"), {}, "UTF-8"
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252"), {}, "Windows-1252"
        except UnicodeDecodeError:
            raise SubscriberListError(message("{file}: neither UTF-8 nor Windows text; export it as 'CSV UTF-8'",
                                              file=filename)) from None


def _as_csv(rows: Iterable[tuple[int, list[str]]]) -> Sheet:
    """Semicolon CSV (what German Excel opens); a cell with a line break spans lines, so the row map keeps count.
    Rows without a value are left out: the map still names each row by its number in the sheet."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    mapping, line = {}, 1
    for number, cells in rows:
        mapping[line] = number
        writer.writerow(cells)
        line += 1 + sum(cell.count("\n") for cell in cells)
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


def _xlsx_rows(data: bytes, reading: _Reading) -> Iterator[tuple[int, list[str]]]:
    """The first sheet's rows that hold a value. openpyxl's read-only mode streams the sheet, but sizes every
    row by the sheet's declared dimension; `reset_dimensions` makes it give each row as far as its cells go."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet: Any = book.worksheets[0]
        sheet.reset_dimensions()
        for number, row in enumerate(sheet.iter_rows(values_only=True), 1):
            reading.tick()
            if any(v is not None for v in row):
                cells = reading.checked(number, [_cell(v) for v in row])
                if cells:
                    yield number, cells
    finally:
        book.close()


def _ods_rows(archive: zipfile.ZipFile, reading: _Reading) -> Iterator[tuple[int, list[str]]]:
    """The first table of an OpenDocument spreadsheet, streamed (odfpy would build the whole document in memory).
    Repeated rows and cells, how it stores blanks, are unfolded only up to the last row and cell with a value."""
    number, depth, found = 0, 0, False
    with archive.open("content.xml") as content:
        events = etree.iterparse(content, events=("start", "end"), tag=(f"{{{TABLE_NS}}}table", f"{{{TABLE_NS}}}table-row"),
                                 resolve_entities=False, no_network=True)
        for event, element in events:
            if element.tag == f"{{{TABLE_NS}}}table":
                found = True
                depth += 1 if event == "start" else -1
                if depth == 0:
                    return
                continue
            if event != "end" or depth != 1:
                continue
            reading.tick()
            repeated = _repeat(element, "number-rows-repeated")
            cells = _ods_cells(element, number + 1, reading)
            if cells:
                cells = reading.checked(number + 1, cells, repeated)
                for _ in range(repeated):
                    reading.tick()
                    number += 1
                    yield number, cells
            else:
                number += repeated
            element.clear()
            while element.getprevious() is not None:  # rows read are dropped from the tree iterparse builds
                del element.getparent()[0]
    if not found:
        raise ValueError("no table in the file")


def _ods_cells(row: Any, number: int, reading: _Reading) -> list[str]:
    """A row's cells, each repeated as often as it says, but only up to the last cell with a value."""
    cells = [(ods_text(cell, reading.limits.cell), _repeat(cell, "number-columns-repeated")) for cell in row if cell.tag in _CELLS]
    while cells and not cells[-1][0]:
        cells.pop()
    width = sum(repeat for _, repeat in cells)
    if width > reading.limits.columns:
        raise reading.too_wide(number, width)
    return [text for text, repeat in cells for _ in range(repeat)]


def _repeat(element: Any, attribute: str) -> int:
    return max(1, int(element.get(f"{{{TABLE_NS}}}{attribute}", "1")))


def ods_text(cell: Any, limit: int) -> str:
    """A date as its ISO date; anything else as the cell shows it, its paragraphs one line each. Read no further
    than one character beyond `limit`, which is enough to refuse it: a few bytes of XML can ask for millions."""
    if cell.get(f"{{{OFFICE_NS}}}value-type") == "date" and cell.get(f"{{{OFFICE_NS}}}date-value"):
        return str(cell.get(f"{{{OFFICE_NS}}}date-value"))[:10]
    parts: list[str] = []
    size = -1  # of the paragraphs joined by line breaks
    for paragraph in (p for p in cell if p.tag == f"{{{TEXT_NS}}}p"):
        parts.append(_paragraph(paragraph, limit - size))
        size += len(parts[-1]) + 1
        if size > limit:
            break
    text = "\n".join(parts)
    return text if size > limit else text.strip()  # unstripped, a cell of spaces cut short stays too long


def _paragraph(element: Any, budget: int) -> str:
    """The text of a paragraph as teletype.extractText gives it: spaces (text:s), tabs and line breaks written
    out, spans and links by their text; it stops once it is longer than `budget`."""
    parts, size = [element.text or ""], len(element.text or "")
    for child in element:
        if size > budget:
            break
        name = etree.QName(child).localname
        if name == "s":
            part = " " * min(budget + 1, max(1, int(child.get(f"{{{TEXT_NS}}}c", "1"))))
        elif name == "tab":
            part = "\t"
        elif name == "line-break":
            part = "\n"
        else:
            part = "" if name in ("note", "annotation") else _paragraph(child, budget - size)
        parts += [part, child.tail or ""]
        size += len(part) + len(child.tail or "")
    return "".join(parts)


def _trimmed(cells: list[str]) -> list[str]:
    while cells and not cells[-1]:
        cells.pop()
    return cells
