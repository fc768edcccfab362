"""The newsletter folder: `newsletter init`, --folder, template overrides, and the small things of the CLI."""

from __future__ import annotations

import datetime as dt
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import ROOT, SMTPServer, free_port, make_settings
from typer.testing import CliRunner

from composer.cli import app
from composer.config.folder import SAMPLE, init
from composer.issue.issuefile import load_issue
from composer.send.pipeline import build_issue
from composer.render.templates import TEMPLATES

runner = CliRunner()


def newsletter(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "composer", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env=env)


def test_init_makes_a_folder_with_this_months_issue_a_list_settings_and_gitignore(tmp_path: Path) -> None:
    written = init(tmp_path / "office", today=dt.date(2021, 3, 4))
    office = tmp_path / "office"
    assert sorted(p.relative_to(office).as_posix() for p in written) == [
        ".env", ".gitignore", "issues/2021-03.md", "letters/willkommen.md", "subscribers/newsletter.csv"]
    issue = load_issue(office / "issues" / "2021-03.md")
    assert issue.date == dt.date(2021, 3, 4) and issue.subject.endswith("März 2021")
    assert (office / "subscribers" / "newsletter.csv").read_text() == "email,name,consent_date,consent_source\n"
    env = (office / ".env").read_text()
    assert re.search(r"^NEWSLETTER_SECRET_KEY=[0-9a-f]{64}$", env, re.M)
    assert re.search(r"^# NEWSLETTER_FROM_ADDRESS=", env, re.M) and not re.search(r"^NEWSLETTER_FROM_ADDRESS", env, re.M)
    assert (office / ".env").stat().st_mode & 0o077 == 0
    assert ".newsletter/" in (office / ".gitignore").read_text().split()


def test_init_never_overwrites(tmp_path: Path, workdir: Path) -> None:
    (tmp_path / "office").mkdir()
    (tmp_path / "office" / ".env").write_text("NEWSLETTER_SMTP_HOST=mail.example.org\n")
    result = runner.invoke(app, ["init", str(tmp_path / "office")])
    assert result.exit_code == 2
    assert "exists already" in result.output and "never overwrites" in result.output
    assert (tmp_path / "office" / ".env").read_text() == "NEWSLETTER_SMTP_HOST=mail.example.org\n"
    assert not (tmp_path / "office" / "issues").exists()


def test_two_secrets_differ(tmp_path: Path) -> None:
    init(tmp_path / "a")
    init(tmp_path / "b")
    assert (tmp_path / "a" / ".env").read_text() != (tmp_path / "b" / ".env").read_text()


def test_outside_a_newsletter_folder_one_line_says_to_run_init(tmp_path: Path) -> None:
    done = newsletter("status", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"error: {tmp_path} is not a newsletter folder (it has no issues/, subscribers/ or .env): run "
        "`newsletter init FOLDER` to make one, or give --folder FOLDER"]


