"""Subscriber lists as a spreadsheet exports them: CSV with ',', ';' or tabs, UTF-8 with or without BOM or
Windows-1252 (German Excel's plain "CSV"), columns named as German offices name them ("Vorname" beside "Name" or
"Nachname" make the whole name)."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator, MutableMapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

from composer.atomic import PRIVATE, write_text
from composer.audience import consent
from composer.audience.verdicts import not_an_address
from composer.errors import AddressError, SubscriberListError
from composer.exports import ExportWriter
from composer.i18n import message
from composer.records import BadRow, Recipient

if TYPE_CHECKING:
    from composer.audience.spreadsheets import Sheet

LIST_DIR = Path("subscribers")
FIRST, LAST, SALUTATION = "first_name", "last_name", "salutation"
# The parts of a name as offices head them, after lower-casing and dropping spaces, '_' and '-'.
NAME_PARTS = {"vorname": FIRST, "firstname": FIRST, "givenname": FIRST, "rufname": FIRST,
              "nachname": LAST, "familienname": LAST, "lastname": LAST, "surname": LAST, "zuname": LAST,
              "anrede": SALUTATION, "salutation": SALUTATION}
_HEADER_ALIASES = {"email": "email", "emailadresse": "email", "mail": "email", "mailadresse": "email",
                   "emailaddress": "email", "name": "name", **NAME_PARTS, **consent.HEADERS}
DELIMITERS = (",", ";", "\t")  # on a tie the first wins
SHEETS = (".xlsx", ".ods")
LIST_KINDS = (".csv", *SHEETS)
UTF8, WINDOWS = "utf-8-sig", "cp1252"


LIST_NAME = re.compile(r"[A-Za-z0-9_-]+")
_PLAIN = re.compile(r"([A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*)@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})",
                    re.ASCII)


def list_path(name: str, base: Path = LIST_DIR) -> Path:
    """`volunteers` means subscribers/volunteers.csv, .xlsx or .ods (the office's own sheet), whichever exists; a
    new list is a .csv. Two files for one name are refused: which one she edits, nobody could tell. Only names are
    taken, never paths: a name typed on the command line or sent by a form cannot open any other file."""
    if not LIST_NAME.fullmatch(name):
        known = ", ".join(list_names(base)) or message("none yet")
        raise SubscriberListError(message("{name} is not a list name: a list name is letters, digits, - and _, and "
                                          "means the file {folder}/NAME.csv (lists: {known})", name=repr(name), folder=base,
                                          known=known))
    found = [base / f"{name}{kind}" for kind in LIST_KINDS if (base / f"{name}{kind}").is_file()]
    if len(found) > 1:
        raise SubscriberListError(message("{files}: two files for the list {name}; keep the one you edit and move the "
                                          "other out of {folder}/", files=", ".join(p.name for p in found), name=name,
                                          folder=str(base)))
    return found[0] if found else base / f"{name}.csv"


def list_names(base: Path = LIST_DIR) -> list[str]:
    return sorted({p.stem for kind in LIST_KINDS for p in base.glob(f"*{kind}") if p.is_file()})


def is_sheet(path: Path) -> bool:
    return path.suffix.lower() in SHEETS


def _sheet(path: Path) -> Sheet:
    """A list kept as the office's .xlsx or .ods, read by the bounded reader of imports (composer/audience/spreadsheets.py,
    loaded here: lxml is for sheets only, and `--help` or `status` load the list module without them)."""
    from composer.audience.spreadsheets import read_sheet

    return read_sheet(path.name, path.read_bytes())


def list_encoding(path: Path) -> str:
    """UTF8 when the whole file is UTF-8 (with or without BOM), else WINDOWS: what German Excel writes for plain
    "CSV". Every byte is a character in Windows-1252 but five; a file with those is neither and fails on reading.
    Read in pieces, so a long list needs no memory."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        try:
            for chunk in iter(lambda: handle.read(1 << 16), b""):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return WINDOWS
    return UTF8


