"""`Verbindung testen`: the SMTP and IMAP settings tried step by step (connect, TLS, login, goodbye), so a
refusal names its step and the setting to change. SMTP goes through the transport's own connect sequence, so
the test tries what a send does. No mail is sent and no mailbox is changed."""

from __future__ import annotations

import dataclasses
import imaplib
import ssl
from dataclasses import dataclass, field
from typing import Literal

import aiosmtplib
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from composer.config.parts import IMAPConfig, SMTPConfig
from composer.audience.mailboxes import refuse_plaintext_login as refuse_imap_plaintext_login
from composer.errors import SettingsError, TransportError
from composer.i18n import Message, message
from composer.send.transports.smtp import ConnectStep, Outcome, connect, refuse_plaintext_login

# The transport's step details that are our words, not the server's, by the reason code it reports them with; a
# login is skipped only when no username is set.
OWN_WORDS = {"no_starttls": message("the server does not offer STARTTLS"),
             "no_auth": message("the server offers no login (AUTH) on this connection")}
NO_USERNAME = message("{names} not set", names="NEWSLETTER_SMTP_USERNAME")
TRIAL_SECONDS = 10.0  # a server greets within a second or two; a port that stays silent (465 asked for STARTTLS) would
# hold the test, and the settings page saving with it, for the whole send timeout
StepName = Literal["settings", "connect", "tls", "login", "folder", "quit", "logout"]


@dataclass(frozen=True)
class Step:
    name: StepName
    outcome: Outcome
    detail: Message | str = ""  # the server's reply or the error as it came, or our own words (a Message)
    advice: str = ""  # what to change, when the step failed
    reason: str = ""  # a short code for that advice, which the desk words in German


@dataclass
class Trial:
    """The steps of one connection test, in order; the first failed step ends it."""

    service: Literal["smtp", "imap"]
    where: str
    steps: list[Step] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(s.outcome != "failed" for s in self.steps)

    @property
    def failed(self) -> Step | None:
        return next((s for s in self.steps if s.outcome == "failed"), None)

    def add(self, name: StepName, outcome: Outcome, detail: Message | str = "", advice: str = "", reason: str = "") -> Step:
        step = Step(name, outcome, detail, advice, reason)
        self.steps.append(step)
        return step


def _why(exc: BaseException) -> Message | str:
    if isinstance(exc, TimeoutError):
        return message("timed out")
    return (str(exc).splitlines() or [type(exc).__name__])[0] or type(exc).__name__


def _tls_failure(exc: BaseException | None) -> ssl.SSLError | None:
    while exc is not None and not isinstance(exc, ssl.SSLError):
        exc = exc.__cause__ or exc.__context__
    return exc


async def try_smtp(smtp: SMTPConfig, seconds: float = TRIAL_SECONDS) -> Trial:
    """The transport's own connect sequence (connect, STARTTLS or TLS, AUTH when a username is set), each step
    reported as it ends, then QUIT; the message is never started. Each step waits `seconds` at most."""
    smtp = dataclasses.replace(smtp, timeout=min(smtp.timeout, seconds))
    trial = Trial("smtp", smtp.where)
    if not smtp.host:
        trial.add("settings", "failed", message("{names} not set", names="NEWSLETTER_SMTP_HOST"),
                  "set NEWSLETTER_SMTP_HOST (and port, security, username, password); until then mail goes to outbox/", "no_host")
        return trial
    try:
        refuse_plaintext_login(smtp)
    except SettingsError as exc:
        trial.add("settings", "failed", "", str(exc), "plaintext")
        return trial

    def report(step: ConnectStep, outcome: Outcome, detail: str = "", reason: str = "") -> None:
        said = OWN_WORDS.get(reason) or (NO_USERNAME if (step, outcome) == ("login", "skipped") else detail)
        trial.add(step, outcome, said, _smtp_advice(reason, smtp.port) if outcome == "failed" else "", reason)

    try:
        client = await connect(smtp, report)
    except (SettingsError, TransportError):
        return trial  # the failed step is reported
    try:
        reply = await client.quit()
        trial.add("quit", "ok", f"{reply.code} {reply.message}")
    except (aiosmtplib.SMTPException, OSError) as exc:
        client.close()
        trial.add("quit", "failed", _why(exc), "the server did not end the connection cleanly; sending may still work", "unclean")
    return trial


def _smtp_advice(reason: str, port: int) -> str:
    """What to change when a step of the connect sequence failed, by its reason."""
    return {
        "unreachable": f"check NEWSLETTER_SMTP_HOST and NEWSLETTER_SMTP_PORT ({port}); the server may also be blocked by a firewall",
        "no_answer": _silent_advice("SMTP", port),
        "tls": _tls_advice("SMTP", port),
        "no_starttls": "use NEWSLETTER_SMTP_SECURITY=tls with port 465, or ask the provider for the STARTTLS port (587)",
        "no_auth": "check NEWSLETTER_SMTP_SECURITY and the port, or remove NEWSLETTER_SMTP_USERNAME",
        "credentials": "check NEWSLETTER_SMTP_USERNAME and NEWSLETTER_SMTP_PASSWORD (some providers want an app password)",
    }.get(reason, "")


