"""The newsletter folder: `init`, --folder, the folder's own templates, and the small things around them."""

from __future__ import annotations

import datetime as dt
import re
import socket
import subprocess
import sys
from pathlib import Path

import click.testing
from conftest import ROOT
from typer.testing import CliRunner

from composer.cli import app, command
from composer.cli.common import counted
from composer.folder import init
from composer.render.templates import TEMPLATES
from composer.settings import Settings

runner = CliRunner()


def test_init_makes_a_folder_with_this_months_issue_a_list_env_and_gitignore(tmp_path: Path) -> None:
    written = init(tmp_path / "office", dt.date(2021, 3, 9))
    issue = tmp_path / "office" / "issues" / "2021-03.md"
    assert issue in written and "März 2021" in issue.read_text(encoding="utf-8")
    assert "example.org" in (tmp_path / "office" / "subscribers" / "newsletter.csv").read_text(encoding="utf-8")
    env = (tmp_path / "office" / ".env").read_text(encoding="utf-8")
    assert re.search(r"^NEWSLETTER_SECRET_KEY=[0-9a-f]{64}$", env, re.M)
    assert re.search(r"^# NEWSLETTER_FROM_ADDRESS=", env, re.M) and not re.search(r"^NEWSLETTER_FROM_ADDRESS", env, re.M)
    assert ".newsletter/" in (tmp_path / "office" / ".gitignore").read_text(encoding="utf-8")
    assert sorted(p.name for p in (tmp_path / "office" / "issues").iterdir()) == ["2021-03.md"]


def test_init_refuses_to_overwrite_anything(workdir: Path) -> None:
    (workdir / ".gitignore").write_text("mine\n")
    result = runner.invoke(app, ["init", "."])
    assert result.exit_code == 2 and "never overwrites" in result.output
    assert (workdir / ".gitignore").read_text() == "mine\n" and not (workdir / ".env").exists()


def test_folder_option_and_environment_variable_choose_the_newsletter_folder(workdir: Path, tmp_path_factory) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    assert runner.invoke(app, ["--folder", str(workdir), "build", "issues/2020-12.md"]).exit_code == 0
    assert (workdir / "build" / "2020-12.html").exists()
    import os
    os.chdir(elsewhere)
    result = runner.invoke(app, ["build", "issues/2020-12.md", "--out", "b2"], env={"NEWSLETTER_FOLDER": str(workdir)})
    assert result.exit_code == 0 and (workdir / "b2" / "2020-12.html").exists()


def test_a_missing_folder_says_to_run_init(workdir: Path) -> None:
    result = runner.invoke(app, ["--folder", "nowhere", "build", "issues/2020-12.md"])
    assert result.exit_code == 2 and result.output.strip() == "error: nowhere: no such folder; create it with `newsletter init nowhere`"


def test_the_folders_own_footer_partial_changes_the_footer_and_nothing_else(workdir: Path) -> None:
    assert runner.invoke(app, ["build", "issues/2020-12.md", "--out", "plain"]).exit_code == 0
    footer = (TEMPLATES / "partials" / "footer.mjml.j2").read_text(encoding="utf-8")
    (workdir / "templates" / "partials").mkdir(parents=True)
    (workdir / "templates" / "partials" / "footer.mjml.j2").write_text(
        footer.replace("{{ issue.footer.reason }}", "Eigener Fußtext des Büros"), encoding="utf-8")
    assert runner.invoke(app, ["build", "issues/2020-12.md", "--out", "own"]).exit_code == 0
    plain, own = ((workdir / d / "2020-12.html").read_text(encoding="utf-8") for d in ("plain", "own"))
    assert "Eigener Fußtext des Büros" in own and "Eigener Fußtext des Büros" not in plain
    assert own.replace("Eigener Fußtext des Büros", "") == plain.replace(
        "Sie erhalten diesen Newsletter, weil Sie sich ehrenamtlich für Geflüchtete in Krefeld engagieren und sich "
        "für den Newsletter der Flüchtlingskoordination angemeldet haben.", "")


def test_new_takes_the_month_from_a_year_month_file_name(workdir: Path) -> None:
    assert runner.invoke(app, ["new", "issues/2021-01.md"]).exit_code == 0
    text = (workdir / "issues" / "2021-01.md").read_text(encoding="utf-8")
    assert 'date: "2021-01-01"' in text and "Januar 2021" in text


def test_an_unset_sender_names_the_setting_to_set(workdir: Path) -> None:
    result = runner.invoke(app, ["send", "issues/2020-12.md", "--to", "probe@example.org"],
                           env={"NEWSLETTER_SMTP_HOST": "127.0.0.1"})
    assert result.exit_code == 2 and "NEWSLETTER_FROM_ADDRESS is not set: set it in .env" in result.output


def test_env_example_names_every_setting_and_leaves_the_sender_unset() -> None:
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert [f for f in Settings.model_fields if f"NEWSLETTER_{f.upper()}=" not in example] == []
    assert not re.search(r"^NEWSLETTER_FROM_ADDRESS", example, re.M)


def test_preview_and_serve_on_a_busy_port_say_so_in_one_line(workdir: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for args in (["preview", "issues/2020-12.md"], ["serve"]):
            result = runner.invoke(app, [*args, "--port", str(port)])
            assert result.exit_code == 2, result.output
            assert result.output.startswith(f"error: port {port} on 127.0.0.1 is in use") and "--port" in result.output
            assert len(result.output.strip().splitlines()) == 1


def test_help_shows_flags_as_flags() -> None:
    result = click.testing.CliRunner().invoke(command(), ["send", "--help"])
    assert "--yes" in result.output and "--to TO" in result.output
    assert "<bool>" not in result.output and "<list[str]>" not in result.output and "<str>" not in result.output


def test_counts_take_the_right_number(workdir: Path) -> None:
    assert runner.invoke(app, ["check", "issues/2020-12.md"]).output.strip().splitlines()[-1] == "0 errors, 0 warnings"
    assert [counted(n, "bounce", "bounces") for n in (0, 1, 2)] == ["0 bounces", "1 bounce", "2 bounces"]


def test_status_csv_piped_into_head_ends_quietly(workdir: Path) -> None:
    rows = "".join(f"person{i}@example.org;Person {i}\n" for i in range(3000))
    (workdir / "subscribers" / "many.csv").write_text("email;name\n" + rows, encoding="utf-8")
    cli = [sys.executable, "-m", "composer.cli"]
    subprocess.run([*cli, "send", "issues/2020-12.md", "--list", "many", "--yes"], check=True, capture_output=True)
    done = subprocess.run(f"{' '.join(cli)} status issues/2020-12.md --csv | head -1; echo ${{PIPESTATUS[0]}}",
                          shell=True, executable="/bin/bash", capture_output=True, text=True)
    assert done.stdout.splitlines() == ["email,status,attempts,code,reply,possible_duplicate", "0"]
    assert done.stderr == ""
