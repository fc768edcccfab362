"""Numbered migrations of the send state, keyed on `PRAGMA user_version`.

Each step brings the state from version n-1 to n; a state at version v runs the steps after v, all in ONE
transaction, so a crash or a second process never sees half a migration. Before a state that holds tables is
migrated, a copy of the old file is kept beside it (`state.db.v<old>.bak`, written whole).

A state written by a release from before the numbering has user_version 0 and whatever tables its release
made: step 1 creates the tables it lacks, and steps 2 and 3 bring its two older shapes up to date (checked by
their columns, the only mark such a state carries). A new database runs the same steps, so a fresh state and
a migrated one are the same.

To add a migration: write a function `(db) -> None` that changes the schema with `db.execute` (no
`executescript`, no COMMIT: it runs inside the transaction), and append `Step("what it does", function)` to
MIGRATIONS. Never change a step that has shipped. A table whose CHECK or column type must change is rebuilt
with `rebuild` (SQLite cannot alter a constraint), e.g. `suppressions.kind` gaining 'complained':

    def complaints(db):
        rebuild(db, "suppressions", schema.SUPPRESSIONS.replace("'bounced')", "'bounced', 'complained')"))

tests/test_state.py checks that every step runs once and that the fixtures of older releases open.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from composer.state import schema


@dataclass(frozen=True)
class Step:
    summary: str
    apply: Callable[[sqlite3.Connection], None]


def columns(db: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in db.execute(f"PRAGMA table_info({table})")]


def rebuild(db: sqlite3.Connection, table: str, create: str) -> None:
    """The table made anew by `create` (its CREATE TABLE statement, the same name) with every row of the old one
    in the columns both have; its indexes are made again by the caller. The SQLite way to change a CHECK."""
    db.execute(f"ALTER TABLE {table} RENAME TO {table}_old")
    db.execute(create)
    kept = ", ".join(name for name in columns(db, f"{table}_old") if name in columns(db, table))
    db.execute(f"INSERT INTO {table} ({kept}) SELECT {kept} FROM {table}_old")
    db.execute(f"DROP TABLE {table}_old")


def _tables(db: sqlite3.Connection) -> None:
    for statement in schema.statements(schema.SCHEMA):
        db.execute(statement)


def _uncertain(db: sqlite3.Connection) -> None:
    """Deliveries of releases before 'uncertain' (0317ef3): the CHECK widened and `resends` added, every row kept."""
    rebuild(db, "deliveries", schema.DELIVERIES)


def _link(db: sqlite3.Connection) -> None:
    """Suppressions of releases before the one-click's own undo (75ef7b3) get the link that made them."""
    if "link" not in columns(db, "suppressions"):
        db.execute("ALTER TABLE suppressions ADD COLUMN link TEXT")


def _complaints(db: sqlite3.Connection) -> None:
    """A suppression may be a reader's complaint (an ARF report); a lifted bounce or complaint is recorded, and
    mail the inbox set aside unread is remembered, so it is not read again on every run."""
    rebuild(db, "suppressions", schema.SUPPRESSIONS.replace("'bounced')", "'bounced', 'complained')"))
    for statement in schema.statements(schema.LIFTED_AND_QUARANTINED):
        db.execute(statement)


def _queue_id(db: sqlite3.Connection) -> None:
    """A delivery keeps the relay's queue id from its reply to the end of the data ("queued as 4Xyz"), by which the
    relay's DSNs name the message; looked up by it, so indexed where one is known."""
    db.execute("ALTER TABLE deliveries ADD COLUMN queue_id TEXT")
    db.execute("CREATE INDEX deliveries_by_queue_id ON deliveries (queue_id) WHERE queue_id IS NOT NULL")


def _undo(db: sqlite3.Connection) -> None:
    """A one-click's suppression keeps the (hashed) undo code of the click that made it, and until when it works:
    an undo code belongs to one suppression, never to a later click of the same link."""
    db.execute("ALTER TABLE suppressions ADD COLUMN undo TEXT")
    db.execute("ALTER TABLE suppressions ADD COLUMN undo_until REAL")