def _silent_advice(what: str, port: int) -> str:
    tls, starttls = ("465", "587") if what == "SMTP" else ("993", "143")
    return (f"no answer on port {port}: check NEWSLETTER_{what}_PORT together with NEWSLETTER_{what}_SECURITY (tls: "
            f"usually {tls}, starttls: {starttls}); a firewall may also drop the connection")


def _tls_advice(what: str, port: int) -> str:
    tls, starttls = ("465", "587") if what == "SMTP" else ("993", "143")
    advice = (f"the encrypted connection failed on port {port}: check NEWSLETTER_{what}_SECURITY and NEWSLETTER_{what}_PORT "
              f"(tls: usually {tls}, starttls: {starttls})")
    return advice + ("; if the server uses a private certificate authority, set NEWSLETTER_SMTP_CA_FILE" if what == "SMTP" else "")


def try_imap(imap: IMAPConfig, timeout: float = TRIAL_SECONDS) -> Trial:
    """Connect, TLS or STARTTLS, LOGIN, the folder (examined read-only), LOGOUT; nothing is moved or marked. Each
    step waits `timeout` at most (the send timeout, and never more than TRIAL_SECONDS)."""
    timeout = min(timeout, TRIAL_SECONDS)
    where = f"{imap.host}:{imap.port}"
    trial = Trial("imap", where)
    if not (imap.host and imap.username and imap.password):
        missing = [n for n, v in (("HOST", imap.host), ("USERNAME", imap.username), ("PASSWORD", imap.password)) if not v]
        trial.add("settings", "failed", message("{names} not set", names=", ".join(f"NEWSLETTER_IMAP_{n}" for n in missing)),
                  "set NEWSLETTER_IMAP_HOST, NEWSLETTER_IMAP_USERNAME and NEWSLETTER_IMAP_PASSWORD to read the reply mailbox",
                  "imap_missing")
        return trial
    try:
        refuse_imap_plaintext_login(imap)
    except SettingsError as exc:
        trial.add("settings", "failed", "", str(exc), "imap_plaintext")
        return trial
    try:
        client = IMAPClient(imap.host, port=imap.port, ssl=imap.security == "tls", ssl_context=ssl.create_default_context(),
                            timeout=timeout)
    except (OSError, imaplib.IMAP4.error, IMAPClientError) as exc:
        if _tls_failure(exc):
            trial.add("connect", "ok", where)
            trial.add("tls", "failed", _why(_tls_failure(exc) or exc), _tls_advice("IMAP", imap.port), "tls")
        elif isinstance(exc, TimeoutError):
            trial.add("connect", "failed", _why(exc), _silent_advice("IMAP", imap.port), "no_answer")
        else:
            trial.add("connect", "failed", _why(exc), f"check NEWSLETTER_IMAP_HOST and NEWSLETTER_IMAP_PORT ({imap.port})", "unreachable")
        return trial
    trial.add("connect", "ok", where)
    try:
        _imap_steps(client, imap, trial)
    finally:
        try:
            reply = client.logout()
            if not trial.failed:
                trial.add("logout", "ok", reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply))
        except (OSError, imaplib.IMAP4.error, IMAPClientError) as exc:
            if not trial.failed:
                trial.add("logout", "failed", _why(exc), "the server did not end the connection cleanly; reading may still work", "unclean")
    return trial


def _imap_steps(client: IMAPClient, imap: IMAPConfig, trial: Trial) -> None:
    if imap.security == "none":
        trial.add("tls", "skipped", "NEWSLETTER_IMAP_SECURITY=none")
    elif imap.security == "tls":
        trial.add("tls", "ok", "TLS")
    else:
        try:
            client.starttls(ssl.create_default_context())
        except (OSError, imaplib.IMAP4.error, IMAPClientError) as exc:
            trial.add("tls", "failed", _why(exc), _tls_advice("IMAP", imap.port), "tls")
            return
        trial.add("tls", "ok", "STARTTLS")
    try:
        reply = client.login(imap.username, imap.password)
    except (LoginError, IMAPClientError, imaplib.IMAP4.error, OSError) as exc:
        trial.add("login", "failed", _why(exc), "check NEWSLETTER_IMAP_USERNAME and NEWSLETTER_IMAP_PASSWORD", "credentials")
        return
    trial.add("login", "ok", reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply))
    try:
        status = client.select_folder(imap.folder, readonly=True)
    except (IMAPClientError, imaplib.IMAP4.error, OSError) as exc:
        trial.add("folder", "failed", _why(exc), f"NEWSLETTER_IMAP_FOLDER={imap.folder} does not exist; check its name "
                  "(often INBOX)", "no_folder")
        return
    trial.add("folder", "ok", f"{imap.folder}: {status.get(b'EXISTS', '?')}")
