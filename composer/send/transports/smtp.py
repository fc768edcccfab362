"""SMTP via aiosmtplib: one connection, reused for many messages, with server replies turned into our errors.

With PIPELINING (RFC 2920) MAIL, RCPT and DATA go in one write, and the next message's in the same write as
this one's content: one round trip a message; without it they are sent one by one. Either way every failure
is known by the stage it happened at: a refused sender is not the recipient's fault, and only a failure after
the end of the data was sent leaves the outcome uncertain (the server may have kept the message).
"""

from __future__ import annotations

import functools
import re
import ssl
from pathlib import Path
from typing import Literal, Protocol

import aiosmtplib
from aiosmtplib.response import SMTPResponse

from composer.errors import (
    ComposerError,
    LoginRefusedError,
    PermanentSendError,
    SenderRefusedError,
    SendError,
    SettingsError,
    TemporarySendError,
    TransportError,
    UncertainSendError,
)
from composer.i18n import message
from composer.records import OutgoingMessage
from composer.send.transports import pipelining
from composer.send.transports.base import Accepted, Transport
from composer.config.parts import SMTPConfig

_LINE_START_DOT = re.compile(rb"(?m)^\.")
_CLOSING = 421  # "service not available, closing the channel": whatever the stage, the connection is gone


def refuse_plaintext_login(smtp: SMTPConfig) -> None:
    """A password over an unencrypted connection is refused unless the coordinator said the network is trusted."""
    if smtp.host and smtp.security == "none" and smtp.username and not smtp.allow_plaintext_auth:
        raise SettingsError(message("NEWSLETTER_SMTP_SECURITY=none would send the SMTP password unencrypted; use starttls "
                                    "or tls, or set NEWSLETTER_SMTP_ALLOW_PLAINTEXT_AUTH=true only on a network you trust"))


ConnectStep = Literal["connect", "tls", "login"]
Outcome = Literal["ok", "failed", "skipped"]


class Report(Protocol):
    """Told each step of the connect sequence as it ends: its outcome, the server's reply or the error as it came,
    and for a failure a short reason code (unreachable, no_answer, tls, no_starttls, no_auth, credentials) a face words."""

    def __call__(self, step: ConnectStep, outcome: Outcome, detail: str = "", reason: str = "") -> object: ...


def _unreported(step: ConnectStep, outcome: Outcome, detail: str = "", reason: str = "") -> None:
    pass


async def connect(smtp: SMTPConfig, report: Report = _unreported) -> aiosmtplib.SMTP:
    """The one connect sequence, for sending and for the connection test: connect (TLS from the first byte with
    security=tls), STARTTLS (after EHLO) with security=starttls, EHLO again and AUTH when a username is set. Each
    step is reported as it ends; a failure closes the connection and raises one line that names the setting to
    change: LoginRefusedError, SettingsError (no STARTTLS, an unverified certificate) or TransportError."""
    where = smtp.where
    try:
        context = None if smtp.security == "none" else _tls_context(smtp.ca_file)
    except (OSError, ssl.SSLError) as exc:
        report("tls", "failed", _why(exc), "tls")
        raise SettingsError(message("NEWSLETTER_SMTP_CA_FILE={file} cannot be read as certificates: {why}",
                                    file=smtp.ca_file, why=_why(exc))) from None
    client = aiosmtplib.SMTP(hostname=smtp.host, port=smtp.port, timeout=smtp.timeout, use_tls=smtp.security == "tls",
                             tls_context=context, start_tls=False)
    try:
        try:
            await client.connect()
        except (aiosmtplib.SMTPException, OSError) as exc:
            if _tls_failure(exc):
                report("connect", "ok", where)
                raise _tls_refused(exc, where, report) from None
            report("connect", "failed", _why(exc), "no_answer" if isinstance(exc, aiosmtplib.SMTPTimeoutError) else "unreachable")
            raise TransportError(message("cannot connect to {where}: {why}", where=where, why=_why(exc))) from None
        report("connect", "ok", where)
        await _secure(client, smtp, report)
        await _login(client, smtp, report)
    except BaseException:
        client.close()
        raise
    return client


