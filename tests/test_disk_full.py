"""A full disk loses nothing and doubles nothing unflagged: every record of the send's ledger is written whole or
taken back, the message whose 'sending' could not be written is not handed over, and the rerun names whoever may
have received a message twice."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SMTPServer
from test_send import ISSUE, send, write_list

from composer.campaign import open_send
from composer.errors import DiskFullError, StateError
from composer.records import Recipient
from composer.send import ledger
from composer.send.ledger import IssueLedger
from composer.state import Journal
from composer.state.ledger import LOG

SLUG = "2020-12"
PEOPLE = [Recipient(f"leser{n}@example.org") for n in range(3)]


@contextlib.contextmanager
def disk_with_room(monkeypatch: pytest.MonkeyPatch, room: int, step: int | None = None) -> Iterator[None]:
    """os.write into the ledger as on a disk with `room` bytes left, taking at most `step` bytes a call: short
    writes, then ENOSPC."""
    real = os.write

    def write(fd: int, data: bytes) -> int:
        nonlocal room
        if not os.readlink(f"/proc/self/fd/{fd}").endswith(LOG):
            return real(fd, data)
        if room <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written = real(fd, bytes(data[:min(room, step or room)]))
        room -= written
        return written

    with monkeypatch.context() as patch:
        patch.setattr(os, "write", write)
        yield


def log_lines(state: Path) -> list[list[object]]:
    text = (state / LOG).read_bytes()
    assert text == b"" or text.endswith(b"\n"), text  # never half a record
    return [json.loads(line) for line in text.splitlines()]


def started(state: Path) -> Journal:
    journal = Journal(state, exclusive=True)
    journal.stage(PEOPLE)
    list(journal.queue(SLUG))
    return journal


def test_short_writes_are_continued_until_every_record_is_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with started(tmp_path) as journal, IssueLedger(journal, SLUG) as ledger:
        with disk_with_room(monkeypatch, 10**6, step=7):
            ledger.sending("leser0@example.org")
            ledger.sent("leser0@example.org", "250 ok", "<1@example.org>")
            ledger.sending("leser1@example.org")
        assert [line[2:4] for line in log_lines(tmp_path)] == [
            ["leser0@example.org", "sending"], ["leser0@example.org", "sent"], ["leser1@example.org", "sending"]]


def test_at_enospc_the_half_record_is_taken_back_and_the_send_stops_before_the_message(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with started(tmp_path) as journal:
        with IssueLedger(journal, SLUG) as ledger:
            ledger.sending("leser0@example.org")  # handed over; its 'sent' waits for the next write
            ledger.sent("leser0@example.org", "250 ok", "<1@example.org>")
            size = (tmp_path / LOG).stat().st_size
            with disk_with_room(monkeypatch, 40), pytest.raises(DiskFullError) as full:
                ledger.sending("leser1@example.org")  # its record and leser0's 'sent' do not fit
            assert (tmp_path / LOG).stat().st_size == size and len(log_lines(tmp_path)) == 1
        message = str(full.value)
        assert str(tmp_path) in message and "the disk is full" in message and "free at least 10 MB there" in message
        assert "\n" not in message
    with Journal(tmp_path) as journal:  # leser0 may have it: 'sending'; leser1 was never handed over
        assert {d.email: d.status for d in journal.deliveries(SLUG)} == {
            "leser0@example.org": "sending", "leser1@example.org": "pending", "leser2@example.org": "pending"}
    with started(tmp_path) as journal, IssueLedger(journal, SLUG) as ledger:  # the rerun sends all three
        for person in PEOPLE:
            ledger.sending(person.email)
            ledger.sent(person.email, "250 ok", f"<{person.email}>")
    with Journal(tmp_path) as journal:
        assert journal.attention(SLUG, "possible duplicate")[1] == [("leser0@example.org", "")]


def test_the_send_command_stops_at_a_full_disk_with_one_line_and_exit_2_and_the_rerun_flags_what_went_out(
        workdir: Path, smtp_server: SMTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Exit 2, not 1: no recipient failed; the machine needs the coordinator's hand first, like a bad setting."""
    addresses = write_list("liste", 30)
    with disk_with_room(monkeypatch, 3000):
        code, output = send(smtp_server, "--list", "liste", "--yes")
    assert code == 2, output
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith("error: .newsletter: the disk is full (") and "free at least 10 MB" in errors[0]
    assert "Traceback" not in output
    first = smtp_server.handler.per_recipient()
    assert 0 < len(first) < 30
    code, output = send(smtp_server, "--list", "liste", "--yes")
    assert code == 0, output
    received = smtp_server.handler.per_recipient()
    assert set(received) == set(addresses)
    with Journal(Path(".newsletter")) as journal:
        flagged = {email for email, _ in journal.attention(SLUG, "possible duplicate", limit=30)[1]}
    assert {a for a, n in received.items() if n > 1} <= flagged


