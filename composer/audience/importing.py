"""Bringing in the office's spreadsheet: read it, check every row as a list row, show what would change (new,
changed, unchanged, removed; bad rows with their line; addresses that stay unsubscribed), and only after the
coordinator confirmed, replace the list file atomically with the old one kept as a dated backup."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path

from email_validator import EmailNotValidError

from composer.atomic import PRIVATE, write_text
from composer.audience.listfiles import keep_backup, replace_list
from composer.audience.spreadsheets import HEADER_ROWS, LIMITS, Sheet, SheetLimitError, never, read_sheet
from composer.audience import consent
from composer.audience.erasure import Erasures
from composer.audience.subscribers import (FIRST, LAST, SALUTATION, headed, list_columns, list_path, read_header, read_list,
                                           recipient_address, write_list)
from composer.errors import ComposerError, SubscriberListError, said
from composer.i18n import Message, message
from composer.records import BadRow, Recipient
from composer.send.message import named_greeting
from composer.state import Journal, Suppression

STAGING = "imports"  # in the state folder: an upload waits there between preview and confirmation
SOURCE = ".sheet.csv"  # beside it, the sheet as read, for a new mapping
Greeting = tuple[str, str, str | None]  # the named, anonymous and formal greeting
DEFAULT_GREETING: Greeting = ("Hallo {name},", "Liebe Engagierte,", None)


class StaleImportError(ComposerError):
    """The preview is gone or the list changed since it was made: the coordinator uploads again."""


@dataclass(frozen=True)
class Staying:
    """An address in the new file that unsubscribed or bounced: it stays in the file and is never sent to."""

    email: str
    suppression: Suppression


# What a column of her sheet can become; "" keeps it as a column of its own, SKIP leaves it out.
ROLES = ("email", "name", FIRST, LAST, SALUTATION, consent.DATE, consent.SOURCE, "", "skip")
SKIP = "skip"
REPLACE, MERGE = "replace", "merge"  # "Liste ersetzen", "Nur hinzufügen und aktualisieren"
GREETED = 3  # rows whose greeting the preview shows


@dataclass(frozen=True)
class Column:
    """One column of her sheet: its header as she wrote it and what the import reads it as."""

    header: str
    role: str


@dataclass
class Preview:
    list_name: str
    filename: str
    token: str
    rows: int = 0
    new: list[Recipient] = field(default_factory=list)
    changed: list[Recipient] = field(default_factory=list)
    unchanged: list[Recipient] = field(default_factory=list)
    removed: list[Recipient] = field(default_factory=list)
    kept: list[Recipient] = field(default_factory=list)  # in the list, not in the sheet, kept by MERGE
    bad_rows: list[BadRow] = field(default_factory=list)
    staying_unsubscribed: list[Staying] = field(default_factory=list)
    erased: list[Recipient] = field(default_factory=list)  # erased on request: left out, their data not stored again
    list_exists: bool = True
    encoding: str = "UTF-8"  # of a CSV upload; "Windows-1252" is read right and said, so she knows it was
    columns: list[Column] = field(default_factory=list)
    greetings: list[tuple[str, str]] = field(default_factory=list)  # (address, greeting) of the first rows
    with_consent: int = 0  # rows of the sheet whose columns prove consent
    mode: str = REPLACE
    header_row: int = 1  # the sheet's row with the column names; the rows above it were skipped as a title
    title: str = ""

    @property
    def addresses(self) -> int:
        return len(self.new) + len(self.changed) + len(self.unchanged)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""


def preview(list_name: str, lists: Path, journal: Journal, state_dir: Path, filename: str, data: bytes,
            stop: Callable[[], bool] = never, greeting: Greeting = DEFAULT_GREETING, *, secret: bytes) -> Preview:
    """Reads the upload, compares it with the list and stages it for `confirm`; the list is not touched.
    `secret` (the send state's) recognises the addresses erased on request, whose rows are left out.
    `stop` ends the reading of a spreadsheet early (the desk shutting down). The sheet as read is kept with
    the staged list, so `remap` can read it again with another mapping or mode."""
    path = list_path(list_name, lists)
    sheet = headed(read_sheet(filename, data, stop=stop))
    first = sheet.text.partition("\n")[0]
    if "email" not in read_header(first)[1]:
        found = ", ".join(c.strip() for c in next(csv.reader([first], delimiter=read_header(first)[0]), []) if c.strip())
        raise SubscriberListError(message("{file}: none of the first {n} rows has a column 'E-Mail'; give the column of "
                                          "the addresses that heading (the first row has: {found})", file=filename, n=HEADER_ROWS,
                                          found=found or message("nothing")))
    token = secrets.token_hex(16)
    staged = state_dir / STAGING / token
    staged.parent.mkdir(parents=True, exist_ok=True)
    for old in staged.parent.iterdir():  # previews never confirmed
        if old.stat().st_mtime < dt.datetime.now().timestamp() - 86400:
            old.unlink(missing_ok=True)
    write_text(staged.with_suffix(SOURCE), sheet.text, PRIVATE)
    meta: dict[str, object] = {"list": path.stem, "base": _digest(path), "filename": filename, "encoding": sheet.encoding,
            "rows": {str(k): v for k, v in sheet.rows.items()}, "offset": sheet.offset, "header_row": sheet.header_row,
            "title": sheet.title}
    write_text(staged.with_suffix(".json"), json.dumps(meta), PRIVATE)
    return _staged(token, meta, sheet, {}, REPLACE, lists, journal, state_dir, greeting, secret)


def remap(token: str, mapping: dict[str, str], mode: str, lists: Path, journal: Journal, state_dir: Path,
          greeting: Greeting = DEFAULT_GREETING, *, secret: bytes) -> Preview:
    """The staged sheet read again with `mapping` (her header -> one of ROLES) and `mode` (REPLACE or MERGE)."""
    if not token.isalnum():
        raise StaleImportError(message("this import is unknown; upload the file again"))
    staged = state_dir / STAGING / token
    try:
        meta = json.loads(staged.with_suffix(".json").read_text(encoding="utf-8"))
        text = staged.with_suffix(SOURCE).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StaleImportError(message("this import was confirmed already or is unknown; upload the file again")) from None
    sheet = Sheet(text, {int(k): v for k, v in meta.get("rows", {}).items()}, meta.get("encoding", "UTF-8"),
                  meta.get("offset", 0), meta.get("header_row", 1), meta.get("title", ""))
    return _staged(token, meta, sheet, mapping, mode if mode in (REPLACE, MERGE) else REPLACE, lists, journal, state_dir,
                   greeting, secret)


def _staged(token: str, meta: dict[str, object], sheet: Sheet, mapping: dict[str, str], mode: str, lists: Path,
            journal: Journal, state_dir: Path, greeting: Greeting, secret: bytes) -> Preview:
    path = list_path(str(meta["list"]), lists)
    staged = state_dir / STAGING / token
    filename = str(meta["filename"])
    columns, text = _mapped(sheet.text, mapping)
    write_text(staged.with_suffix(".csv"), text, PRIVATE)
    try:
        rows = list(islice(read_list(staged.with_suffix(".csv")), LIMITS.rows + 1))  # a CSV is held to a sheet's limit
        if len(rows) > LIMITS.rows:
            raise SheetLimitError(message("{file}: more than {n} rows; split the list, or delete what is below it",
                                          file=filename, n=LIMITS.rows))
    except SubscriberListError as exc:
        for suffix in (".csv", SOURCE, ".json"):
            staged.with_suffix(suffix).unlink(missing_ok=True)
        raise type(exc)(_renamed(said(exc), str(staged.with_suffix(".csv")), filename)) from None
    result = Preview(path.stem, filename, token, list_exists=path.exists(), encoding=sheet.encoding, columns=columns,
                     mode=mode, header_row=sheet.header_row, title=sheet.title)
    _compare(result, rows, sheet, path, journal, Erasures.of_list(journal, secret, path.stem))
    erased = {r.email.lower() for r in result.erased}
    good = [r for r in rows if isinstance(r, Recipient) and r.email.lower() not in erased]
    result.greetings = [(r.email, named_greeting(greeting[:2], r.name or "", r.fields, greeting[2]))
                        for r in good[:GREETED]]  # in the sheet's order
    if mode == MERGE and result.kept:  # her sheet's rows, then the list's rows it does not name, kept as they were
        write_list(staged.with_suffix(".csv"), [*good, *result.kept], list_columns(staged.with_suffix(".csv")))
    elif erased:
        write_text(staged.with_suffix(".csv"), _without(text, erased), PRIVATE)
    write_text(staged.with_suffix(".json"), json.dumps({**meta, "mode": mode}), PRIVATE)
    return result


def _mapped(text: str, mapping: dict[str, str]) -> tuple[list[Column], str]:
    """Her columns with what each is read as, and the sheet's text with the header row saying so."""
    first, newline, rest = text.partition("\n")
    delimiter, keys = read_header(first)
    own = next(csv.reader([first], delimiter=delimiter), [])
    columns, header, dropped = [], [], set()
    for index, (mine, key) in enumerate(zip(own, keys, strict=False)):
        role = mapping.get(mine, key if key in ROLES else "")
        if role not in ROLES:
            role = ""
        columns.append(Column(mine, role))
        if role == SKIP:
            dropped.add(index)
        header.append(role or _kept_name(mine))
    if not mapping:
        return columns, text
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow([h for i, h in enumerate(header) if i not in dropped])
    for row in csv.reader(io.StringIO(rest), delimiter=delimiter):
        writer.writerow([c for i, c in enumerate(row) if i not in dropped])
    return columns, out.getvalue()


def _kept_name(header: str) -> str:
    """Her header for a column kept as it is; one the reader would take for a known column is marked as hers."""
    return header if read_header(header)[1][0] == header.strip() else f"{header} (Spalte)"
def _renamed(said: Message | str, staged: str, filename: str) -> Message | str:
    """An error about the staged copy, naming the file the coordinator uploaded instead."""
    if isinstance(said, str):
        return said.replace(staged, filename)
    return replace(said, params={k: str(v).replace(staged, filename) if isinstance(v, str | Path) else v
                                 for k, v in said.params.items()})


def _without(text: str, addresses: set[str]) -> str:
    """List CSV text without the rows of `addresses` (lower-case), every other row as it was read."""
    first, _, rest = text.partition("\n")
    delimiter, keys = read_header(first)
    column = keys.index("email")
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    for row in csv.reader(io.StringIO(rest), delimiter=delimiter):
        if len(row) <= column or _lower_address(row[column]) not in addresses:
            writer.writerow(row)
    return f"{first}\n{out.getvalue()}"


def _lower_address(cell: str) -> str:
    try:
        return recipient_address(cell).lower()
    except EmailNotValidError:
        return cell.strip().lower()


def _in_sheet(reason: Message | str, sheet: Sheet) -> Message | str:
    """A bad row's reason with the other lines it names ("first on line 3") as rows of the sheet, like the row itself."""
    if isinstance(reason, str):
        return reason
    return replace(reason, params={k: sheet.row_of(v) if k in ("first", "last") and isinstance(v, int) else v
                                   for k, v in reason.params.items()})


def _compare(result: Preview, rows: list[Recipient | BadRow], sheet: Sheet, path: Path, journal: Journal,
             erasures: Erasures) -> None:
    before = {r.email.lower(): r for r in read_list(path) if isinstance(r, Recipient)} if path.exists() else {}
    after: set[str] = set()
    for row in rows:
        result.rows += 1
        if isinstance(row, BadRow):
            result.bad_rows.append(BadRow(sheet.row_of(row.line), _in_sheet(row.reason, sheet)))
            continue
        key = row.email.lower()
        after.add(key)
        if erasures.erased(row.email):
            result.erased.append(row)
            continue
        result.with_consent += consent.missing_evidence(row) is None
        old = before.get(key)
        (result.new if old is None else result.unchanged if old == row else result.changed).append(row)
        suppressed = journal.suppression(row.email)
        if suppressed:
            result.staying_unsubscribed.append(Staying(row.email, suppressed))
    gone = [r for key, r in before.items() if key not in after]
    if result.mode == MERGE:
        result.kept = gone
    else:
        result.removed = gone


def confirm(token: str, lists: Path, state_dir: Path, now: dt.datetime | None = None) -> tuple[Path, Path | None]:
    """Replaces the list with the staged upload (bad rows included, so nothing of the office's file is lost)
    and returns the list and the backup of the old one. Refused when the list changed after the preview."""
    if not token.isalnum():
        raise StaleImportError(message("this import is unknown; upload the file again"))
    staged = state_dir / STAGING / token
    try:
        meta = json.loads(staged.with_suffix(".json").read_text(encoding="utf-8"))
        text = staged.with_suffix(".csv").read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise StaleImportError(message("this import was confirmed already or is unknown; upload the file again")) from None
    path = list_path(meta["list"], lists)
    if _digest(path) != meta["base"]:
        raise StaleImportError(message("{path} was changed after the preview; upload the file again to see what it would "
                                       "change now", path=path))
    backup = keep_backup(path, now or dt.datetime.now())
    replace_list(path, text)
    for suffix in (".json", ".csv", SOURCE):
        staged.with_suffix(suffix).unlink(missing_ok=True)
    return path, backup
