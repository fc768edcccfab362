"""One row per issue and recipient, written around every SMTP transaction.

A row goes pending -> sending (committed before the transaction starts) -> sent (only after the server
accepted) or deferred/failed/uncertain. A crash leaves at most the in-flight rows in 'sending'; a rerun sends
those again and counts them as possible duplicates. 'uncertain' is a message whose end was sent but not
answered: the server may have kept it, so it is resent automatically at most once in its history (`resends`,
counted when the resend starts), then only on request; it is named 'uncertain' from its first unanswered end
on, also while its automatic resend is still due. The suppression list always wins.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from composer.i18n import Message
from composer.records import BadRow, Recipient
from composer.state.staging import Inserts
from composer.state.reasons import reason_said

STATUSES = ("pending", "sending", "sent", "deferred", "failed", "uncertain")
AUTOMATIC_RESENDS = 1  # of an uncertain message, in its whole history: a reader gets at most two copies from it
# Who got the issue and is unsubscribed now: everywhere, or from a list the reader left after it came.
UNSUBSCRIBED_SINCE = """SELECT d.email, s.reason, s.reason_params FROM deliveries d JOIN suppressions s
                        ON s.email = d.email WHERE d.issue = :issue AND s.kind = 'unsubscribed'
                        UNION SELECT d.email, min(l.reason), l.reason_params FROM deliveries d
                        JOIN left_lists l ON l.email = d.email
                        WHERE d.issue = :issue AND l.created >= d.updated
                          AND NOT EXISTS (SELECT 1 FROM suppressions s WHERE s.email = d.email)
                        GROUP BY d.email"""
NEEDS_ATTENTION = ("failed", "deferred", "uncertain", "possible duplicate", "unsubscribed since", "bounced", "complained")


@dataclass(frozen=True)
class Plan:
    """What a send would do, counted before anything is sent."""

    listed: int
    to_send: int
    already_sent: int
    suppressed: int
    failed_before: int
    interrupted: int
    bad_rows: list[BadRow]
    uncertain: int = 0
    without_consent: int = 0  # listed rows that prove no consent (composer/audience/consent.py)
    erased: int = 0  # rows of an address erased on request (composer/audience/erasure.py), never sent
    not_reconfirmed: int = 0  # rows without consent after the list's reconfirmation deadline (audience/reconfirm.py)


@dataclass(frozen=True)
class Delivery:
    email: str
    status: str
    attempts: int
    interrupted: int
    code: int | None
    reply: str | None
    queue_id: str | None = None  # the relay's, from its reply to the end of the data


def next_page(statuses: int) -> str:
    """The next 500 listed recipients in one of `statuses` states, after the rowid given last. CROSS JOIN keeps
    `listed` the outer loop (SQLite's documented hint): a page is 500 index lookups from where the last one
    ended, not a scan and sort of every delivery of the issue, which made a send quadratic in its list."""
    return f"""SELECT l.rowid, l.email, l.name, l.fields FROM listed l
               CROSS JOIN deliveries d ON d.issue = ? AND d.email = l.email
               WHERE (d.status IN ({",".join("?" * statuses)}) OR (d.status = 'uncertain' AND d.resends < ?))
                 AND l.rowid > ?
                 AND l.email NOT IN (SELECT email FROM suppressions)
               ORDER BY l.rowid LIMIT 500"""


class Deliveries:
    """The list to send to, the queue, and reading the deliveries back (mixed into the Journal)."""

    _db: sqlite3.Connection

    def stage(self, rows: Iterable[Recipient | BadRow]) -> list[BadRow]:
        """Loads the current list into a temporary table; only people on it are sent to, even on a resume."""
        bad: list[BadRow] = []
        self._db.execute("DELETE FROM listed")
        self._db.execute("BEGIN")
        listed = Inserts(self._db, "INSERT OR IGNORE INTO listed VALUES (?, ?, ?)")
        for row in rows:
            if isinstance(row, BadRow):
                bad.append(row)
            else:
                listed.add((row.email, row.name, json.dumps(row.fields, ensure_ascii=False)))
        listed.flush()
        self._db.execute("COMMIT")
        return bad

    def plan(self, issue: str, bad_rows: list[BadRow], retry_failed: bool = False, retry_uncertain: bool = False) -> Plan:
        q = """SELECT count(*),
                      sum(d.status = 'sent'),
                      sum(s.email IS NOT NULL AND coalesce(d.status, '') != 'sent'),
                      sum(d.status = 'failed' AND s.email IS NULL),
                      sum(d.status = 'sending' AND s.email IS NULL),
                      sum(d.status = 'uncertain' AND s.email IS NULL AND d.resends >= :automatic)
               FROM listed l
               LEFT JOIN deliveries d ON d.issue = :issue AND d.email = l.email
               LEFT JOIN suppressions s ON s.email = l.email"""
        counted = self._db.execute(q, {"issue": issue, "automatic": AUTOMATIC_RESENDS}).fetchone()
        listed, sent, unsub, failed, interrupted, uncertain = (n or 0 for n in counted)
        skipped = (0 if retry_failed else failed) + (0 if retry_uncertain else uncertain)
        return Plan(listed, listed - sent - unsub - skipped, sent, unsub, failed, interrupted, bad_rows, uncertain)

    def queue(self, issue: str, retry_failed: bool = False, retry_uncertain: bool = False) -> Iterator[Recipient]:
        """Commits a row per listed recipient, then streams those still to send, in list order."""
        now = time.time()
        self._db.execute("BEGIN")
        self._db.execute("""INSERT OR IGNORE INTO deliveries (issue, email, name, fields, status, updated)
                            SELECT ?, email, name, fields, 'pending', ? FROM listed
                            WHERE email NOT IN (SELECT email FROM suppressions)""", (issue, now))
        self._db.execute("UPDATE deliveries SET interrupted = interrupted + 1 WHERE issue = ? AND status = 'sending'", (issue,))
        self._db.execute("COMMIT")
        wanted = ("pending", "sending", "deferred", *(("failed",) if retry_failed else ()),
                  *(("uncertain",) if retry_uncertain else ()))
        query = next_page(len(wanted))
        last = 0
        # Each page is read whole before the caller writes, so no statement is open across the sender's updates.
        while batch := self._db.execute(query, (issue, *wanted, AUTOMATIC_RESENDS, last)).fetchall():
            for _, email, name, fields in batch:
                yield Recipient(email, name, json.loads(fields))
            last = batch[-1][0]

    def counts(self, issue: str) -> dict[str, int]:
        rows = dict(self._db.execute("SELECT status, count(*) FROM deliveries WHERE issue = ? GROUP BY status", (issue,)))
        counts = {status: rows.get(status, 0) for status in STATUSES}
        counts["possible duplicates"] = self._db.execute(
            "SELECT count(*) FROM deliveries WHERE issue = ? AND interrupted > 0 AND status = 'sent'", (issue,)).fetchone()[0]
        counts["bounced"] = self._db.execute(
            "SELECT count(DISTINCT email) FROM bounces WHERE issue = ? AND permanent", (issue,)).fetchone()[0]
        counts["unsubscribed"] = self._db.execute(
            f"SELECT count(*) FROM ({UNSUBSCRIBED_SINCE})", {"issue": issue}).fetchone()[0]
        counts["complained"] = self._db.execute(
            """SELECT count(*) FROM deliveries d JOIN suppressions s ON s.email = d.email
               WHERE d.issue = ? AND s.kind = 'complained'""", (issue,)).fetchone()[0]
        return counts

    def was_sent(self, issue: str) -> bool:
        """True once any reader has been sent the issue (its web version may then be public)."""
        return self._db.execute("SELECT 1 FROM deliveries WHERE issue = ? AND status = 'sent' LIMIT 1",
                                (issue,)).fetchone() is not None

    def deliveries(self, issue: str, statuses: tuple[str, ...] = STATUSES) -> Iterator[Delivery]:
        cursor = self._db.execute(
            f"""SELECT email, status, attempts, interrupted, code, reply, queue_id FROM deliveries
                WHERE issue = ? AND status IN ({",".join("?" * len(statuses))}) ORDER BY email""", (issue, *statuses))
        for row in cursor:
            yield Delivery(*row)

    def attention(self, issue: str, kind: str, limit: int = 20) -> tuple[int, list[tuple[str, Message | str]]]:
        """Who needs the coordinator's attention for one of NEEDS_ATTENTION: how many, and the first
        `limit` of them with the reason (the server's reply, the unsubscribe or bounce that said so)."""
        queries = {
            "possible duplicate": """SELECT email, '', NULL FROM deliveries WHERE issue = :issue AND status = 'sent'
                                     AND interrupted > 0""",
            "unsubscribed since": UNSUBSCRIBED_SINCE,
            "bounced": """SELECT email, coalesce(max(status), ''), NULL FROM bounces WHERE issue = :issue AND permanent
                          GROUP BY email""",
            "complained": """SELECT d.email, s.reason, s.reason_params FROM deliveries d JOIN suppressions s
                             ON s.email = d.email WHERE d.issue = :issue AND s.kind = 'complained'""",
        }
        query = queries.get(kind, """SELECT email, (CASE WHEN code THEN code || ' ' ELSE '' END) || coalesce(reply, ''),
                                     NULL FROM deliveries WHERE issue = :issue AND status = :kind""")
        total = self._db.execute(f"SELECT count(*) FROM ({query})", {"issue": issue, "kind": kind}).fetchone()[0]
        rows = self._db.execute(f"SELECT * FROM ({query}) ORDER BY 1 LIMIT :limit",
                                {"issue": issue, "kind": kind, "limit": limit}).fetchall()
        return total, [(email, reason_said(reason, params)) for email, reason, params in rows]

    def issues(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT DISTINCT issue FROM deliveries ORDER BY issue")]

    def sent_message(self, message_id: str) -> tuple[str, str] | None:
        """(issue, email) of the message we sent with this Message-ID, if it is ours."""
        row = self._db.execute("SELECT issue, email FROM deliveries WHERE message_id = ?", (message_id,)).fetchone()
        return (row[0], row[1]) if row else None

    def was_sent_to(self, email: str) -> bool:
        """Whether an issue went to this address (sent, or possibly sent): its mail is a reader's, not a stranger's."""
        return self._db.execute("SELECT 1 FROM deliveries WHERE email = ? AND status IN ('sent', 'uncertain') LIMIT 1",
                                (email,)).fetchone() is not None

    def delivery_by_queue_id(self, queue_id: str) -> tuple[str, str] | None:
        """(issue, email) of the message a relay accepted under this queue id, if it is ours. A relay may use an id
        again after a while (Postfix's short ids do), so the latest delivery that carries it answers."""
        row = self._db.execute("""SELECT issue, email FROM deliveries WHERE queue_id = ?
                                  ORDER BY updated DESC LIMIT 1""", (queue_id,)).fetchone()
        return (row[0], row[1]) if row else None
