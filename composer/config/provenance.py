"""The settings in effect and where each comes from (environment, .env, given at start, default), for the desk's
Einstellungen page. Secrets are reported only as set or not set: never their value, never their length."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from dotenv import dotenv_values
from pydantic import SecretStr

from composer.config.settings import Settings

Source = Literal["environment", ".env", "given", "default"]
PREFIX = "NEWSLETTER_"
DERIVED = {"smtp_port": lambda s: s.smtp.port, "imap_port": lambda s: s.imap.port}


@dataclass(frozen=True)
class InEffect:
    variable: str
    value: str | None  # None for an unset value and for every secret
    secret: bool
    is_set: bool
    source: Source
    description: str


def settings_in_effect(settings: Settings, env_file: Path | None) -> list[InEffect]:
    """Every setting, in the order the settings declare them. The environment wins over .env (as when reading)."""
    environment = {k.upper() for k in os.environ}
    from_file = {k.upper() for k in dotenv_values(env_file)} if env_file and env_file.is_file() else set()
    shown = []
    for name, info in Settings.model_fields.items():
        variable = PREFIX + name.upper()
        given = value = getattr(settings, name)
        if value is None and name in DERIVED:  # the port that is used: the usual one of the chosen security
            value = DERIVED[name](settings)
        if variable in environment:
            source: Source = "environment"
        elif variable in from_file:
            source = ".env"
        else:
            source = "given" if given != info.get_default(call_default_factory=True) else "default"
        secret = isinstance(value, SecretStr)
        text = None if secret or value is None else str(value)
        shown.append(InEffect(variable, text, secret, value is not None and value != "", source, info.description or ""))
    return shown
