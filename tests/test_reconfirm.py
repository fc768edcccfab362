"""Re-permission, the library part: who is asked again, and after the deadline (`--until`) rows that still prove
no consent are not sent; a confirmation (a web sign-up) is proof, so a confirmed row is sent."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from test_consent import MIXED
from test_send import send

from composer.audience.consent import ConsentCount
from composer.audience.reconfirm import set_deadline, to_ask
from composer.audience.subscribers import read_list
from composer.send.journal import Journal


def deadline_in(days: int) -> None:
    with Journal(Path(".newsletter")) as journal:
        set_deadline(journal.db, "mixed", datetime.now().astimezone() + timedelta(days=days))


def test_the_rows_to_ask_again_are_those_without_proof_of_consent(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text(MIXED, encoding="utf-8")
    asked = to_ask(read_list(path), ConsentCount(frozenset({"omar@example.org"})))
    assert [r.email for r in asked] == ["karl@example.org", "lena@example.org"]


def test_before_the_deadline_every_row_is_sent_with_a_warning(workdir: Path) -> None:
    Path("subscribers/mixed.csv").write_text(MIXED, encoding="utf-8")
    deadline_in(7)
    code, output = send(None, "--list", "mixed", "--dry-run")
    assert code == 0 and "Send to: 4" in output and "3 of 4 addresses" in output


def test_after_the_deadline_only_rows_with_proof_or_a_confirmation_are_sent(workdir: Path) -> None:
    Path("subscribers/mixed.csv").write_text(MIXED, encoding="utf-8")
    deadline_in(-1)
    with Journal(Path(".newsletter")) as journal:
        journal.add_signup("mixed", "karl@example.org", "Karl", "Ich möchte den Newsletter weiter erhalten.")
    code, output = send(None, "--list", "mixed", "--yes")
    assert code == 0, output
    assert "Skipped: 2 without consent after the reconfirmation deadline" in output
    assert sorted(p.name for p in Path("outbox/2020-12").iterdir()) == ["anna@example.org.eml", "karl@example.org.eml"]
    assert "no proof of consent" not in output
