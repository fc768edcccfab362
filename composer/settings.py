"""Sender and SMTP settings from NEWSLETTER_* environment variables or .env (the environment wins)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import EmailStr, Field, HttpUrl, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from composer.errors import SettingsError

PLACEHOLDER_FROM = "newsletter@example.org"  # only in previews and the outbox, never over SMTP
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}


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
    retry_budget: int = Field(default=5, ge=1, description="attempts per recipient in one run")
    retry_base_delay: float = Field(default=2.0, ge=0)
    retry_max_delay: float = Field(default=300.0, ge=0)
    stop_after_failures: int = Field(default=10, ge=0, description="same failure this many times in a row stops the send; 0 = never")

    unsubscribe_mailto: EmailStr | None = None
    unsubscribe_url: HttpUrl | None = None
    public_url: HttpUrl | None = Field(default=None, description="where `newsletter serve` and the archive are reachable")
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
    soft_bounce_limit: int = Field(default=3, ge=1, description="temporary bounces in distinct issues before suppression")

    state_dir: Path = Path(".newsletter")
    outbox_dir: Path = Path("outbox")
    templates_dir: Path = Field(default=Path("templates"), description="the folder's own templates; each overrides the package's")

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.smtp_password and not self.smtp_username:
            raise ValueError("NEWSLETTER_SMTP_PASSWORD is set but NEWSLETTER_SMTP_USERNAME is not")
        if self.dkim_key_file and not self.dkim_selector:
            raise ValueError("NEWSLETTER_DKIM_KEY_FILE is set but NEWSLETTER_DKIM_SELECTOR is not")
        return self

    @property
    def port(self) -> int:
        return self.smtp_port or DEFAULT_PORTS[self.smtp_security]

    @property
    def bounce_address(self) -> str:
        return str(self.envelope_sender or self.sender_address)

    def envelope_for(self, token: str) -> str:
        """With VERP, bounces+<token>@domain: a bounce then names its recipient even when the DSN is mangled."""
        if not self.verp:
            return self.bounce_address
        local, domain = self.bounce_address.rsplit("@", 1)
        return f"{local}+{token}@{domain}"

    @property
    def one_click_url(self) -> str | None:
        """The web unsubscribe address with a {token} slot: the configured one, else the one `serve` offers."""
        if self.unsubscribe_url:
            url = str(self.unsubscribe_url).replace("%7Btoken%7D", "{token}")
            return url if "{token}" in url else f"{url.rstrip('/')}/{{token}}"
        return f"{self.public_base}/u/{{token}}" if self.public_url else None

    def web_version_url(self, slug: str) -> str | None:
        """Where `newsletter archive` output is served: {public_url}/archive/<slug>.html."""
        return f"{self.public_base}/archive/{slug}.html" if self.public_url else None

    @property
    def unsubscribe_mailbox(self) -> str:
        """Where unsubscribe mails go: the dedicated address, else Reply-To, else From."""
        return str(self.unsubscribe_mailto or self.reply_to or self.sender_address)

    @property
    def public_base(self) -> str:
        return str(self.public_url).rstrip("/") if self.public_url else ""

    @property
    def imap_port_or_default(self) -> int:
        return self.imap_port or (993 if self.imap_security == "tls" else 143)

    @property
    def sender_domain(self) -> str:
        return self.sender_address.rsplit("@", 1)[1]

    @property
    def sender_address(self) -> str:
        """The From address; a placeholder where nothing leaves the machine (build, preview, outbox)."""
        return str(self.from_address or PLACEHOLDER_FROM)


def load_settings(env_file: Path | None = Path(".env"), **overrides: object) -> Settings:
    """Reads settings once at the edge; errors name the variable, never echo a value (passwords)."""
    try:
        return Settings(_env_file=env_file, **overrides)  # type: ignore[call-arg,arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = "NEWSLETTER_" + str(err["loc"][0]).upper() if err["loc"] else "settings"
            lines.append(f"{name}: {err['msg'].removeprefix('Value error, ')}")
        raise SettingsError("; ".join(lines) + " (check your environment or .env)") from None