def test_a_trailing_partial_record_is_ignored_by_the_fold(tmp_path: Path) -> None:
    with started(tmp_path) as journal:
        ledger = IssueLedger(journal, SLUG)
        ledger.sending("leser0@example.org")
        with (tmp_path / LOG).open("ab") as log:
            log.write(b'[99, "2020-12", "leser1@example.org", "sen')
    with Journal(tmp_path) as journal:
        assert {d.email: d.status for d in journal.deliveries(SLUG)}["leser1@example.org"] == "pending"


@pytest.fixture
def small_disk(workdir: Path) -> Iterator[Path]:
    """The send state on a tmpfs of its own (mounting needs root)."""
    state = workdir / ".newsletter"
    state.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", str(state)],
                             capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"a small tmpfs for the send state needs root to mount ({mounted.stderr.strip()})")
    try:
        yield state
    finally:
        subprocess.run(["umount", "-l", str(state)], check=False)


def fill(folder: Path, leave: int) -> Path:
    """A file that takes all but `leave` bytes of the folder's disk."""
    filler = folder / "filler"
    room = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize - leave
    with filler.open("wb") as handle, contextlib.suppress(OSError):
        while room > 0:
            handle.write(b"\0" * min(65536, room))
            room -= 65536
    return filler


@pytest.mark.parametrize("fold_seconds", [1.0, 10**6], ids=["the-state-fills", "the-log-fills"])
def test_a_send_on_a_disk_that_fills_up_stops_and_the_rerun_flags_every_message_received_twice(
        small_disk: Path, smtp_server: SMTPServer, monkeypatch: pytest.MonkeyPatch, fold_seconds: float) -> None:
    """Folded once a second, the state's own log (SQLite's WAL) fills the disk; never folded until the end, the
    send's ledger does, in the middle of a record."""
    monkeypatch.setattr(ledger, "FOLD_SECONDS", fold_seconds)
    addresses = write_list("liste", 1000)
    settings = smtp_server.settings(state_dir=small_disk)
    with open_send(Path(ISSUE), "liste", settings, b"secret") as campaign:
        list(campaign.journal.queue(SLUG))  # every row recorded as pending, as a send does first
        filler = fill(small_disk, 256 * 1024)
        with pytest.raises(StateError) as full:
            asyncio.run(campaign.run())
    assert str(small_disk) in str(full.value) and "disk is full" in str(full.value)
    assert 0 < len(smtp_server.handler.received) < 1000
    filler.unlink()
    code, output = send(smtp_server, "--list", "liste", "--yes", NEWSLETTER_SECRET_KEY="secret")
    received = smtp_server.handler.per_recipient()
    assert set(received) == set(addresses), output
    twice = {address for address, n in received.items() if n > 1}
    with Journal(small_disk) as journal:
        flagged = {email for email, _ in journal.attention(SLUG, "possible duplicate", limit=1000)[1]}
        assert journal.counts(SLUG)["sent"] == 1000
    assert twice <= flagged, (twice - flagged, output)


def test_the_desk_says_the_full_disk_in_german(tmp_path: Path) -> None:
    from composer.state.store import disk_full

    said = disk_full(tmp_path, OSError(errno.ENOSPC, "No space left on device")).shown("de")
    assert said.startswith(f"{tmp_path}: der Datenträger ist voll (") and "mindestens 10 MB Platz" in said