def test_folder_option_and_environment_name_the_folder(tmp_path: Path) -> None:
    init(tmp_path / "office", today=dt.date(2021, 3, 4))
    by_option = newsletter("--folder", str(tmp_path / "office"), "build", "issues/2021-03.md", cwd=tmp_path)
    assert by_option.returncode == 0, by_option.stderr
    assert (tmp_path / "office" / "build" / "2021-03.html").exists()
    env = {"NEWSLETTER_FOLDER": str(tmp_path / "office"), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    by_env = newsletter("check", "issues/2021-03.md", cwd=tmp_path, env=env)
    assert "errors" in by_env.stdout or "error" in by_env.stdout, by_env.stderr


def test_a_folders_own_footer_template_changes_the_footer_and_nothing_else(workdir: Path) -> None:
    settings = make_settings()
    before = build_issue(Path("issues/2020-12.md"), settings).html
    footer = (TEMPLATES / "partials" / "footer.mjml.j2").read_text()
    own = Path("templates/partials/footer.mjml.j2")
    own.parent.mkdir(parents=True)
    own.write_text(footer.replace("{{ issue.footer.reason }}", "{{ issue.footer.reason }} Mit Mitteln des Landes NRW."))
    after = build_issue(Path("issues/2020-12.md"), settings).html
    assert "Mit Mitteln des Landes NRW." in after and "Mit Mitteln" not in before
    footer_of = lambda html: BeautifulSoup(html, "lxml").select_one(".footer")  # noqa: E731
    assert footer_of(before).get_text() != footer_of(after).get_text()
    start = before.index(footer_of(before).get_text(" ", strip=True).split()[0])
    assert after[:start] == before[:start]


def test_the_repositorys_sample_is_the_one_the_package_ships() -> None:
    assert (ROOT / "issues" / "2020-12.md").read_bytes() == (SAMPLE / "issues" / "2020-12.md").read_bytes()
    assert (ROOT / "subscribers" / "volunteers.csv").read_bytes() == (SAMPLE / "subscribers" / "volunteers.csv").read_bytes()
    assert (ROOT / ".env.example").read_bytes() == (SAMPLE / "env.example").read_bytes()


def test_new_takes_the_month_from_a_yyyy_mm_file_name(workdir: Path) -> None:
    result = runner.invoke(app, ["new", "issues/2021-01.md"])
    assert result.exit_code == 0, result.output
    issue = load_issue(Path("issues/2021-01.md"))
    assert issue.date == dt.date(2021, 1, 1)
    assert issue.subject == "Newsletter Flüchtlingskoordination – Januar 2021"


def test_an_unset_sender_names_the_setting_only_when_mail_would_leave(workdir: Path, smtp_server: SMTPServer) -> None:
    env = {k: v for k, v in smtp_server.env().items() if k != "NEWSLETTER_FROM_ADDRESS"}
    assert runner.invoke(app, ["build", "issues/2020-12.md"], env=env).exit_code == 0
    result = runner.invoke(app, ["send", "issues/2020-12.md", "--to", "ich@example.org"], env=env)
    assert result.exit_code == 2
    assert "NEWSLETTER_FROM_ADDRESS is not set" in result.output and not smtp_server.handler.received


def test_preview_on_a_busy_port_says_so_in_one_line(workdir: Path) -> None:
    port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        result = runner.invoke(app, ["preview", "issues/2020-12.md", "--port", str(port)])
    assert result.exit_code == 2
    assert result.output.strip() == (f"error: port {port} on 127.0.0.1 is already in use (another desk, preview or "
                                     "server?): stop that one, or choose another port with --port")


def test_the_desk_on_a_busy_port_says_so_in_german_before_it_prints_a_login_link(
        workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        result = runner.invoke(app, ["desk", "--no-browser", "--port", str(port)])
    assert result.exit_code == 2 and "login" not in result.output
    assert result.output.strip() == (f"Fehler: Port {port} auf 127.0.0.1 ist schon belegt (eine andere Redaktion, "
                                     "Vorschau oder ein anderer Server?): beenden Sie diese, oder wählen Sie mit --port "
                                     "einen anderen Port")


def test_serve_on_a_busy_port_says_so_before_serving(workdir: Path) -> None:
    port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        result = runner.invoke(app, ["serve", "--port", str(port), "--local"]
                               if "--local" in runner.invoke(app, ["serve", "--help"]).output else ["serve", "--port", str(port)])
    assert result.exit_code == 2
    assert "already in use" in result.output and "Serving" not in result.output


@pytest.mark.parametrize("command", [[], ["send"], ["status"], ["build"], ["inbox"]])
def test_help_shows_flags_as_flags(workdir: Path, command: list[str]) -> None:
    text = runner.invoke(app, [*command, "--help"]).output
    assert not re.search(r"<(bool|list\[str\]|str|int|path)>", text.split("Options:")[1]), text


def test_counts_in_output_are_in_the_right_grammatical_number(workdir: Path) -> None:
    Path("subscribers/one.csv").write_text("email\nnur@example.org\n")
    result = runner.invoke(app, ["send", "issues/2020-12.md", "--list", "one", "--dry-run"])
    assert "(1 valid address)" in result.output


def test_status_csv_into_a_closed_pipe_ends_quietly(workdir: Path) -> None:
    assert runner.invoke(app, ["send", "issues/2020-12.md", "--list", "volunteers", "--yes"]).exit_code == 0
    process = subprocess.Popen([sys.executable, "-m", "composer", "status", "issues/2020-12.md", "--csv"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # type: ignore[union-attr]
    _, errors = process.communicate(timeout=60)
    assert process.returncode == 0
    assert errors == b""


def test_a_relative_folder_option_names_the_folder_from_where_the_command_starts(tmp_path: Path) -> None:
    init(tmp_path / "office")
    done = newsletter("--folder", "office", "subscribers", "newsletter", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
