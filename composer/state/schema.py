"""The tables of the send state as numbered migration 1 creates them (composer/state/migrations.py): every table
that releases before numbered migrations made, in its newest form. Later changes are migrations of their own,
never edits of this text: a state at version 1 must mean the same tables everywhere."""

from __future__ import annotations

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
# `reason` is a code of composer/state/reasons.py with its parameters in `reason_params` (JSON), both columns since the
# reason-codes migration (composer/state/migrations.py), which also gave `lifted` its `reason_params`.
SUPPRESSIONS = """
CREATE TABLE IF NOT EXISTS suppressions (
    email TEXT PRIMARY KEY COLLATE NOCASE,
    reason TEXT NOT NULL,
    created REAL NOT NULL,
    kind TEXT NOT NULL DEFAULT 'unsubscribed' CHECK (kind IN ('unsubscribed', 'bounced')),
    evidence TEXT,
    link TEXT
);
"""
SCHEMA = DELIVERIES + SUPPRESSIONS + """
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
CREATE TABLE IF NOT EXISTS links (
    id TEXT PRIMARY KEY,
    purpose TEXT NOT NULL CHECK (purpose IN ('unsubscribe', 'confirm')),
    email TEXT NOT NULL COLLATE NOCASE,
    list TEXT NOT NULL,
    name TEXT,
    created REAL NOT NULL,
    expires REAL,
    used REAL
);
CREATE INDEX IF NOT EXISTS links_by_email ON links (email, purpose, created);
CREATE INDEX IF NOT EXISTS links_unsubscribe ON links (email, list) WHERE purpose = 'unsubscribe';
CREATE TABLE IF NOT EXISTS links_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS erased (hash TEXT PRIMARY KEY, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS reconfirm_deadlines (list TEXT PRIMARY KEY, until REAL NOT NULL);
CREATE TABLE IF NOT EXISTS staged_lists (list TEXT PRIMARY KEY, digest TEXT NOT NULL, bad_rows TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS staged_rows (
    list TEXT NOT NULL,
    position INTEGER NOT NULL,
    email TEXT NOT NULL,
    name TEXT,
    fields TEXT NOT NULL,
    PRIMARY KEY (list, position)
) WITHOUT ROWID;
"""
# Migration 4 (composer/state/migrations.py): who lifted a bounce or complaint and when, and mail set aside unread.
LIFTED_AND_QUARANTINED = """
CREATE TABLE IF NOT EXISTS lifted (
    email TEXT NOT NULL COLLATE NOCASE,
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    lifted_by TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS lifted_by_email ON lifted (email, created);
CREATE TABLE IF NOT EXISTS inbox_quarantine (
    key TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    created REAL NOT NULL
);
"""
# Per connection, never stored: the list of the send under way and the addresses read so far.
TEMPORARY = (
    "CREATE TEMP TABLE IF NOT EXISTS listed (email TEXT PRIMARY KEY COLLATE NOCASE, name TEXT, fields TEXT)",
    "CREATE TEMP TABLE IF NOT EXISTS seen_addresses (key TEXT PRIMARY KEY, line INTEGER NOT NULL) WITHOUT ROWID",
)


def statements(script: str) -> list[str]:
    """A script as single statements, for running inside a transaction (executescript would commit it first)."""
    return [part.strip() for part in script.split(";\n") if part.strip()]
