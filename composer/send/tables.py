"""The tables of the send state and how a state made by an older version is brought up to date, in place and
without losing a row (several processes may open it at once, so every step checks again under its lock)."""

from __future__ import annotations

import contextlib
import sqlite3

DELIVERIES = """
CREATE TABLE IF NOT EXISTS deliveries (
    issue TEXT NOT NULL,
    email TEXT NOT NULL COLLATE NOCASE,
    name TEXT,
    fields TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'deferred', 'failed', 'uncertain')),
    attempts INTEGER NOT NULL DEFAULT 0,
    interrupted INTEGER NOT NULL DEFAULT 0,
    resends INTEGER NOT NULL DEFAULT 0,
    code INTEGER,
    reply TEXT,
    message_id TEXT,
    updated REAL NOT NULL,
    PRIMARY KEY (issue, email)
);
"""
SCHEMA = DELIVERIES + """
CREATE TABLE IF NOT EXISTS suppressions (
    email TEXT PRIMARY KEY COLLATE NOCASE,
    reason TEXT NOT NULL,
    created REAL NOT NULL,
    kind TEXT NOT NULL DEFAULT 'unsubscribed' CHECK (kind IN ('unsubscribed', 'bounced')),
    evidence TEXT,
    link TEXT
);
CREATE TABLE IF NOT EXISTS bounces (
    email TEXT NOT NULL COLLATE NOCASE,
    issue TEXT NOT NULL,
    permanent INTEGER NOT NULL,
    status TEXT,
    message_id TEXT,
    created REAL NOT NULL,
    PRIMARY KEY (email, issue, permanent)
);
CREATE TABLE IF NOT EXISTS signups (
    list TEXT NOT NULL,
    email TEXT NOT NULL COLLATE NOCASE,
    name TEXT,
    consent TEXT NOT NULL,
    confirmed REAL NOT NULL,
    PRIMARY KEY (list, email)
);
CREATE TABLE IF NOT EXISTS ledger_folded (seq INTEGER NOT NULL);
INSERT INTO ledger_folded SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM ledger_folded);
CREATE TABLE IF NOT EXISTS quota_log (at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS quota_log_at ON quota_log (at);
CREATE TABLE IF NOT EXISTS send_plans (
    issue TEXT NOT NULL,
    list TEXT NOT NULL,
    at REAL NOT NULL,
    PRIMARY KEY (issue, list)
);
CREATE TABLE IF NOT EXISTS inbox_seen (
    key TEXT PRIMARY KEY,
    action TEXT NOT NULL,
    created REAL NOT NULL
);
"""


def migrate(db: sqlite3.Connection) -> None:
    """A state made before 'uncertain' existed: its deliveries table is rebuilt with the wider CHECK and the
    `resends` column, every row kept. A suppression list from before the link column gets it."""
    if "link" not in {row[1] for row in db.execute("PRAGMA table_info(suppressions)")}:
        with contextlib.suppress(sqlite3.OperationalError):  # another process added it meanwhile
            db.execute("ALTER TABLE suppressions ADD COLUMN link TEXT")
    query = "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'deliveries'"
    if "'uncertain'" in db.execute(query).fetchone()[0]:
        return
    db.execute("BEGIN IMMEDIATE")
    if "'uncertain'" in db.execute(query).fetchone()[0]:  # another process migrated it meanwhile
        db.execute("COMMIT")
        return
    db.execute("ALTER TABLE deliveries RENAME TO deliveries_old")
    db.execute(DELIVERIES)
    new = {row[1] for row in db.execute("PRAGMA table_info(deliveries)")}
    columns = ", ".join(row[1] for row in db.execute("PRAGMA table_info(deliveries_old)") if row[1] in new)
    db.execute(f"INSERT INTO deliveries ({columns}) SELECT {columns} FROM deliveries_old")
    db.execute("DROP TABLE deliveries_old")
    db.execute("COMMIT")
