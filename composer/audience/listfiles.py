"""Changing a list file safely: a whole new text written beside it and moved into place (a crash leaves the old
or the new file, never half of one), the old one kept as a dated backup, and one row added in the file's own shape."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

from composer.atomic import PRIVATE, write_bytes
from composer.audience import sheetfiles
from composer.audience.subscribers import (FIRST, LAST, LIST_KINDS, UTF8, WINDOWS, is_sheet, list_encoding, list_header,
                                           read_header, read_list)
from composer.records import Recipient

BACKUP_DIR = "backup"  # subscribers/backup/: not a list itself, since lists are subscribers/*.csv


def replace_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    """`encoding` the file's own: a Windows-1252 list stays one, so Excel opens it as before, until it gets a
    character Windows-1252 lacks; then it becomes UTF-8 with a BOM, which Excel opens as well."""
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = ("\ufeff" + text).encode("utf-8")
    replace_bytes(path, data)


def replace_bytes(path: Path, data: bytes) -> None:
    """Written whole (composer.atomic); a list holds addresses, so it is readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes(path, data, PRIVATE)


def backups(lists: Path) -> list[Path]:
    """The copies `keep_backup` made of the lists in `lists`, oldest first by name."""
    return sorted(p for kind in LIST_KINDS for p in (lists / BACKUP_DIR).glob(f"*{kind}"))


_BACKUP_NAME = re.compile(r"(.+)-\d{4}-\d{2}-\d{2}-\d{6}(?:-\d+)?")  # keep_backup's NAME-DATE-TIME[-n]


def keep_backup(path: Path, now: dt.datetime) -> Path | None:
    """subscribers/backup/NAME-YYYY-MM-DD-HHMMSS.csv (or .xlsx, .ods: the list's own kind), a copy of the list as
    it was; None when there was no list."""
    if not path.exists():
        return None
    target = path.parent / BACKUP_DIR / f"{path.stem}-{now:%Y-%m-%d-%H%M%S}{path.suffix}"
    number = 1
    while target.exists():  # two changes within a second: the first copy is the one that must stay
        number += 1
        target = path.parent / BACKUP_DIR / f"{path.stem}-{now:%Y-%m-%d-%H%M%S}-{number}{path.suffix}"
    target.parent.mkdir(exist_ok=True)
    write_bytes(target, path.read_bytes(), PRIVATE)
    return target


def list_of_backup(path: Path) -> str | None:
    """The list a copy made by `keep_backup` was taken of (its NAME); None for a file that is no such copy."""
    named = _BACKUP_NAME.fullmatch(path.stem) if path.parent.name == BACKUP_DIR else None
    return named[1] if named else None


def append_row(path: Path, email: str, name: str | None, consent_date: str, consent_source: str,
               now: dt.datetime | None = None) -> None:
    """Adds one row with the file's delimiter; consent columns are added to the header when the file has none
    (rows before have them empty, which every reader of the list accepts). An .xlsx list gets the row in its own
    format, the file as it was kept in backup/ first."""
    if is_sheet(path):
        keys = read_header(";".join(c for c in list_columns_of(path)))[1]
        values = split_name(keys, {"email": email, "name": name or "", "consent_date": consent_date,
                                   "consent_source": consent_source})
        keep_backup(path, now or dt.datetime.now())
        sheetfiles.append(path, values)
        return
    encoding = list_encoding(path) if path.exists() else UTF8
    text = path.read_text(encoding=encoding) if path.exists() else "email;name\n"
    first, newline, rest = text.partition("\n")
    delimiter, keys = read_header(first)
    header = next(csv.reader([first], delimiter=delimiter), ["email"])
    for column in ("consent_date", "consent_source"):
        if column not in keys:
            header.append(column)
            keys.append(column)
    values = {"email": email, "name": name or "", "consent_date": consent_date, "consent_source": consent_source}
    body = rest if newline else ""
    if body and not body.endswith("\n"):
        body += "\n"
    replace_text(path, _line(header, delimiter) + body + _line([values.get(k, "") for k in keys], delimiter),
                 "cp1252" if encoding == WINDOWS else "utf-8")


def _line(cells: list[str], delimiter: str) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerow(cells)
    return out.getvalue()


def update_row(path: Path, email: str, values: dict[str, str], now: dt.datetime) -> bool:
    """The row of `email` with `values` (by the tool's column names: name, consent_date, ...) written into the
    list's own columns, every other column and row kept; a column it lacks is added at the end when a value needs
    it. A list that keeps the name as "Vorname" and "Name" gets the name's last word as the surname. The list as
    it was is kept in backup/ first. False when the address is not a row of the file."""
    if is_sheet(path):
        keys = read_header(";".join(list_columns_of(path)))[1]
        if not _has_row(path, email):
            return False
        keep_backup(path, now)
        return sheetfiles.update(path, email, split_name(keys, values))
    encoding = list_encoding(path)
    text = path.read_text(encoding=encoding)
    first, _, rest = text.partition("\n")
    delimiter, keys = read_header(first)
    header = next(csv.reader([first], delimiter=delimiter), [])
    rows = list(csv.reader(io.StringIO(rest), delimiter=delimiter))
    column = keys.index("email") if "email" in keys else -1
    found = [row for row in rows if len(row) > column >= 0 and row[column].strip().lower() == email.lower()]
    if not found:
        return False
    wanted = split_name(keys, values)
    for key, value in wanted.items():
        if key not in keys and value:
            keys.append(key)
            header.append(key)
    for row in found:
        row.extend([""] * (len(keys) - len(row)))
        for key, value in wanted.items():
            if key in keys:
                row[keys.index(key)] = value
    keep_backup(path, now)
    replace_text(path, _line(header, delimiter) + "".join(_line(row, delimiter) for row in rows),
                 "cp1252" if encoding == WINDOWS else "utf-8")
    return True


def split_name(keys: list[str], values: dict[str, str]) -> dict[str, str]:
    """`values` for a list's columns: a list that keeps the name as "Vorname" and "Name"/"Nachname" gets the
    whole name's last word as the surname and the rest as the first name."""
    wanted = dict(values)
    if "name" in wanted and "name" not in keys and FIRST in keys:
        *given, surname = wanted.pop("name").split() or [""]
        wanted.update({FIRST: " ".join(given), LAST: surname} if LAST in keys else {FIRST: " ".join([*given, surname])})
    return wanted


def list_columns_of(path: Path) -> list[str]:
    """The header of a list as she wrote it."""
    return [own for own, _ in list_header(path)]


def _has_row(path: Path, email: str) -> bool:
    return any(isinstance(r, Recipient) and r.email.lower() == email.lower() for r in read_list(path))


def replace_list(path: Path, text: str) -> None:
    """The whole list replaced by list CSV `text` (an import), in the list's own format."""
    if is_sheet(path):
        sheetfiles.replace(path, text)
    else:
        replace_text(path, text)
