"""The list is staged into the send state in one pass, duplicates found in SQLite, and kept for the next run:
a rerun with the file unchanged does not read it again, a changed file is read again."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from pathlib import Path

from composer.audience.roster import listed
from composer.audience.subscribers import read_list
from composer.records import BadRow, Recipient
from composer.send import staging
from composer.state import Journal
from composer.send.links import Links
from composer.send.tokens import unsubscribe_token


class CountingReader:
    """The list's rows as a send reads them (file, then sign-ups), counting how often it was read."""

    def __init__(self, path: Path, journal: Journal) -> None:
        self.path, self.journal, self.reads = path, journal, 0

    def __call__(self, seen: MutableMapping[str, int]) -> Iterator[Recipient | BadRow]:
        self.reads += 1
        return listed(self.path, self.journal, seen)


def stage(journal: Journal, path: Path, reader: CountingReader) -> list[BadRow]:
    key = staging.fingerprint(path, journal.signed_up(path.stem))
    return journal.stage(staging.kept(journal, path.stem, key, reader))


def staged(journal: Journal) -> list[tuple[str, str | None]]:
    return journal.db.execute("SELECT email, name FROM listed ORDER BY rowid").fetchall()


def write(path: Path, *rows: str) -> None:
    path.write_text("email;name\n" + "".join(f"{row}\n" for row in rows), encoding="utf-8")


def test_a_rerun_with_the_list_unchanged_reads_it_back_from_the_state_not_the_file(tmp_path: Path) -> None:
    path = tmp_path / "liste.csv"
    write(path, "anna@example.org;Anna", "kein-at-zeichen;Kai", "ANNA@example.org;Anna again", "bernd@example.org;Bernd")
    with Journal(tmp_path / "state") as journal:
        reader = CountingReader(path, journal)
        first = stage(journal, path, reader)
        first_rows = staged(journal)
    with Journal(tmp_path / "state") as journal:
        reader.journal = journal
        again = stage(journal, path, reader)
        assert staged(journal) == first_rows == [("anna@example.org", "Anna"), ("bernd@example.org", "Bernd")]
    assert reader.reads == 1
    assert again == first and [b.line for b in again] == [3, 4]
    assert "listed again (first on line 2)" in str(again[1].reason)


def test_a_changed_list_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "liste.csv"
    write(path, "anna@example.org;Anna")
    with Journal(tmp_path / "state") as journal:
        reader = CountingReader(path, journal)
        stage(journal, path, reader)
        write(path, "anna@example.org;Anna", "carla@example.org;Carla")
        stage(journal, path, reader)
        assert reader.reads == 2
        assert staged(journal) == [("anna@example.org", "Anna"), ("carla@example.org", "Carla")]


def test_a_new_sign_up_stages_the_list_again_and_joins_it_once(tmp_path: Path) -> None:
    path = tmp_path / "liste.csv"
    write(path, "anna@example.org;Anna")
    with Journal(tmp_path / "state") as journal:
        reader = CountingReader(path, journal)
        stage(journal, path, reader)
        journal.add_signup("liste", "ANNA@example.org", "Anna", "consent")
        journal.add_signup("liste", "dora@example.org", "Dora", "consent")
        for _ in range(2):
            stage(journal, path, reader)
            assert staged(journal) == [("anna@example.org", "Anna"), ("dora@example.org", "Dora")]
        assert reader.reads == 2


def test_duplicates_are_found_without_holding_the_addresses_in_memory(tmp_path: Path) -> None:
    path = tmp_path / "liste.csv"
    write(path, *(f"person{n}@example.org;P{n}" for n in range(50)), "PERSON7@example.org;again")
    with Journal(tmp_path / "state") as journal:
        seen = journal.seen_addresses()
        rows = list(read_list(path, seen))
        assert len(seen) == 50 and seen["person7@example.org"] == 9
    [again] = [r for r in rows if isinstance(r, BadRow)]
    assert (again.line, str(again.reason)) == (52, "PERSON7@example.org is listed again (first on line 9); sent once")


def test_a_rerun_makes_no_unsubscribe_link_again_and_a_new_secret_makes_them_all_anew(tmp_path: Path) -> None:
    path = tmp_path / "liste.csv"
    write(path, "anna@example.org;Anna", "bernd@example.org;Bernd")

    def count(journal: Journal) -> int:
        return journal.db.execute("SELECT count(*) FROM links WHERE purpose = 'unsubscribe'").fetchone()[0]

    with Journal(tmp_path / "state") as journal:
        stage(journal, path, CountingReader(path, journal))
        for secret, links in ((b"first secret", 2), (b"first secret", 2), (b"second secret", 4)):
            Links(journal, secret).remember_staged("liste")
            assert count(journal) == links
        token = unsubscribe_token(b"second secret", "bernd@example.org", "liste")
        assert Links(journal, b"second secret").resolve(token, "unsubscribe").email == "bernd@example.org"


def test_the_queue_reads_each_page_from_where_the_last_ended_without_sorting_every_delivery(tmp_path: Path) -> None:
    """A page that scanned and sorted the issue's deliveries made a send of a million quadratic."""
    from composer.state.deliveries import next_page

    with Journal(tmp_path, exclusive=True) as journal:
        journal.stage([Recipient(f"leser{n}@example.org") for n in range(3)])
        list(journal.queue("2020-12"))
        plan = " | ".join(row[3] for row in journal.db.execute(f"EXPLAIN QUERY PLAN {next_page(3)}", ("2020-12", "a", "b", "c", 1, 0)))
    assert "SEARCH l USING INTEGER PRIMARY KEY (rowid>?)" in plan and "TEMP B-TREE" not in plan, plan
