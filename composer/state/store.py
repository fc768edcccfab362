"""The send state's files: the folder (0700), the database (0600, WAL), the lock a send holds, and the ledger
log a send appends to (composer/send/ledger.py). Opening migrates the database (composer/state/migrations.py)
and folds in what a send under way, or one that was killed, has recorded so far."""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from composer.errors import StateError
from composer.state import ledger, migrations, schema

DATABASE = "state.db"
LOCK = "lock"
PRIVATE_FILES = (DATABASE, f"{DATABASE}-wal", f"{DATABASE}-shm", LOCK, ledger.LOG)


def private_folder(folder: Path) -> None:
    """The folder made 0700, or tightened to it: the state names every reader and what they replied."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if stat.S_IMODE(folder.stat().st_mode) & 0o077:
        folder.chmod(0o700)


def private_file(path: Path) -> None:
    """The file made 0600 when missing (before SQLite or anyone writes into it), tightened when it exists."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        path.chmod(0o600)


class Store:
    """The connection and the lock; one process at a time may send from a state (a lock file says so)."""

    def __init__(self, state_dir: Path, exclusive: bool = False) -> None:
        """`exclusive` is for sends: two sends of one state at once could double-send, so the second is refused.
        Everything else (status, the web app, the inbox) shares the database; SQLite serialises the writes."""
        self._lock: IO[str] | None = None
        self.state_dir = state_dir
        path = state_dir / DATABASE
        try:
            private_folder(state_dir)
            for name in PRIVATE_FILES:
                if name == DATABASE or (state_dir / name).exists():
                    private_file(state_dir / name)
            if exclusive:
                private_file(state_dir / LOCK)
                self._lock = (state_dir / LOCK).open("w")
        except OSError as exc:
            raise StateError(f"{state_dir}: cannot keep the send state there ({exc.strerror})") from None
        if self._lock:
            try:
                fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self._lock.close()
                raise StateError("another send is running on this send state; wait for it to finish") from None
        try:
            self._db = sqlite3.connect(path, isolation_level=None, timeout=10)
            self._db.execute("PRAGMA journal_mode=WAL")  # the -wal and -shm files take the database's 0600
            self._db.execute("PRAGMA synchronous=NORMAL")
            if migrations.version(self._db) > migrations.LATEST:
                raise StateError(f"{path}: written by a newer release of newsletter-composer (state version "
                                 f"{migrations.version(self._db)}, this one knows {migrations.LATEST}); update it")
            migrations.migrate(self._db, path)
            for statement in schema.TEMPORARY:
                self._db.execute(statement)
            self._settle()
        except (sqlite3.DatabaseError, OSError) as exc:
            self._abandon()
            raise StateError(f"{path}: cannot be opened ({exc})") from None
        except StateError:
            self._abandon()
            raise

    def _abandon(self) -> None:
        if getattr(self, "_db", None) is not None:
            self._db.close()
        if self._lock:
            self._lock.close()

    @property
    def log_path(self) -> Path:
        return self.state_dir / ledger.LOG

    def _settle(self) -> None:
        """Folds in the ledger log. A killed send's log is then removed, since it names addresses; a running
        send's is its own."""
        log = self.log_path
        if not log.exists():
            return
        ledger.fold(self._db, log)
        if self._lock is not None:
            log.unlink(missing_ok=True)
            return
        private_file(self.state_dir / LOCK)
        with (self.state_dir / LOCK).open("a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return
            log.unlink(missing_ok=True)

    def backup_to(self, target: Path) -> int:
        """A consistent copy of the state in `target` (0600 from the start, one file), taken while a send may run:
        the send's ledger log is folded in first, then SQLite's online backup copies the database as one snapshot,
        so the copy holds a prefix of the send's records, never half of one. Returns the copy's schema version."""
        try:
            ledger.fold(self._db, self.log_path)
            migrations.backup(self._db, target)
        except (sqlite3.DatabaseError, OSError) as exc:
            raise StateError(f"{self.state_dir / DATABASE}: cannot be copied ({exc})") from None
        return migrations.version(self._db)

    @property
    def db(self) -> sqlite3.Connection:
        """The raw connection, for tests and benchmarks that look inside; the tool itself uses the typed methods
        (tests/test_state.py checks that no module outside composer/state touches it)."""
        return self._db

    @contextlib.contextmanager
    def _transaction(self, begin: str = "BEGIN") -> Iterator[sqlite3.Connection]:
        self._db.execute(begin)
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    @contextlib.contextmanager
    def _scrubbing(self) -> Iterator[None]:
        """Deleted and overwritten rows are zeroed in the database file and the WAL copied back and emptied, so an
        erased address does not linger in free pages."""
        self._db.execute("PRAGMA secure_delete = ON")
        try:
            yield
        finally:
            self._db.execute("PRAGMA secure_delete = OFF")
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        self._db.close()
        if self._lock:
            self._lock.close()
