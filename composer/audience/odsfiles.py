"""A LibreOffice list (subscribers/NAME.ods) changed in place through the few sheet operations sheetfiles.py uses
on an openpyxl sheet, so one set of edits serves both. Only content.xml is rewritten, with lxml: every other member
of the zip (styles, settings, pictures, the manifest) is copied unchanged, and in content.xml only the first
table's rows that are changed. LibreOffice stores blank rows and cells as one element repeated
(`number-rows-repeated`, `number-columns-repeated`): rows are unfolded only up to the last one with a value, and
a repeated cell is split only where a value is written."""

from __future__ import annotations

import copy
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from composer.atomic import PRIVATE, write_bytes
from composer.audience.spreadsheets import OFFICE_NS, TABLE_NS, TEXT_NS, LIMITS, ods_text
from composer.errors import SubscriberListError
from composer.i18n import message

_ROW, _CELL, _P = f"{{{TABLE_NS}}}table-row", f"{{{TABLE_NS}}}table-cell", f"{{{TEXT_NS}}}p"
_CELLS = (_CELL, f"{{{TABLE_NS}}}covered-table-cell")
_ROWS_REPEATED, _COLUMNS_REPEATED = f"{{{TABLE_NS}}}number-rows-repeated", f"{{{TABLE_NS}}}number-columns-repeated"
_HEADER_ROWS = f"{{{TABLE_NS}}}table-header-rows"
_CALCEXT_TYPE = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}value-type"
_VALUES = tuple(f"{{{OFFICE_NS}}}{name}" for name in ("value", "date-value", "time-value", "boolean-value", "string-value",
                                                     "currency")) + (f"{{{TABLE_NS}}}formula", _CALCEXT_TYPE)


@dataclass
class Value:
    """What `OdsSheet.cell` gives, like openpyxl's cell: the text the reader would read."""

    value: str


