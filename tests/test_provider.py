"""The real provider path: STARTTLS and implicit TLS with a certificate from a private CA, login accepted and
refused, and a server that closes the channel (421) at MAIL or at DATA."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from conftest import FaultyHandler, free_port, make_settings
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from test_send import send, status_rows, write_list

from composer.errors import LoginRefusedError, SettingsError
from composer.records import Recipient
from composer.render.build import Build
from composer.send.message import MessageFactory
from composer.send.transports import SMTPTransport
from composer.config.settings import Settings

USER, PASSWORD = "kontakt@example.org", "richtig"


@dataclass(frozen=True)
class PKI:
    ca_file: Path
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PKI:
    """A test CA and a server certificate for 127.0.0.1 signed by it: what a private CA gives an office server."""
    folder = tmp_path_factory.mktemp("pki")
    now = dt.datetime.now(dt.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("Test CA")).issuer_name(_name("Test CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                       key_encipherment=False, data_encipherment=False, key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    cert = (x509.CertificateBuilder().subject_name(_name("127.0.0.1")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pki = PKI(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    pki.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    pki.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pki.key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    return pki


def authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:  # noqa: ANN001 (aiosmtpd's signature)
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (USER.encode(), PASSWORD.encode())
    return AuthResult(success=ok, handled=False)  # not handled: aiosmtpd answers 535 itself


@dataclass
class TLSServer:
    handler: FaultyHandler
    port: int
    security: str
    ca_file: Path

    def settings(self, **values: object) -> Settings:
        base = {"smtp_host": "127.0.0.1", "smtp_port": self.port, "smtp_security": self.security,
                "smtp_ca_file": self.ca_file, "smtp_username": USER, "smtp_password": PASSWORD}
        return make_settings(**{**base, **values})

    def env(self) -> dict[str, str]:
        return {"NEWSLETTER_SMTP_HOST": "127.0.0.1", "NEWSLETTER_SMTP_PORT": str(self.port),
                "NEWSLETTER_SMTP_SECURITY": self.security, "NEWSLETTER_SMTP_CA_FILE": str(self.ca_file),
                "NEWSLETTER_SMTP_USERNAME": USER, "NEWSLETTER_SMTP_PASSWORD": PASSWORD,
                "NEWSLETTER_FROM_ADDRESS": "kontakt@example.org", "NEWSLETTER_RATE_LIMIT": "0",
                "NEWSLETTER_RETRY_BASE_DELAY": "0.01"}


@pytest.fixture(params=["starttls", "tls"])
def tls_server(request: pytest.FixtureRequest, pki: PKI) -> Iterator[TLSServer]:
    """aiosmtpd with the test CA's certificate: STARTTLS required before AUTH, or TLS from the first byte."""
    handler, port = FaultyHandler(), free_port()
    if request.param == "starttls":
        controller = Controller(handler, hostname="127.0.0.1", port=port, tls_context=pki.server_context(),
                                require_starttls=True, authenticator=authenticator, auth_require_tls=True)
    else:
        # aiosmtpd counts only STARTTLS as encryption for AUTH; here the whole connection is TLS
        controller = Controller(handler, hostname="127.0.0.1", port=port, ssl_context=pki.server_context(),
                                authenticator=authenticator, auth_require_tls=False)
    controller.start()
    yield TLSServer(handler, port, request.param, pki.ca_file)
    controller.stop()


def deliver(settings: Settings, build: Build) -> str:
    message = MessageFactory(build, settings.sender, b"secret").personalise(Recipient("leser@example.org", "Leser"))
    transport = SMTPTransport(settings.smtp)

    async def go() -> str:
        await transport.open()
        try:
            return (await transport.send(message)).reply
        finally:
            await transport.close()

    return asyncio.run(go())


def test_a_certificate_from_the_private_ca_is_trusted_through_the_ca_file(tls_server: TLSServer, sample_build: Build) -> None:
    assert "queued" in deliver(tls_server.settings(), sample_build)
    assert tls_server.handler.per_recipient() == {"leser@example.org": 1}


def test_without_the_ca_file_the_certificate_is_refused_with_advice(tls_server: TLSServer, sample_build: Build) -> None:
    with pytest.raises(SettingsError, match="could not be verified .*NEWSLETTER_SMTP_CA_FILE") as caught:
        deliver(tls_server.settings(smtp_ca_file=None), sample_build)
    assert PASSWORD not in str(caught.value)
    assert tls_server.handler.received == []


def test_a_refused_login_says_so_and_marks_nobody(workdir: Path, tls_server: TLSServer) -> None:
    code, output = send(None, "--list", "volunteers", "--yes", **{**tls_server.env(), "NEWSLETTER_SMTP_PASSWORD": "falsch"})
    assert code == 2 and "refused the login (535" in output and "NEWSLETTER_SMTP_PASSWORD" in output
    assert "cannot connect" not in output and "falsch" not in output
    assert {r["status"] for r in status_rows(tls_server)} == {"pending"}  # type: ignore[arg-type]


def test_a_refused_login_is_its_own_error_for_library_callers(tls_server: TLSServer, sample_build: Build) -> None:
    with pytest.raises(LoginRefusedError):
        deliver(tls_server.settings(smtp_password="falsch"), sample_build)


@pytest.mark.parametrize("stage", ["mail", "data"])
def test_a_server_closing_the_channel_at_mail_or_data_is_retried_and_delivers_once(
        workdir: Path, tls_server: TLSServer, stage: str) -> None:
    addresses = write_list("liste", 4)
    replies = tls_server.handler.mail_replies if stage == "mail" else tls_server.handler.data_replies
    replies.extend(["421 4.3.2 service shutting down, try later"] * 2)
    code, output = send(None, "--list", "liste", "--yes", **tls_server.env())
    assert code == 0, output
    assert tls_server.handler.per_recipient() == {a: 1 for a in addresses}
    assert not any(r["possible_duplicate"] for r in status_rows(tls_server))  # type: ignore[arg-type]