def read_list(path: Path, seen: MutableMapping[str, int] | None = None) -> Iterator[Recipient | BadRow]:
    """Streams valid recipients (trimmed, checked, de-duplicated case-insensitively) and bad rows, in file order.
    `seen` keeps each address's first line (a send passes one kept in SQLite, so a long list needs no memory)."""
    try:
        sheet = _sheet(path) if is_sheet(path) else None
        handle: TextIO = io.StringIO(sheet.text, newline="") if sheet else path.open(encoding=list_encoding(path), newline="")
    except FileNotFoundError:
        known = ", ".join(list_names(path.parent)) or message("none")
        raise SubscriberListError(message("{path}: no such subscriber list (lists in {folder}/: {known})", path=path,
                                          folder=path.parent, known=known)) from None
    with handle:
        try:
            header_line = handle.readline()
        except UnicodeDecodeError:
            raise SubscriberListError(message("{path}: neither UTF-8 nor Windows-1252 text; export the spreadsheet "
                                              "as 'CSV UTF-8'", path=str(path))) from None
        delimiter, header = read_header(header_line)
        if "email" not in header:
            raise SubscriberListError(message("{path}:1: the first row needs a column named 'email' (found: {found})", path=path,
                                              found=", ".join(header) or message("nothing")))
        seen = {} if seen is None else seen
        reader = csv.reader(handle, delimiter=delimiter)
        row_of = sheet.row_of if sheet else (lambda line: line)  # a sheet's rows by their number in the sheet
        while True:
            start = row_of(reader.line_num + 2)  # the header line was read apart; a quoted field may span lines
            try:
                row = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError:
                raise SubscriberListError(message("{path}:{line}: neither UTF-8 nor Windows-1252 text; export the "
                                                  "spreadsheet as 'CSV UTF-8'", path=str(path), line=start)) from None
            except csv.Error as exc:
                raise SubscriberListError(message("{path}: cannot be read as CSV ({why})", path=f"{path}:{start}",
                                                  why=str(exc))) from None
            if any(delimiter in line for cell in row for line in cell.splitlines()[1:]):  # rows swallowed by a quote
                yield BadRow(start, message('a quotation mark (") on this line is never closed, so lines {first} to '
                                            "{last} were read as one row; remove the quotation mark or close it",
                                            first=start, last=reader.line_num + 1))
                continue
            if any(cell.strip() for cell in row):
                cells = dict.fromkeys(header, "")  # a short row has its last columns empty, not missing
                cells.update(zip(header, (c.strip() for c in row), strict=False))
                yield _recipient(cells, start, seen)


def read_header(line: str) -> tuple[str, list[str]]:
    """The delimiter a spreadsheet used (',', ';' or a tab) and the column names, the known ones in their canonical
    form. "Name" beside "Vorname" (and no "Nachname") is the surname, as offices use it."""
    delimiter = max(DELIMITERS, key=line.count)
    header = [_column(h) for h in next(csv.reader([line], delimiter=delimiter), [])]
    if FIRST in header and "name" in header and LAST not in header:
        header[header.index("name")] = LAST
    return delimiter, header


def headed(sheet: Sheet) -> Sheet:
    """An upload from its header row on: the first of the first HEADER_ROWS lines with a column read as the email
    address ("E-Mail", "Mail", ...), when no cell above it is an address (a row with one is data, never a title;
    a title may mention one, "Fragen an buero@…"). Otherwise the sheet as it is, and the list reader says that the
    header is missing."""
    from composer.audience.spreadsheets import HEADER_ROWS, Sheet

    lines = sheet.text.split("\n")
    index = next((i for i, line in enumerate(lines[:HEADER_ROWS]) if "email" in read_header(line)[1]), 0)
    above = [[cell.strip() for cell in next(csv.reader([line], delimiter=read_header(line)[0]), [])]
             for line in lines[:index]]
    if not above or any(_PLAIN.fullmatch(cell) for cells in above for cell in cells):
        return sheet
    title = " · ".join(cell for cells in above for cell in cells if cell)
    rows = {line - index: row for line, row in sheet.rows.items() if line > index}
    return Sheet("\n".join(lines[index:]), rows, sheet.encoding, sheet.offset + index, sheet.row_of(index + 1), title)


