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


def _desk_sessions(db: sqlite3.Connection) -> None:
    """Desk logins outlive the desk's process: a session is kept by the hash of its cookie's token (a copy of the
    state logs nobody in), with who is logged in (`person`: 'office' for the one shared login until named people
    come), its CSRF token, its lifetime and until when it holds. `refreshed` lets a page view leave the row alone
    unless its expiry is a while old."""
    db.execute("""CREATE TABLE desk_sessions (
        token_hash TEXT PRIMARY KEY,
        person TEXT NOT NULL,
        csrf TEXT NOT NULL,
        created REAL NOT NULL,
        refreshed REAL NOT NULL,
        lifetime REAL NOT NULL,
        expires REAL NOT NULL)""")
    db.execute("CREATE INDEX desk_sessions_expires ON desk_sessions (expires)")
    db.execute("CREATE INDEX desk_sessions_person ON desk_sessions (person)")


def _desk_drafts(db: sqlite3.Connection) -> None:
    """What is typed in the desk's editor, autosaved every few seconds beside the issue file (never over it): one
    draft per issue and person, the form's fields as JSON, when it was saved, and the digest of the file it was
    typed over (so reopening can tell whether the file changed since)."""
    db.execute("""CREATE TABLE desk_drafts (
        issue TEXT NOT NULL,
        person TEXT NOT NULL,
        saved REAL NOT NULL,
        base TEXT NOT NULL,
        fields TEXT NOT NULL,
        PRIMARY KEY (issue, person))""")


def _people(db: sqlite3.Connection) -> None:
    """The desk's named accounts (an argon2 hash, never a password; roles as a comma-separated set) and their
    invitations (only the token's hash is kept; one use, until `expires`)."""
    db.execute("""CREATE TABLE people (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        email TEXT NOT NULL UNIQUE COLLATE NOCASE,
        password TEXT,
        roles TEXT NOT NULL DEFAULT '',
        created REAL NOT NULL)""")
    db.execute("""CREATE TABLE invitations (
        token TEXT PRIMARY KEY,
        person INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
        created REAL NOT NULL,
        expires REAL NOT NULL,
        used REAL)""")


def _approvals(db: sqlite3.Connection) -> None:
    """The Freigabe of an issue for one list: each submission, approval or return is a row; an approval holds
    the hash of exactly what goes out (composer/office/approval.py), so any later change voids it."""
    db.execute("""CREATE TABLE approvals (
        id INTEGER PRIMARY KEY,
        issue TEXT NOT NULL,
        list TEXT NOT NULL,
        content TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('submitted', 'approved', 'returned')),
        person INTEGER,
        name TEXT NOT NULL,
        at REAL NOT NULL,
        comment TEXT NOT NULL DEFAULT '')""")
    db.execute("CREATE INDEX approvals_by_issue ON approvals (issue, list, id)")


def _protocol(db: sqlite3.Connection) -> None:
    """The Protokoll: append-only (triggers refuse UPDATE and DELETE), each entry hashed with the one before it.
    A reader's address is in the chain only as its keyed hash (`subject`); the plain address sits in
    `protocol_addresses`, outside the chain, where erasure and the retention period remove it."""
    db.execute("""CREATE TABLE protocol (
        seq INTEGER PRIMARY KEY,
        at REAL NOT NULL,
        actor TEXT NOT NULL,
        person INTEGER,
        kind TEXT NOT NULL,
        issue TEXT NOT NULL DEFAULT '',
        list TEXT NOT NULL DEFAULT '',
        msgid TEXT NOT NULL,
        params TEXT NOT NULL DEFAULT '{}',
        subject TEXT NOT NULL DEFAULT '',
        previous TEXT NOT NULL,
        hash TEXT NOT NULL)""")
    db.execute("CREATE INDEX protocol_by_issue ON protocol (issue, seq)")
    for event in ("UPDATE", "DELETE"):
        db.execute(f"""CREATE TRIGGER protocol_no_{event.lower()} BEFORE {event} ON protocol
                       BEGIN SELECT RAISE(ABORT, 'the Protokoll is append-only'); END""")
    db.execute("""CREATE TABLE protocol_addresses (
        seq INTEGER PRIMARY KEY REFERENCES protocol (seq),
        email TEXT NOT NULL COLLATE NOCASE,
        at REAL NOT NULL)""")
    db.execute("CREATE INDEX protocol_addresses_by_email ON protocol_addresses (email)")
