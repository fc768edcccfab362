"""The coordinator's commands: what they print, write and exit with."""

from __future__ import annotations

import email
import email.policy
import html
import threading
import urllib.request
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import free_port, make_settings
from typer.testing import CliRunner

from composer.cli import app
from composer.config.settings import load_settings
from composer.web.preview import Previewer, server

runner = CliRunner()


def test_build_writes_html_text_and_eml_and_prints_their_sizes(workdir: Path) -> None:
    result = runner.invoke(app, ["build", "issues/2020-12.md", "--out", "out"])
    assert result.exit_code == 0, result.output
    for suffix in ("html", "txt", "eml"):
        assert f"out/2020-12.{suffix}" in result.output
        assert Path(f"out/2020-12.{suffix}").stat().st_size > 1000
    msg = email.message_from_bytes(Path("out/2020-12.eml").read_bytes(), policy=email.policy.default)
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert msg["Subject"] and msg["From"] and msg["Date"] and msg["Message-ID"]
    assert BeautifulSoup(Path("out/2020-12.html").read_text(), "lxml").html["lang"] == "de"
    assert "Hallo Erika Mustermann," in Path("out/2020-12.txt").read_text()


def test_build_defaults_to_the_build_folder(workdir: Path) -> None:
    assert runner.invoke(app, ["build", "issues/2020-12.md"]).exit_code == 0
    assert Path("build/2020-12.html").exists()


