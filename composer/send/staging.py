"""The list a send goes to, staged into the send state in one streaming pass and kept there for the next run.

Duplicates are found in SQLite, not in a dict, so a list of a million rows needs no more memory than one of
ten. The staged rows are kept with a digest of the file and the sign-ups: a rerun with both unchanged reads them back
instead of checking every address again (about 85 µs a row), so finding that nothing is left to do takes a
second, not minutes. The rows are kept as they were read (file, then sign-ups); what the send leaves out
(erased addresses, the reconfirmation cutoff) is decided again on every run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from pathlib import Path

from composer.records import BadRow, Recipient
from composer.state import Journal

ROWS = 1  # raised when what a staged row holds, or how a list is read, changes: every list is read again
Reader = Callable[[MutableMapping[str, int]], Iterable[Recipient | BadRow]]


def fingerprint(path: Path, signups: Iterable[tuple[Recipient, float]]) -> str:
    """What the staged rows come from: the list file's bytes (SHA-256), the sign-ups confirmed for the list,
    and the row format's version. Empty when the file cannot be read, so it is read and says why."""
    digest = hashlib.sha256(f"{ROWS}\n".encode())
    for recipient, confirmed in signups:
        digest.update(f"{recipient.email}\t{recipient.name}\t{confirmed}\n".encode())
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest() + digest.hexdigest()
    except FileNotFoundError:
        return f"no file {digest.hexdigest()}"
    except OSError:
        return ""


def kept(state: Journal, list_name: str, key: str, read: Reader) -> Iterator[Recipient | BadRow]:
    """The list's rows: read back from the send state when they were kept under the same `key` (their
    `fingerprint`), else read with `read` and kept as they stream past. Meant to be consumed inside the
    journal's staging transaction; the key is written only once every row is kept."""
    if key and state.staged_key(list_name) == key:
        yield from state.staged(list_name)
        return
    bad: list[BadRow] = []
    staged = state.restage(list_name)
    for position, row in enumerate(read(state.seen_addresses())):
        if isinstance(row, BadRow):
            bad.append(row)
        else:
            staged.add(position, row)
        yield row
    staged.done(key, bad)


def peek(state: Journal, list_name: str, key: str, read: Reader) -> Iterator[Recipient | BadRow]:
    """The rows `kept` would give, written nowhere: for a plan read without writing the send state."""
    if key and state.staged_key(list_name) == key:
        yield from state.staged(list_name)
        return
    yield from read(state.seen_addresses())
