"""A person's data: `person` shows everything held, `forget` erases it everywhere and keeps only a keyed hash,
so an old copy of the spreadsheet never mails them again; old delivery rows lose their addresses."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from conftest import SMTPServer
from test_send import ISSUE, send
from typer.testing import CliRunner

from composer.audience.erasure import HASHED, anonymise_old
from composer.audience.person import renamed_cells
from composer.cli import app
from composer.state import Journal

runner = CliRunner()
ANNA = "anna@example.org"
LIST = ("\ufeffE-Mail;Name;Einwilligung_Datum;Einwilligung_Quelle\r\n"
        "karl@example.org;Karl;01.02.2020;Infoabend\r\n"
        "Anna@Example.org;Anna Schmidt;14.05.2020;Anmeldeformular\r\n"
        "lena@example.org;\"Lena; Weiß\";;\r\n")


def write_list() -> bytes:
    Path("subscribers/helfer.csv").write_bytes(LIST.encode())
    return LIST.encode()


def state() -> Journal:
    return Journal(Path(".newsletter"))


def test_person_prints_everything_held_about_an_address_with_history(workdir: Path, smtp_server: SMTPServer) -> None:
    write_list()
    assert send(smtp_server, "--list", "helfer", "--yes")[0] == 0
    with state() as journal:
        journal.add_signup("volunteers", ANNA, "Anna", "Ich möchte den Newsletter erhalten.")
        journal.record_bounce(ANNA, "2020-12", False, "4.2.2", "<id@example.org>")
    result = runner.invoke(app, ["person", "ANNA@example.org"], env=smtp_server.env())
    assert result.exit_code == 0, result.output
    held = json.loads(result.output)
    assert held["lists"] == [{"file": "subscribers/helfer.csv", "line": 3, "consent_missing": None, "columns": {
        "email": "Anna@Example.org", "name": "Anna Schmidt", "consent_date": "14.05.2020", "consent_source": "Anmeldeformular"}}]
    [delivery] = held["deliveries"]
    assert delivery["issue"] == "2020-12" and delivery["status"] == "sent" and delivery["code"] == 250
    assert [(s["list"], s["consent_text"]) for s in held["web_signups"]] == [("volunteers", "Ich möchte den Newsletter erhalten.")]
    assert [(b["issue"], b["status"], b["permanent"]) for b in held["bounces"]] == [("2020-12", "4.2.2", False)]
    assert [(link["purpose"], link["list"]) for link in held["links"]] == [("unsubscribe", "helfer")]
    assert held["suppression"] is None and held["erased_on_request"] is False


def test_forget_then_a_send_from_an_old_copy_of_the_list_does_not_mail_them(workdir: Path, smtp_server: SMTPServer) -> None:
    old_copy = write_list()
    assert send(smtp_server, "--list", "helfer", "--yes")[0] == 0
    result = runner.invoke(app, ["forget", ANNA, "--yes"], env=smtp_server.env())
    assert result.exit_code == 0, result.output
    assert "removed 1 row from subscribers/helfer.csv" in result.output
    # Every other byte of the file is as it was: BOM, header, line endings, the quoted semicolon.
    assert Path("subscribers/helfer.csv").read_bytes() == old_copy.replace(
        b"Anna@Example.org;Anna Schmidt;14.05.2020;Anmeldeformular\r\n", b"")
    for name in ("state.db", "state.db-wal"):
        path = Path(".newsletter") / name
        assert not path.exists() or b"anna@example.org" not in path.read_bytes().lower()

    Path("subscribers/helfer.csv").write_bytes(old_copy)
    shutil.copy(ISSUE, "issues/2021-01.md")
    smtp_server.handler.received.clear()
    result = runner.invoke(app, ["send", "issues/2021-01.md", "--list", "helfer", "--yes"], env=smtp_server.env())
    assert result.exit_code == 0, result.output
    assert sorted(smtp_server.handler.per_recipient()) == ["karl@example.org", "lena@example.org"]
    assert "Skipped: 1 erased on request" in result.output
    held = json.loads(runner.invoke(app, ["person", ANNA], env=smtp_server.env()).output)
    assert held["erased_on_request"] is True and held["deliveries"] == [] and held["bounces"] == [] and held["links"] == []


def test_forget_asks_first_and_a_no_changes_nothing(workdir: Path) -> None:
    old_copy = write_list()
    result = runner.invoke(app, ["forget", ANNA], input="n\n")
    assert "Erase anna@example.org from every list" in result.output and "Nothing erased." in result.output
    assert Path("subscribers/helfer.csv").read_bytes() == old_copy
    assert json.loads(runner.invoke(app, ["person", ANNA]).output)["erased_on_request"] is False


def test_delivery_rows_past_the_retention_period_keep_only_a_hash(workdir: Path, smtp_server: SMTPServer) -> None:
    write_list()
    assert send(smtp_server, "--list", "helfer", "--yes")[0] == 0
    with state() as journal:
        before = journal.counts("2020-12")
        assert anonymise_old(journal, b"secret", 400, now=time.time() + 399 * 86400) == 0
        assert anonymise_old(journal, b"secret", 400, now=time.time() + 401 * 86400) == 3
        assert journal.counts("2020-12") == before
        rows = journal.db.execute("SELECT email, name, fields, reply FROM deliveries").fetchall()
    assert all(email.startswith(HASHED) and name is None and fields == "{}" for email, name, fields, _ in rows)
    assert not any("@" in (reply or "") for *_, reply in rows)
    assert runner.invoke(app, ["status"], env=smtp_server.env()).output == "2020-12: 3 sent\n"


def test_subscribers_shows_an_erased_address_of_an_old_copy_as_erased_and_never_exports_it(workdir: Path) -> None:
    old_copy = write_list()
    assert runner.invoke(app, ["forget", ANNA, "--yes"]).exit_code == 0
    Path("subscribers/helfer.csv").write_bytes(old_copy)
    result = runner.invoke(app, ["subscribers", "helfer", "--export", "clean.csv"])
    assert "erased       Anna@example.org  Anna Schmidt" in result.output
    assert "anna" not in Path("clean.csv").read_text(encoding="utf-8").lower()


def test_person_shows_and_forget_erases_the_rows_in_the_backups_of_a_list(workdir: Path) -> None:
    old_copy = write_list()
    backup = Path("subscribers/backup/helfer-2020-11-30-101500.csv")  # as an import left it
    backup.parent.mkdir()
    backup.write_bytes(old_copy)
    held = json.loads(runner.invoke(app, ["person", ANNA]).output)
    assert [(row["file"], row["line"]) for row in held["lists"]] == [("subscribers/helfer.csv", 3), (str(backup), 3)]
    result = runner.invoke(app, ["forget", ANNA, "--yes"])
    assert result.exit_code == 0 and f"removed 1 row from {backup}" in result.output, result.output
    assert backup.read_bytes() == Path("subscribers/helfer.csv").read_bytes() == old_copy.replace(
        b"Anna@Example.org;Anna Schmidt;14.05.2020;Anmeldeformular\r\n", b"")
    assert json.loads(runner.invoke(app, ["person", ANNA]).output)["lists"] == []


@pytest.mark.parametrize(("first", "last", "corrected", "expected"), [
    ("Fatima", "Al-Hassan", "Fatima Al-Hassan Yusuf", ("Fatima", "Al-Hassan Yusuf")),  # a surname added
    ("Fatma", "Al-Hassan", "Fatima Al-Hassan", ("Fatima", "Al-Hassan")),  # the first name's spelling
    ("Anna", "Müller", "Anna Maria Weber", ("Anna", "Maria Weber")),  # the first name kept, the rest is the surname
    ("Olga", "Petrenko", "Oksana Kovalenko", ("Oksana", "Kovalenko")),  # all new: the last word is the surname
    ("Olga", "Petrenko", "", ("", "")),
])
def test_a_corrected_name_keeps_what_the_reader_did_not_change_in_first_name_and_surname(
        first: str, last: str, corrected: str, expected: tuple[str, str]) -> None:
    assert renamed_cells(["email", "first_name", "last_name"], ["x@example.org", first, last], corrected) == \
        {"first_name": expected[0], "last_name": expected[1]}
