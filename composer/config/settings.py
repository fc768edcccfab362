"""Settings from NEWSLETTER_* environment variables or .env (the environment wins), read once at the edge;
the stages get their typed part (composer.config.parts), not this object."""

from __future__ import annotations

import difflib
import os
import re
from datetime import tzinfo
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
from typing import Literal, get_args

from pydantic import EmailStr, Field, HttpUrl, SecretStr, ValidationError, ValidationInfo, field_validator, model_validator
from dotenv.parser import parse_stream
from pydantic_settings import BaseSettings, SettingsConfigDict

from composer.config.hours import parse_hours
from composer.config.parts import DEFAULT_PORTS, DKIMConfig, IMAPConfig, Limits, Policy, Sender, SMTPConfig
from composer.errors import SettingsError

PLACEHOLDER_FROM = "newsletter@example.org"  # only in previews and the outbox, never over SMTP
GROUPED = re.compile(r"[+-]?[1-9]\d{0,2}(\.\d{3})+")  # "1.000": a thousand in German, one to Python


def ambiguity(raw: str, whole: bool) -> str | None:
    """Why `raw` cannot be read as a number of a setting without guessing (None when it can): a dot followed by
    exactly three digits groups thousands in German and is a decimal point to pydantic."""
    text = raw.strip()
    if not GROUPED.fullmatch(text):
        return None
    thousands = text.replace(".", "")
    if text.count(".") > 1:  # "1.000.000" has no decimal reading, but should be told how to write it
        return f"{text} is no number: write {thousands} if the dots group thousands"
    decimal = format(Decimal(text).normalize(), "f")
    if whole and "." in decimal:
        return f"{text} is no whole number: write {thousands} if the dot groups thousands"
    return f"{text} is ambiguous: write {thousands} if the dot groups thousands or {decimal} if it is a decimal point"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSLETTER_", env_file=".env", env_file_encoding="utf-8",
                                      extra="ignore", hide_input_in_errors=True)

    smtp_host: str | None = None
    smtp_port: int | None = Field(default=None, ge=1, le=65535)
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout: float = Field(default=30.0, gt=0)
    smtp_ca_file: Path | None = None
    smtp_allow_plaintext_auth: bool = Field(default=False, description="allow a password over security=none")

    from_address: EmailStr | None = None
    from_name: str | None = None
    reply_to: EmailStr | None = None
    envelope_sender: EmailStr | None = None

    concurrency: int = Field(default=4, ge=1, le=64)
    rate_limit: float = Field(default=300.0, ge=0, description="messages per minute over all connections; 0 = no limit")
    max_per_connection: int | None = Field(default=None, ge=1)
    hourly_limit: int = Field(default=0, ge=0, description="messages in any 60 minutes, over all sends; 0 = no limit")
    daily_limit: int = Field(default=0, ge=0, description="messages in any 24 hours, over all sends; 0 = no limit")
    send_hours: str | None = Field(default=None, description="e.g. 'Mo-Fr 08:00-18:00'; outside them a send waits")
    time_zone: str | None = Field(default=None, description="e.g. Europe/Berlin; the machine's own when unset")
    retry_budget: int = Field(default=5, ge=1, description="attempts per recipient in one run")
    retry_base_delay: float = Field(default=2.0, ge=0)
    retry_max_delay: float = Field(default=300.0, ge=0)
    stop_after_failures: int = Field(default=10, ge=0, description="same failure this many times in a row stops the send; 0 = never")

    approval: Literal["off", "required"] = Field(default="off", description="'required': a list send needs the "
                                                 "approval (Freigabe) of another person in the desk")

    desk_url: HttpUrl | None = Field(default=None, description="where the office reaches the desk (invitation and "
                                                               "approval links); http://127.0.0.1:8025 when unset")
    unsubscribe_mailto: EmailStr | None = None
    unsubscribe_url: HttpUrl | None = None
    public_url: HttpUrl | None = Field(default=None, description="where `newsletter serve` and the archive are reachable")
    privacy_url: HttpUrl | None = Field(default=None, description="the privacy notice, linked from every web page")
    # (no description: the desk's German list of settings is being moved to the catalogue; env.example says them)
    imprint_url: HttpUrl | None = None  # the Impressum, linked from every web page; the newest issue's when unset
    accessibility_url: HttpUrl | None = None  # the accessibility statement; `serve` shows its own page when unset
    signup_ip: Literal["full", "truncated", "none"] = "truncated"  # a sign-up's IP in its proof (/24, /48)
    consent_retention_days: int = Field(default=1095, ge=1)  # proofs of consent, after the subscription ends
    name: str | None = Field(default=None, description="the newsletter's name on the web pages and in confirmation "
                                                       "mails; the newest issue's when unset")
    public_lists: str | None = Field(default=None, description="lists the sign-up form offers, with a title each: "
                                                               "'volunteers=Ehrenamtliche; presse=Presse'")
    signup_limit: int = Field(default=5, ge=1, description="sign-up form posts per client address in the window")
    signup_window: int = Field(default=10, ge=1, description="minutes of the sign-up rate limit")
    signup_hourly_cap: int = Field(default=50, ge=1, description="confirmation mails in any 60 minutes from the whole "
                                                                 "sign-up form; at most a fifth of NEWSLETTER_HOURLY_LIMIT")
    signup_daily_cap: int = Field(default=200, ge=1, description="confirmation mails in any 24 hours from the whole "
                                                                 "sign-up form; at most a fifth of NEWSLETTER_DAILY_LIMIT")
    trusted_proxies: str | None = Field(default=None, description="addresses of your reverse proxy, comma-separated; "
                                                                  "only their X-Forwarded-For is believed")
    secret_key: SecretStr | None = None
    desk_password_hash: SecretStr | None = Field(default=None, description="argon2 hash from `newsletter desk --set-password`")

    dkim_key_file: Path | None = Field(default=None, description="PEM private key; signs every message")
    dkim_selector: str | None = None
    dkim_domain: str | None = None

    verp: bool = Field(default=False, description="envelope sender bounces+<token>@domain per recipient")

    imap_host: str | None = None
    imap_port: int | None = Field(default=None, ge=1, le=65535)
    imap_security: Literal["tls", "starttls", "none"] = "tls"
    imap_username: str | None = None
    imap_password: SecretStr | None = None
    imap_folder: str = "INBOX"
    imap_allow_plaintext_auth: bool = Field(default=False, description="allow the IMAP password over security=none")
    inbox_maildir: Path | None = Field(default=None, description="a local Maildir read instead of IMAP (inbox and desk)")
    soft_bounce_limit: int = Field(default=3, ge=1, description="temporary bounces in distinct issues before suppression")

    retention_days: int = Field(default=400, ge=1, description="delivery rows older than this lose their addresses")

    state_dir: Path = Path(".newsletter")
    outbox_dir: Path = Path("outbox")
    templates_dir: Path = Field(default=Path("templates"), description="the folder's own templates; each overrides the package's")

    @field_validator("*", mode="before")
    @classmethod
    def _unambiguous_number(cls, value: object, info: ValidationInfo) -> object:
        """Every numeric setting refuses "1.000" rather than reading it as 1 (NEWSLETTER_HOURLY_LIMIT=1.000 would
        otherwise allow one message an hour, and the next send would wait a day)."""
        if isinstance(value, str) and info.field_name:
            annotation = cls.model_fields[info.field_name].annotation
            types = set(get_args(annotation)) | {annotation}
            if types & {int, float} and (problem := ambiguity(value, float not in types)):
                raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        self.limits, self.zone  # noqa: B018 - a wrong NEWSLETTER_SEND_HOURS or NEWSLETTER_TIME_ZONE is reported at the edge
        if self.smtp_password and not self.smtp_username:
            raise ValueError("NEWSLETTER_SMTP_PASSWORD is set but NEWSLETTER_SMTP_USERNAME is not")
        if self.dkim_key_file and not self.dkim_selector:
            raise ValueError("NEWSLETTER_DKIM_KEY_FILE is set but NEWSLETTER_DKIM_SELECTOR is not")
        return self

    @property
    def smtp(self) -> SMTPConfig:
        return SMTPConfig(
            self.smtp_host, self.smtp_port or DEFAULT_PORTS[self.smtp_security], self.smtp_security, self.smtp_username,
            self.smtp_password.get_secret_value() if self.smtp_password else None, self.smtp_timeout, self.smtp_ca_file,
            self.smtp_allow_plaintext_auth)

    @property
    def delivery(self) -> Policy:
        return Policy(self.concurrency, self.rate_limit, self.max_per_connection, self.retry_budget, self.retry_base_delay,
                      self.retry_max_delay, self.stop_after_failures, self.smtp_timeout)

    @property
    def zone(self) -> tzinfo | None:
        try:
            return ZoneInfo(self.time_zone) if self.time_zone else None
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(f"NEWSLETTER_TIME_ZONE: {self.time_zone!r} is not a time zone; write it like Europe/Berlin") from None

    @property
    def limits(self) -> Limits:
        """The provider's windows and the sending hours; they apply to real sends over SMTP, not to the outbox."""
        return Limits(self.hourly_limit, self.daily_limit, parse_hours(self.send_hours) if self.send_hours else None)

    @property
    def imap(self) -> IMAPConfig:
        return IMAPConfig(
            self.imap_host, self.imap_port or (993 if self.imap_security == "tls" else 143), self.imap_security,
            self.imap_username, self.imap_password.get_secret_value() if self.imap_password else None, self.imap_folder,
            self.imap_allow_plaintext_auth)

    @property
    def sender(self) -> Sender:
        address = str(self.from_address or PLACEHOLDER_FROM)  # a placeholder only where nothing leaves the machine
        dkim = None
        if self.dkim_key_file and self.dkim_selector:
            dkim = DKIMConfig(self.dkim_key_file, self.dkim_selector, self.dkim_domain or address.rsplit("@", 1)[1])
        return Sender(
            address, self.from_name, str(self.reply_to) if self.reply_to else None,
            str(self.envelope_sender or address), self.verp, str(self.unsubscribe_mailto or self.reply_to or address),
            self._one_click_url(), dkim)

    def _one_click_url(self) -> str | None:
        """The web unsubscribe address with a {token} slot: the configured one, else the one `serve` offers."""
        if self.unsubscribe_url:
            url = str(self.unsubscribe_url).replace("%7Btoken%7D", "{token}")
            return url if "{token}" in url else f"{url.rstrip('/')}/{{token}}"
        return f"{self.public_base}/u/{{token}}" if self.public_url else None

    def web_version_url(self, slug: str) -> str | None:
        """Where `newsletter archive` output is served: {public_url}/archive/<slug>.html."""
        return f"{self.public_base}/archive/{slug}.html" if self.public_url else None

    @property
    def public_base(self) -> str:
        return str(self.public_url).rstrip("/") if self.public_url else ""


