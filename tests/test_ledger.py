"""The send's records: appended to ledger.log as they happen, folded into the send state exactly once, seen by
anyone who opens the state meanwhile (SIGKILL mid-send is tests/test_send.py's)."""

from __future__ import annotations

from pathlib import Path

from composer.records import Recipient
from composer.send.journal import Journal
from composer.send.ledger import LOG

ISSUE = "2020-12"
PEOPLE = [Recipient(f"leser{n}@example.org", f"Leser {n}") for n in range(3)]


def started(state: Path) -> Journal:
    """A send's journal with three pending rows, as `Campaign.run` has it."""
    journal = Journal(state, exclusive=True)
    journal.stage(PEOPLE)
    list(journal.queue(ISSUE))
    return journal


def rows(state: Path) -> dict[str, tuple[str, int]]:
    with Journal(state) as journal:
        return {d.email: (d.status, d.attempts) for d in journal.deliveries(ISSUE)}


def test_another_process_sees_what_a_running_send_has_recorded(tmp_path: Path) -> None:
    with started(tmp_path) as journal, journal.ledger(ISSUE) as ledger:
        ledger.sending("leser0@example.org")
        ledger.sent("leser0@example.org", "250 ok", "<1@example.org>")
        ledger.sending("leser1@example.org")
        assert rows(tmp_path) == {"leser0@example.org": ("sent", 1), "leser1@example.org": ("sending", 1),
                                  "leser2@example.org": ("pending", 0)}
        assert (tmp_path / LOG).exists()  # the running send's own
        ledger.sent("leser1@example.org", "250 ok", "<2@example.org>")
    assert rows(tmp_path)["leser1@example.org"] == ("sent", 1) and not (tmp_path / LOG).exists()


def test_every_record_is_applied_once_however_often_the_log_is_folded(tmp_path: Path) -> None:
    with started(tmp_path) as journal, journal.ledger(ISSUE) as ledger:
        ledger.sending("leser0@example.org")
        for _ in range(3):
            rows(tmp_path)
        ledger.flush()
        assert rows(tmp_path)["leser0@example.org"] == ("sending", 1)
    assert rows(tmp_path)["leser0@example.org"] == ("sending", 1)


def test_a_record_cut_off_by_a_kill_is_left_out_and_the_next_send_goes_on(tmp_path: Path) -> None:
    with started(tmp_path) as journal:
        ledger = journal.ledger(ISSUE)
        ledger.sending("leser0@example.org")
        ledger.sent("leser0@example.org", "250 ok", "<1@example.org>")
        ledger.sending("leser1@example.org")
        with (tmp_path / LOG).open("ab") as log:  # a write the kill interrupted: no line end
            log.write(b'[99, "2020-12", "leser2@example.org", "sen')
    assert rows(tmp_path) == {"leser0@example.org": ("sent", 1), "leser1@example.org": ("sending", 1),
                              "leser2@example.org": ("pending", 0)}
    assert not (tmp_path / LOG).exists()  # folded, and no send holds it: it named addresses
    with Journal(tmp_path, exclusive=True) as journal, journal.ledger(ISSUE) as ledger:
        ledger.sending("leser2@example.org")
        ledger.sent("leser2@example.org", "250 ok", "<3@example.org>")
    assert rows(tmp_path)["leser2@example.org"] == ("sent", 1)
    assert not (tmp_path / LOG).exists()


def test_an_outcome_waits_for_the_next_write_and_a_flush_writes_it(tmp_path: Path) -> None:
    with started(tmp_path) as journal, journal.ledger(ISSUE) as ledger:
        ledger.sending("leser0@example.org")
        ledger.failed("leser0@example.org", 550, "no such user")
        assert rows(tmp_path)["leser0@example.org"] == ("sending", 1)
        ledger.flush()
        assert rows(tmp_path)["leser0@example.org"] == ("failed", 1)