def whole_name(fields: dict[str, str]) -> str:
    """First and last name joined, from a list's "Vorname" and "Nachname" columns; empty without them."""
    return " ".join(part for part in (fields.get(FIRST, "").strip(), fields.get(LAST, "").strip()) if part)


def _column(name: str) -> str:
    key = re.sub(r"[\s_-]", "", name.strip().lower())
    return _HEADER_ALIASES.get(key, name.strip())


def recipient_address(raw: str) -> str:
    """A recipient's address checked (no DNS) and normalised; raises EmailNotValidError. Non-ASCII local parts
    are refused, since they need SMTPUTF8, which most providers lack; a non-ASCII domain becomes punycode.
    A plain address (most of any list) is decided by one pattern, as email-validator would decide it (the
    domain lowercased), at a fortieth of its cost; anything else goes through email-validator."""
    address = raw.strip()
    if (plain := _PLAIN.fullmatch(address)) and len(address) <= 254 and len(plain[1]) <= 64:
        domain = plain[2].lower()
        if "--" not in domain and not any(domain == d or domain.endswith("." + d) for d in SPECIAL_USE_DOMAIN_NAMES):
            return f"{plain[1]}@{domain}"
    checked = validate_email(address, check_deliverability=False, allow_smtputf8=False)
    return checked.ascii_email or checked.normalized


def checked_address(raw: str) -> str:
    """An address typed by a person (a test send, an unsubscribe) checked like a list row."""
    try:
        return recipient_address(raw)
    except EmailNotValidError:
        raise AddressError(not_an_address(raw)) from None


def _recipient(row: dict[str, str], line: int, seen: MutableMapping[str, int]) -> Recipient | BadRow:
    raw, name = row.pop("email", ""), row.pop("name", "") or whole_name(row) or None
    if not raw:
        return BadRow(line, message("no email address"))
    try:
        email = recipient_address(raw)
    except EmailNotValidError:
        return BadRow(line, not_an_address(raw))
    if name and ("\r" in name or "\n" in name):
        return BadRow(line, message("the name contains a line break; remove it"))
    first = seen.setdefault(email.lower(), line)
    if first != line:
        return BadRow(line, message("{email} is listed again (first on line {first}); sent once", email=email, first=first))
    return Recipient(email, name, {k: v for k, v in row.items() if k})


def list_header(path: Path) -> list[tuple[str, str]]:
    """Each column of a list file's header as she wrote it, with the name the tool reads it by ("Vorname",
    "first_name"); none for a list without a file or one that cannot be read."""
    line = _first_line(path)
    if line is None:
        return []
    delimiter, keys = read_header(line)
    return [(own.strip(), key) for own, key in zip(next(csv.reader([line], delimiter=delimiter), []), keys, strict=False)
            if own.strip()]


def list_columns(path: Path) -> list[str]:
    """The columns of a list file's header beyond email and name (its consent columns among them), in its order;
    none for a list without a file or one that cannot be read."""
    line = _first_line(path)
    return [c for c in read_header(line)[1] if c and c not in ("email", "name")] if line is not None else []


def _first_line(path: Path) -> str | None:
    """The header row of a list file as list CSV text; None when it cannot be read."""
    try:
        if is_sheet(path):
            return _sheet(path).text.partition("\n")[0]
        with path.open(encoding=list_encoding(path), newline="") as handle:
            return handle.readline(1_000_000)
    except (OSError, UnicodeDecodeError, SubscriberListError):
        return None


def write_list(path: Path, recipients: Iterable[Recipient], columns: Sequence[str] = ()) -> None:
    """A cleaned list in the same shape: email;name;the list's own `columns`, then any other fields, UTF-8,
    semicolons (what German Excel opens); an empty list keeps its header. A cell that would be a formula there
    is written as text."""
    rows = list(recipients)
    extra = [*columns, *sorted({k for r in rows for k in r.fields} - set(columns))]
    out = io.StringIO(newline="")
    writer = ExportWriter(out, delimiter=";")
    writer.writerow(["email", "name", *extra])
    for r in rows:
        writer.writerow([r.email, r.name or "", *(r.fields.get(k, "") for k in extra)])
    write_text(path, out.getvalue(), PRIVATE)