def _signup_mails(db: sqlite3.Connection) -> None:
    """The sign-up form's confirmation mails of the last day, for its site-wide and per-address caps."""
    db.execute("CREATE TABLE signup_mails (at REAL NOT NULL, address TEXT NOT NULL)")
    db.execute("CREATE INDEX signup_mails_at ON signup_mails (at)")
    db.execute("CREATE INDEX signup_mails_address ON signup_mails (address)")


# The English reasons releases before reason codes stored, and the code each becomes (state/suppressions.py
# REASONS): a one-time conversion of stored data, so the reason can be said in the reader's language.
OLD_REASONS = [
    (re.compile(r"asked to unsubscribe"), "asked"),
    (re.compile(r"unsubscribed by the coordinator"), "coordinator"),
    (re.compile(r"unsubscribed by the coordinator: (?P<why>.+)", re.S), "coordinator_because"),
    (re.compile(r"unsubscribed by the link in the newsletter"), "link"),
    (re.compile(r"bounced permanently: (?P<status>.*)"), "bounced"),
    (re.compile(r"bounced temporarily in (?P<n>\d+) issues"), "bounced_repeatedly"),
    (re.compile(r"complained: (?P<kind>\S+) report about \(unknown issue\)"), "complained_unknown"),
    (re.compile(r"complained: (?P<kind>\S+) report about (?P<issue>.+)"), "complained"),
]


def coded(text: str) -> tuple[str, str | None]:
    """An old reason as (code, parameters as JSON); text no release wrote stays as it is, without parameters."""
    for pattern, code in OLD_REASONS:
        found = pattern.fullmatch(text)
        if found:
            params = {k: int(v) if k == "n" else v for k, v in found.groupdict().items()}
            return code, json.dumps(params)
    return text, None


def _reason_codes(db: sqlite3.Connection) -> None:
    """A suppression's reason (and a lifted one's) is a code with parameters, said in the reader's language; the
    English texts of older releases become codes, anything else stays text shown as it is."""
    for table in ("suppressions", "lifted"):
        db.execute(f"ALTER TABLE {table} ADD COLUMN reason_params TEXT")
        for rowid, text in db.execute(f"SELECT rowid, reason FROM {table}").fetchall():
            code, params = coded(text)
            if params is not None:
                db.execute(f"UPDATE {table} SET reason = ?, reason_params = ? WHERE rowid = ?", (code, params, rowid))


MIGRATIONS: list[Step] = [
    Step("the tables of the releases before numbered migrations", _tables),
    Step("deliveries may be 'uncertain' and count their resends", _uncertain),
    Step("a suppression keeps the link that made it", _link),
    Step("complaints, lifted bounces and mail set aside unread", _complaints),
    Step("a delivery keeps the relay's queue id", _queue_id),
    Step("a one-click's suppression keeps its own undo code", _undo),
    Step("the sign-up form counts its confirmation mails", _signup_mails),
    Step("a suppression's reason is a code with parameters, said in the reader's language", _reason_codes),
]
LATEST = len(MIGRATIONS)


def version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: sqlite3.Connection, path: Path | None, steps: list[Step] = MIGRATIONS) -> int:
    """Brings the state at `path` (open as `db`, autocommit) to the last step; returns the version it had.
    `path` None: a copy in memory (a read-only look), of which no file is kept."""
    old = version(db)
    if old >= len(steps):
        return old
    if path is not None and db.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone() is not None:
        backup(db, path.with_name(f"{path.name}.v{old}.bak"))
    db.execute("BEGIN IMMEDIATE")
    try:
        old = version(db)  # another process may have migrated it meanwhile
        for step in steps[old:]:
            step.apply(db)
        db.execute(f"PRAGMA user_version = {len(steps)}")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return old


def backup(db: sqlite3.Connection, target: Path) -> None:
    """A consistent copy of the database (WAL included) in a temporary file, renamed into place: never half a file."""
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.unlink(missing_ok=True)
    os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    copy = sqlite3.connect(temporary)
    try:
        db.backup(copy)
    finally:
        copy.close()
    with temporary.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, target)
