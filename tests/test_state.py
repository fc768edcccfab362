"""The send state's owner (composer/state): states of earlier releases open with the same counts and resume
without sending anyone twice, migrations run once each in one transaction after a copy of the old file is kept,
the files are private, and no module outside the package holds SQL."""

from __future__ import annotations

import re
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest
from conftest import ROOT
from typer.testing import CliRunner

from composer.send.ledger import IssueLedger
from composer.audience.person import Where, forget
from composer.cli import app
from composer.errors import StateError
from composer.send.transports.outbox import file_name
from composer.state import Journal, Reason
from composer.state import migrations
from composer.state.migrations import LATEST, MIGRATIONS, Step, rebuild
from composer.state.schema import SUPPRESSIONS

STATES = ROOT / "tests" / "data" / "states"
OLD_RELEASES = sorted(STATES.glob("*.db"))
ISSUE = "2020-12"
# What tests/data/states/README.md says each fixture holds: a send of the sample's 8 volunteers, then
# one row put back to pending, one left 'sending' (killed mid-message), one failed, one sent address unsubscribed.
PENDING, SENDING, FAILED, UNSUBSCRIBED = ("ahmad.haidari@example.org", "anna.mueller@example.org",
                                          "bjoern.oezdemir@example.org", "grete.kuehn@example.org")
runner = CliRunner()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def old_state(fixture: Path, folder: Path) -> Path:
    state = folder / ".newsletter"
    state.mkdir()
    shutil.copy(fixture, state / "state.db")
    return state


