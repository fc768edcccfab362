"""The send state's side of the ledger (composer/send/ledger.py writes it): the log beside the database, read
back and folded in, each record exactly once (the database keeps the last sequence number folded)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from composer.state.deliveries import AUTOMATIC_RESENDS

LOG = "ledger.log"
HANDED = "handed"  # a message handed to the server, for the provider's limits (composer/send/quota.py)
# seq, issue, email, kind, code, reply, message id, at, the relay's queue id (a 'sent' record's; logs written before
# it was kept end at `at`, and fold reads them with none)
Record = tuple[int, str, str, str, int | None, str | None, str | None, float, str | None]

# What each kind of record does to its row; a record names its kind, never SQL. A 'sending' of an uncertain row
# is its resend, and counted as one (`resends`), so an unanswered message is sent again automatically at most
# AUTOMATIC_RESENDS times in its history; both unanswered kinds leave the row 'uncertain' at once.
_RESENT = "resends = resends + (status = 'uncertain')"
_CHANGES = {
    "sending": f"status = 'sending', attempts = attempts + 1, {_RESENT}",
    "sent": "status = 'sent', code = :code, reply = :reply, message_id = :message_id, queue_id = :queue_id",
    "deferred": "status = 'deferred', code = :code, reply = :reply",
    "failed": "status = 'failed', code = :code, reply = :reply",
    "released": "status = 'pending', attempts = max(attempts - 1, 0)",
    "resend": "status = 'uncertain', code = :code, reply = :reply, interrupted = interrupted + 1",
    "uncertain": "status = 'uncertain', code = :code, reply = :reply, interrupted = interrupted + 1",
}
_SENT_AT_ONCE = ("status = 'sent', code = :code, reply = :reply, message_id = :message_id, queue_id = :queue_id, "
                 "attempts = attempts + 1, "
                 f"{_RESENT}")  # sending, then sent


def fold(db: sqlite3.Connection, path: Path) -> None:
    """Applies the log's records not folded yet. A last line without its end was cut off by a crash before its
    write finished, so its message never went out: it is left out. A record of an older release has no queue id."""
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        return
    records = []
    for line in text.split(b"\n")[:-1]:
        try:
            records.append(tuple(json.loads(line) + [None])[:9])
        except ValueError:
            continue
    apply(db, records)


def apply(db: sqlite3.Connection, records: list[Record]) -> None:
    """The records not applied yet, in one transaction. Records of different rows do not depend on each other,
    so they are applied in layers (every row's first record, then every row's second ...) with one statement
    per kind and layer; a row's 'sending' followed by its 'sent', the usual pair, is one update."""
    if not records:
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        done = _folded(db)
        handed: list[tuple[float]] = []
        by_row: dict[tuple[str, str], list[Record]] = {}
        for record in records:
            if record[0] > done and record[3] == HANDED:
                handed.append((record[7],))
            elif record[0] > done and record[3] in _CHANGES:
                by_row.setdefault((record[1], record[2].lower()), []).append(record)  # the column is NOCASE
        layers: list[dict[str, list[dict[str, object]]]] = []
        for row in by_row.values():
            changes = [_CHANGES[r[3]] for r in row]
            if len(row) == 2 and row[0][3] == "sending" and row[1][3] == "sent":
                row, changes = row[1:], [_SENT_AT_ONCE]
            for depth, ((_, issue, email, _kind, code, reply, message_id, at, queue_id), change) in enumerate(
                    zip(row, changes, strict=True)):
                if depth == len(layers):
                    layers.append({})
                layers[depth].setdefault(change, []).append({"code": code, "reply": reply, "message_id": message_id,
                                                             "at": at, "issue": issue, "email": email, "queue_id": queue_id})
        db.executemany("INSERT INTO quota_log VALUES (?)", handed)
        for layer in layers:
            for change, rows in layer.items():
                db.executemany(f"UPDATE deliveries SET {change}, updated = :at WHERE issue = :issue AND email = :email", rows)
        db.execute("UPDATE ledger_folded SET seq = ?", (max(done, records[-1][0]),))
    except BaseException:
        if db.in_transaction:  # SQLite may have rolled it back itself (a full disk)
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _folded(db: sqlite3.Connection) -> int:
    return int(db.execute("SELECT seq FROM ledger_folded").fetchone()[0])


class LedgerRows:
    """The methods the ledger writer needs (mixed into the Journal)."""

    _db: sqlite3.Connection

    def fold_log(self, path: Path) -> None:
        fold(self._db, path)

    def apply_records(self, records: list[Record]) -> None:
        apply(self._db, records)

    def folded_seq(self) -> int:
        """The sequence number of the last record folded in."""
        return _folded(self._db)

    def resends(self, issue: str, email: str) -> int:
        """How often this message was sent again after an uncertain end (0 when it has no row)."""
        row = self._db.execute("SELECT resends FROM deliveries WHERE issue = ? AND email = ?", (issue, email)).fetchone()
        return int(row[0]) if row else 0

    def may_resend(self, issue: str, email: str) -> bool:
        """Whether an unanswered message may go again without being asked (its first unanswered end ever)."""
        return self.resends(issue, email) < AUTOMATIC_RESENDS
