"""One person's data: everything the tool holds about an address (GDPR Art. 15), and its erasure (Art. 17).

Erasing removes the address from every list file and every backup of one (each rewritten atomically, every
other byte kept), the uploads waiting in the desk's import preview, the desk's remembered test addresses, the
send state (deliveries, sign-ups, bounces, unsubscribes) and the outbox, and keeps only a
keyed hash, so that an old copy of a spreadsheet can never bring the address back into a send
(composer/audience/erasure.py).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from email_validator import EmailNotValidError

from composer.atomic import PRIVATE, write_text
from composer.audience.consent import missing_evidence
from composer.audience.erasure import HASHED, Erasures, keyed_hash
from composer.audience.importing import STAGING
from composer.audience.listfiles import backups, replace_bytes
from composer.audience import sheetfiles
from composer.audience.spreadsheets import read_sheet
from composer.audience.subscribers import (FIRST, LAST, UTF8, is_sheet, list_encoding, list_names, list_path, read_header,
                                           recipient_address)
from composer.errors import SubscriberListError
from composer.i18n import Message, message
from composer.records import Recipient
from composer.send.transports.outbox import file_name
from composer.state import Journal

BOM = b"\xef\xbb\xbf"
TEST_ADDRESSES = "desk-test-addresses.txt"  # in the state folder: the desk's last test-send addresses


@dataclass(frozen=True)
class Where:
    """The folders that may hold an address besides the send state."""

    lists: Path
    outbox: Path
    state: Path = Path(".newsletter")

    @property
    def files(self) -> list[Path]:
        """The list files, then the backups of them."""
        return [*(list_path(name, self.lists) for name in list_names(self.lists)), *backups(self.lists)]

    @property
    def staged(self) -> list[Path]:
        """The uploads the desk's import holds between its preview and the confirmation (composer.audience.importing)."""
        folder = self.state / STAGING
        return sorted(folder.glob("*.csv")) if folder.is_dir() else []

    @property
    def test_addresses(self) -> Path:
        return self.state / TEST_ADDRESSES


@dataclass(frozen=True)
class _ListFile:
    """A list file split into its header line and its records, each with the physical lines it spans."""

    path: Path
    bom: bool
    header: list[str]
    head: str
    records: list[tuple[int, list[str], list[str]]]  # (first line number, lines, cells)
    encoding: str = UTF8

    def of(self, address: str) -> list[tuple[int, list[str], list[str]]]:
        if "email" not in self.header:
            return []
        column = self.header.index("email")
        return [r for r in self.records if len(r[2]) > column and _same(r[2][column], address)]


def _same(cell: str, address: str) -> bool:
    try:
        return recipient_address(cell).lower() == address.lower()
    except EmailNotValidError:
        return cell.strip().lower() == address.lower()


def _read(path: Path) -> _ListFile:
    sheet = is_sheet(path)  # the office's .xlsx/.ods, as the bounded reader gives it
    data = read_sheet(path.name, path.read_bytes()).text.encode() if sheet else path.read_bytes()
    encoding = UTF8 if sheet else list_encoding(path)
    try:
        lines = data.decode(encoding).splitlines(keepends=True)
    except UnicodeDecodeError:
        raise SubscriberListError(message("{path}: neither UTF-8 nor Windows-1252 text; export the spreadsheet "
                                          "as 'CSV UTF-8'", path=str(path))) from None
    if not lines:
        return _ListFile(path, data.startswith(BOM), [], "", [], encoding)
    delimiter, header = read_header(lines[0])
    reader = csv.reader(lines[1:], delimiter=delimiter)
    records, done = [], 0
    try:
        for cells in reader:
            records.append((done + 2, lines[1 + done:1 + reader.line_num], [c.strip() for c in cells]))
            done = reader.line_num
    except csv.Error as exc:
        raise SubscriberListError(message("{path}: cannot be read as CSV ({why})", path=f"{path}:{done + 2}",
                                          why=str(exc))) from None
    return _ListFile(path, data.startswith(BOM), header, lines[0], records, encoding)


def _when(timestamp: float | None) -> str | None:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds") if timestamp is not None else None


def _english(said: Message | None) -> str | None:
    """A reason as the JSON keeps it (the download's values are plain data, its keys English)."""
    return str(said) if said is not None else None


