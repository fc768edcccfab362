"""Settings changed from the desk's form: numbers read in the page's language, validated as at start, written into
.env with its comments and order, in effect in the returned settings; "1.000" never becomes 1."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from composer.cli import app
from composer.config.editing import Refused, read_form, read_number, save
from composer.config.settings import load_settings
from composer.i18n import render

ENV = "# Absender\nNEWSLETTER_FROM_NAME=Alt\n\n# Server\nNEWSLETTER_SMTP_PORT=587\n"


@pytest.mark.parametrize(("typed", "lang", "whole", "read"), [("1.000", "de", True, "1000"), ("1.000,5", "de", False, "1000.5"),
                                                             ("2,5", "de", False, "2.5"), ("1,000", "en", True, "1000"),
                                                             ("2.5", "en", False, "2.5"), ("500", "de", True, "500")])
def test_a_number_is_read_in_the_pages_language(typed: str, lang: str, whole: bool, read: str) -> None:
    assert read_number(typed, lang, whole) == read


@pytest.mark.parametrize(("typed", "lang", "said"), [("1.000", "en", "1.000 ist mehrdeutig"), ("1,5", "de", "keine ganze Zahl"),
                                                     ("viele", "de", "viele ist keine Zahl")])
def test_a_number_that_cannot_be_read_without_guessing_is_refused_never_read_as_1(typed: str, lang: str, said: str) -> None:
    with pytest.raises(ValueError) as refused:
        read_number(typed, lang, True)
    assert said in render(refused.value.args[0], "de")


def test_a_change_of_sender_port_and_hourly_limit_is_written_with_comments_kept_and_in_effect(workdir: Path) -> None:
    env = workdir / ".env"
    env.write_text(ENV)
    changes, problems = read_form({"from_name": "Koordination Krefeld", "smtp_port": "2.525", "hourly_limit": "1.000",
                                   "smtp_password": ""}, "de")
    assert not problems
    settings = save(env, changes)
    assert (settings.from_name, settings.smtp_port, settings.hourly_limit) == ("Koordination Krefeld", 2525, 1000)
    assert env.read_text() == ("# Absender\nNEWSLETTER_FROM_NAME='Koordination Krefeld'\n\n# Server\n"
                               "NEWSLETTER_SMTP_PORT=2525\nNEWSLETTER_HOURLY_LIMIT=1000\n")
    assert load_settings(env).hourly_limit == 1000


def test_the_imprint_and_accessibility_links_of_the_web_pages_are_edited_like_the_privacy_link(workdir: Path) -> None:
    env = workdir / ".env"
    env.write_text(ENV)
    changes, problems = read_form({"imprint_url": "https://stadt.example.org/impressum",
                                   "accessibility_url": "https://stadt.example.org/barrierefreiheit", "smtp_password": ""}, "de")
    assert not problems
    settings = save(env, changes)
    assert str(settings.imprint_url) == "https://stadt.example.org/impressum"
    assert str(settings.accessibility_url) == "https://stadt.example.org/barrierefreiheit"


def test_a_web_address_with_http_is_refused_at_its_field_but_not_on_this_computer() -> None:
    _, problems = read_form({"public_url": "http://newsletter.stadt.example.org", "smtp_password": ""}, "de")
    assert "schreiben Sie die Adresse mit https://" in render(problems["public_url"], "de")
    changes, problems = read_form({"public_url": "http://127.0.0.1:8080", "smtp_password": ""}, "de")
    assert not problems and changes == {"NEWSLETTER_PUBLIC_URL": "http://127.0.0.1:8080"}


def test_a_refused_change_writes_nothing_and_names_the_field(workdir: Path) -> None:
    env = workdir / ".env"
    env.write_text(ENV)
    with pytest.raises(Refused) as refused:
        save(env, {"NEWSLETTER_REPLY_TO": "keine-adresse", "NEWSLETTER_SMTP_PORT": "70000"})
    assert set(refused.value.problems) == {"reply_to", "smtp_port"}
    assert "gültige E-Mail-Adresse" in render(refused.value.problems["reply_to"], "de")
    assert env.read_text() == ENV


def test_a_setting_from_the_environment_is_not_written_into_env(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSLETTER_FROM_NAME", "Aus der Umgebung")
    with pytest.raises(Refused) as refused:
        save(workdir / ".env", {"NEWSLETTER_FROM_NAME": "Neu"})
    assert "from_name" in refused.value.problems


@pytest.mark.parametrize("setting", ["NEWSLETTER_HOURLY_LIMIT", "NEWSLETTER_RATE_LIMIT"])
def test_the_cli_refuses_1_000_in_env_naming_the_setting(workdir: Path, setting: str) -> None:
    (workdir / ".env").write_text(f"{setting}=1.000\n")
    result = CliRunner().invoke(app, ["send", "issues/2020-12.md", "--list", "volunteers", "--dry-run"])
    assert result.exit_code == 2
    assert setting in result.output and "1000" in result.output