async def _secure(client: aiosmtplib.SMTP, smtp: SMTPConfig, report: Report) -> None:
    if smtp.security != "starttls":
        report("tls", "ok" if smtp.security == "tls" else "skipped",
               "TLS" if smtp.security == "tls" else "NEWSLETTER_SMTP_SECURITY=none")
        return
    try:
        await client.ehlo()
        if not client.supports_extension("starttls"):
            report("tls", "failed", "the server does not offer STARTTLS", "no_starttls")
            raise SettingsError(message("{where}: the server does not offer STARTTLS; the connection would be unencrypted. "
                                        "Use another server or port, or set NEWSLETTER_SMTP_SECURITY=none only on a "
                                        "network you trust", where=smtp.where))
        await client.starttls()
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise _tls_refused(exc, smtp.where, report) from None
    report("tls", "ok", "STARTTLS")


def _tls_refused(exc: BaseException, where: str, report: Report) -> ComposerError:
    report("tls", "failed", _why(_tls_failure(exc) or exc), "tls")
    unverified = _certificate_error(exc)
    if unverified:
        return SettingsError(message("{where}: the server's certificate could not be verified ({why}); if it uses a "
                                     "private CA, set NEWSLETTER_SMTP_CA_FILE", where=where, why=unverified.verify_message))
    return TransportError(message("cannot connect to {where}: {why}", where=where, why=_why(exc)))


async def _login(client: aiosmtplib.SMTP, smtp: SMTPConfig, report: Report) -> None:
    where = smtp.where
    if not smtp.username:
        report("login", "skipped", "NEWSLETTER_SMTP_USERNAME is not set")
        return
    check = message("check NEWSLETTER_SMTP_USERNAME and NEWSLETTER_SMTP_PASSWORD")
    try:
        if client.is_ehlo_or_helo_needed:  # after STARTTLS the server is asked again what it offers
            await client.ehlo()
        if not client.supports_extension("auth"):
            report("login", "failed", "the server offers no login (AUTH) on this connection", "no_auth")
            raise LoginRefusedError(message("{where} offers no login (AUTH) on this connection; check "
                                            "NEWSLETTER_SMTP_SECURITY and the port, or remove NEWSLETTER_SMTP_USERNAME",
                                            where=where))
        reply = await client.login(smtp.username, smtp.password or "")
    except aiosmtplib.SMTPAuthenticationError as exc:
        report("login", "failed", f"{exc.code} {exc.message}", "credentials")
        raise LoginRefusedError(message("{where} refused the login ({reply}); {check}", where=where,
                                        reply=f"{exc.code} {exc.message}", check=check)) from None
    except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError) as exc:
        # Some servers hang up on a wrong password instead of answering 535.
        report("login", "failed", _why(exc), "credentials")
        raise LoginRefusedError(message("{where} ended the connection during the login ({why}); {check}", where=where,
                                        why=_why(exc), check=check)) from None
    except (aiosmtplib.SMTPException, OSError) as exc:
        report("login", "failed", _why(exc), "credentials")
        raise TransportError(message("cannot log in to {where}: {why}", where=where, why=_why(exc))) from None
    report("login", "ok", f"{reply.code} {reply.message}")