def holdings(address: str, journal: Journal, secret: bytes, where: Where) -> dict[str, Any]:
    """Everything held about `address`, as plain data for JSON: list rows (with whether they prove consent),
    web sign-ups, personal links (unsubscribe, pending confirmations), deliveries, bounces, the unsubscribe or bounce
    that stops mail, erasure, outbox files, the Protokoll's entries about it."""
    rows, staged = [], []
    for path in where.files:
        listed = _read(path)
        for line, _, cells in listed.of(address):
            columns = dict(zip(listed.header, cells, strict=False))
            recipient = Recipient(address, columns.get("name") or None, columns)
            rows.append({"file": str(path), "line": line, "columns": columns, "consent_missing": _english(missing_evidence(recipient))})
    for path in where.staged:
        listed = _read(path)
        staged += [{"file": str(path), "line": line, "columns": dict(zip(listed.header, cells, strict=False))}
                   for line, _, cells in listed.of(address)]
    hashed = HASHED + keyed_hash(secret, address)
    deliveries = [{**row, "updated": _when(row["updated"])} for row in journal.deliveries_of(address)]
    signups = [{"list": row["list"], "name": row["name"], "consent_text": row["consent"], "confirmed": _when(row["confirmed"])}
               for row in journal.signups_of(address)]
    bounces = [{"issue": row["issue"], "permanent": bool(row["permanent"]), "status": row["status"],
                "message_id": row["message_id"], "at": _when(row["created"])} for row in journal.bounces_of(address)]
    tokens = [{**row, "created": _when(row["created"]), "expires": _when(row["expires"]), "used": _when(row["used"])}
              for row in journal.links_of(address)]
    stopped = journal.suppression(address)
    return {
        "address": address,
        "lists": rows,
        "staged_imports": staged,
        "desk_test_addresses": [str(where.test_addresses)] if _test_lines(where.test_addresses, address)[1] else [],
        "web_signups": signups,
        "links": tokens,
        "deliveries": deliveries,
        "anonymised_deliveries": journal.delivery_count(hashed),
        "bounces": bounces,
        "suppression": {"kind": stopped.kind, "reason": str(stopped.reason), "since": _when(stopped.created),
                        "evidence": stopped.evidence} if stopped else None,
        "left_lists": [{"list": name, "at": _when(at)} for name, at in journal.left_lists(address).items()],
        "lifted": [{"kind": kind, "reason": str(reason), "lifted_by": by, "at": _when(at)}
                   for kind, reason, by, at in journal.lifted_of(address)],
        "erased_on_request": address in Erasures(journal, secret),
        "outbox_files": [str(p) for p in _outbox_files(address, where.outbox)],
        "protocol": [{"at": _when(row.at), "kind": row.kind, "list": row.list, "address_kept": row.email is not None}
                     for row in journal.protocol_of(keyed_hash(secret, address))],
    }


def _outbox_files(address: str, outbox: Path) -> list[Path]:
    """The address's messages, and what a send killed while writing one left under a temporary name."""
    name = file_name(address)
    return sorted(p for pattern in (name, f".{name}.tmp-*") for p in outbox.glob(f"*/{pattern}") if p.is_file()) \
        if outbox.is_dir() else []


@dataclass
class Forgotten:
    """What `forget` removed, for the coordinator's confirmation."""

    list_rows: dict[str, int] = field(default_factory=dict)  # file (a list or a backup of one) -> rows removed
    staged_rows: dict[str, int] = field(default_factory=dict)  # an upload waiting for the import's confirmation
    test_addresses: int = 0  # lines of the desk's remembered test addresses
    state_rows: int = 0
    outbox_files: int = 0


def forget(address: str, journal: Journal, secret: bytes, where: Where) -> Forgotten:
    """Erases `address` everywhere; the keyed hash goes in first, so a failure half-way never lets a send reach it."""
    Erasures(journal, secret).add(address)
    done = Forgotten()
    for path in where.files:
        if removed := _remove_rows(path, address):
            done.list_rows[str(path)] = removed
    for path in where.staged:
        if removed := _remove_rows(path, address):
            done.staged_rows[str(path)] = removed
    kept, gone = _test_lines(where.test_addresses, address)
    if gone:
        write_text(where.test_addresses, "\n".join(kept), PRIVATE)
        done.test_addresses = gone
    # every kept list goes too: read again by the next send, without the address
    done.state_rows += journal.forget_rows(address, HASHED + keyed_hash(secret, address))
    for path in _outbox_files(address, where.outbox):
        path.unlink()
        done.outbox_files += 1
    return done


def sheet_rows(address: str, where: Where) -> list[tuple[Path, int, dict[str, str]]]:
    """(file, line, columns) of each row of `address` in the lists (not their backups)."""
    found = []
    for name in list_names(where.lists):
        listed = _read(list_path(name, where.lists))
        found += [(listed.path, line, dict(zip(listed.header, cells, strict=False))) for line, _, cells in listed.of(address)]
    return found


