"""The send's records: appended to ledger.log as they happen, folded into the send state exactly once, seen by
anyone who opens the state meanwhile (SIGKILL mid-send is tests/test_send.py's)."""

from __future__ import annotations

from pathlib import Path

from composer.send.ledger import IssueLedger
from composer.records import Recipient
from composer.state import Journal
from composer.state.ledger import LOG

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
    with started(tmp_path) as journal, IssueLedger(journal, ISSUE) as ledger:
        ledger.sending("leser0@example.org")
        ledger.sent("leser0@example.org", "250 ok", "<1@example.org>")
        ledger.sending("leser1@example.org")
        assert rows(tmp_path) == {"leser0@example.org": ("sent", 1), "leser1@example.org": ("sending", 1),
                                  "leser2@example.org": ("pending", 0)}
        assert (tmp_path / LOG).exists()  # the running send's own
        ledger.sent("leser1@example.org", "250 ok", "<2@example.org>")
    assert rows(tmp_path)["leser1@example.org"] == ("sent", 1) and not (tmp_path / LOG).exists()


def test_every_record_is_applied_once_however_often_the_log_is_folded(tmp_path: Path) -> None:
    with started(tmp_path) as journal, IssueLedger(journal, ISSUE) as ledger:
        ledger.sending("leser0@example.org")
        for _ in range(3):
            rows(tmp_path)
        ledger.flush()
        assert rows(tmp_path)["leser0@example.org"] == ("sending", 1)
    assert rows(tmp_path)["leser0@example.org"] == ("sending", 1)


def test_a_record_cut_off_by_a_kill_is_left_out_and_the_next_send_goes_on(tmp_path: Path) -> None:
    with started(tmp_path) as journal:
        ledger = IssueLedger(journal, ISSUE)
        ledger.sending("leser0@example.org")
        ledger.sent("leser0@example.org", "250 ok", "<1@example.org>")
        ledger.sending("leser1@example.org")
        with (tmp_path / LOG).open("ab") as log:  # a write the kill interrupted: no line end
            log.write(b'[99, "2020-12", "leser2@example.org", "sen')
    assert rows(tmp_path) == {"leser0@example.org": ("sent", 1), "leser1@example.org": ("sending", 1),
                              "leser2@example.org": ("pending", 0)}
    assert not (tmp_path / LOG).exists()  # folded, and no send holds it: it named addresses
    with Journal(tmp_path, exclusive=True) as journal, IssueLedger(journal, ISSUE) as ledger:
        ledger.sending("leser2@example.org")
        ledger.sent("leser2@example.org", "250 ok", "<3@example.org>")
    assert rows(tmp_path)["leser2@example.org"] == ("sent", 1)
    assert not (tmp_path / LOG).exists()


def test_an_outcome_waits_for_the_next_write_and_a_flush_writes_it(tmp_path: Path) -> None:
    with started(tmp_path) as journal, IssueLedger(journal, ISSUE) as ledger:
        ledger.sending("leser0@example.org")
        ledger.failed("leser0@example.org", 550, "no such user")
        assert rows(tmp_path)["leser0@example.org"] == ("sending", 1)
        ledger.flush()
        assert rows(tmp_path)["leser0@example.org"] == ("failed", 1)


