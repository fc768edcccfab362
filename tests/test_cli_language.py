"""The command line in the environment's language: the same failures, plans and help in German under a German LANG
and in English under LANG=C, with typer's and click's own words from our catalogue, and `j` confirming a send."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from conftest import SMTPServer
from typer.testing import CliRunner, Result

from composer.cli import app

CATALOGUE = Path(__file__).resolve().parent.parent / "composer" / "locale" / "de" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"\{[^}]*\}|%\(\w+\)s")


def sentences(german: bool) -> set[str]:
    """Pieces of three words or more of every catalogue entry, between its placeholders, in one language, that
    the other language does not share: one of them on a page or a terminal is a sentence of the wrong language."""
    with open(CATALOGUE, "rb") as f:
        entries = [m for m in read_po(f) if m.id]
    pieces: dict[bool, set[str]] = {True: set(), False: set()}
    for entry in entries:
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        for is_german, texts in ((False, ids), (True, strings)):
            for text in texts:
                pieces[is_german] |= {p.strip() for p in PLACEHOLDER.split(text) if len(p.split()) >= 3}
    return pieces[german] - pieces[not german]


def invoke(monkeypatch: pytest.MonkeyPatch, lang: str, *args: str, answer: str | None = None, **env: str) -> Result:
    """The command as the office's terminal runs it: LANG set, the other variables gettext reads unset. Set
    before the app is built, since typer builds the commands (and their help) at the start."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", lang)
    return CliRunner().invoke(app, list(args), input=answer, env=env, prog_name="newsletter")


GERMAN, ENGLISH = "de_DE.UTF-8", "C"

FAILURES = [  # the same failure, in each language: arguments, exit code, the lines it says
    (["send"], 2, ["Aufruf: newsletter send [OPTIONS] {ISSUE}", "Fehler: Fehlendes Argument 'ISSUE'."],
     ["Usage: newsletter send [OPTIONS] {ISSUE}", "Error: Missing argument 'ISSUE'."]),
    (["sned"], 2, ["Fehler: Den Befehl 'sned' gibt es nicht. Meinten Sie 'send'?"],
     ["Error: No such command 'sned'. Did you mean 'send'?"]),
    (["send", "issues/2020-12.md", "--bogus"], 2, ["Fehler: Die Option '--bogus' gibt es nicht.",
                                                     "Hilfe mit 'newsletter send --help'."],
     ["Error: No such option '--bogus'.", "Try 'newsletter send --help' for help."]),
    (["send", "issues/2020-12.md"], 2,
     ["Fehler: geben Sie entweder --to IHRE@ADRESSE für einen Testversand oder --list NAME für den echten Versand an"],
     ["error: say either --to YOUR@ADDRESS for a test send or --list NAME for the real send"]),
    (["status", "issues/nix.md"], 2,
     ["Fehler: issues/nix.md: keine solche Datei, und keine Ausgabe dieses Namens wurde verschickt; prüfen Sie den "
      "Pfad (bisher verschickte Ausgaben: noch keine)"],
     ["error: issues/nix.md: no such file, and no issue of that name was sent; check the path (issues sent so far: "
      "none yet)"]),
    (["desk", "--port", "abc"], 2, ["Fehler: Ungültiger Wert für '--port': keine Zahl"],
     ["Error: Invalid value for '--port': not a number"]),
    (["doctor", "--dns-timeout", "0"], 2, ["Fehler: Ungültiger Wert für '--dns-timeout': die Zahl muss mindestens 0,1 sein"],
     ["Error: Invalid value for '--dns-timeout': the number must be at least 0.1"]),
    (["reconfirm", "volunteers", "--until", "31.03.2027"], 2,
     ["Fehler: --until '31.03.2027': schreiben Sie den Tag als JJJJ-MM-TT, z. B. 2027-03-31"],
     ["error: --until '31.03.2027': write the day as YYYY-MM-DD, e.g. 2027-03-31"]),
]


@pytest.mark.parametrize(("args", "code", "german", "english"), FAILURES, ids=lambda v: " ".join(v) if isinstance(v, list) and
                         v and v[0][:1].islower() else None)