def user_version(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return int(db.execute("PRAGMA user_version").fetchone()[0])
    finally:
        db.close()


def tables(db: sqlite3.Connection) -> dict[str, list[tuple[str, str, int]]]:
    names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    return {name: [(r[1], r[2], r[3]) for r in db.execute(f"PRAGMA table_info({name})")] for name in names}


def test_there_is_a_fixture_of_each_older_schema() -> None:
    assert len(OLD_RELEASES) >= 3
    readme = (STATES / "README.md").read_text()
    assert all(fixture.stem in readme for fixture in OLD_RELEASES)


@pytest.mark.parametrize("fixture", OLD_RELEASES, ids=lambda p: p.stem)
def test_a_state_of_an_earlier_release_opens_with_the_same_counts(fixture: Path, tmp_path: Path) -> None:
    state = old_state(fixture, tmp_path)
    with Journal(state) as journal:
        counts = journal.counts(ISSUE)
        assert journal.suppression(UNSUBSCRIBED) is not None
        assert journal.attention(ISSUE, "failed") == (1, [(FAILED, "550 5.1.1 mailbox unknown")])
    assert counts == {"pending": 1, "sending": 1, "sent": 5, "deferred": 0, "failed": 1, "uncertain": 0,
                      "possible duplicates": 0, "bounced": 0, "unsubscribed": 1, "complained": 0}
    assert user_version(state / "state.db") == LATEST


@pytest.mark.parametrize("fixture", OLD_RELEASES, ids=lambda p: p.stem)
def test_a_rerun_on_a_state_of_an_earlier_release_sends_nobody_twice(fixture: Path, workdir: Path) -> None:
    old_state(fixture, workdir)
    command = ["send", "issues/2020-12.md", "--list", "volunteers", "--yes"]
    result = runner.invoke(app, command)
    assert result.exit_code == 0, result.output
    outbox = workdir / "outbox" / ISSUE
    assert sorted(p.name for p in outbox.iterdir()) == sorted([file_name(PENDING), file_name(SENDING)])
    with Journal(workdir / ".newsletter") as journal:
        counts = journal.counts(ISSUE)
        assert [d.email for d in journal.deliveries(ISSUE, ("failed",))] == [FAILED]
    assert (counts["sent"], counts["failed"], counts["possible duplicates"]) == (7, 1, 1)
    again = runner.invoke(app, command)
    assert again.exit_code == 0, again.output
    assert len(list(outbox.iterdir())) == 2


@pytest.mark.parametrize("fixture", OLD_RELEASES, ids=lambda p: p.stem)
def test_an_upgraded_state_has_the_tables_of_a_new_one(fixture: Path, tmp_path: Path) -> None:
    Journal(tmp_path / "new").close()
    Journal(old_state(fixture, tmp_path)).close()
    new, upgraded = sqlite3.connect(tmp_path / "new" / "state.db"), sqlite3.connect(tmp_path / ".newsletter" / "state.db")
    assert tables(upgraded) == tables(new)
    new.close()
    upgraded.close()


@pytest.mark.parametrize("fixture", OLD_RELEASES, ids=lambda p: p.stem)
def test_a_migration_first_keeps_a_copy_of_the_old_file(fixture: Path, tmp_path: Path) -> None:
    state = old_state(fixture, tmp_path)
    Journal(state).close()
    kept = state / "state.db.v0.bak"
    assert user_version(kept) == 0 and mode(kept) == 0o600
    db = sqlite3.connect(kept)
    assert db.execute("SELECT count(*) FROM deliveries").fetchone()[0] == 8
    db.close()
    assert not list(state.glob(".*.tmp"))


def test_forgetting_an_address_scrubs_it_from_the_kept_copies_too(tmp_path: Path) -> None:
    state = old_state(OLD_RELEASES[0], tmp_path)
    with Journal(state) as journal:
        forget(SENDING, journal, b"secret", Where(tmp_path / "subscribers", tmp_path / "outbox"))
    kept = (state / "state.db.v0.bak").read_bytes().lower()
    assert SENDING.encode() not in kept and PENDING.encode() in kept


def test_a_new_state_is_at_the_last_version_without_a_copy(tmp_path: Path) -> None:
    Journal(tmp_path).close()
    assert user_version(tmp_path / "state.db") == LATEST == len(MIGRATIONS)
    assert not list(tmp_path.glob("*.bak"))


def test_each_step_runs_once_in_order(tmp_path: Path) -> None:
    ran: list[int] = []
    steps = [*MIGRATIONS, Step("a later table", lambda db: ran.append(1) or db.execute("CREATE TABLE later (x)")),
             Step("a later column", lambda db: ran.append(2) or db.execute("ALTER TABLE later ADD COLUMN y"))]
    Journal(tmp_path).close()
    for _ in range(2):
        db = sqlite3.connect(tmp_path / "state.db", isolation_level=None)
        assert migrations.migrate(db, tmp_path / "state.db", steps) in (LATEST, len(steps))
        db.close()
    assert ran == [1, 2] and user_version(tmp_path / "state.db") == len(steps)
    assert (tmp_path / f"state.db.v{LATEST}.bak").exists()


def test_a_failing_step_leaves_the_state_as_it_was(tmp_path: Path) -> None:
    def broken(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE half (x)")
        raise sqlite3.OperationalError("disk I/O error")

    Journal(tmp_path).close()
    db = sqlite3.connect(tmp_path / "state.db", isolation_level=None)
    with pytest.raises(sqlite3.OperationalError):
        migrations.migrate(db, tmp_path / "state.db", [*MIGRATIONS, Step("broken", broken)])
    assert migrations.version(db) == LATEST and "half" not in tables(db)
    db.close()


def test_a_rebuild_widens_a_check_and_keeps_every_row(tmp_path: Path) -> None:
    """The pattern for suppressions.kind gaining 'complained' (SQLite cannot alter a CHECK)."""
    with Journal(tmp_path) as journal:
        journal.suppress("a@example.org", Reason("bounced", {"status": "5.1.1"}), kind="bounced", evidence="5.1.1")
    db = sqlite3.connect(tmp_path / "state.db", isolation_level=None)
    wider = Step("complaints", lambda db: rebuild(db, "suppressions", SUPPRESSIONS.replace("'bounced')", "'bounced', 'complained')")))
    migrations.migrate(db, tmp_path / "state.db", [*MIGRATIONS, wider])
    db.execute("INSERT INTO suppressions (email, reason, created, kind) VALUES ('b@example.org', 'complaint', 0, 'complained')")
    assert db.execute("SELECT email, kind, evidence FROM suppressions ORDER BY email").fetchall() == [
        ("a@example.org", "bounced", "5.1.1"), ("b@example.org", "complained", None)]
    db.close()


def test_a_state_of_a_newer_release_is_refused(tmp_path: Path) -> None:
    Journal(tmp_path).close()
    db = sqlite3.connect(tmp_path / "state.db")
    db.execute(f"PRAGMA user_version = {LATEST + 1}")
    db.close()
    with pytest.raises(StateError, match="written by a newer release"):
        Journal(tmp_path)


def test_the_state_folder_and_its_files_are_private_from_the_start(tmp_path: Path) -> None:
    state = tmp_path / ".newsletter"
    with Journal(state, exclusive=True) as journal, IssueLedger(journal, ISSUE) as ledger:
        ledger.flush()
        files = [state / name for name in ("state.db", "state.db-wal", "state.db-shm", "lock", "ledger.log")]
        assert mode(state) == 0o700 and {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}


def test_an_open_state_is_tightened(tmp_path: Path) -> None:
    state = tmp_path / ".newsletter"
    Journal(state).close()
    state.chmod(0o755)
    (state / "state.db").chmod(0o644)
    Journal(state).close()
    assert (mode(state), mode(state / "state.db")) == (0o700, 0o600)


SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE (TEMP )?(TABLE|INDEX)|PRAGMA|sqlite3)\b|\.execute(many|script)?\(|\.db\b")


def test_no_module_outside_the_state_package_holds_sql_or_the_connection() -> None:
    package = ROOT / "composer"
    found = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
             for path in sorted(package.rglob("*.py")) if package / "state" not in path.parents
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if SQL.search(line)]
    assert found == []