class OdsSheet:
    """The first table of an .ods; rows numbered from 1 like openpyxl's, `max_row` the last one with a value."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            with zipfile.ZipFile(path) as archive:
                infos = archive.infolist()
                if len(infos) > LIMITS.members or sum(info.file_size for info in infos) > LIMITS.unpacked:
                    raise ValueError("larger than the reader reads")
                self.members = [(info, archive.read(info)) for info in infos]
            content = next(data for info, data in self.members if info.filename == "content.xml")
            parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
            self.tree = etree.fromstring(content, parser)
            self.table = next(self.tree.iter(f"{{{TABLE_NS}}}table"))
        except (OSError, ValueError, StopIteration, zipfile.BadZipFile, etree.XMLSyntaxError) as exc:
            raise SubscriberListError(message("{file}: cannot be read as a {kind} spreadsheet ({why}); save it again "
                                              "from the spreadsheet program, or export it as CSV UTF-8", file=path.name,
                                              kind="ods", why=f"{exc.__class__.__name__}: {exc}")) from None
        found = [row for row in self.table.iter(_ROW) if _owner(row) is self.table]
        last = max((i for i, row in enumerate(found) if any(ods_text(c, LIMITS.cell) for c in _cells(row))), default=-1)
        self.rows: list[Any] = []
        for row in found[:last + 1]:
            self.rows += _unfolded(row, _ROWS_REPEATED)
            if len(self.rows) > LIMITS.rows:
                raise SubscriberListError(message("{file}: more than {n} rows; split the list, or delete what is below it",
                                                  file=path.name, n=LIMITS.rows))
        self.tail = found[last + 1] if last + 1 < len(found) else None  # the blank rows below, usually one element

    @property
    def max_row(self) -> int:
        return len(self.rows)

    def header(self) -> list[str]:
        """The first row's texts as far as it holds any."""
        if not self.rows:
            return []
        texts = [ods_text(c, LIMITS.cell) for c in _cells(self.rows[0])
                 for _ in range(min(LIMITS.columns, _repeat(c, _COLUMNS_REPEATED)))]
        while texts and not texts[-1]:
            texts.pop()
        return texts

    def cell(self, row: int, column: int, value: str | None = None) -> Value:
        """The cell's text; with `value`, that written into it first (as a text cell, its number format kept)."""
        if value is not None:
            _write(self._split(self.rows[row - 1], column), value)
        at = 0
        for element in _cells(self.rows[row - 1]):
            at += _repeat(element, _COLUMNS_REPEATED)
            if at >= column:
                return Value(ods_text(element, LIMITS.cell))
        return Value("")

    def delete_rows(self, row: int, amount: int = 1) -> None:
        for element in self.rows[row - 1:row - 1 + amount]:
            parent = element.getparent()
            parent.remove(element)
            if parent is not self.table and not len(parent):
                parent.getparent().remove(parent)  # an emptied group of header rows
        del self.rows[row - 1:row - 1 + amount]

    def append(self, values: list[str]) -> None:
        """A row below the last one with a value, taken from the blank rows below so the sheet does not grow."""
        row = etree.Element(_ROW)
        for value in values:
            _write(etree.SubElement(row, _CELL), value)
        if not values:
            etree.SubElement(row, _CELL)
        if self.rows and self.rows[-1].getparent().tag != _HEADER_ROWS:
            self.rows[-1].addnext(row)
        elif self.rows:
            self.rows[-1].getparent().addnext(row)
        elif self.tail is not None:
            self.tail.addprevious(row)
        else:
            self.table.append(row)
        if self.tail is not None and _repeat(self.tail, _ROWS_REPEATED) > 1:
            self.tail.set(_ROWS_REPEATED, str(_repeat(self.tail, _ROWS_REPEATED) - 1))
        self.rows.append(row)

    def save(self) -> None:
        """The zip again, its members in their order and packing, content.xml the changed one."""
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for info, data in self.members:
                if info.filename == "content.xml":
                    data = etree.tostring(self.tree, xml_declaration=True, encoding="UTF-8")
                archive.writestr(info, data)
        write_bytes(self.path, out.getvalue(), PRIVATE)

    def _split(self, row: Any, column: int) -> Any:
        """The cell element of `column` alone, a repeated one split around it; blank cells added to a short row."""
        at = 0
        for element in _cells(row):
            times = _repeat(element, _COLUMNS_REPEATED)
            if at + times >= column:
                before, after = column - at - 1, at + times - column
                element.attrib.pop(_COLUMNS_REPEATED, None)
                for count, place in ((before, element.addprevious), (after, element.addnext)):
                    if count:
                        twin = _twin(element)
                        if count > 1:
                            twin.set(_COLUMNS_REPEATED, str(count))
                        place(twin)
                return element
            at += times
        for _ in range(column - at):
            last = etree.SubElement(row, _CELL)
        return last


def _owner(row: Any) -> Any:
    return next(row.iterancestors(f"{{{TABLE_NS}}}table"))


def _cells(row: Any) -> list[Any]:
    return [cell for cell in row if cell.tag in _CELLS]


def _repeat(element: Any, attribute: str) -> int:
    return max(1, int(element.get(attribute, "1")))


def _unfolded(element: Any, attribute: str) -> list[Any]:
    """`element` and copies of it, one for each time it was repeated."""
    times = _repeat(element, attribute)
    element.attrib.pop(attribute, None)
    copies = [element]
    for _ in range(times - 1):
        twin = _twin(element)
        copies[-1].addnext(twin)
        copies.append(twin)
    return copies


def _twin(element: Any) -> Any:
    twin = copy.deepcopy(element)
    twin.tail = None
    return twin


def _write(cell: Any, value: str) -> None:
    """A text cell holding `value` (its paragraphs its lines), or a blank one; its style and comment kept."""
    for name in _VALUES:
        cell.attrib.pop(name, None)
    for paragraph in [child for child in cell if child.tag == _P]:
        cell.remove(paragraph)
    if value:
        cell.set(f"{{{OFFICE_NS}}}value-type", "string")
        if _CALCEXT_TYPE[1:].split("}")[0] in cell.nsmap.values():
            cell.set(_CALCEXT_TYPE, "string")
        for line in value.split("\n"):
            etree.SubElement(cell, _P).text = line
    else:
        cell.attrib.pop(f"{{{OFFICE_NS}}}value-type", None)
