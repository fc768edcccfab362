"""SMTP via aiosmtplib: one connection, reused for many messages, with server replies turned into our errors.

MAIL, RCPT and DATA are sent one by one, so every failure is known by the stage it happened at: a refused
sender is not the recipient's fault, and only a failure after the end of the data was sent leaves the
outcome uncertain (the server may have kept the message).
"""

from __future__ import annotations

import re
import ssl

import aiosmtplib

from composer.errors import (
    LoginRefusedError,
    PermanentSendError,
    SenderRefusedError,
    SettingsError,
    TemporarySendError,
    TransportError,
    UncertainSendError,
)
from composer.records import OutgoingMessage
from composer.send.transports import pipelining
from composer.send.transports.base import Transport
from composer.settings import Settings

_LINE_START_DOT = re.compile(rb"(?m)^\.")
_CLOSING = 421  # "service not available, closing the channel": whatever the stage, the connection is gone


def refuse_plaintext_login(settings: Settings) -> None:
    """A password over an unencrypted connection is refused unless the coordinator said the network is trusted."""
    if settings.smtp_host and settings.smtp_security == "none" and settings.smtp_username \
            and not settings.smtp_allow_plaintext_auth:
        raise SettingsError("NEWSLETTER_SMTP_SECURITY=none would send the SMTP password unencrypted; use starttls or tls, "
                            "or set NEWSLETTER_SMTP_ALLOW_PLAINTEXT_AUTH=true only on a network you trust")


class SMTPTransport(Transport):
    rate_limited = True

    def __init__(self, settings: Settings) -> None:
        refuse_plaintext_login(settings)
        self._settings = settings
        self._client: aiosmtplib.SMTP | None = None

    @property
    def is_open(self) -> bool:
        return self._client is not None and self._client.is_connected

    async def open(self) -> None:
        s = self._settings
        context = ssl.create_default_context(cafile=str(s.smtp_ca_file) if s.smtp_ca_file else None)
        client = aiosmtplib.SMTP(
            hostname=s.smtp_host, port=s.port, timeout=s.smtp_timeout, tls_context=context,
            use_tls=s.smtp_security == "tls",
            start_tls=False,
        )
        where = f"{s.smtp_host}:{s.port}"
        try:
            await client.connect()
            if s.smtp_security == "starttls":
                await client.ehlo()
                if not client.supports_extension("starttls"):
                    raise aiosmtplib.SMTPNotSupported("the server does not offer STARTTLS")
                await client.starttls()
            if s.smtp_username:
                await self._login(client, where)
        except LoginRefusedError:
            client.close()
            raise
        except aiosmtplib.SMTPAuthenticationError as exc:
            client.close()
            raise LoginRefusedError(f"{where} refused the login ({exc.code} {exc.message}); "
                                    "check NEWSLETTER_SMTP_USERNAME and NEWSLETTER_SMTP_PASSWORD") from None
        except aiosmtplib.SMTPNotSupported as exc:
            client.close()
            raise SettingsError(f"{where}: {exc}; the connection would be unencrypted. Use another server or port, or set "
                                "NEWSLETTER_SMTP_SECURITY=none only on a network you trust") from None
        except (aiosmtplib.SMTPException, OSError) as exc:
            client.close()
            unverified = _certificate_error(exc)
            if unverified:
                raise SettingsError(f"{where}: the server's certificate could not be verified ({unverified.verify_message}); "
                                    "if it uses a private CA, set NEWSLETTER_SMTP_CA_FILE") from None
            raise TransportError(f"cannot connect to {where}: {exc}") from None
        self._client = client

    async def _login(self, client: aiosmtplib.SMTP, where: str) -> None:
        if client.is_ehlo_or_helo_needed:  # after STARTTLS the server is asked again what it offers
            await client.ehlo()
        if not client.supports_extension("auth"):
            raise LoginRefusedError(f"{where} offers no login (AUTH) on this connection; check NEWSLETTER_SMTP_SECURITY "
                                    "and the port, or remove NEWSLETTER_SMTP_USERNAME")
        password = self._settings.smtp_password
        try:
            await client.login(self._settings.smtp_username or "", password.get_secret_value() if password else "")
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError) as exc:
            # Some servers hang up on a wrong password instead of answering 535.
            raise LoginRefusedError(f"{where} ended the connection during the login ({_why(exc)}); check "
                                    "NEWSLETTER_SMTP_USERNAME and NEWSLETTER_SMTP_PASSWORD") from None

    async def send(self, message: OutgoingMessage) -> str:
        if self._client is None:
            raise TemporarySendError(0, "not connected", message.recipient)
        client, recipient = self._client, message.recipient
        try:
            pipelined = await pipelining.offered(client)
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise await self._lost(exc, recipient) from None
        if pipelined:
            return await self._pipelined(client, message)
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
        return await self._data(client, message)

    async def _pipelined(self, client: aiosmtplib.SMTP, message: OutgoingMessage) -> str:
        """MAIL, RCPT and DATA in one write (RFC 2920); the body goes only after all three were accepted,
        and every refusal is classified by its stage as in the one-by-one path."""
        recipient = message.recipient
        commands = [f"MAIL FROM:<{message.sender}>".encode(), f"RCPT TO:<{recipient}>".encode(), b"DATA"]
        try:
            mail, rcpt, start = await pipelining.exchange(client, commands, self._settings.smtp_timeout)
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise await self._lost(exc, recipient) from None
        if start.code == 354:
            if mail.code == 250 and rcpt.code in (250, 251):
                return await self._data(client, message)
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
            await pipelining.exchange(client, [b"."], self._settings.smtp_timeout)
        except (aiosmtplib.SMTPException, OSError):
            await self.close()

    async def _data(self, client: aiosmtplib.SMTP, message: OutgoingMessage) -> str:
        """Writes the dot-stuffed message and its end; from here on, no reply means the server may have kept it."""
        data = message.data if message.data.endswith(b"\r\n") else message.data + b"\r\n"
        protocol = client.protocol
        try:
            if protocol is None:
                raise aiosmtplib.SMTPServerDisconnected("Connection lost")
            if data.startswith(b".") or b"\n." in data:  # not from MessageFactory, whose lines never start with a dot
                data = _LINE_START_DOT.sub(b"..", data)
            protocol.write(data + b".\r\n")
            reply = await protocol.read_response(timeout=self._settings.smtp_timeout)
        except (aiosmtplib.SMTPException, OSError) as exc:
            await self.close()
            raise UncertainSendError(0, f"no answer after the message was handed over ({_why(exc)})",
                                     message.recipient) from None
        if reply.code != 250:
            await self._reset(drop=reply.code == _CLOSING)
            raise _by_code(reply.code, reply.message, message.recipient)
        return reply.message

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
        client, self._client = self._client, None
        if client is None or not client.is_connected:
            return
        try:
            await client.quit()
        except (aiosmtplib.SMTPException, OSError):
            client.close()


def _certificate_error(exc: BaseException | None) -> ssl.SSLCertVerificationError | None:
    """The verification failure behind a connection error: implicit TLS wraps it in aiosmtplib's connect error."""
    while exc is not None and not isinstance(exc, ssl.SSLCertVerificationError):
        exc = exc.__cause__ or exc.__context__
    return exc


def _why(exc: BaseException) -> str:
    return "timed out" if isinstance(exc, TimeoutError) else str(exc) or type(exc).__name__


def _by_code(code: int, text: str, recipient: str) -> TemporarySendError | PermanentSendError:
    return (PermanentSendError if 500 <= code < 600 else TemporarySendError)(code, text, recipient)