CLI_VARIABLES = ("NEWSLETTER_FOLDER", "NEWSLETTER_DNS_SERVER")  # options of single commands, read by the CLI


def load_settings(env_file: Path | None = Path(".env"), **overrides: object) -> Settings:
    """Reads settings once at the edge; errors name the variable, never echo a value (passwords). A name that is
    no setting is an error, not ignored: a typo in NEWSLETTER_SMTP_HOST would otherwise send to the outbox."""
    unknown(env_file)
    try:
        return Settings(_env_file=env_file, **overrides)  # type: ignore[call-arg,arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = "NEWSLETTER_" + str(err["loc"][0]).upper() if err["loc"] else "settings"
            lines.append(f"{name}: {err['msg'].removeprefix('Value error, ')}")
        raise SettingsError("; ".join(lines) + " (check your environment or .env)") from None


def env_names(env_file: Path | None) -> list[str]:
    """The names `env_file` sets; SettingsError at its first line that is no NAME=value: python-dotenv would skip
    it with a warning, and the setting on it would silently not count."""
    if env_file is None or not env_file.is_file():
        return []
    with env_file.open(encoding="utf-8") as stream:
        bindings = list(parse_stream(stream))
    broken = next((b for b in bindings if b.error), None)
    if broken is not None:
        text = broken.original.string.strip()
        shown = text.split()[0] if text.split() else text
        raise SettingsError(f"{env_file}:{broken.original.line}: {shown} … is not NAME=value; write the setting as "
                            "NAME=value on one line (a value with spaces or # in quotes)")
    return [b.key for b in bindings if b.key is not None]


def unknown(env_file: Path | None) -> None:
    """Raises SettingsError for the first NEWSLETTER_ name, in the environment or in `env_file`, that is no
    setting, with the setting it most resembles."""
    known = {f"NEWSLETTER_{name.upper()}" for name in Settings.model_fields} | set(CLI_VARIABLES)
    sources = [(name, "the environment") for name in os.environ] + [(name, str(env_file)) for name in env_names(env_file)]
    for name, where in sources:
        if name.upper().startswith("NEWSLETTER_") and name.upper() not in known:
            near = difflib.get_close_matches(name.upper(), sorted(known), n=1)
            hint = f"did you mean {near[0]}? " if near else ""
            raise SettingsError(f"{name} (in {where}) is not a setting; {hint}correct or remove it "
                                "(every setting is described in the README, under Settings)")
