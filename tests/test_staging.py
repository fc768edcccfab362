"""The list is staged into the send state in one pass, duplicates found in SQLite, and kept for the next run:
a rerun with the file unchanged does not read it again, a changed file is read again."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from pathlib import Path

from composer.audience.subscribers import read_list
from composer.records import BadRow, Recipient
from composer.send import staging
from composer.send.journal import Journal


class CountingReader:
    def __init__(self, path: Path) -> None:
        self.path, self.reads = path, 0

    def __call__(self, seen: MutableMapping[str, int]) -> Iterator[Recipient | BadRow]:
        self.reads += 1
        return read_list(self.path, seen)


def listed(journal: Journal) -> list[tuple[str, str | None]]:
    return journal.db.execute("SELECT email, name FROM listed ORDER BY rowid").fetchall()


def write(path: Path, *rows: str) -> None:
    path.write_text("email;name\n" + "".join(f"{row}\n" for row in rows), encoding="utf-8")


def test_a_rerun_with_the_list_unchanged_reads_it_back_from_the_state_not_the_file(tmp_path: Path) -> None:
    path = tmp_path / "liste.csv"
    write(path, "anna@example.org;Anna", "kein-at-zeichen;Kai", "ANNA@example.org;Anna again", "bernd@example.org;Bernd")
    reader = CountingReader(path)
    with Journal(tmp_path / "state") as journal:
        first = staging.stage(journal.db, "liste", path, reader)
        first_rows = listed(journal)
    with Journal(tmp_path / "state") as journal:
        again = staging.stage(journal.db, "liste", path, reader)
        assert listed(journal) == first_rows == [("anna@example.org", "Anna"), ("bernd@example.org", "Bernd")]
    assert reader.reads == 1
    assert again == first and [b.line for b in again] == [3, 4]
    assert "listed again (first on line 2)" in again[1].reason


def test_a_changed_list_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "liste.csv"
    write(path, "anna@example.org;Anna")
    reader = CountingReader(path)
    with Journal(tmp_path / "state") as journal:
        staging.stage(journal.db, "liste", path, reader)
        write(path, "anna@example.org;Anna", "carla@example.org;Carla")
        staging.stage(journal.db, "liste", path, reader)
        assert reader.reads == 2
        assert listed(journal) == [("anna@example.org", "Anna"), ("carla@example.org", "Carla")]


def test_sign_ups_join_the_staged_list_once_each_run(tmp_path: Path) -> None:
    path = tmp_path / "liste.csv"
    write(path, "anna@example.org;Anna")
    with Journal(tmp_path / "state") as journal:
        for _ in range(2):
            extra = [Recipient("ANNA@example.org", "Anna"), Recipient("dora@example.org", "Dora")]
            staging.stage(journal.db, "liste", path, CountingReader(path), extra)
            assert listed(journal) == [("anna@example.org", "Anna"), ("dora@example.org", "Dora")]


def test_duplicates_are_found_without_holding_the_addresses_in_memory(tmp_path: Path) -> None:
    path = tmp_path / "liste.csv"
    write(path, *(f"person{n}@example.org;P{n}" for n in range(50)), "PERSON7@example.org;again")
    with Journal(tmp_path / "state") as journal:
        seen = staging.SeenAddresses(journal.db)
        rows = list(read_list(path, seen))
        assert len(seen) == 50 and seen["person7@example.org"] == 9
    [again] = [r for r in rows if isinstance(r, BadRow)]
    assert (again.line, again.reason) == (52, "PERSON7@example.org is listed again (first on line 9); sent once")
