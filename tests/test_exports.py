"""Every export a person opens in a spreadsheet writes a stranger's `=`, `+`, `-` or `@` as text, never as a
formula (OWASP's leading apostrophe): `status --csv`, `subscribers --export` and the desk's two downloads."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from composer.cli import app
from composer.exports import neutral
from tests.conftest import SMTPServer
from tests.deskserver import desk_server

runner = CliRunner()
HOSTILE_NAME = '=HYPERLINK("https://example.com/x","Klick")'
HOSTILE_REPLY = "=cmd|' /C calc'!A0 mailbox unknown"


@pytest.mark.parametrize(("cell", "written"), [
    ("=1+1", "'=1+1"), ("+49 30 123", "'+49 30 123"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("Anna Müller", "Anna Müller"), ("a=b", "a=b"), ("", ""), (None, ""), (550, "550"),
])
def test_a_cell_that_a_spreadsheet_would_compute_is_written_as_text(cell: object, written: str) -> None:
    assert neutral(cell) == written


@pytest.fixture
def hostile_list(workdir: Path) -> Path:
    path = Path("subscribers/volunteers.csv")
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f'formel@example.org;"{HOSTILE_NAME.replace(chr(34), chr(34) * 2)}";@Cracau\n')
    return path


@pytest.fixture
def refused_send(hostile_list: Path, smtp_server: SMTPServer) -> SMTPServer:
    smtp_server.handler.rcpt_replies["formel@example.org"] = [f"550 {HOSTILE_REPLY}"]
    result = runner.invoke(app, ["send", "issues/2020-12.md", "--list", "volunteers", "--yes"], env=smtp_server.env())
    assert result.exit_code == 1, result.output
    return smtp_server


def row_of(text: str, email: str, delimiter: str = ";") -> dict[str, str]:
    return next(r for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter) if r["email"] == email)


def test_status_csv_writes_a_server_reply_starting_with_equals_as_text(refused_send: SMTPServer) -> None:
    result = runner.invoke(app, ["status", "issues/2020-12.md", "--csv"], env=refused_send.env())
    assert row_of(result.output, "formel@example.org")["reply"] == "'" + HOSTILE_REPLY


def test_subscribers_export_writes_a_name_starting_with_equals_as_text(hostile_list: Path) -> None:
    result = runner.invoke(app, ["subscribers", "volunteers", "--export", "aktiv.csv"])
    assert result.exit_code == 0, result.output
    row = row_of(Path("aktiv.csv").read_text(encoding="utf-8"), "formel@example.org", ";")
    assert row["name"] == "'" + HOSTILE_NAME and row["stadtteil"] == "'@Cracau"


def test_the_desks_status_download_writes_a_reply_starting_with_equals_as_text(refused_send: SMTPServer,
                                                                               workdir: Path) -> None:
    with desk_server(workdir, refused_send.settings(state_dir=workdir / ".newsletter")) as running:
        download = running.client().get("/issues/2020-12/status?format=csv")
    row = next(r for r in csv.DictReader(io.StringIO(download.text.lstrip("\ufeff")), delimiter=";")
               if r["E-Mail"] == "formel@example.org")
    assert row["Antwort des Servers"] == "'" + HOSTILE_REPLY


def test_the_desks_subscriber_export_writes_a_name_starting_with_equals_as_text(hostile_list: Path, workdir: Path,
                                                                               smtp_server: SMTPServer) -> None:
    with desk_server(workdir, smtp_server.settings(state_dir=workdir / ".newsletter")) as running:
        download = running.client().get("/subscribers/volunteers/export")
    assert row_of(download.text, "formel@example.org", ";")["name"] == "'" + HOSTILE_NAME


HEADER = "email,name,consent_date,consent_source\n"  # what `newsletter init` writes


def test_the_export_of_an_empty_list_keeps_the_lists_own_columns(workdir: Path) -> None:
    Path("subscribers/neu.csv").write_text(HEADER, encoding="utf-8")
    result = runner.invoke(app, ["subscribers", "neu", "--export", "aktiv.csv"])
    assert result.exit_code == 0, result.output
    assert Path("aktiv.csv").read_text(encoding="utf-8-sig").splitlines() == ["email;name;consent_date;consent_source"]


def test_the_export_keeps_the_lists_column_order_with_rows(workdir: Path) -> None:
    Path("subscribers/neu.csv").write_text("email;name;stadtteil;consent_date;consent_source\n"
                                           "anna@example.org;Anna;Cracau;2026-01-05;Anmeldeformular\n", encoding="utf-8")
    runner.invoke(app, ["subscribers", "neu", "--export", "aktiv.csv"])
    assert Path("aktiv.csv").read_text(encoding="utf-8-sig").splitlines() == [
        "email;name;stadtteil;consent_date;consent_source", "anna@example.org;Anna;Cracau;2026-01-05;Anmeldeformular"]


def test_the_desks_export_of_an_empty_list_keeps_the_lists_own_columns(workdir: Path, smtp_server: SMTPServer) -> None:
    Path("subscribers/neu.csv").write_text(HEADER, encoding="utf-8")
    with desk_server(workdir, smtp_server.settings(state_dir=workdir / ".newsletter")) as running:
        download = running.client().get("/subscribers/neu/export")
    assert download.text.splitlines() == ["\ufeffemail;name;Einwilligung am;Quelle der Einwilligung"]  # readable again as the list