class SMTPTransport(Transport):
    rate_limited = True

    def __init__(self, smtp: SMTPConfig) -> None:
        refuse_plaintext_login(smtp)
        self._smtp = smtp
        self._client: aiosmtplib.SMTP | None = None
        self._announced: tuple[OutgoingMessage, list[SMTPResponse]] | None = None

    @property
    def is_open(self) -> bool:
        return self._client is not None and self._client.is_connected

    async def open(self) -> None:
        self._client = await connect(self._smtp)

    async def send(self, message: OutgoingMessage, following: OutgoingMessage | None = None) -> Accepted:
        if self._client is None:
            raise TemporarySendError(0, "not connected", message.recipient)
        client, recipient = self._client, message.recipient
        announced, self._announced = self._announced, None
        if announced is not None and announced[0] is not message:  # the dispatcher went on with another message
            await self.close()
            raise TemporarySendError(0, "connection closed: another message was announced on it", recipient)
        if announced is not None:
            return await self._pipelined(client, message, announced[1], following)
        commands = _envelope(message)
        try:
            pipelined = await pipelining.offered(client)
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise await self._lost(exc, recipient) from None
        if pipelined:
            replies, error = await pipelining.converse(client, b"", commands, self._smtp.timeout)
            if error is not None:
                raise await self._lost(error, recipient) from None
            return await self._pipelined(client, message, replies, following)
        try:
            await client.mail(message.sender)
        except aiosmtplib.SMTPResponseException as exc:
            if exc.code == _CLOSING:
                await self.close()
                raise TemporarySendError(exc.code, exc.message, recipient) from None
            await self._reset()
            raise SenderRefusedError(exc.code, exc.message, recipient) from None
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise await self._lost(exc, recipient) from None
        try:
            await client.rcpt(recipient)
            start = await client.execute_command(b"DATA")
        except aiosmtplib.SMTPResponseException as exc:
            await self._reset(drop=exc.code == _CLOSING)
            raise _by_code(exc.code, exc.message, recipient) from None
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise await self._lost(exc, recipient) from None
        if start.code != 354:
            await self._reset(drop=start.code == _CLOSING)
            raise _by_code(start.code, start.message, recipient)
        return await self._data(client, message, None)

    async def _pipelined(self, client: aiosmtplib.SMTP, message: OutgoingMessage, replies: list[SMTPResponse],
                         following: OutgoingMessage | None) -> Accepted:
        """The replies to MAIL, RCPT and DATA, sent in one write (RFC 2920), decide: the body goes only after all
        three were accepted, and every refusal is classified by its stage as in the one-by-one path."""
        recipient = message.recipient
        mail, rcpt, start = replies
        if start.code == 354:
            if mail.code == 250 and rcpt.code in (250, 251):
                return await self._data(client, message, following)
            await self._abandon_data(client)
        closing = next((r for r in (mail, rcpt, start) if r.code == _CLOSING), None)
        if closing:
            await self.close()
            raise TemporarySendError(closing.code, closing.message, recipient)
        await self._reset()
        if mail.code != 250:
            raise SenderRefusedError(mail.code, mail.message, recipient)
        refused = rcpt if rcpt.code not in (250, 251) else start
        raise _by_code(refused.code, refused.message, recipient)

    async def _abandon_data(self, client: aiosmtplib.SMTP) -> None:
        """A server that said 354 although MAIL or RCPT failed gets an empty message's end, never the body."""
        try:
            await pipelining.exchange(client, [b"."], self._smtp.timeout)
        except (aiosmtplib.SMTPException, OSError):
            await self.close()

    async def _data(self, client: aiosmtplib.SMTP, message: OutgoingMessage, following: OutgoingMessage | None
                    ) -> Accepted:
        """Writes the dot-stuffed message and its end; from here on, no reply means the server may have kept it.
        With `following` (pipelining only), that message's MAIL, RCPT and DATA go in the same write (RFC 2920
        allows the content as a group's first element), so a list costs one round trip a message; their
        replies are kept for its `send`, and the reply to this message's end stands whatever becomes of them.
        The reply to the end is the result, with the relay's queue id when it names one."""
        data = message.data
        if not message.ready:  # not from MessageFactory: made ready here
            data = data if data.endswith(b"\r\n") else data + b"\r\n"
            if data.startswith(b".") or b"\n." in data:
                data = _LINE_START_DOT.sub(b"..", data)
        commands: list[bytes] = []
        if following is not None:
            try:
                commands = _envelope(following)
            except SendError:  # its own send says so; this message goes alone
                following = None
        replies, error = await pipelining.converse(client, data, commands, self._smtp.timeout, end=True)
        if not replies:
            await self.close()
            raise UncertainSendError(0, f"no answer after the message was handed over ({_why(error or TimeoutError())})",
                                     message.recipient)
        reply = replies[0]
        if error is not None or reply.code == _CLOSING:
            await self.close()
        elif following is not None:
            self._announced = (following, replies[1:])
        if reply.code != 250:
            raise _by_code(reply.code, reply.message, message.recipient)
        return Accepted(reply.message, queue_id(reply.message))

    async def _lost(self, exc: BaseException, recipient: str) -> TemporarySendError:
        await self.close()
        return TemporarySendError(0, f"connection lost ({_why(exc)})", recipient)

    async def _reset(self, drop: bool = False) -> None:
        """After a refusal the connection is reused; if the server is gone or asked us to go, it is closed."""
        if self._client is None:
            return
        if not drop:
            try:
                await self._client.rset()
                return
            except (aiosmtplib.SMTPException, OSError):
                pass
        await self.close()

    async def close(self) -> None:
        """QUIT, or only closing the socket while an announced message waits for its content: a server drops
        a transaction whose data never ended, where a QUIT would be read as the message's text."""
        client, self._client = self._client, None
        announced, self._announced = self._announced, None
        if client is None or not client.is_connected:
            return
        if announced is not None:
            client.close()
            return
        try:
            await client.quit()
        except (aiosmtplib.SMTPException, OSError):
            client.close()


