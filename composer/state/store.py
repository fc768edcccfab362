"""The send state's files: the folder (0700), the database (0600, WAL), the lock a send holds, and the ledger
log a send appends to (composer/send/ledger.py). Opening migrates the database (composer/state/migrations.py)
and folds in what a send under way, or one that was killed, has recorded so far."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import sqlite3
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from composer.errors import DiskFullError, StateError
from composer.i18n import message
from composer.state import ledger, migrations, schema

DATABASE = "state.db"
LOCK = "lock"
LOCK_POLL = 0.05
PRIVATE_FILES = (DATABASE, f"{DATABASE}-wal", f"{DATABASE}-shm", LOCK, ledger.LOG)
MIN_FREE = 10 * 2**20  # what a send's folds and SQLite's log may take before a checkpoint gives space back
FULL = (errno.ENOSPC, errno.EDQUOT)


def disk_full(state_dir: Path, cause: OSError | None = None) -> StateError:
    """The one line a send stops with when the state's disk takes no more (or the write failed otherwise):
    the folder, the free space it needs, and that a rerun loses nothing."""
    if cause is not None and cause.errno not in FULL:
        return StateError(message("{folder}: cannot write the send's records ({why}); the send stopped before the next "
                                  "message. Fix it, then run the same command again", folder=state_dir, why=cause.strerror))
    try:
        free = shutil.disk_usage(state_dir).free
    except OSError:
        free = 0
    try:
        database = (state_dir / DATABASE).stat().st_size
    except OSError:
        database = 0
    need = max(MIN_FREE, database // 4)
    return DiskFullError(message("{folder}: the disk is full ({free} MB free); free at least {need} MB there, then run the "
                                 "same command again: it goes on where this one stopped, and names whoever may get a "
                                 "message twice a possible duplicate", folder=state_dir, free=free // 2**20,
                                 need=-(-need // 2**20)))


class Connection(sqlite3.Connection):
    """SQLite's "database or disk is full", from any statement, as the line that says which folder and what to free."""

    state_dir: Path

    def execute(self, *args: object) -> sqlite3.Cursor:  # type: ignore[override]
        try:
            return super().execute(*args)  # type: ignore[arg-type]
        except sqlite3.OperationalError as exc:
            raise self._mapped(exc) from None

    def executemany(self, *args: object) -> sqlite3.Cursor:  # type: ignore[override]
        try:
            return super().executemany(*args)  # type: ignore[arg-type]
        except sqlite3.OperationalError as exc:
            raise self._mapped(exc) from None

    def _mapped(self, exc: sqlite3.OperationalError) -> Exception:
        return disk_full(self.state_dir) if exc.sqlite_errorcode == sqlite3.SQLITE_FULL else exc


def _locked(lock: IO[str], wait: float) -> bool:
    """Whether the lock was taken within `wait` seconds (tried every 50 ms: flock has no timeout of its own)."""
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(LOCK_POLL)


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

    _db: sqlite3.Connection

    def __init__(self, state_dir: Path, exclusive: bool = False, read_only: bool = False, wait: float = 0.0) -> None:
        """`exclusive` is for sends: two sends of one state at once could double-send, so the second is refused,
        after waiting up to `wait` seconds for the holder to finish (a welcome mail holds it for a moment).
        Everything else (status, the web app, the inbox) shares the database; SQLite serialises the writes.
        `read_only` is for pages that only look (a GET): see `_open_read_only`."""
        self._lock: IO[str] | None = None
        self.state_dir = state_dir
        path = state_dir / DATABASE
        if read_only:
            self._open_read_only(path)
            return
        try:
            private_folder(state_dir)
            for name in PRIVATE_FILES:
                if name == DATABASE or (state_dir / name).exists():
                    private_file(state_dir / name)
            if exclusive:
                private_file(state_dir / LOCK)
                self._lock = (state_dir / LOCK).open("w")
        except OSError as exc:
            raise StateError(message("{folder}: cannot keep the send state there ({why})", folder=state_dir,
                                     why=exc.strerror)) from None
        if self._lock and not _locked(self._lock, wait):
            self._lock.close()
            raise StateError(message("another send is running on this send state; wait for it to finish"))
        with self._opening(path):
            connection = sqlite3.connect(path, isolation_level=None, timeout=10, factory=Connection)
            connection.state_dir = state_dir
            self._db = connection
            self._db.execute("PRAGMA journal_mode=WAL")  # the -wal and -shm files take the database's 0600
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._refuse_newer(path)
            migrations.migrate(self._db, path)
            for statement in schema.TEMPORARY:
                self._db.execute(statement)
            self._settle()

    @contextlib.contextmanager
    def _opening(self, path: Path) -> Iterator[None]:
        """Whatever stops the opening leaves no connection or lock behind and says so in one line."""
        try:
            yield
        except (sqlite3.DatabaseError, OSError) as exc:
            self._abandon()
            raise StateError(message("{path}: cannot be opened ({why})", path=path, why=exc)) from None
        except StateError:
            self._abandon()
            raise

    def _refuse_newer(self, path: Path) -> None:
        if migrations.version(self._db) > migrations.LATEST:
            raise StateError(message("{path}: written by a newer release of newsletter-composer (state version "
                                     "{version}, this one knows {known}); update it", path=path,
                                     version=migrations.version(self._db), known=migrations.LATEST))

    def _open_read_only(self, path: Path) -> None:
        """The state as it stands, never written: no lock, no migration of the file, no fold of a running send's
        log (its records show once that send folds them, about once a second). SQLite refuses any write to the
        file; only the connection's TEMP tables (a list staged to count a plan) take rows. A state from an older
        release, or none yet, is migrated in memory, and the log of a killed send folded into a copy in memory, so
        what the page counts is what the state holds."""
        with self._opening(path):
            if path.exists():
                self._db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None,
                                           timeout=10)
                self._refuse_newer(path)
                if migrations.version(self._db) < migrations.LATEST or self._unfolded():
                    memory = sqlite3.connect(":memory:", isolation_level=None)
                    self._db.backup(memory)
                    self._db.close()
                    self._db = memory
            else:
                self._db = sqlite3.connect(":memory:", isolation_level=None)
            migrations.migrate(self._db, None)
            if self._unfolded():
                ledger.fold(self._db, self.log_path)
            for statement in schema.TEMPORARY:
                self._db.execute(statement)

    def _unfolded(self) -> bool:
        """Whether a killed send left records in its log (a running send folds its own about once a second)."""
        try:
            if self.log_path.stat().st_size == 0:
                return False
            with (self.state_dir / LOCK).open("rb") as lock:
                fcntl.flock(lock, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except (FileNotFoundError, BlockingIOError):
            return False
        return True

    def _abandon(self) -> None:
        if getattr(self, "_db", None) is not None:
            self._db.close()
        if self._lock:
            self._lock.close()

    @property
    def log_path(self) -> Path:
        return self.state_dir / ledger.LOG

    def disk_full(self, cause: OSError) -> StateError:
        return disk_full(self.state_dir, cause)

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
            raise StateError(message("{path}: cannot be copied ({why})", path=self.state_dir / DATABASE, why=exc)) from None
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
            if self._db.in_transaction:  # SQLite may have rolled it back itself (a full disk)
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