def rows_of(address: str, where: Where) -> list[str]:
    """The names of the lists (not their backups) with a row of `address`."""
    return [name for name in list_names(where.lists) if _read(list_path(name, where.lists)).of(address)]


NAME_COLUMNS = ("name", FIRST, LAST)


def renamed_cells(keys: list[str], cells: list[str], name: str) -> dict[str, str]:
    """The corrected whole name `name` in the name columns a row has (by the tool's column names), for Art. 16.

    A `name` column gets it whole. A list that keeps the name apart (Vorname/Nachname, as the desk's import writes
    it: first_name, last_name) keeps what the reader did not change: when the new name begins with the row's
    first name, that stays the first name and the rest is the surname ("Fatima" "Al-Hassan" corrected to "Fatima
    Al-Hassan Yusuf" gives "Fatima" and "Al-Hassan Yusuf", so "Liebe Fatima" stays right); else, when it ends
    with the row's surname, that stays and the rest is the first name; else the last word is the surname, as
    the desk splits a name (listfiles.split_name). A list with only a first-name column gets the whole name there."""
    now = dict(zip(keys, cells, strict=False))
    words = name.split()
    wanted: dict[str, str] = {"name": name} if "name" in keys else {}
    if FIRST in keys and LAST in keys:
        first, last = now.get(FIRST, "").split(), now.get(LAST, "").split()
        if first and words[:len(first)] == first:
            cut = len(first)
        elif last and words[-len(last):] == last:
            cut = len(words) - len(last)
        else:
            cut = max(len(words) - 1, 0)
        wanted.update({FIRST: " ".join(words[:cut]), LAST: " ".join(words[cut:])})
    elif FIRST in keys or LAST in keys:
        wanted[FIRST if FIRST in keys else LAST] = name
    return wanted


@dataclass(frozen=True)
class Renamed:
    """What a name correction came to: rows whose name changed, and rows that keep a name at all (none: the
    lists hold only the address, so there was nothing to correct)."""

    changed: int
    held: int


def rename_rows(address: str, name: str, where: Where) -> Renamed:
    """The reader's corrected name in the name columns of each of its rows (see `renamed_cells`), in the lists
    and their backups (Art. 16); every other byte as it was, a sheet written back as the sheet it is."""
    changed = held = 0
    for path in where.files:
        listed = _read(path)
        if not any(k in listed.header for k in NAME_COLUMNS) or not (mine := listed.of(address)):
            continue
        held += len(mine)
        edits = {record[0]: wanted for record in mine
                 if (wanted := renamed_cells(listed.header, record[2], name))
                 and any(dict(zip(listed.header, record[2], strict=False)).get(k, "") != v for k, v in wanted.items())}
        if not edits:
            continue
        if is_sheet(path):  # written back as the sheet it is, like every other change of a row
            changed += len(edits) if sheetfiles.update(path, address, next(iter(edits.values()))) else 0
            continue
        changed += len(edits)
        delimiter, _ = read_header(listed.head)
        out = []
        for line, lines, cells in listed.records:
            if line not in edits:
                out.extend(lines)
                continue
            cells = cells + [""] * (len(listed.header) - len(cells))
            for key, value in edits[line].items():
                cells[listed.header.index(key)] = value
            ending = "\r\n" if lines[-1].endswith("\r\n") else "\n"
            text = io.StringIO()
            csv.writer(text, delimiter=delimiter, lineterminator=ending).writerow(cells)
            out.append(text.getvalue())
        replace_bytes(path, (BOM if listed.bom else b"") + (listed.head + "".join(out)).encode(listed.encoding.removesuffix("-sig")))
    return Renamed(changed, held)


def _remove_rows(path: Path, address: str) -> int:
    """The file without the address's rows, every other byte as it was (BOM, header, line ends, quoting)."""
    if is_sheet(path):
        return sheetfiles.remove(path, address) if _read(path).of(address) else 0
    listed = _read(path)
    gone = listed.of(address)
    if gone:
        kept = "".join(line for record in listed.records if record not in gone for line in record[1])
        replace_bytes(path, (BOM if listed.bom else b"") + (listed.head + kept).encode(listed.encoding.removesuffix("-sig")))
    return len(gone)


def _test_lines(path: Path, address: str) -> tuple[list[str], int]:
    """The remembered test addresses but `address`, and how many lines named it."""
    if not path.is_file():
        return [], 0
    lines = path.read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if not _same(line.strip(), address)]
    return kept, len(lines) - len(kept)
