"""The tool as a user installs it: a wheel in a fresh venv, working on a folder of the office's own."""

from __future__ import annotations

import email
import email.policy
import html
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = pytest.mark.slow


def outside() -> dict[str, str]:
    """The environment without the checkout on the path or any setting of this machine."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("NEWSLETTER_")}


def run(newsletter: Path, folder: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(newsletter), *args], cwd=folder, env={**outside(), **(env or {})},
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`python -m build`, then the wheel (and its dependencies, from the pip cache or the registry) in a plain venv."""
    where = tmp_path_factory.mktemp("install")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(where / "dist"), str(ROOT)],
                   check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "venv", str(where / "venv")], check=True)
    wheel = next((where / "dist").glob("*.whl"))
    subprocess.run([str(where / "venv" / "bin" / "pip"), "install", "-q", str(wheel)], check=True, capture_output=True,
                   env=outside(), cwd=where)
    return where / "venv" / "bin" / "newsletter"


def test_the_installed_wheel_starts_builds_checks_and_sends_in_a_new_folder(installed: Path, tmp_path: Path, smtp_server) -> None:
    imported = subprocess.run([str(installed.parent / "python"), "-c", "import composer; print(composer.__file__)"],
                              cwd=tmp_path, env=outside(), capture_output=True, text=True)
    assert str(installed.parent.parent) in imported.stdout and str(ROOT) not in imported.stdout
    office = ("--name", "Integrationsbüro Nord", "--address", "Hauptstraße 5; 12345 Musterstadt",
              "--imprint", "https://www.musterstadt.de/impressum", "--privacy", "https://www.musterstadt.de/datenschutz")
    assert run(installed, tmp_path, "init", "office", *office).returncode == 0
    folder = tmp_path / "office"
    issue = next((folder / "issues").glob("*.md")).relative_to(folder)
    with open(folder / "subscribers" / "newsletter.csv", "a", encoding="utf-8") as listed:
        listed.write("erika.mustermann@example.org,Erika Mustermann,2026-01-05,Anmeldeformular\n")

    built = run(installed, folder, "build", str(issue))
    assert built.returncode == 0, built.stderr
    assert "Newsletter Integrationsbüro Nord" in html.unescape((folder / "build" / f"{issue.stem}.html").read_text(encoding="utf-8"))
    checked = run(installed, folder, "check", str(issue))
    assert checked.returncode == 1 and "still the starter text" in checked.stderr  # nobody sends the placeholder
    text = (folder / issue).read_text(encoding="utf-8")
    text = text.replace("Was diese Ausgabe bringt, in einem Satz", "Sprachcafé und neue Patenschaften")
    text = text.replace("# Titel des ersten Artikels", "# Das Sprachcafé öffnet wieder")
    text = text.replace("Hier steht der Text.", "Ab Februar jeden Dienstag in der Stadtbibliothek.")
    (folder / issue).write_text(text, encoding="utf-8")
    checked = run(installed, folder, "check", str(issue))
    assert checked.returncode == 0, checked.stdout + checked.stderr

    sent = run(installed, folder, "send", str(issue), "--list", "newsletter", "--yes")
    assert sent.returncode == 0, sent.stderr
    assert [p.name for p in (folder / "outbox" / issue.stem).glob("*.eml")]

    tested = run(installed, tmp_path, "--folder", "office", "send", str(issue), "--to", "probe@example.org", env=smtp_server.env())
    assert tested.returncode == 0, tested.stderr
    (mail_from, rcpt, data), = smtp_server.handler.received
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert rcpt == ["probe@example.org"] and "Newsletter Integrationsbüro Nord" in message["Subject"]


def test_a_plain_install_speaks_german_under_a_german_lang_and_english_under_c(installed: Path, tmp_path: Path) -> None:
    """The compiled catalogue is package data: no Babel step, no German locale generated on the machine."""
    languages = {"LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": ""}
    german, english = {**languages, "LANG": "de_DE.UTF-8"}, {**languages, "LANG": "C"}
    assert run(installed, tmp_path, "init", "office", env=german).stdout.splitlines()[-1].startswith("Fertig. Weiter:")
    folder = tmp_path / "office"
    helped = run(installed, folder, "send", "--help", env=german).stdout
    assert helped.startswith("Aufruf: newsletter send") and "Diese Hilfe zeigen und beenden." in helped
    failed = run(installed, folder, "status", "issues/nix.md", env=german)
    assert failed.returncode == 2 and failed.stderr.startswith("Fehler: issues/nix.md: keine solche Datei"), failed.stderr
    said = run(installed, folder, "status", "issues/nix.md", env=english)
    assert said.returncode == 2 and said.stderr.startswith("error: issues/nix.md: no such file"), said.stderr
    missing = run(installed, folder, "send", env=german)
    assert "Fehler: Fehlendes Argument 'ISSUE'." in missing.stderr, missing.stderr