def test_broken_issue_gives_one_line_per_problem_and_exit_code_2(workdir: Path) -> None:
    text = Path("issues/2020-12.md").read_text().replace("    email: dolas@caritas-krefeld.de", "    email: dolas-at-caritas")
    text = text.replace("subject:", "subjekt:")
    Path("issues/2021-01.md").write_text(text)
    result = runner.invoke(app, ["build", "issues/2021-01.md"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert "error: issues/2021-01.md:10: subjekt: unknown field (a typo? the README lists the fields)" in lines
    assert "error: issues/2021-01.md:56: articles[1].contacts[0].email: not a valid email address (the @ sign is missing)" in lines
    assert "Traceback" not in result.output


def test_bad_settings_are_named_without_their_values(workdir: Path) -> None:
    env = {"NEWSLETTER_SMTP_PORT": "zwei", "NEWSLETTER_SMTP_PASSWORD": "geheim"}
    result = runner.invoke(app, ["build", "issues/2020-12.md"], env=env)
    assert result.exit_code == 2
    assert "NEWSLETTER_SMTP_PORT" in result.output and "geheim" not in result.output


def test_a_misspelt_setting_in_env_is_an_error_that_names_the_right_one(workdir: Path) -> None:
    Path(".env").write_text("NEWSLETTER_SMPT_HOST=mail.example.org\n", encoding="utf-8")
    result = runner.invoke(app, ["send", "issues/2020-12.md", "--list", "volunteers", "--yes"])
    assert result.exit_code == 2 and not Path("outbox").exists()
    assert result.output.splitlines() == ["error: NEWSLETTER_SMPT_HOST (in .env) is not a setting; did you mean "
                                          "NEWSLETTER_SMTP_HOST? correct or remove it (every setting is described in "
                                          "the README, under Settings)"]


def test_a_line_in_env_that_is_no_setting_is_an_error_at_its_line_without_its_value(workdir: Path) -> None:
    Path(".env").write_text("NEWSLETTER_FROM_NAME=Büro\nNEWSLETTER_SMTP_PASSWORD geheim\n", encoding="utf-8")
    result = runner.invoke(app, ["send", "issues/2020-12.md", "--list", "volunteers", "--yes"])
    assert result.exit_code == 2 and not Path("outbox").exists()
    assert result.output.splitlines() == ["error: .env:2: NEWSLETTER_SMTP_PASSWORD … is not NAME=value; write the setting "
                                          "as NAME=value on one line (a value with spaces or # in quotes)"]


@pytest.mark.parametrize(("line", "refusal"), [
    ("NEWSLETTER_HOURLY_LIMIT=1.000", "NEWSLETTER_HOURLY_LIMIT: 1.000 is ambiguous: write 1000 if the dot groups "
                                      "thousands or 1 if it is a decimal point"),
    ("NEWSLETTER_RATE_LIMIT=1.000", "NEWSLETTER_RATE_LIMIT: 1.000 is ambiguous: write 1000 if the dot groups "
                                    "thousands or 1 if it is a decimal point"),
    ("NEWSLETTER_DAILY_LIMIT=12.500", "NEWSLETTER_DAILY_LIMIT: 12.500 is no whole number: write 12500 if the dot "
                                      "groups thousands"),
])
def test_a_number_with_a_dot_and_three_digits_is_refused_with_both_readings(workdir: Path, line: str,
                                                                             refusal: str) -> None:
    """German "1.000" is a thousand; read as 1 an hour, the next send would wait a day."""
    Path(".env").write_text(line + "\n", encoding="utf-8")
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 2
    assert result.output.splitlines() == [f"error: {refusal} (check your environment or .env)"]


def test_numbers_without_a_thousands_dot_are_still_read(workdir: Path) -> None:
    Path(".env").write_text("NEWSLETTER_HOURLY_LIMIT=1000\nNEWSLETTER_RATE_LIMIT=1.5\nNEWSLETTER_SMTP_TIMEOUT=0.250\n",
                            encoding="utf-8")
    assert runner.invoke(app, ["status"]).exit_code == 0
    settings = load_settings()
    assert (settings.hourly_limit, settings.rate_limit, settings.smtp_timeout) == (1000, 1.5, 0.25)


def test_preview_serves_html_and_text_and_rerenders_after_an_edit(workdir: Path) -> None:
    issue = Path("issues/2020-12.md")
    httpd = server(Previewer(issue, make_settings(), b"secret"), "127.0.0.1", free_port())
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_port}"
    try:
        page = urllib.request.urlopen(base + "/").read().decode()
        assert "Krefeld auf dem Weg zur weltoffenen Kommune" in page and "<mj-" not in page
        assert "Inhaltsübersicht\n----" in urllib.request.urlopen(base + "/text").read().decode()
        issue.write_text(issue.read_text().replace("# Krefeld auf dem Weg", "# Mönchengladbach auf dem Weg"))
        assert "Mönchengladbach auf dem Weg" in html.unescape(urllib.request.urlopen(base + "/").read().decode())
        issue.write_text(issue.read_text().replace("subject:", "subjekt:"))
        assert "subjekt: unknown field" in urllib.request.urlopen(base + "/").read().decode()
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_new_issue_starts_from_the_newest_with_todays_month(workdir: Path) -> None:
    import datetime as dt

    from composer.issue.issuefile import load_issue
    from composer.issue.scaffold import new_issue

    issue = load_issue(new_issue(Path("issues/2021-01.md"), today=dt.date(2021, 1, 28)).path)
    assert issue.date == dt.date(2021, 1, 28)
    assert issue.subject == "Newsletter Flüchtlingskoordination – Januar 2021"
    assert issue.footer == load_issue(Path("issues/2020-12.md")).footer
    assert [a.title for a in issue.articles] == ["Titel des ersten Artikels"]
    result = runner.invoke(app, ["new", "issues/2021-01.md"])
    assert result.exit_code == 2 and "exists already" in result.output


def test_a_month_named_without_its_year_in_the_subject_moves_on_too(workdir: Path) -> None:
    import datetime as dt

    from composer.issue.issuefile import load_issue
    from composer.issue.scaffold import new_issue

    december = Path("issues/2020-12.md")
    december.write_text(december.read_text(encoding="utf-8").replace(
        "Newsletter Flüchtlingskoordination – Dezember 2020", "Neuigkeiten aus der Flüchtlingshilfe – Dezember"),
        encoding="utf-8")
    issue = load_issue(new_issue(Path("issues/2021-01.md"), today=dt.date(2021, 1, 5)).path)
    assert issue.subject == "Neuigkeiten aus der Flüchtlingshilfe – Januar"


def test_new_starts_from_the_newest_issue_that_can_be_read_and_names_the_one_left_out(workdir: Path) -> None:
    from composer.issue.issuefile import load_issue

    broken = Path("issues/2021-01.md")
    broken.write_text(Path("issues/2020-12.md").read_text().replace("subject:", "subjekt:"))
    result = runner.invoke(app, ["new", "issues/2021-02.md"])
    assert result.exit_code == 0, result.output
    assert "issues/2021-02.md is ready, started from issues/2020-12.md" in result.output
    assert ("note: issues/2021-01.md was left out as a start: it has errors (`newsletter check issues/2021-01.md` "
            "names them)") in result.output
    assert load_issue(Path("issues/2021-02.md")).footer == load_issue(Path("issues/2020-12.md")).footer


def test_version_names_the_installed_version_anywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib.metadata import version

    monkeypatch.chdir(tmp_path)  # no newsletter folder here
    result = runner.invoke(app, ["--version"])
    assert (result.exit_code, result.output) == (0, f"newsletter-composer {version('newsletter-composer')}\n")
