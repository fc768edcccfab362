"""Changing the settings an office changes, from a form (the desk's Einstellungen): each value read in the page's
language, validated by the Settings model itself (the same rules as at start), then written into `.env`
(composer/config/envfile.py). The caller swaps in the returned Settings, so the change is in effect at once;
whatever already holds the old Settings (a send under way) keeps them to its end."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from babel.numbers import NumberFormatError, format_decimal, parse_decimal
from dotenv import dotenv_values
from pydantic import ValidationError

from composer.config.envfile import update_env
from composer.config.parts import is_loopback
from composer.config.settings import Settings
from composer.i18n import N_, Message, message

Kind = Literal["text", "email", "url", "whole", "decimal", "choice", "secret"]
PREFIX = "NEWSLETTER_"


@dataclass(frozen=True)
class Editable:
    name: str  # the Settings field
    kind: Kind
    group: str  # msgid of the form's section
    choices: tuple[str, ...] = ()

    @property
    def variable(self) -> str:
        return PREFIX + self.name.upper()


NEWSLETTER, SENDER, SMTP, MAILBOX, WEB, QUOTAS = (N_("Newsletter"), N_("Sender"), N_("Outgoing mail server (SMTP)"),
                                                  N_("Mailbox for replies (IMAP)"), N_("Web pages"),
                                                  N_("Quotas and sending hours"))
EDITABLE = (
    Editable("name", "text", NEWSLETTER),
    Editable("from_name", "text", SENDER), Editable("from_address", "email", SENDER), Editable("reply_to", "email", SENDER),
    Editable("smtp_host", "text", SMTP), Editable("smtp_port", "whole", SMTP),
    Editable("smtp_security", "choice", SMTP, ("starttls", "tls", "none")),
    Editable("smtp_username", "text", SMTP), Editable("smtp_password", "secret", SMTP),
    Editable("imap_host", "text", MAILBOX), Editable("imap_port", "whole", MAILBOX),
    Editable("imap_security", "choice", MAILBOX, ("tls", "starttls", "none")),
    Editable("imap_username", "text", MAILBOX), Editable("imap_password", "secret", MAILBOX),
    Editable("imap_folder", "text", MAILBOX),
    Editable("public_url", "url", WEB), Editable("privacy_url", "url", WEB), Editable("imprint_url", "url", WEB),
    Editable("accessibility_url", "url", WEB), Editable("desk_url", "url", WEB),
    Editable("hourly_limit", "whole", QUOTAS), Editable("daily_limit", "whole", QUOTAS),
    Editable("rate_limit", "decimal", QUOTAS), Editable("send_hours", "text", QUOTAS), Editable("time_zone", "text", QUOTAS),
)
BY_NAME = {field.name: field for field in EDITABLE}
AMBIGUOUS_EN = re.compile(r"[+-]?\d{1,3}\.\d{3}")  # on an English page "1.000" may still be a German thousand


class Refused(Exception):
    """What is wrong, field by field (Settings field name -> message); nothing was written."""

    def __init__(self, problems: dict[str, Message]) -> None:
        super().__init__(problems)
        self.problems = problems


def read_number(text: str, lang: str, whole: bool) -> str:
    """A number as typed on a page in `lang` ("1.000" and "1.000,5" on a German page), as the plain digits .env
    keeps ("1000", "1000.5"). Never reads "1.000" as 1: on an English page it is refused as ambiguous."""
    typed = text.strip().replace("\u00a0", "").replace(" ", "")
    if lang != "de" and AMBIGUOUS_EN.fullmatch(typed):
        raise ValueError(message("{typed} is ambiguous: write {thousands} if the dot groups thousands or {decimal} if it is "
                                 "a decimal point", typed=typed, thousands=typed.replace(".", ""),
                                 decimal=format(Decimal(typed).normalize(), "f")))
    try:
        number = parse_decimal(typed, locale=lang, strict=True)
    except NumberFormatError:
        raise ValueError(message("{typed} is not a number", typed=typed)) from None
    if whole and number != number.to_integral_value():
        raise ValueError(message("{typed} is not a whole number", typed=typed))
    return str(int(number)) if whole else format(number.normalize(), "f")


def read_form(form: Mapping[str, str], lang: str) -> tuple[dict[str, str | None], dict[str, Message]]:
    """The changes a form asks for (variable -> value; None unsets it) and the fields it could not read. An empty
    password field keeps the password (they are write-only); an empty other field unsets the setting."""
    changes: dict[str, str | None] = {}
    problems: dict[str, Message] = {}
    for field in EDITABLE:
        if field.name not in form:
            continue
        typed = form[field.name].strip()
        if field.kind == "secret" and not typed:
            continue
        if field.kind in ("whole", "decimal") and typed:
            try:
                typed = read_number(typed, lang, field.kind == "whole")
            except ValueError as exc:
                problems[field.name] = exc.args[0]
                continue
        if field.kind == "url" and typed.lower().startswith("http://") and not is_loopback(urlsplit(typed).hostname or ""):
            problems[field.name] = message("write the address with https://: mail programs and browsers warn about or "
                                           "block http:// links (http:// only for 127.0.0.1, to try the pages)")
            continue
        if field.kind == "choice" and typed not in field.choices:
            problems[field.name] = message("choose one of the offered values")
            continue
        changes[field.variable] = typed or None
    return changes, problems


def from_environment(changes: Mapping[str, str | None]) -> list[str]:
    """The changed variables the environment sets: it wins over .env, so writing them there would change nothing."""
    return [name for name in changes if name in os.environ]


def candidate(env_file: Path, changes: Mapping[str, str | None]) -> Settings:
    """The settings as they would be after the change, validated by the model; Refused names each bad field."""
    values = {key: value for key, value in dotenv_values(env_file).items() if key not in os.environ} if env_file.is_file() else {}
    for key, value in changes.items():
        values.pop(key, None) if value is None else values.__setitem__(key, value)
    given = {key.removeprefix(PREFIX).lower(): value for key, value in values.items()
             if key.startswith(PREFIX) and key.removeprefix(PREFIX).lower() in Settings.model_fields}
    try:
        return Settings(_env_file=None, **given)  # type: ignore[call-arg,arg-type]
    except ValidationError as exc:
        problems: dict[str, Message] = {}
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "settings"
            problems.setdefault(field, wording(error))
        raise Refused(problems) from None


def wording(error: Mapping[str, object]) -> Message:
    """Pydantic's error as the desk says it at the field."""
    kind, context = str(error.get("type", "")), error.get("ctx") or {}
    assert isinstance(context, Mapping)
    if kind.startswith("greater_than"):
        return message("the number must be at least {limit}", limit=context.get("ge", context.get("gt", "")))
    if kind.startswith("less_than"):
        return message("the number must be at most {limit}", limit=context.get("le", context.get("lt", "")))
    if kind in ("int_parsing", "float_parsing", "int_from_float"):
        return message("not a number")
    if kind == "value_error" and "email" in str(error.get("msg", "")).lower():
        return message("not a valid e-mail address, e.g. name@stadt.de")
    if kind.startswith("url"):
        return message("not a web address; write it like https://www.example.org/datenschutz")
    return message("{detail}", detail=str(error.get("msg", "")).removeprefix("Value error, "))


def save(env_file: Path, changes: Mapping[str, str | None]) -> Settings:
    """Validates the change and writes it into `.env` (comments and order kept); returns the new settings."""
    shadowed = from_environment(changes)
    if shadowed:
        raise Refused({name.removeprefix(PREFIX).lower(): message("set in the environment, which wins over .env; change "
                                                                  "it there") for name in shadowed})
    settings = candidate(env_file, changes)
    update_env(env_file, changes)
    return settings


def shown_number(value: object, lang: str) -> str:
    """A number setting as the page's language writes it, without grouping ("2,5" on a German page, "1000"), so
    that it reads back as the same number."""
    return format_decimal(Decimal(str(value)), locale=lang, group_separator=False) if value is not None else ""