def _reader_choices(db: sqlite3.Connection) -> None:
    """The lists a reader left by itself (per list: the one-click of an issue's link, with the undo code of that
    click, and the reader's own page), and the one-time codes mailed to an address to open its data (hashed)."""
    db.execute("""CREATE TABLE left_lists (email TEXT NOT NULL COLLATE NOCASE, list TEXT NOT NULL, reason TEXT NOT NULL,
                  created REAL NOT NULL, link TEXT, undo TEXT, undo_until REAL, PRIMARY KEY (email, list))""")
    db.execute("""CREATE TABLE access_codes (code TEXT PRIMARY KEY, email TEXT NOT NULL COLLATE NOCASE,
                  created REAL NOT NULL, used REAL)""")
    db.execute("CREATE INDEX access_codes_by_email ON access_codes (email, created)")



def _consents(db: sqlite3.Connection) -> None:
    """The evidence of each web sign-up, for its printable proof (composer/state/consents.py)."""
    db.execute("""CREATE TABLE consents (
        email TEXT NOT NULL COLLATE NOCASE, list TEXT NOT NULL, asked REAL NOT NULL, source TEXT NOT NULL, ip TEXT,
        form_text TEXT NOT NULL, form_version TEXT NOT NULL, mail_message_id TEXT, mail_sent REAL, mail_body TEXT,
        mail_version TEXT, confirmed REAL, link TEXT PRIMARY KEY)""")
    db.execute("CREATE INDEX consents_by_email ON consents (email, list)")


def _schedules(db: sqlite3.Connection) -> None:
    """A planned start is the one schedule of the CLI (`send --at`) and the desk (Planen): who is told how it went,
    which of the two carries it out, and when it was made."""
    db.execute("ALTER TABLE send_plans ADD COLUMN notify TEXT")
    db.execute("ALTER TABLE send_plans ADD COLUMN origin TEXT NOT NULL DEFAULT 'cli' CHECK (origin IN ('cli', 'desk'))")
    db.execute("ALTER TABLE send_plans ADD COLUMN created REAL")


def _inbox_history(db: sqlite3.Connection) -> None:
    """The Posteingang keeps a history of its runs: when, how many of each kind, a line for each mail."""
    db.execute("CREATE TABLE inbox_runs (id INTEGER PRIMARY KEY, at REAL NOT NULL, counts TEXT NOT NULL)")
    db.execute("CREATE TABLE inbox_lines (run INTEGER NOT NULL, kind TEXT NOT NULL, line TEXT NOT NULL)")
    db.execute("CREATE INDEX inbox_lines_run ON inbox_lines (run)")
# The English reasons releases before reason codes stored, and the code each becomes (state/suppressions.py
# REASONS): a one-time conversion of stored data, so the reason can be said in the reader's language.
OLD_REASONS = [
    (re.compile(r"asked to unsubscribe"), "asked"),
    (re.compile(r"unsubscribed by the coordinator"), "coordinator"),
    (re.compile(r"unsubscribed by the coordinator: (?P<why>.+)", re.S), "coordinator_because"),
    (re.compile(r"unsubscribed by the link in the newsletter"), "link"),
    (re.compile(r"unsubscribed by the link in the newsletter \(one-click\)"), "link_list"),
    (re.compile(r"left on the reader's own page"), "reader_list"),
    (re.compile(r"unsubscribed on the reader's own page \(all lists\)"), "reader_all"),
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
    """A suppression's reason (and a lifted one's, and a list's leaving) is a code with parameters, said in the reader's language; the
    English texts of older releases become codes, anything else stays text shown as it is."""
    for table in ("suppressions", "lifted", "left_lists"):
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
    Step("desk sessions are kept in the state, by their hashed token", _desk_sessions),
    Step("the desk's editor autosaves drafts into the state", _desk_drafts),
    Step("people of the desk and their invitations", _people),
    Step("approvals (Freigabe) of an issue for a list", _approvals),
    Step("the Protokoll: an append-only log with a hash chain", _protocol),
    Step("a reader's own leaving of a list, and the codes that open a reader's data", _reader_choices),
    Step("the evidence of each web sign-up, for its proof of consent", _consents),
    Step("a planned start is the one schedule of the CLI and the desk", _schedules),
    Step("the inbox keeps a history of its runs", _inbox_history),
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