def _tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """One verifying context for all connections (loading the system's certificates takes 20 ms each time),
    made again when the CA file changes."""
    try:
        changed = ca_file.stat().st_mtime_ns if ca_file else 0
    except OSError:
        changed = -1  # ssl says what is wrong with the file
    return _context(str(ca_file) if ca_file else None, changed)


@functools.lru_cache(maxsize=8)
def _context(ca_file: str | None, changed: int) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=ca_file)


def _tls_failure(exc: BaseException | None) -> ssl.SSLError | None:
    while exc is not None and not isinstance(exc, ssl.SSLError):
        exc = exc.__cause__ or exc.__context__
    return exc


def _certificate_error(exc: BaseException | None) -> ssl.SSLCertVerificationError | None:
    """The verification failure behind a connection error: implicit TLS wraps it in aiosmtplib's connect error."""
    while exc is not None and not isinstance(exc, ssl.SSLCertVerificationError):
        exc = exc.__cause__ or exc.__context__
    return exc


def _why(exc: BaseException) -> str:
    """An error as one line: the first of its text, or its kind."""
    if isinstance(exc, TimeoutError):
        return "timed out"
    return (str(exc).splitlines() or [""])[0] or type(exc).__name__


def _envelope(message: OutgoingMessage) -> list[bytes]:
    """MAIL, RCPT and DATA for the message; an address that cannot go on a command line is refused before anything
    is written: the sender's as the sender's, the recipient's as this recipient's."""
    try:
        mail = pipelining.mail_from(message.sender)
    except ValueError as exc:
        raise SenderRefusedError(0, f"the sender address cannot be sent ({exc})", message.recipient) from None
    try:
        return [mail, pipelining.rcpt_to(message.recipient), b"DATA"]
    except ValueError as exc:
        raise PermanentSendError(0, f"the address cannot be sent ({exc})", message.recipient) from None


_NAMED_ID = re.compile(r"\bqueued as:?\s*<?([A-Za-z0-9][\w.@-]*)|\bid=([A-Za-z0-9][\w.-]*)", re.IGNORECASE)
_LOOKS_LIKE_ID = re.compile(r"(?=.*\d)[A-Za-z0-9][\w.@=+-]{5,}")
_STATUS_CODE = re.compile(r"\d\.\d{1,3}\.\d{1,3}")


def queue_id(reply: str) -> str | None:
    """The relay's id for the message in its reply to the end of the data, so its bounces can be matched to the
    delivery: Postfix's "queued as 4Xyz", Exim's "OK id=1abc-000", else the reply's last word when it looks like an
    id (six or more letters and digits, a digit among them, not an enhanced status code); None when none is named."""
    if found := _NAMED_ID.search(reply):
        return (found.group(1) or found.group(2)).rstrip(".")
    words = reply.split()
    last = words[-1].strip("<>[](),;:.") if words else ""
    return last if _LOOKS_LIKE_ID.fullmatch(last) and not _STATUS_CODE.fullmatch(last) else None


def _by_code(code: int, text: str, recipient: str) -> TemporarySendError | PermanentSendError:
    return (PermanentSendError if 500 <= code < 600 else TemporarySendError)(code, text, recipient)
