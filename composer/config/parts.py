"""Typed parts of the settings, each built once at the edge and handed to the one stage that needs it:
the SMTP transport gets only `SMTPConfig`, the inbox only `IMAPConfig`, the message factory and the sign-up
mail only `Sender`. So no stage can read a password or a port that is not its business."""

from __future__ import annotations

import ipaddress
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from composer.config.hours import SendingHours
from composer.i18n import message
from composer.i18n.formats import number

DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}


SECURED = {"starttls": "STARTTLS", "tls": "TLS", "none": "unencrypted"}  # how a connection is secured, in words


@dataclass(frozen=True)
class SMTPConfig:
    host: str | None
    port: int
    security: Literal["starttls", "tls", "none"]
    username: str | None
    password: str | None
    timeout: float
    ca_file: Path | None
    allow_plaintext_auth: bool

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def secured(self) -> str:
        return SECURED[self.security]


def is_loopback(host: str) -> bool:
    """A host on this machine only (127.0.0.1, ::1, localhost): nothing there travels over a network."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class IMAPConfig:
    host: str | None
    port: int
    security: Literal["tls", "starttls", "none"]
    username: str | None
    password: str | None
    folder: str
    allow_plaintext_auth: bool = False


@dataclass(frozen=True)
class DKIMConfig:
    key_file: Path
    selector: str
    domain: str


@dataclass(frozen=True)
class Sender:
    """Who a message is from and where its answers go: From, Reply-To, the bounce address (with VERP), the
    unsubscribe mailbox and the one-click URL, and the DKIM key that vouches for the domain."""

    address: str
    name: str | None
    reply_to: str | None
    bounce_address: str
    verp: bool
    unsubscribe_mailbox: str
    one_click_url: str | None
    dkim: DKIMConfig | None

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[1]

    def envelope_for(self, token: str) -> str:
        """With VERP, bounces+<token>@domain: a bounce then names its recipient even when the DSN is mangled."""
        if not self.verp:
            return self.bounce_address
        local, domain = self.bounce_address.rsplit("@", 1)
        return f"{local}+{token}@{domain}"


@dataclass(frozen=True)
class Policy:
    """How the dispatcher delivers: connections, rate, retries with backoff, the breaker, the time to wait on a reply.
    The rate applies where the transport says it does (Transport.rate_limited)."""

    concurrency: int = 4
    rate_per_minute: float = 0.0
    max_per_connection: int | None = None
    retry_budget: int = 5
    base_delay: float = 2.0
    max_delay: float = 300.0
    stop_after_failures: int = 10
    timeout: float = 30.0

    def delay(self, attempt: int) -> float:
        """Exponential backoff with jitter, so retries from many workers do not arrive together."""
        return min(self.max_delay, self.base_delay * 2**attempt) * random.uniform(0.5, 1.5)


@dataclass(frozen=True)
class Limits:
    """The provider's quotas and the office's sending hours; empty means send whenever."""

    hourly: int = 0
    daily: int = 0
    hours: SendingHours | None = None

    def __bool__(self) -> bool:
        return bool(self.hourly or self.daily or self.hours)

    def describe(self, lang: str, hours: bool = True) -> str:
        """The limits as the coordinator reads them, the numbers in her language's form ("1.000 pro Stunde"); the
        provider's quotas alone without `hours`."""
        parts = [message("{n} an hour", n=number(self.hourly, lang)) if self.hourly else None,
                 message("{n} a day", n=number(self.daily, lang)) if self.daily else None,
                 message("only {hours}", hours=self.hours.text) if self.hours and hours else None]
        return ", ".join(p.render(lang) for p in parts if p) or message("none").render(lang)