def test_a_fold_gives_what_applying_every_record_in_order_gives() -> None:
    """Folding applies records in layers with one statement per kind (composer/send/ledger.py): on random
    mixes of every kind, over rows of two issues, spelled in two cases, partly folded before, the state is
    the one that applying the records one by one in order makes."""
    import random
    import sqlite3

    from composer.state import ledger, migrations

    rows = [("i1", "a@example.org"), ("i1", "b@example.org"), ("i2", "a@example.org"), ("i1", "A@example.org")]
    kinds = [*ledger._CHANGES, "handed", "unknown"]

    migrated = sqlite3.connect(":memory:", isolation_level=None)
    migrations.migrate(migrated, Path(":memory:"))
    migrated.executemany("INSERT INTO deliveries (issue, email, status, attempts, updated) VALUES (?, ?, 'pending', 1, 0)",
                         rows[:3])

    def state() -> sqlite3.Connection:
        """A copy of one migrated state: migrating 3,000 fresh ones took most of the test's time."""
        db = sqlite3.connect(":memory:", isolation_level=None)
        migrated.backup(db)
        return db

    def one_by_one(db: sqlite3.Connection, records: list[ledger.Record]) -> None:
        done = ledger._folded(db)
        for seq, issue, email, kind, code, reply, message_id, at, queue_id in records:
            if seq > done and kind == "handed":
                db.execute("INSERT INTO quota_log VALUES (?)", (at,))
            elif seq > done and kind in ledger._CHANGES:
                db.execute(f"UPDATE deliveries SET {ledger._CHANGES[kind]}, updated = :at WHERE issue = :issue AND email = :email",
                           {"code": code, "reply": reply, "message_id": message_id, "at": at, "issue": issue, "email": email,
                            "queue_id": queue_id})
        db.execute("UPDATE ledger_folded SET seq = ?", (max(done, records[-1][0]),))

    def dump(db: sqlite3.Connection) -> tuple[list[object], ...]:
        return (db.execute("SELECT * FROM deliveries ORDER BY issue, email").fetchall(),
                sorted(db.execute("SELECT * FROM quota_log").fetchall()), db.execute("SELECT seq FROM ledger_folded").fetchall())

    pick = random.Random(17)
    for _ in range(1500):
        first = pick.randint(0, 5)
        records: list[ledger.Record] = [(first + n, *pick.choice(rows), pick.choice(kinds), pick.choice([None, 250, 451]),
                                         pick.choice([None, "reply"]), pick.choice([None, "<m@example.org>"]), float(n),
                                         pick.choice([None, "4XyzAbC12"]))
                                        for n in range(1, pick.randint(2, 9))]
        folded, applied, done = state(), state(), pick.randint(0, first + 9)
        for db in (folded, applied):
            db.execute("UPDATE ledger_folded SET seq = ?", (done,))
        ledger.apply(folded, records)
        one_by_one(applied, records)
        assert dump(folded) == dump(applied), repr(records)


def test_a_sent_record_keeps_the_relays_queue_id_and_finds_the_delivery_by_it(tmp_path: Path) -> None:
    with started(tmp_path) as journal, IssueLedger(journal, ISSUE) as ledger:
        ledger.sending("leser0@example.org")
        ledger.sent("leser0@example.org", "2.0.0 Ok: queued as 4XyzAbC12", "<1@example.org>", "4XyzAbC12")
        ledger.sending("leser1@example.org")
        ledger.sent("leser1@example.org", "250 ok", "<2@example.org>")
    with Journal(tmp_path) as journal:
        assert {d.email: d.queue_id for d in journal.deliveries(ISSUE)} == {
            "leser0@example.org": "4XyzAbC12", "leser1@example.org": None, "leser2@example.org": None}
        assert journal.delivery_by_queue_id("4XyzAbC12") == (ISSUE, "leser0@example.org")
        assert journal.delivery_by_queue_id("4XyzAbC13") is None


def test_a_log_written_by_a_release_without_queue_ids_still_folds(tmp_path: Path) -> None:
    started(tmp_path).close()
    with (tmp_path / LOG).open("wb") as log:  # that release's records end at the time
        log.write(b'[1,"2020-12","leser0@example.org","sending",null,null,null,1.0]\n'
                  b'[2,"2020-12","leser0@example.org","sent",250,"250 ok","<1@example.org>",2.0]\n'
                  b'[3,"2020-12","leser1@example.org","sending",null,null,null,3.0]\n')
    with Journal(tmp_path) as journal:
        assert {d.email: (d.status, d.attempts, d.queue_id) for d in journal.deliveries(ISSUE)} == {
            "leser0@example.org": ("sent", 1, None), "leser1@example.org": ("sending", 1, None),
            "leser2@example.org": ("pending", 0, None)}
