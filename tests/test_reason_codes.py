"""Why an address gets nothing is stored as a code with parameters and said in the reader's language; the English
reasons of older states become codes when the state is migrated, and text no release wrote is kept and shown as it is.
A list's bad rows keep their msgid and parameters in the send state, so a rerun says them in either language too."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from composer.i18n import render
from composer.records import BadRow, Recipient
from composer.state import Journal, Reason
from composer.state import migrations
from composer.state.migrations import MIGRATIONS
from composer.audience.verdicts import not_an_address

OLD = [  # (what an older release stored, the English said now, the German)
    ("asked to unsubscribe", "asked to unsubscribe", "hat um Abmeldung gebeten"),
    ("unsubscribed by the coordinator: am Telefon", "unsubscribed by the coordinator: am Telefon",
     "von der Koordination abgemeldet: am Telefon"),
    ("bounced permanently: 5.1.1", "bounced permanently: 5.1.1", "dauerhaft unzustellbar: 5.1.1"),
    ("bounced temporarily in 3 issues", "bounced temporarily in 3 issues", "bei 3 Ausgaben vorübergehend unzustellbar"),
    ("complained: abuse report about 2020-12", "complained: abuse report about 2020-12",
     "hat sich beschwert (abuse-Meldung) über 2020-12"),
    ("complained: abuse report about (unknown issue)", "complained: abuse report about an unknown issue",
     "hat sich beschwert (abuse-Meldung) über eine unbekannte Ausgabe"),
    ("von Hand eingetragen", "von Hand eingetragen", "von Hand eingetragen"),  # no release wrote it: kept as it is
]


def state_before_reason_codes(folder: Path) -> sqlite3.Connection:
    """A state at the migration before the reason codes, with a suppression and a lifted bounce of each old reason."""
    db = sqlite3.connect(folder / "state.db", isolation_level=None)
    codes = next(n for n, step in enumerate(MIGRATIONS) if step.apply is migrations._reason_codes)
    migrations.migrate(db, folder / "state.db", MIGRATIONS[:codes])
    for n, (stored, _, _) in enumerate(OLD):
        kind = "complained" if stored.startswith("complained") else "bounced" if stored.startswith("bounced") else "unsubscribed"
        db.execute("INSERT INTO suppressions (email, reason, created, kind) VALUES (?, ?, 0, ?)", (f"p{n}@example.org", stored, kind))
        db.execute("INSERT INTO lifted VALUES (?, ?, ?, 'the coordinator (Die Redaktion)', 0)", (f"l{n}@example.org", kind, stored))
    return db


def test_an_older_states_english_reasons_become_codes_said_in_either_language(tmp_path: Path) -> None:
    state_before_reason_codes(tmp_path).close()
    with Journal(tmp_path) as journal:
        said = [journal.suppression(f"p{n}@example.org") for n in range(len(OLD))]
        lifted = [journal.lifted_of(f"l{n}@example.org")[0][1] for n in range(len(OLD))]
    assert [str(s.reason) for s in said if s] == [english for _, english, _ in OLD] == [str(r) for r in lifted]
    assert [render(s.reason, "de") for s in said if s] == [german for _, _, german in OLD] == [render(r, "de") for r in lifted]


def test_the_reason_codes_migration_keeps_unknown_text_without_parameters(tmp_path: Path) -> None:
    db = state_before_reason_codes(tmp_path)
    migrations.migrate(db, tmp_path / "state.db")
    rows = dict(db.execute("SELECT reason, reason_params FROM suppressions").fetchall())
    db.close()
    assert rows["asked"] == "{}" and rows["bounced"] == '{"status": "5.1.1"}' and rows["bounced_repeatedly"] == '{"n": 3}'
    assert rows["von Hand eingetragen"] is None and migrations.version(sqlite3.connect(tmp_path / "state.db")) == len(MIGRATIONS)


def test_a_new_suppression_stores_a_code_and_its_parameters_never_a_sentence(tmp_path: Path) -> None:
    with Journal(tmp_path) as journal:
        journal.suppress("a@example.org", Reason("coordinator_because", {"why": "per Brief"}))
        row = journal.db.execute("SELECT reason, reason_params FROM suppressions").fetchone()
        said = journal.suppression("a@example.org")
    assert row == ("coordinator_because", '{"why": "per Brief"}')
    assert said is not None and render(said.reason, "de") == "von der Koordination abgemeldet: per Brief"


def test_an_unknown_reason_code_is_refused() -> None:
    with pytest.raises(ValueError):
        Reason("asked by phone")


def test_bad_rows_kept_in_the_send_state_come_back_as_messages(tmp_path: Path) -> None:
    bad = [BadRow(2, not_an_address("kaputt")), BadRow(3, "a reason an older release kept as text")]
    with Journal(tmp_path) as journal:
        journal.restage("volunteers").done("key", bad)
        back = [row for row in journal.staged("volunteers") if not isinstance(row, Recipient)]
    assert [str(b.reason) for b in back] == ["'kaputt' is not a valid email address (the @ sign is missing)",
                                             "a reason an older release kept as text"]
    assert render(back[0].reason, "de") == "„kaputt“ ist keine gültige E-Mail-Adresse (es fehlt das Zeichen @)"


def test_an_older_states_english_list_leavings_become_codes_said_in_either_language(tmp_path: Path) -> None:
    db = state_before_reason_codes(tmp_path)
    for n, stored in enumerate(("unsubscribed by the link in the newsletter (one-click)", "left on the reader's own page")):
        db.execute("INSERT INTO left_lists (email, list, reason, created) VALUES (?, 'fifty', ?, 0)", (f"r{n}@example.org", stored))
    migrations.migrate(db, tmp_path / "state.db")
    rows = db.execute("SELECT reason, reason_params FROM left_lists ORDER BY email").fetchall()
    db.close()
    assert rows == [("link_list", "{}"), ("reader_list", "{}")]


def test_a_reader_who_left_the_list_after_an_issue_is_named_with_the_reason_in_either_language(tmp_path: Path) -> None:
    with Journal(tmp_path) as journal:
        journal.db.execute("INSERT INTO deliveries (issue, email, status, updated) VALUES ('2020-12', 'r@example.org', 'sent', 0)")
        journal.leave_list("r@example.org", "fifty", Reason("reader_list"), 1)
        total, rows = journal.attention("2020-12", "unsubscribed since")
    assert total == 1 and rows[0][0] == "r@example.org"
    assert (str(rows[0][1]), render(rows[0][1], "de")) == ("left on the reader's own page",
                                                            "auf der eigenen Seite des Lesers abgemeldet")
