"""One export writer for every table handed out (issue 28, item 7): `;`, UTF-8 with BOM, headers and states in the
reader's language (the CLI's from the environment), her columns in her order with ours at the end, readable again
as a list, and an .xlsx beside the CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from conftest import SMTPServer
from openpyxl import load_workbook
from test_send import send
from typer.testing import CliRunner

from composer.audience.subscribers import read_list
from composer.cli import app
from composer.exports import Table, csv_text
from composer.i18n import Message
from composer.records import Recipient

runner = CliRunner()
GERMAN = {"LANG": "de_DE.UTF-8", "LANGUAGE": "", "LC_ALL": ""}
HER_LIST = ("Vorname;Name;Ort;E-Mail\n"
            "Anna;Lüdtke;Cracau;anna@example.org\n"
            "Karl;Schmitz;=Hüls;karl@example.org\n")


def test_the_status_csv_is_german_with_bom_and_semicolons_in_a_german_environment(
        workdir: Path, smtp_server: SMTPServer) -> None:
    Path("subscribers/buero.csv").write_text(HER_LIST, encoding="utf-8")
    assert send(smtp_server, "--list", "buero", "--yes")[0] == 0
    result = runner.invoke(app, ["status", "issues/2020-12.md", "--csv"], env={**smtp_server.env(), **GERMAN})
    assert result.output.startswith("\ufeffE-Mail;Status;Versuche;Code;Antwort des Servers;möglicherweise doppelt;Queue-ID")
    rows = list(csv.DictReader(io.StringIO(result.output.lstrip("\ufeff")), delimiter=";"))
    assert {r["E-Mail"]: r["Status"] for r in rows} == {"anna@example.org": "versendet", "karl@example.org": "versendet"}


def test_the_subscriber_export_keeps_her_columns_first_in_her_order_and_reads_again_as_the_list(workdir: Path) -> None:
    Path("subscribers/buero.csv").write_text(HER_LIST, encoding="utf-8")
    result = runner.invoke(app, ["subscribers", "buero", "--export", "aktiv.csv"], env=GERMAN)
    assert result.exit_code == 0, result.output
    data = Path("aktiv.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "Vorname;Name;Ort;E-Mail"
    assert lines[1:] == ["Anna;Lüdtke;Cracau;anna@example.org", "Karl;Schmitz;'=Hüls;karl@example.org"]
    again = [r for r in read_list(Path("aktiv.csv")) if isinstance(r, Recipient)]
    assert [(r.email, r.name) for r in again] == [("anna@example.org", "Anna Lüdtke"), ("karl@example.org", "Karl Schmitz")]


def test_the_subscriber_export_as_xlsx_opens_with_her_columns_first(workdir: Path) -> None:
    Path("subscribers/buero.csv").write_text(HER_LIST, encoding="utf-8")
    result = runner.invoke(app, ["subscribers", "buero", "--export", "aktiv.xlsx"], env=GERMAN)
    assert result.exit_code == 0, result.output
    rows = list(load_workbook("aktiv.xlsx").active.iter_rows(values_only=True))
    assert rows[0] == ("Vorname", "Name", "Ort", "E-Mail")
    assert rows[2][:4] == ("Karl", "Schmitz", "'=Hüls", "karl@example.org")


def test_a_web_sign_up_adds_our_columns_after_hers(workdir: Path) -> None:
    from composer.state import Journal

    Path("subscribers/buero.csv").write_text(HER_LIST, encoding="utf-8")
    with Journal(Path(".newsletter")) as journal:
        journal.add_signup("buero", "web@example.org", "Wera Web", "Ich möchte den Newsletter")
    runner.invoke(app, ["subscribers", "buero", "--export", "aktiv.csv"], env=GERMAN)
    lines = Path("aktiv.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "Vorname;Name;Ort;E-Mail;Einwilligung am;Quelle der Einwilligung"
    assert lines[-1].startswith("Wera Web;;;web@example.org;") and lines[-1].endswith(";Anmeldung im Web")


def test_an_english_environment_gets_english_headers_and_iso_dates() -> None:
    table = Table(["x", Message("status")], [[dt.datetime(2026, 12, 6, 14, 3), Message("sent")]])
    assert csv_text(table, "en").splitlines() == ["\ufeffx;status", "2026-12-06 14:03;sent"]
    assert csv_text(table, "de").splitlines() == ["\ufeffx;Status", "06.12.2026 14:03;versendet"]


def test_the_desks_downloads_are_german_and_an_xlsx_opens(workdir: Path, smtp_server: SMTPServer) -> None:
    from tests.deskserver import desk_server

    Path("subscribers/buero.csv").write_text(HER_LIST, encoding="utf-8")
    assert send(smtp_server, "--list", "buero", "--yes")[0] == 0
    with desk_server(workdir, smtp_server.settings(state_dir=workdir / ".newsletter")) as running:
        client = running.client()
        status = client.get("/issues/2020-12/status?format=csv&state=sent&q=anna")
        sheet = client.get("/subscribers/buero/export?format=xlsx")
        none = client.get("/issues/2020-12/status?state=pending&q=anna").text
    assert status.text.splitlines() == ["\ufeffE-Mail;Status;Versuche;Code;Antwort des Servers;möglicherweise doppelt;Queue-ID",
                                        status.text.splitlines()[1]]
    assert status.text.splitlines()[1].startswith("anna@example.org;versendet;1;")
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("Vorname", "Name", "Ort", "E-Mail") and rows[1][:2] == ("Anna", "Lüdtke")
    assert "Kein Empfänger passt zu diesem Status und dieser Suche" in none
