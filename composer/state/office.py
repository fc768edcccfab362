"""The desk's people, their invitations, the approvals of issues and the Protokoll (composer/office decides with
them). The Protokoll is only ever appended to: no method here updates or deletes an entry, and triggers refuse it.

The chain's head (the newest entry's number and hash) is also kept in a file beside the database, `HEAD`, so
that entries cut off the end of the table are seen: a hand-edit inside SQLite cannot reach that file. It is
written after the entry's transaction commits (under SQLite's write lock, never moving backwards), so a crash
between the two leaves it one entry behind, never ahead."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from composer.atomic import PRIVATE, write_text
from composer.state.store import Store

HEAD = "protocol-head.json"  # in the state folder: {"seq": the newest entry's number, "hash": its hash}


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str


@dataclass(frozen=True)
class PersonRow:
    id: int
    name: str
    email: str
    password: str | None
    roles: frozenset[str]
    created: float


@dataclass(frozen=True)
class ApprovalRow:
    id: int
    issue: str
    list: str
    content: str
    state: str
    person: int | None
    name: str
    at: float
    comment: str


@dataclass(frozen=True)
class ProtocolRow:
    seq: int
    at: float
    actor: str
    person: int | None
    kind: str
    issue: str
    list: str
    msgid: str
    params: dict[str, Any]
    subject: str
    previous: str
    hash: str
    email: str | None  # the plain address beside the entry, while it is kept


Seal = Callable[[str, dict[str, Any]], str]  # (previous hash, the entry's chained fields) -> its hash


def _person(row: tuple[Any, ...]) -> PersonRow:
    return PersonRow(row[0], row[1], row[2], row[3], frozenset(r for r in row[4].split(",") if r), row[5])


PERSON = "SELECT id, name, email, password, roles, created FROM people"
APPROVAL = "SELECT id, issue, list, content, state, person, name, at, comment FROM approvals"


class OfficeRows(Store):
    """Mixed into the Journal."""

    # -- people ---------------------------------------------------------------------------------------

    def add_person(self, name: str, email: str, roles: frozenset[str], now: float, password: str | None = None) -> int | None:
        """The new person's id; None when the address already has an account."""
        try:
            cursor = self._db.execute("INSERT INTO people (name, email, password, roles, created) VALUES (?, ?, ?, ?, ?)",
                                      (name, email, password, ",".join(sorted(roles)), now))
        except sqlite3.IntegrityError:
            return None
        return int(cursor.lastrowid or 0)

    def people(self) -> list[PersonRow]:
        return [_person(row) for row in self._db.execute(f"{PERSON} ORDER BY id")]

    def person_by_id(self, person: int) -> PersonRow | None:
        row = self._db.execute(f"{PERSON} WHERE id = ?", (person,)).fetchone()
        return _person(row) if row else None

    def person_by_email(self, email: str) -> PersonRow | None:
        row = self._db.execute(f"{PERSON} WHERE email = ?", (email,)).fetchone()
        return _person(row) if row else None

    def update_person(self, person: int, name: str | None = None, roles: frozenset[str] | None = None,
                      password: str | None = None, email: str | None = None) -> bool:
        """False when `email` is another account's already."""
        if email is not None:
            try:
                self._db.execute("UPDATE people SET email = ? WHERE id = ?", (email, person))
            except sqlite3.IntegrityError:
                return False
        if name is not None:
            self._db.execute("UPDATE people SET name = ? WHERE id = ?", (name, person))
        if roles is not None:
            self._db.execute("UPDATE people SET roles = ? WHERE id = ?", (",".join(sorted(roles)), person))
        if password is not None:
            self._db.execute("UPDATE people SET password = ? WHERE id = ?", (password, person))
        return True

    def remove_person(self, person: int) -> bool:
        with self._transaction():
            self._db.execute("DELETE FROM invitations WHERE person = ?", (person,))
            return self._db.execute("DELETE FROM people WHERE id = ?", (person,)).rowcount > 0

    # -- invitations ----------------------------------------------------------------------------------

    def add_invitation(self, token_hash: str, person: int, now: float, expires: float) -> None:
        self._db.execute("INSERT INTO invitations VALUES (?, ?, ?, ?, NULL)", (token_hash, person, now, expires))

    def use_invitation(self, token_hash: str, now: float, password: str) -> PersonRow | None:
        """The invited person with `password` (a hash) set, once: a used, expired or unknown token gets None."""
        with self._transaction("BEGIN IMMEDIATE") as db:
            row = db.execute("SELECT person FROM invitations WHERE token = ? AND used IS NULL AND expires > ?",
                             (token_hash, now)).fetchone()
            if row is None:
                return None
            db.execute("UPDATE invitations SET used = ? WHERE token = ?", (now, token_hash))
            db.execute("UPDATE people SET password = ? WHERE id = ?", (password, row[0]))
        return self.person_by_id(row[0])

    def invitation_open(self, token_hash: str, now: float) -> PersonRow | None:
        row = self._db.execute("SELECT person FROM invitations WHERE token = ? AND used IS NULL AND expires > ?",
                               (token_hash, now)).fetchone()
        return self.person_by_id(row[0]) if row else None

    # -- approvals ------------------------------------------------------------------------------------

    def add_approval(self, issue: str, list_name: str, content: str, state: str, person: int | None, name: str,
                     now: float, comment: str = "") -> None:
        self._db.execute("INSERT INTO approvals (issue, list, content, state, person, name, at, comment) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (issue, list_name, content, state, person, name, now, comment))

    def approvals(self, issue: str, list_name: str | None = None) -> list[ApprovalRow]:
        """Newest first."""
        if list_name is None:
            rows = self._db.execute(f"{APPROVAL} WHERE issue = ? ORDER BY id DESC", (issue,))
        else:
            rows = self._db.execute(f"{APPROVAL} WHERE issue = ? AND list = ? ORDER BY id DESC", (issue, list_name))
        return [ApprovalRow(*row) for row in rows]

    # -- the Protokoll --------------------------------------------------------------------------------

    def append_protocol(self, entry: dict[str, Any], seal: Seal, email: str | None = None) -> int:
        """Appends `entry` (at, actor, person, kind, issue, list, msgid, params, subject) chained to the last one, in one
        transaction (two writers never chain to the same entry); `email` is kept beside it. Returns its number."""
        with self._transaction("BEGIN IMMEDIATE") as db:
            last = db.execute("SELECT seq, hash FROM protocol ORDER BY seq DESC LIMIT 1").fetchone()
            seq, previous = (last[0] + 1, last[1]) if last else (1, "")
            chained = {**entry, "seq": seq}
            db.execute("INSERT INTO protocol (seq, at, actor, person, kind, issue, list, msgid, params, subject, previous, "
                       "hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (seq, entry["at"], entry["actor"], entry["person"], entry["kind"], entry["issue"], entry["list"], entry["msgid"],
                        json.dumps(entry["params"], sort_keys=True, ensure_ascii=False), entry["subject"], previous,
                        seal(previous, chained)))
            if email:
                db.execute("INSERT INTO protocol_addresses VALUES (?, ?, ?)", (seq, email, entry["at"]))
        with self._transaction("BEGIN IMMEDIATE") as db:  # serialised with the other writers: the head only moves on
            head = db.execute("SELECT seq, hash FROM protocol ORDER BY seq DESC LIMIT 1").fetchone()
            kept = self.protocol_head()
            if head and (kept is None or (kept.seq < head[0] and self._chained(kept))):
                self._keep_head(self.state_dir / HEAD, Head(head[0], head[1]))
        return seq

    def _chained(self, head: Head) -> bool:
        """Whether the entry the head names is still in the table as it was: if not (entries were cut off the end
        and others appended since), the head stays where it is, so `verify` keeps showing the gap."""
        row = self._db.execute("SELECT hash FROM protocol WHERE seq = ?", (head.seq,)).fetchone()
        return bool(row) and row[0] == head.hash

    def protocol_head(self, path: Path | None = None) -> Head | None:
        """The head kept beside the database (None when there is none, or it cannot be read)."""
        try:
            data = json.loads((path or self.state_dir / HEAD).read_text(encoding="utf-8"))
            return Head(int(data["seq"]), str(data["hash"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def copy_protocol_head(self, target: Path) -> None:
        """The head as it is now into `target` (for a backup: read before the database is copied, so the copy
        holds at least the entries it names)."""
        head = self.protocol_head()
        if head is not None:
            self._keep_head(target, head)

    @staticmethod
    def _keep_head(path: Path, head: Head) -> None:
        write_text(path, json.dumps({"seq": head.seq, "hash": head.hash}) + "\n", PRIVATE)

    def protocol(self, issue: str | None = None, actor: str | None = None, kind: str | None = None) -> list[ProtocolRow]:
        """Entries in order, filtered by whichever of issue, actor and kind is given."""
        where, values = [], []
        for column, value in (("issue", issue), ("actor", actor), ("kind", kind)):
            if value:
                where.append(f"p.{column} = ?")
                values.append(value)
        rows = self._db.execute(
            "SELECT p.seq, p.at, p.actor, p.person, p.kind, p.issue, p.list, p.msgid, p.params, p.subject, p.previous, p.hash, "
            "a.email FROM protocol p LEFT JOIN protocol_addresses a ON a.seq = p.seq"
            + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY p.seq", values)
        return [ProtocolRow(seq=r[0], at=r[1], actor=r[2], person=r[3], kind=r[4], issue=r[5], list=r[6], msgid=r[7],
                            params=json.loads(r[8]), subject=r[9], previous=r[10], hash=r[11], email=r[12]) for r in rows]

    def protocol_of(self, subject: str) -> list[ProtocolRow]:
        """The Protokoll's entries about one reader, by the keyed hash of their address."""
        return [row for row in self.protocol() if row.subject == subject]