def test_the_same_failure_is_said_in_german_and_in_english(workdir: Path, monkeypatch: pytest.MonkeyPatch,
                                                           args: list[str], code: int, german: list[str],
                                                           english: list[str]) -> None:
    for lang, wanted, wrong in ((GERMAN, german, sentences(german=False)), (ENGLISH, english, sentences(german=True))):
        result = invoke(monkeypatch, lang, *args)
        lines = result.output.splitlines()
        assert result.exit_code == code, result.output
        assert all(line in lines for line in wanted), result.output
        assert not [s for s in wrong if s in result.output], result.output


def test_help_is_german_under_a_german_lang_with_clicks_own_words(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    german = invoke(monkeypatch, GERMAN, "send", "--help").output
    assert german.startswith("Aufruf: newsletter send [OPTIONS] {ISSUE}")
    assert "Argumente:" in german and "Optionen:" in german and "[Pflicht]" in german
    assert "Diese Hilfe zeigen und beenden." in german and "Den Plan zeigen, nichts senden" in german
    assert "Testversand an Sie selbst (--to)" in german
    assert not [s for s in sentences(german=False) if s in german], german
    english = invoke(monkeypatch, ENGLISH, "send", "--help").output
    assert english.startswith("Usage: newsletter send") and "Show this message and exit." in english
    assert not [s for s in sentences(german=True) if s in english], english


def test_the_command_list_and_a_default_are_german(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    listing = invoke(monkeypatch, GERMAN, "--help").output
    assert "Befehle:" in listing and "Den Newsletter schreiben, prüfen, testen und versenden." in listing
    assert "[Standard: 8026]" in invoke(monkeypatch, GERMAN, "preview", "--help").output


@pytest.mark.parametrize(("lang", "answer"), [(GERMAN, "j"), (GERMAN, "ja"), (GERMAN, "y"), (ENGLISH, "yes"),
                                              (ENGLISH, "j"), (ENGLISH, "Ja")])
def test_j_ja_y_and_yes_confirm_a_send_in_either_language(workdir: Path, smtp_server: SMTPServer,
                                                          monkeypatch: pytest.MonkeyPatch, lang: str, answer: str) -> None:
    result = invoke(monkeypatch, lang, "send", "issues/2020-12.md", "--list", "volunteers", answer=f"{answer}\n",
                    **smtp_server.env())
    assert result.exit_code == 0, result.output
    question = "Jetzt an 8 Empfänger senden? [j/N]: " if lang == GERMAN else "Send to 8 recipients now? [y/N]: "
    assert question in result.output
    assert len(smtp_server.handler.received) == 8


@pytest.mark.parametrize(("lang", "answer", "said"), [(GERMAN, "n", "Nichts gesendet."), (GERMAN, "", "Nichts gesendet."),
                                                      (ENGLISH, "nein", "Nothing sent.")])
def test_anything_else_sends_nothing(workdir: Path, smtp_server: SMTPServer, monkeypatch: pytest.MonkeyPatch,
                                     lang: str, answer: str, said: str) -> None:
    result = invoke(monkeypatch, lang, "send", "issues/2020-12.md", "--list", "volunteers", answer=f"{answer}\n",
                    **smtp_server.env())
    assert said in result.output.splitlines() and not smtp_server.handler.received


def test_the_plan_and_the_report_of_a_send_are_german(workdir: Path, smtp_server: SMTPServer,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    result = invoke(monkeypatch, GERMAN, "send", "issues/2020-12.md", "--list", "volunteers", "--yes", **smtp_server.env())
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "Liste:    volunteers (8 gültige Adressen)" in lines and "Übersprungen: keine" in lines
    assert "gesendet 8, fehlgeschlagen 0, zurückgestellt 0" in lines
    status = invoke(monkeypatch, GERMAN, "status", "issues/2020-12.md", **smtp_server.env()).output
    assert status.splitlines()[0].startswith("2020-12: ") and "8 versendet" in status
    assert not [s for s in sentences(german=False) if s in result.output + status], result.output + status


def test_the_plans_limits_are_german_with_the_thousands_grouped(workdir: Path, smtp_server: SMTPServer,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    result = invoke(monkeypatch, GERMAN, "send", "issues/2020-12.md", "--list", "volunteers", "--dry-run",
                    NEWSLETTER_HOURLY_LIMIT="1000", NEWSLETTER_DAILY_LIMIT="20000", **smtp_server.env())
    assert result.exit_code == 0, result.output
    assert "Grenzen:  1.000 pro Stunde, 20.000 pro Tag; gesendet in der letzten Stunde 0, in den letzten 24 Stunden 0" \
        in result.output.splitlines(), result.output
