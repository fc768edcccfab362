"""Bringing in the office's spreadsheet: read it, check every row as a list row, show what would change (new,
changed, unchanged, removed; bad rows with their line; addresses that stay unsubscribed), and only after the
coordinator confirmed, replace the list file atomically with the old one kept as a dated backup."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path

from composer.atomic import PRIVATE, write_text
from composer.audience.listfiles import keep_backup, replace_text
from composer.audience.spreadsheets import LIMITS, Sheet, SheetLimitError, never, read_sheet
from composer.audience.subscribers import list_path, read_list
from composer.errors import ComposerError, SubscriberListError, said
from composer.i18n import Message, message
from composer.records import BadRow, Recipient
from composer.state import Journal, Suppression

STAGING = "imports"  # in the state folder: an upload waits there between preview and confirmation


class StaleImportError(ComposerError):
    """The preview is gone or the list changed since it was made: the coordinator uploads again."""


@dataclass(frozen=True)
class Staying:
    """An address in the new file that unsubscribed or bounced: it stays in the file and is never sent to."""

    email: str
    suppression: Suppression


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
    bad_rows: list[BadRow] = field(default_factory=list)
    staying_unsubscribed: list[Staying] = field(default_factory=list)
    list_exists: bool = True


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""


def preview(list_name: str, lists: Path, journal: Journal, state_dir: Path, filename: str, data: bytes,
            stop: Callable[[], bool] = never) -> Preview:
    """Reads the upload, compares it with the list and stages it for `confirm`; the list is not touched.
    `stop` ends the reading of a spreadsheet early (the desk shutting down)."""
    path = list_path(list_name, lists)
    sheet = read_sheet(filename, data, stop=stop)
    token = secrets.token_hex(16)
    staged = state_dir / STAGING / token
    staged.parent.mkdir(parents=True, exist_ok=True)
    for old in staged.parent.iterdir():  # previews never confirmed
        if old.stat().st_mtime < dt.datetime.now().timestamp() - 86400:
            old.unlink(missing_ok=True)
    write_text(staged.with_suffix(".csv"), sheet.text, PRIVATE)
    try:
        rows = list(islice(read_list(staged.with_suffix(".csv")), LIMITS.rows + 1))  # a CSV is held to a sheet's limit
        if len(rows) > LIMITS.rows:
            raise SheetLimitError(message("{file}: more than {n} rows; split the list, or delete what is below it",
                                          file=filename, n=LIMITS.rows))
    except SubscriberListError as exc:
        staged.with_suffix(".csv").unlink()
        raise type(exc)(_renamed(said(exc), str(staged.with_suffix(".csv")), filename)) from None
    write_text(staged.with_suffix(".json"), json.dumps({"list": path.stem, "base": _digest(path), "filename": filename}),
               PRIVATE)
    result = Preview(path.stem, filename, token, list_exists=path.exists())
    _compare(result, rows, sheet, path, journal)
    return result


def _renamed(said: Message | str, staged: str, filename: str) -> Message | str:
    """An error about the staged copy, naming the file the coordinator uploaded instead."""
    if isinstance(said, str):
        return said.replace(staged, filename)
    return replace(said, params={k: str(v).replace(staged, filename) if isinstance(v, str | Path) else v
                                 for k, v in said.params.items()})


def _compare(result: Preview, rows: list[Recipient | BadRow], sheet: Sheet, path: Path, journal: Journal) -> None:
    before = {r.email.lower(): r for r in read_list(path) if isinstance(r, Recipient)} if path.exists() else {}
    after: set[str] = set()
    for row in rows:
        result.rows += 1
        if isinstance(row, BadRow):
            result.bad_rows.append(BadRow(sheet.row_of(row.line), row.reason))
            continue
        key = row.email.lower()
        after.add(key)
        old = before.get(key)
        (result.new if old is None else result.unchanged if old == row else result.changed).append(row)
        suppressed = journal.suppression(row.email)
        if suppressed:
            result.staying_unsubscribed.append(Staying(row.email, suppressed))
    result.removed = [r for key, r in before.items() if key not in after]


def confirm(token: str, lists: Path, state_dir: Path, now: dt.datetime | None = None) -> tuple[Path, Path | None]:
    """Replaces the list with the staged upload (bad rows included, so nothing of the office's file is lost)
    and returns the list and the backup of the old one. Refused when the list changed after the preview."""
    if not token.isalnum():
        raise StaleImportError(message("this import is unknown; upload the file again"))
    staged = state_dir / STAGING / token
    try:
        meta = json.loads(staged.with_suffix(".json").read_text(encoding="utf-8"))
        text = staged.with_suffix(".csv").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StaleImportError(message("this import was confirmed already or is unknown; upload the file again")) from None
    path = list_path(meta["list"], lists)
    if _digest(path) != meta["base"]:
        raise StaleImportError(message("{path} was changed after the preview; upload the file again to see what it would "
                                       "change now", path=path))
    backup = keep_backup(path, now or dt.datetime.now())
    replace_text(path, text)
    staged.with_suffix(".json").unlink()
    staged.with_suffix(".csv").unlink()
    return path, backup
