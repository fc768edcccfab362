"""Subscriber lists as spreadsheets export them; bad rows are reported by line and skipped."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from conftest import SAMPLE_LIST

from composer.audience.subscribers import list_path, read_list
from composer.errors import SubscriberListError
from composer.records import BadRow, Recipient


def rows(tmp_path: Path, text: str, encoding: str = "utf-8") -> list[Recipient | BadRow]:
    """The list's rows, a bad row's reason in English (the library gives a Message, said where it is shown)."""
    path = tmp_path / "liste.csv"
    path.write_bytes(text.encode(encoding))
    return [BadRow(r.line, str(r.reason)) if isinstance(r, BadRow) else r for r in read_list(path)]


def test_sample_list_is_all_valid_with_umlauts_in_names() -> None:
    found = list(read_list(SAMPLE_LIST))
    assert all(isinstance(r, Recipient) and r.email.endswith("@example.org") for r in found)
    assert Recipient("juergen.schaefer@example.org", "Jürgen Schäfer", {"stadtteil": "Uerdingen"}) in found


def test_semicolon_and_comma_lists_read_the_same(tmp_path: Path) -> None:
    semicolon = rows(tmp_path, "\ufeffE-Mail;Name\nanna@example.org;Anna Müller\n")
    comma = rows(tmp_path, "email,name\nanna@example.org,Anna Müller\n")
    assert semicolon == comma == [Recipient("anna@example.org", "Anna Müller")]


def test_addresses_are_trimmed_and_deduplicated_ignoring_case(tmp_path: Path) -> None:
    found = rows(tmp_path, "email;name\n  Anna@Example.org ;Anna\nanna@example.org;Anna 2\n")
    assert found == [Recipient("Anna@example.org", "Anna"),
                     BadRow(3, "anna@example.org is listed again (first on line 2); sent once")]


def test_bad_rows_are_reported_with_their_line_and_the_rest_is_kept(tmp_path: Path) -> None:
    found = rows(tmp_path, "email;name\nkeine-adresse;Karl\n;Leer\nok@example.org;Ok\n")
    assert [str(r) for r in found if isinstance(r, BadRow)] == [
        "line 2: 'keine-adresse' is not a valid email address (the @ sign is missing)",
        "line 3: no email address",
    ]
    assert [r for r in found if isinstance(r, Recipient)] == [Recipient("ok@example.org", "Ok")]


def test_a_name_with_a_line_break_is_refused(tmp_path: Path) -> None:
    found = rows(tmp_path, 'email,name\neve@example.org,"Eve\r\nBcc: x@example.com"\n')
    assert found == [BadRow(2, "the name contains a line break; remove it")]


def test_extra_columns_are_kept_as_subscriber_fields(tmp_path: Path) -> None:
    assert rows(tmp_path, "email;Telefon;Ort\na@example.org;0201 123;Hüls\n") == [
        Recipient("a@example.org", None, {"Telefon": "0201 123", "Ort": "Hüls"})]


def test_list_without_email_column_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SubscriberListError, match=r"liste.csv:1: the first row needs a column named 'email'"):
        rows(tmp_path, "adresse;name\na@example.org;Anna\n")


def test_a_list_saved_as_windows_1252_is_read_right(tmp_path: Path) -> None:
    assert rows(tmp_path, "email;name\na@example.org;Jürgen Lüdtke – Straße\n", encoding="cp1252") == [
        Recipient("a@example.org", "Jürgen Lüdtke – Straße")]


def test_list_in_neither_utf8_nor_windows_1252_says_how_to_export(tmp_path: Path) -> None:
    (tmp_path / "liste.csv").write_bytes(b"email;name\na@example.org;J\x81rgen\n")
    with pytest.raises(SubscriberListError, match="neither UTF-8 nor Windows-1252 text; export the spreadsheet as 'CSV UTF-8'"):
        list(read_list(tmp_path / "liste.csv"))


def test_unknown_list_names_the_lists_there_are(tmp_path: Path) -> None:
    (tmp_path / "volunteers.csv").write_text("email\n")
    with pytest.raises(SubscriberListError, match=r"no such subscriber list \(lists in .*: volunteers\)"):
        list(read_list(list_path("helfer", tmp_path)))


def test_an_unclosed_quote_names_the_lines_it_swallowed(tmp_path: Path) -> None:
    found = rows(tmp_path, 'email,name\na1@example.org,"Müller, Anna\na2@example.org,B\na3@example.org,C\n')
    assert found == [BadRow(2, 'a quotation mark (") on this line is never closed, so lines 2 to 4 were read as one '
                               "row; remove the quotation mark or close it")]


def test_the_subscribers_command_names_the_rows_a_send_skips_invalid_or_repeated(workdir: Path) -> None:
    from typer.testing import CliRunner

    from composer.cli import app

    Path("subscribers/mixed.csv").write_text("email\nkaputt\nok@example.org\nOK@example.org\n")
    result = CliRunner().invoke(app, ["subscribers", "mixed"])
    assert "skipped: subscribers/mixed.csv:2: 'kaputt' is not a valid email address" in result.output
    assert ("skipped: subscribers/mixed.csv:4: OK@example.org is listed again (first on line 3); sent once (a send skips "
            "this row)") in result.output.splitlines()
    assert "1 active, 2 skipped rows" in result.output.splitlines()


def test_a_plain_address_is_decided_as_email_validator_decides_it() -> None:
    """The fast pattern for plain addresses gives what email-validator gives (or refuses what it refuses)."""
    from email_validator import EmailNotValidError, validate_email

    from composer.audience.subscribers import recipient_address

    pick = random.Random(17)
    pieces = ["a", "Z", "0", "9", ".", "_", "%", "+", "-", "ü", "!", "--", "xn--", "ab", "example", "test", "local", "1"]
    for _ in range(4000):
        local = "".join(pick.choice(pieces) for _ in range(pick.randint(0, 6)))
        labels = ["".join(pick.choice(pieces) for _ in range(pick.randint(0, 4))) for _ in range(pick.randint(1, 3))]
        ending = pick.choice(["org", "COM", "test", "x1", "d" * 64])
        address = f"{local}@{'.'.join(labels)}" if pick.random() < 0.9 else f"{local}@example.{ending}"
        try:
            checked = validate_email(address, check_deliverability=False, allow_smtputf8=False)
            expected: str | None = checked.ascii_email or checked.normalized
        except EmailNotValidError:
            expected = None
        try:
            found: str | None = recipient_address(address)
        except EmailNotValidError:
            found = None
        assert found == expected, address
    assert recipient_address(" Anna.Berg@Example.ORG ") == "Anna.Berg@example.org"


def test_a_new_folders_empty_list_says_how_to_fill_it_in_subscribers_and_send(tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """`init` writes only the header row: the first look at the list and the first send say what to do next."""
    from typer.testing import CliRunner

    from composer.cli import app
    from composer.config.folder import init
    from composer.issue.starter import Office

    (issue,) = init(tmp_path / "office", office=Office("Stadtteilbüro Nord", "Hauptstraße 5, 12345 Musterstadt",
                                                       "https://www.musterstadt.de/impressum",
                                                       "https://www.musterstadt.de/datenschutz"))[:1]
    text = issue.read_text(encoding="utf-8").replace("Was diese Ausgabe bringt, in einem Satz", "Sommerfest und ein Dank")
    issue.write_text(text[: text.index("# Titel des ersten Artikels")] + "# Sommerfest\n\nAm Samstag feiern wir.\n",
                     encoding="utf-8")
    monkeypatch.chdir(tmp_path / "office")
    monkeypatch.delenv("NEWSLETTER_SMTP_HOST", raising=False)
    shown = CliRunner().invoke(app, ["subscribers", "newsletter"])
    assert shown.exit_code == 0
    assert shown.output.splitlines() == ["subscribers/newsletter.csv has no addresses yet: add them below its header row, "
                                         "or import your spreadsheet in the desk (newsletter desk, Abonnenten)"]
    sent = CliRunner().invoke(app, ["send", str(issue.relative_to(tmp_path / "office")), "--list", "newsletter", "--yes"])
    assert sent.exit_code == 0, sent.output
    assert sent.output.splitlines()[-1] == ("Nobody to send to: subscribers/newsletter.csv has no addresses yet; add them "
                                            "below its header row, or import your spreadsheet in the desk (newsletter "
                                            "desk, Abonnenten).")
