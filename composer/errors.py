"""One small tree of errors, so the CLI can map every failure to a one-line message and an exit code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from composer.i18n import Message, message, plural, render


def shown(path: Path) -> str:
    """A path as the coordinator typed it: relative to where they are, when it is below there."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def said(exc: BaseException) -> Message | str:
    """What an error says, to carry on into a Problem or a page: its Message when it was raised with one."""
    first = exc.args[0] if exc.args else ""
    return first if isinstance(first, Message) else str(exc)


class ComposerError(Exception):
    """Root of every error this package raises on purpose; its text is meant for the coordinator.

    Raised with a `composer.i18n.Message` (or, until every raise is converted, a plain string); `str()` is English,
    a face shows `shown(lang)`.
    """

    def shown(self, lang: str) -> str:
        return render(said(self), lang)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an input file, located as precisely as can be known."""

    file: str
    line: int | None
    field: str
    message: Message | str  # rendered where it is shown; str() of the Problem is English

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class IssueFileError(ComposerError):
    """An issue file cannot be read or does not match the schema; holds every problem found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class RenderError(ComposerError):
    """A template or the MJML compiler failed; the message names the template and line."""


class SettingsError(ComposerError):
    """The SMTP or sender settings (environment or .env) are missing or inconsistent."""


class SubscriberListError(ComposerError):
    """A subscriber list cannot be read at all (missing file, no email column)."""


class AddressError(ComposerError):
    """An email address typed on the command line is not valid."""


class MessageError(ComposerError):
    """No message can be made for this recipient; the dispatcher records it as failed and goes on."""


class HeaderInjectionError(MessageError):
    """A header value holds a line break, which would let it add headers or recipients."""


class StateError(ComposerError):
    """The send-state database cannot be opened or is from an incompatible version."""


class DiskFullError(StateError):
    """The disk of the send state is full: the send stops before a message it could not record goes out."""


class TransportError(ComposerError):
    """A transport could not connect or write; the dispatcher treats it as temporary."""


class SendError(TransportError):
    """The server refused one recipient, shaped like aiosmtplib's errors."""

    def __init__(self, code: int, message: str, recipient: str) -> None:
        self.code = code
        self.message = message
        self.recipient = recipient
        super().__init__(f"{recipient}: {code} {message}")


class TemporarySendError(SendError):
    """4xx, dropped connection or timeout: worth retrying later."""


class PermanentSendError(SendError):
    """5xx: retrying would only annoy the provider."""


class LoginRefusedError(SettingsError):
    """The server refused the login: no message can go out, so the whole send stops and nothing is marked."""


class SenderRefusedError(SendError):
    """The server refused the sender (a reply to MAIL FROM, e.g. a policy block or the provider's quota):
    not the recipient's fault, so the whole send stops and the recipient stays pending."""

    def said(self) -> Message:
        return message("the server refused the sender ({reply}); this is not about the recipients, so nobody was "
                       "marked failed. Fix the cause (sender address, the provider's limit), then run the same command "
                       "again", reply=f"{self.code} {self.message}")

    def __str__(self) -> str:
        return str(self.said())

    def shown(self, lang: str) -> str:
        return self.said().render(lang)


class UncertainSendError(TemporarySendError):
    """The end of the message was sent but no reply came (dropped connection, timeout): the server may have
    kept it, so it is resent at most once in its whole history."""


class RepeatedFailureError(TransportError):
    """The same failure for many recipients in a row (a circuit breaker): the cause is the server or the
    account, not the recipients, so the send stops and those not yet accepted stay pending."""


class ChecksFailedError(ComposerError):
    """The issue has check errors, so it is not sent; holds the findings for the caller to show."""

    def __init__(self, findings: list[object], issue: Path) -> None:
        self.findings = findings
        self.issue = issue
        super().__init__(plural("Not sent: the issue has {n} check error. Fix it, then run `newsletter check {issue}` "
                                "to confirm.", "Not sent: the issue has {n} check errors. Fix them, then run "
                                "`newsletter check {issue}` to confirm.", len(findings), issue=shown(issue)))


class LimitReachedError(ComposerError):
    """A send stopped at the provider's hourly or daily limit, outside the sending hours or before its planned
    start (`--stop-at-limit`): nothing is wrong, it continues when run again after `until`."""

    def __init__(self, until: datetime, why: Message | str) -> None:
        self.until = until
        self.why = why
        super().__init__(f"stopped at the {why}; run the same command again after {until:%a %d.%m.%Y %H:%M}")
