"""Every file the tool writes is written whole: the new content goes into a temporary file in the same folder,
is flushed to disk and renamed over the name, so a kill -9 at any moment leaves the old file or the new one,
never half of one; the folder is flushed after the rename, so a power cut does not undo it either.

Permissions are given when the temporary file is created (`os.open` with the mode), never by a chmod of a
file that already holds the content under a readable name. The temporary name is `.NAME.tmp-XXXXXXXX`: hidden,
and with an ending no reader of the tool looks for (`*.md`, `*.csv`, `*.eml`, `.env`, `secret`), so one left
behind by a kill is harmless litter, never read as an issue, a list or a message.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

PRIVATE = 0o600  # .env, the link secret, and anything holding addresses (lists, their backups, exports, .eml)
PUBLIC = 0o644  # issues, photos, what `build` and `archive` write


def write_bytes(path: Path, data: bytes, mode: int = PUBLIC, *, durable: bool = True) -> None:
    """`path` holds `data`, whole. A new file gets `mode` (narrowed by the umask, as every new file is); a file
    that exists keeps its own mode, except that a private file (`mode` without bits for others) never stays
    readable by group or others. `durable=False` skips both flushes: whole after a kill, but not after a power cut."""
    temporary = _written(path, data, mode, durable)
    try:
        os.replace(temporary, path)
    except BaseException:
        _discard(temporary)
        raise
    if durable:
        _sync_folder(path.parent)


def write_text(path: Path, text: str, mode: int = PUBLIC) -> None:
    write_bytes(path, text.encode("utf-8"), mode)


def create_bytes(path: Path, data: bytes, mode: int = PUBLIC) -> None:
    """Like `write_bytes` for a file that must not exist yet: FileExistsError, and nothing changed, when it does.
    The whole file appears under its name by a hard link, so of two processes making it one wins and the other
    can read the winner's file; on a file system without hard links (FAT), a check before the rename."""
    temporary = _written(path, data, mode, True)
    try:
        try:
            os.link(temporary, path)
        except FileExistsError:
            raise
        except OSError:
            if path.exists():
                raise FileExistsError(17, "File exists", str(path)) from None
            os.replace(temporary, path)
    finally:
        _discard(temporary)
    _sync_folder(path.parent)


def create_text(path: Path, text: str, mode: int = PUBLIC) -> None:
    create_bytes(path, text.encode("utf-8"), mode)


def replace_if_unchanged(path: Path, data: bytes, expected: bytes, mode: int = PUBLIC) -> bool:
    """Compare-and-swap: `path` gets `data` only if it still holds exactly `expected`; False, and nothing changed,
    otherwise (also when it is gone).

    The slow part (writing and flushing the new content) is done before the check, so the check is followed by
    nothing but the rename. The check reads the file and compares every byte, then compares the name's status
    (device, inode, size, modification and change times) with that of the file it read: an edit before or while
    it reads, in place or by a rename, is seen. What remains is the time between that last `stat` and the
    `rename`, two system calls: an editor writing there, in place, writes into the file the rename removes, and
    one renaming its own file there loses the desk's save instead. A write during the read that keeps the size and
    lands in the same tick of the file system's clock as the one before it (a few milliseconds on Linux) is not
    seen by the times, only by the bytes, if it changed bytes not yet read.
    """
    temporary = _written(path, data, mode, True)
    try:
        read = _holding(path, expected)
        try:
            same = read is not None and _identity(os.stat(path)) == read
        except FileNotFoundError:
            same = False
        if not same:
            _discard(temporary)
            return False
        os.replace(temporary, path)
    except BaseException:
        _discard(temporary)
        raise
    _sync_folder(path.parent)
    return True


@contextlib.contextmanager
def writing(path: Path, mode: int = PUBLIC) -> Iterator[BinaryIO]:
    """For content made piece by piece (an archive too large to hold in memory): a file on the temporary name,
    flushed and renamed over `path` when the block ends; discarded, and `path` untouched, when the block raises."""
    fd, temporary = _temporary(path, mode)
    try:
        with os.fdopen(fd, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        _discard(temporary)
        raise
    _sync_folder(path.parent)


def temporary_name(path: Path) -> bool:
    """Whether a file name is one of the temporary names this module writes (for tests, and for anyone cleaning up)."""
    stem, dot, tail = path.name.rpartition(".tmp-")
    return bool(dot) and stem.startswith(".") and len(tail) == 8


def _temporary(path: Path, mode: int) -> tuple[int, Path]:
    """The temporary file beside `path`, open for writing, with its permissions already set."""
    wanted, kept = _mode(path, mode)
    temporary = path.with_name(f".{path.name[:200]}.tmp-{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, wanted)
    try:
        if kept and stat.S_IMODE(os.fstat(fd).st_mode) != wanted:
            os.fchmod(fd, wanted)  # the old file's mode, which the umask narrowed: set while the file is still empty
    except BaseException:
        os.close(fd)
        _discard(temporary)
        raise
    return fd, temporary


def _written(path: Path, data: bytes, mode: int, durable: bool) -> Path:
    fd, temporary = _temporary(path, mode)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        if durable:
            os.fsync(fd)
    except BaseException:
        os.close(fd)
        _discard(temporary)
        raise
    os.close(fd)
    return temporary


def _mode(path: Path, mode: int) -> tuple[int, bool]:
    """The mode for the new file, and whether it is an existing file's own."""
    try:
        old = stat.S_IMODE(os.stat(path).st_mode) & 0o777
    except FileNotFoundError:
        return mode, False
    return (old & ~0o077 if not mode & 0o077 else old), True


def _holding(path: Path, expected: bytes) -> tuple[int, ...] | None:
    """The identity of the file at `path` when it holds exactly `expected`, else None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        before = os.fstat(fd)
        if before.st_size != len(expected):
            return None
        chunks, left = [], len(expected) + 1  # one byte more: a file that grew while read is not the same
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return _identity(before) if b"".join(chunks) == expected else None
    finally:
        os.close(fd)


def _identity(status: os.stat_result) -> tuple[int, ...]:
    return status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns


def _sync_folder(folder: Path) -> None:
    """The rename itself on disk; a file system that cannot flush a folder still did the rename whole."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _discard(temporary: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temporary)
