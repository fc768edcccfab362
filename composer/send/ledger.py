"""The dispatcher's records of one issue's send: appended to a log as they happen, folded into the send state
about once a second.

'sending' is written before a message's content goes out, so a crash leaves every message that may have
arrived as 'sending' (resent, and flagged as a possible duplicate); 'sent' only after the server accepted it.
The other outcomes wait in memory and go with the next write: the next 'sending' (of any connection), or
`flush` (before a wait, at the end). A kill loses at most each connection's last outcome, whose row still
says 'sending': at most the messages in flight.

A write is one append to `ledger.log` beside the database (a short write is continued until all is written):
one system call, which the operating system keeps when the process is killed, as it keeps SQLite's own WAL
commit (synchronous=NORMAL: neither waits for the disk), at a fraction of a commit's cost. The records are
folded into the database in one transaction about once a second, at a wait and at the end. Every record
carries a sequence number and the database keeps the last one folded, so a fold repeated after a crash, or made
by another process that opens the state meanwhile (`newsletter status` during a send), applies each record
exactly once.

A write that fails (the disk is full) is taken back to the last whole record, and the send stops with
DiskFullError: the 'sending' of the message about to go is not on disk, so that message is not handed over;
the outcomes that waited with it are lost, so their rows still say 'sending', and the rerun sends those again
flagged as possible duplicates. Nothing that went out is ever unflagged.
"""

from __future__ import annotations

import json
import os
import time
from types import TracebackType

from composer.errors import StateError
from composer.state.journal import Journal
from composer.state.ledger import HANDED, Record

FOLD_SECONDS = 1.0
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode  # made once: json.dumps with options makes one a call


class IssueLedger:
    """Implements the dispatcher's Ledger for one issue; a context manager, whose end folds the rest and
    removes the log. Only the send that holds the state's lock makes one."""

    def __init__(self, state: Journal, issue: str) -> None:
        self._state, self.issue = state, issue
        self._path = state.log_path
        state.fold_log(self._path)  # what an earlier send left, so the sequence below goes on from it
        self._fd = os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_TRUNC, 0o600)
        self._size = 0  # the log's length: whole records only
        self._seq = state.folded_seq()
        self._waiting: list[Record] = []
        self._unfolded: list[Record] = []
        self._folded_at = time.monotonic()

    def __enter__(self) -> IssueLedger:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        try:
            self.flush()
        except StateError:
            os.close(self._fd)  # the log keeps what the state could not take: the next opening folds it
            if kind is None:
                raise
            return
        os.close(self._fd)
        self._path.unlink(missing_ok=True)

    def sending(self, email: str) -> None:
        self._record(email, "sending")
        self._write()
        if time.monotonic() - self._folded_at >= FOLD_SECONDS:
            self._fold()

    def sent(self, email: str, reply: str, message_id: str, queue_id: str | None = None) -> None:
        """Accepted; `queue_id` is the relay's id for it, where its reply named one (its DSNs name it too)."""
        self._record(email, "sent", 250, reply, message_id, queue_id=queue_id)

    def deferred(self, email: str, code: int, reply: str) -> None:
        self._record(email, "deferred", code, reply)

    def failed(self, email: str, code: int, reply: str) -> None:
        self._record(email, "failed", code, reply)

    def released(self, email: str) -> None:
        """The attempt was stopped for a reason that is not the recipient's (the sender was refused, the
        breaker tripped): the row is pending again, as if it had not been tried."""
        self._record(email, "released")

    def handed(self, at: float) -> None:
        """The provider's limits count this message (the quota's log), written with the next record."""
        self._record("", HANDED, at=at)

    def uncertain(self, email: str, code: int, reply: str) -> bool:
        """True when the message may be resent automatically (its first uncertain outcome ever); the row is
        'uncertain' either way, and its resend is counted when it starts. Otherwise it stays uncertain until the
        coordinator asks. Either way a later success is flagged as a possible duplicate. Rare, so everything is folded first
        and the count read from the state."""
        self.flush()
        again = self._state.may_resend(self.issue, email)
        self._record(email, "resend" if again else "uncertain", code, reply)
        self._write()
        return again

    def flush(self) -> None:
        """Everything recorded so far written and folded into the state."""
        self._write()
        self._fold()

    def _record(self, email: str, kind: str, code: int | None = None, reply: str | None = None,
                message_id: str | None = None, at: float | None = None, queue_id: str | None = None) -> None:
        self._seq += 1
        self._waiting.append((self._seq, self.issue, email, kind, code, reply, message_id, at or time.time(), queue_id))

    def _write(self) -> None:
        """The records waiting go to the log in one write; only what was written is folded later, as from the log.
        A failed write is cut back to the last whole record (a fold never meets half of one) and stops the send."""
        if not self._waiting:
            return
        data = memoryview("".join([_ENCODE(record) + "\n" for record in self._waiting]).encode())
        waiting, self._waiting = self._waiting, []
        try:
            while data:
                data = data[os.write(self._fd, data):]  # a short write (a nearly full disk) is continued
        except OSError as exc:
            os.ftruncate(self._fd, self._size)
            raise self._state.disk_full(exc) from None
        self._size = os.lseek(self._fd, 0, os.SEEK_END)
        self._unfolded.extend(waiting)

    def _fold(self) -> None:
        """What this send wrote since the last fold, from memory: the log on disk is the same records."""
        self._state.apply_records(self._unfolded)
        self._unfolded = []
        os.ftruncate(self._fd, 0)  # nothing is appended meanwhile: this send is the log's only writer
        self._size = 0
        self._folded_at = time.monotonic()
