"""SMTP via aiosmtplib: one connection, reused for many messages, with server replies turned into our errors."""

from __future__ import annotations

import ssl

import aiosmtplib

from composer.errors import PermanentSendError, SettingsError, TemporarySendError, TransportError
from composer.records import OutgoingMessage
from composer.send.transports.base import Transport
from composer.settings import Settings


class SMTPTransport(Transport):
    rate_limited = True

    def __init__(self, settings: Settings) -> None:
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
                password = s.smtp_password.get_secret_value() if s.smtp_password else ""
                await client.login(s.smtp_username, password)
        except aiosmtplib.SMTPAuthenticationError as exc:
            client.close()
            raise SettingsError(f"{where} refused the login ({exc.code} {exc.message}); "
                                "check NEWSLETTER_SMTP_USERNAME and NEWSLETTER_SMTP_PASSWORD") from None
        except ssl.SSLCertVerificationError as exc:
            client.close()
            raise SettingsError(f"{where}: the server's certificate could not be verified ({exc.verify_message}); "
                                "if it uses a private CA, set NEWSLETTER_SMTP_CA_FILE") from None
        except aiosmtplib.SMTPNotSupported as exc:
            client.close()
            raise SettingsError(f"{where}: {exc}; the connection would be unencrypted. Use another server or port, or set "
                                "NEWSLETTER_SMTP_SECURITY=none only on a network you trust") from None
        except (aiosmtplib.SMTPException, OSError) as exc:
            client.close()
            raise TransportError(f"cannot connect to {where}: {exc}") from None
        self._client = client

    async def send(self, message: OutgoingMessage) -> str:
        if self._client is None:
            raise TemporarySendError(0, "not connected", message.recipient)
        try:
            _, reply = await self._client.sendmail(message.sender, [message.recipient], message.data)
            return reply
        except aiosmtplib.SMTPRecipientsRefused as exc:
            refused = exc.recipients[0]
            await self._reset()
            raise _by_code(refused.code, refused.message, message.recipient) from None
        except aiosmtplib.SMTPResponseException as exc:
            await self._reset(drop=exc.code == 421)
            raise _by_code(exc.code, exc.message, message.recipient) from None
        except (aiosmtplib.SMTPException, OSError) as exc:
            await self.close()
            raise TemporarySendError(0, f"connection lost ({exc})", message.recipient) from None

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


def _by_code(code: int, text: str, recipient: str) -> TemporarySendError | PermanentSendError:
    return (PermanentSendError if 500 <= code < 600 else TemporarySendError)(code, text, recipient)
