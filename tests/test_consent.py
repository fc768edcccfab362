"""Proof of consent per address: a list row's consent columns (English or German headers) or a web sign-up;
`send` and `subscribers` count the rows without it and warn."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_send import send
from typer.testing import CliRunner

from composer.audience.subscribers import read_list
from composer.cli import app
from composer.records import Recipient
from composer.state import Journal

runner = CliRunner()
MIXED = ("email;name;Einwilligung_Datum;Einwilligung_Quelle\n"
         "anna@example.org;Anna;14.05.2020;Anmeldeformular Ehrenamtsbörse\n"
         "karl@example.org;Karl;;\n"
         "lena@example.org;Lena;2020-13-45;Messe\n"
         "omar@example.org;Omar;2021-01-03;\n")


def test_german_consent_headers_are_read_as_the_consent_columns(tmp_path: Path) -> None:
    path = tmp_path / "liste.csv"
    path.write_text(MIXED, encoding="utf-8")
    first = next(iter(read_list(path)))
    assert first == Recipient("anna@example.org", "Anna",
                              {"consent_date": "14.05.2020", "consent_source": "Anmeldeformular Ehrenamtsbörse"})


def test_send_counts_and_warns_about_rows_without_proof_of_consent(workdir: Path) -> None:
    Path("subscribers/mixed.csv").write_text(MIXED, encoding="utf-8")
    code, output = send(None, "--list", "mixed", "--dry-run")
    assert code == 0, output
    assert ("warning: 3 of 4 addresses of the list mixed have no proof of consent: add the columns consent_date "
            "and consent_source (or Einwilligung_Datum and Einwilligung_Quelle)") in output
    assert "`newsletter subscribers mixed` names them" in output


def test_a_list_with_consent_for_every_row_gives_no_warning(workdir: Path) -> None:
    Path("subscribers/proven.csv").write_text("email,consent_date,consent_source\n"
                                              "anna@example.org,2020-05-14,Infoabend Rathaus\n", encoding="utf-8")
    code, output = send(None, "--list", "proven", "--dry-run")
    assert code == 0 and "Send to: 1" in output
    assert "consent" not in output


def test_subscribers_names_each_row_without_proof_and_why(workdir: Path) -> None:
    Path("subscribers/mixed.csv").write_text(MIXED, encoding="utf-8")
    lines = runner.invoke(app, ["subscribers", "mixed"]).output.splitlines()
    assert lines[:4] == [
        "active       anna@example.org  Anna",
        "active       karl@example.org  Karl  (no consent evidence)",
        "active       lena@example.org  Lena  (consent_date '2020-13-45' is not a date (write it like 2020-05-14 or 14.05.2020))",
        "active       omar@example.org  Omar  (no consent_source)",
    ]
    assert lines[-1].startswith("warning: 3 of 4 addresses of the list mixed have no proof of consent")


def test_a_confirmed_web_sign_up_is_proof_for_a_row_without_columns(workdir: Path) -> None:
    Path("subscribers/mixed.csv").write_text(MIXED, encoding="utf-8")
    with Journal(Path(".newsletter")) as journal:
        journal.add_signup("mixed", "karl@example.org", "Karl", "Ich möchte den Newsletter erhalten.")
    output = runner.invoke(app, ["subscribers", "mixed"]).output
    assert "active       karl@example.org  Karl\n" in output
    assert "2 of 4 addresses" in output


def test_the_consent_warning_is_said_in_german_with_its_count() -> None:
    from composer.audience.consent import warning
    from composer.i18n import render

    said = render(warning(1, 4, "helfer"), "de")
    assert said.startswith("1 von 4 Adressen der Liste helfer hat keinen Nachweis der Einwilligung: ergänzen Sie")
    assert said.endswith("`newsletter subscribers helfer` nennt sie")


def test_subscribers_says_why_a_row_proves_no_consent_in_german_under_a_german_lang(
        workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    Path("subscribers/mixed.csv").write_text(MIXED, encoding="utf-8")
    lines = runner.invoke(app, ["subscribers", "mixed"]).output.splitlines()
    assert "karl@example.org  Karl  (kein Nachweis der Einwilligung)" in lines[1]
    assert "(consent_date „2020-13-45“ ist kein Datum (schreiben Sie es wie 2020-05-14 oder 14.05.2020))" in lines[2]
    assert "(keine Angabe in consent_source)" in lines[3]
