"""Settings written into .env as a person would edit it: changed lines in place, everything else byte for byte."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from dotenv import dotenv_values

from composer.config.envfile import update_env
from composer.errors import SettingsError

ENV = """# Absender
NEWSLETTER_FROM_NAME=Koordination   # so sehen es die Leser

# SMTP
export NEWSLETTER_SMTP_HOST=mail.example.org
NEWSLETTER_SMTP_PORT=587
NEWSLETTER_FOOTER="zwei
Zeilen"
NEWSLETTER_HOURLY_LIMIT=500
"""


def test_a_changed_setting_is_rewritten_where_it_stands_and_every_other_line_is_kept(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(ENV)
    update_env(env, {"NEWSLETTER_SMTP_PORT": "465", "NEWSLETTER_SMTP_HOST": "smtp.example.org"})
    assert env.read_text() == ENV.replace("587", "465").replace("mail.example.org", "smtp.example.org")


def test_a_new_setting_is_added_at_the_end_and_none_removes_one(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(ENV)
    update_env(env, {"NEWSLETTER_DAILY_LIMIT": "2000", "NEWSLETTER_HOURLY_LIMIT": None})
    assert env.read_text() == ENV.replace("NEWSLETTER_HOURLY_LIMIT=500\n", "") + "NEWSLETTER_DAILY_LIMIT=2000\n"


@pytest.mark.parametrize("value", ["Koordination Flüchtlingshilfe", "it's \\ $HOME #1", "$argon2id$v=19$m=65536", ""])
def test_every_value_reads_back_unchanged(tmp_path: Path, value: str) -> None:
    env = tmp_path / ".env"
    update_env(env, {"NEWSLETTER_FROM_NAME": value})
    assert dotenv_values(env)["NEWSLETTER_FROM_NAME"] == value
    assert stat.S_IMODE(env.stat().st_mode) == 0o600


def test_a_value_of_two_lines_or_a_bad_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError):
        update_env(tmp_path / ".env", {"NEWSLETTER_FROM_NAME": "a\nB=1"})
    with pytest.raises(SettingsError):
        update_env(tmp_path / ".env", {"A=1\nB": "x"})
    assert not (tmp_path / ".env").exists()
