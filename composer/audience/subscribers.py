"""Subscriber lists as a spreadsheet exports them: CSV with ',' or ';', UTF-8 with or without BOM."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, MutableMapping, Sequence
from pathlib import Path

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

from composer.atomic import PRIVATE, write_text
from composer.audience import consent
from composer.audience.verdicts import not_an_address
from composer.errors import AddressError, SubscriberListError
from composer.exports import ExportWriter
from composer.i18n import message
from composer.records import BadRow, Recipient

LIST_DIR = Path("subscribers")
_HEADER_ALIASES = {"email": "email", "emailadresse": "email", "mail": "email", "name": "name", **consent.HEADERS}


LIST_NAME = re.compile(r"[A-Za-z0-9_-]+")
_PLAIN = re.compile(r"([A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*)@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})",
                    re.ASCII)


def list_path(name: str, base: Path = LIST_DIR) -> Path:
    """`volunteers` means subscribers/volunteers.csv. Only names are taken, never paths: a name typed on the
    command line or sent by a form cannot open any other file."""
    if not LIST_NAME.fullmatch(name):
        known = ", ".join(list_names(base)) or message("none yet")
        raise SubscriberListError(message("{name} is not a list name: a list name is letters, digits, - and _, and "
                                          "means the file {folder}/NAME.csv (lists: {known})", name=repr(name), folder=base,
                                          known=known))
    return base / f"{name}.csv"


def list_names(base: Path = LIST_DIR) -> list[str]:
    return sorted(p.stem for p in base.glob("*.csv"))


def read_list(path: Path, seen: MutableMapping[str, int] | None = None) -> Iterator[Recipient | BadRow]:
    """Streams valid recipients (trimmed, checked, de-duplicated case-insensitively) and bad rows, in file order.
    `seen` keeps each address's first line (a send passes one kept in SQLite, so a long list needs no memory)."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        known = ", ".join(list_names(path.parent)) or message("none")
        raise SubscriberListError(message("{path}: no such subscriber list (lists in {folder}/: {known})", path=path,
                                          folder=path.parent, known=known)) from None
    with handle:
        try:
            header_line = handle.readline()
        except UnicodeDecodeError:
            raise SubscriberListError(message("{path}: not UTF-8; export the spreadsheet as 'CSV UTF-8'", path=path)) from None
        delimiter, header = read_header(header_line)
        if "email" not in header:
            raise SubscriberListError(message("{path}:1: the first row needs a column named 'email' (found: {found})", path=path,
                                              found=", ".join(header) or message("nothing")))
        seen = {} if seen is None else seen
        reader = csv.reader(handle, delimiter=delimiter)
        while True:
            start = reader.line_num + 2  # the header line was read apart; a quoted field may span lines
            try:
                row = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError:
                raise SubscriberListError(message("{path}: not UTF-8; export the spreadsheet as 'CSV UTF-8'",
                                                  path=f"{path}:{start}")) from None
            except csv.Error as exc:
                raise SubscriberListError(message("{path}: cannot be read as CSV ({why})", path=f"{path}:{start}",
                                                  why=str(exc))) from None
            if any(delimiter in line for cell in row for line in cell.splitlines()[1:]):  # rows swallowed by a quote
                yield BadRow(start, message('a quotation mark (") on this line is never closed, so lines {first} to '
                                            "{last} were read as one row; remove the quotation mark or close it",
                                            first=start, last=reader.line_num + 1))
                continue
            if any(cell.strip() for cell in row):
                yield _recipient(dict(zip(header, (c.strip() for c in row), strict=False)), start, seen)


def read_header(line: str) -> tuple[str, list[str]]:
    """The delimiter a spreadsheet used (';' or ',') and the column names, the known ones in their canonical form."""
    delimiter = ";" if line.count(";") > line.count(",") else ","
    return delimiter, [_column(h) for h in next(csv.reader([line], delimiter=delimiter), [])]


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
    raw, name = row.pop("email", ""), row.pop("name", "") or None
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


def list_columns(path: Path) -> list[str]:
    """The columns of a list file's header beyond email and name (its consent columns among them), in its order;
    none for a list without a file or one that cannot be read."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            line = handle.readline(1_000_000)
    except (OSError, UnicodeDecodeError):
        return []
    return [c for c in read_header(line)[1] if c and c not in ("email", "name")]


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
