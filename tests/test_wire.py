"""On the wire: every line ends in CRLF and holds at most 998 octets, whatever the subject, names and list are,
so a strict server (Postfix with smtpd_forbid_bare_newline = reject, as the test sink is) takes every message."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import email
import email.policy
import re
import smtplib
from email.header import Header, decode_header, make_header
from email.message import EmailMessage
from email.utils import formataddr
from pathlib import Path

import pytest
from conftest import SMTPServer, assert_wire_clean, make_settings
from typer.testing import CliRunner

from composer.cli import app
from composer.errors import MessageError
from composer.issue.schema import Greeting
from composer.records import Recipient
from composer.render.build import Build
from composer.send.headers import address, header
from composer.send.message import MessageFactory
from composer.send.transports import SMTPTransport

SECRET = b"test-secret"
WORDS = ["Grüße", "Ehrenamtliche", "🎄", "مرحبا بالمتطوعين", "Flüchtlingskoordination", "😀👍", "–", "Straßenfest",
         "ٱلْعَرَبِيَّة", "[Büro]", "=?", "Weihnachtsfeier:", "«Spenden»", "🇩🇪", "ÄÖÜäöüß"]


def subject_of(length: int, start: int) -> str:
    """A subject of exactly `length` characters, words of three scripts and emoji, some wider than a byte."""
    words: list[str] = []
    while len(" ".join(words)) < length:
        words.append(WORDS[(start + len(words)) % len(WORDS)])
    return " ".join(words)[:length].rstrip() or "x"


def deliver(server: SMTPServer, factory: MessageFactory, recipient: Recipient) -> tuple[bytes, EmailMessage]:
    """The message as the strict sink received it, raw and parsed; it must have been accepted."""
    transport = SMTPTransport(server.settings().smtp)

    async def go() -> None:
        await transport.open()
        await transport.send(factory.personalise(recipient))
        await transport.close()

    asyncio.run(go())
    assert server.handler.refused == []
    [(_, _, raw)] = server.handler.received
    assert_wire_clean(raw)
    return raw, email.message_from_bytes(raw, policy=email.policy.default)


def decoded(raw: bytes, name: str) -> str:
    """A header as RFC 2047 decodes it (6.2: the space between adjacent encoded words is not text). Not the
    stdlib's newer parser for address headers: in a display name it keeps that space, so a name whose encoded
    words split inside a word would read back with a space too many."""
    value = re.sub(r"\r\n(?=[ \t])", "", email.message_from_bytes(raw)[name])  # unfolded (RFC 5322 2.2.3)
    return str(make_header(decode_header(value)))


def named(name: str, address: str) -> tuple[str, str]:
    """The two ways a decoded address header may read: the name as written (it was encoded), or quoted."""
    return f"{name} <{address}>", formataddr((name, address))


def with_subject(build: Build, subject: str) -> Build:
    return dataclasses.replace(build, issue=build.issue.model_copy(update={"subject": subject}))


def head_lines(raw: bytes) -> list[bytes]:
    return raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")


@pytest.mark.parametrize("length", [20, 58, 77, 78, 79, 120, 160, 200])
@pytest.mark.parametrize("start", [0, 3, 9])
def test_a_subject_of_any_length_and_script_passes_a_strict_server_and_decodes_back_exactly(
        smtp_server: SMTPServer, sample_build: Build, length: int, start: int) -> None:
    subject = subject_of(length, start)
    factory = MessageFactory(with_subject(sample_build, subject), make_settings().sender, SECRET)
    raw, msg = deliver(smtp_server, factory, Recipient("anna@example.org", "Anna Müller"))
    assert msg["Subject"] == subject
    assert all(len(line) <= 78 for line in head_lines(raw) if not line.startswith(b"List-Unsubscribe:"))


@pytest.mark.parametrize("name", [
    "Der Arbeitskreis Ehrenamt der Flüchtlingskoordination im Landkreis Müllerstadt-Süd e.V. 🎄",
    "The Volunteer Coordination Office of the District of Somewhere-Very-Far-Away, Department of Welcome",
    ("مكتب تنسيق المتطوعين في مساعدة اللاجئين " * 5).strip(),
    ("Büro " * 80).strip(),
])
def test_a_long_sender_name_is_folded_and_decodes_back(smtp_server: SMTPServer, sample_build: Build, name: str) -> None:
    factory = MessageFactory(sample_build, make_settings(from_name=name).sender, SECRET, list_name="volunteers")
    raw, _ = deliver(smtp_server, factory, Recipient("anna@example.org"))
    assert decoded(raw, "From") in named(name, "kontakt@example.org")
    assert decoded(raw, "List-Id") in named(name, "volunteers.example.org")


def test_a_long_reader_name_is_folded_and_decodes_back(smtp_server: SMTPServer, sample_build: Build) -> None:
    name = ("Anna-Lena Müller-Lüdenscheidt geb. Özdemir, Ehrenamtliche im Begegnungscafé 😀 " * 3).strip()
    factory = MessageFactory(sample_build, make_settings().sender, SECRET)
    raw, _ = deliver(smtp_server, factory, Recipient("anna@example.org", name))
    assert decoded(raw, "To") in named(name, "anna@example.org")


def test_a_long_list_id_is_folded_and_reads_back(smtp_server: SMTPServer, sample_build: Build) -> None:
    list_name = "ehrenamtliche-der-fluechtlingskoordination-im-landkreis-muellerstadt-sued-und-umgebung"
    settings = make_settings(from_name="Flüchtlingskoordination Müllerstadt", reply_to="buero@example.org",
                             unsubscribe_url="https://newsletter.example.org/abmelden/bestaetigen/{token}?liste=x")
    factory = MessageFactory(sample_build, settings.sender, SECRET, list_name=list_name)
    raw, msg = deliver(smtp_server, factory, Recipient("anna@example.org", "Anna"))
    assert msg["List-Id"] == f"Flüchtlingskoordination Müllerstadt <{list_name}.example.org>"
    assert msg["Feedback-ID"] == f"2020-12:{list_name}:example.org"


def test_the_per_recipient_unsubscribe_lines_are_those_the_folder_makes(smtp_server: SMTPServer,
                                                                        sample_build: Build) -> None:
    settings = make_settings(unsubscribe_url="https://newsletter.example.org/abmelden/bestaetigen/{token}")
    factory = MessageFactory(sample_build, settings.sender, SECRET, list_name="volunteers")
    raw, msg = deliver(smtp_server, factory, Recipient("anna@example.org", "Anna"))
    assert header("List-Unsubscribe", msg["List-Unsubscribe"]).encode() in raw
    assert b"List-Unsubscribe: <mailto:" in raw  # the first URL beside the name, not alone on a line


def test_a_test_send_of_the_sample_passes_a_strict_server(workdir: Path, smtp_server: SMTPServer) -> None:
    result = CliRunner().invoke(app, ["send", "issues/2020-12.md", "--to", "ich@example.org"], env=smtp_server.env())
    assert result.exit_code == 0, result.output
    assert smtp_server.handler.refused == []
    [(_, _, raw)] = smtp_server.handler.received
    assert_wire_clean(raw)
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert re.fullmatch(r"\[TEST\] \d\d:\d\d:\d\d Newsletter Flüchtlingskoordination – Dezember 2020", msg["Subject"])
    assert msg["Feedback-ID"] == "2020-12-test:newsletter:example.org"


def test_every_message_of_a_list_send_carries_its_feedback_id(workdir: Path, smtp_server: SMTPServer) -> None:
    result = CliRunner().invoke(app, ["send", "issues/2020-12.md", "--list", "volunteers", "--yes"],
                                env=smtp_server.env())
    assert result.exit_code == 0, result.output
    messages = smtp_server.handler.messages()
    assert messages and {m["Feedback-ID"] for m in messages} == {"2020-12:volunteers:example.org"}


def test_the_dkim_signature_is_folded_with_crlf_and_signs_the_feedback_id(smtp_server: SMTPServer,
                                                                         sample_build: Build, tmp_path: Path) -> None:
    import dkim
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (tmp_path / "dkim.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                          serialization.PrivateFormat.TraditionalOpenSSL,
                                                          serialization.NoEncryption()))
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    settings = make_settings(dkim_key_file=tmp_path / "dkim.pem", dkim_selector="nl2020", from_name="Büro " * 30)
    factory = MessageFactory(with_subject(sample_build, subject_of(200, 1)), settings.sender, SECRET, "volunteers")
    raw, msg = deliver(smtp_server, factory, Recipient("anna@example.org", "Anna Müller"))
    assert raw.startswith(b"DKIM-Signature: ") and b"\r\n " in raw.split(b"\r\n\r\n", 1)[0]
    assert "feedback-id" in msg["DKIM-Signature"].replace(" ", "").lower().split("h=")[1].split(";")[0].split(":")
    dns = {b"nl2020._domainkey.example.org.": record}
    assert dkim.verify(raw, dnsfunc=lambda name, timeout=5: dns.get(name))
    forged = raw.replace(b"Feedback-ID: 2020-12:", b"Feedback-ID: 2099-12:")
    assert forged != raw and not dkim.verify(forged, dnsfunc=lambda name, timeout=5: dns.get(name))


def test_html_with_lines_far_over_998_octets_goes_out_in_lines_of_76(smtp_server: SMTPServer,
                                                                     sample_build: Build) -> None:
    long_html = sample_build.html.replace("\n", "") + "<p>" + "Grüße aus dem Büro – " * 2000 + "</p>"
    build = dataclasses.replace(sample_build, html=long_html, text="Ä" * 3000 + "\n" + sample_build.text)
    factory = MessageFactory(build, make_settings().sender, SECRET)
    raw, msg = deliver(smtp_server, factory, Recipient("anna@example.org", "Anna Müller"))
    body = raw.split(b"\r\n\r\n", 1)[1]
    assert max(len(line) for line in body.split(b"\r\n")) <= 76
    html, text = factory.preview(Recipient("anna@example.org", "Anna Müller"))
    assert msg.get_body(("html",)).get_content() == html
    assert msg.get_body(("plain",)).get_content().replace("\r\n", "\n") == text


def test_a_carriage_return_alone_in_the_issue_never_reaches_the_wire(smtp_server: SMTPServer,
                                                                     sample_build: Build) -> None:
    greeting = sample_build.issue.greeting or Greeting(named="Hallo {name},", anonymous="Hallo,")
    issue = sample_build.issue.model_copy(update={"greeting": greeting.model_copy(update={"named": "Hallo\r{name},\r\n"})})
    build = dataclasses.replace(sample_build, issue=issue, html=sample_build.html.replace("\n", "\r"),
                                text="Erste Zeile\rzweite Zeile\r\n" + sample_build.text)
    raw, msg = deliver(smtp_server, MessageFactory(build, make_settings().sender, SECRET), Recipient("a@example.org", "Anna"))
    assert "Erste Zeile\nzweite Zeile\n" in msg.get_body(("plain",)).get_content().replace("\r\n", "\n")


@pytest.mark.parametrize("name, value, text", [
    ("To", *address("Jürgen Müller 12", "empfaenger000012@example.org")),
    ("To", *address("Anna", "anna@example.org")),
    ("Subject", "", "Grüße 🎄"),
    ("Subject", "", "Plain and short"),
    ("Date", "Sun, 06 Dec 2020 05:01:02 +0100", ""),
])
def test_a_header_that_fits_on_a_line_is_what_the_stdlib_folder_makes(name: str, value: str, text: str) -> None:
    folder = Header(header_name=name)
    if text:
        folder.append(text, "utf-8" if not text.isascii() else "us-ascii")
    if value:
        folder.append(value, "us-ascii")
    assert header(name, value, text) == f"{name}: {folder.encode(linesep=chr(13) + chr(10))}\r\n"


def test_a_word_too_long_for_any_line_is_a_message_error_not_a_refused_send() -> None:
    with pytest.raises(MessageError, match="List-Id header holds a word longer"):
        header("List-Id", "<" + "x" * 1000 + ".example.org>")


@pytest.mark.parametrize("data, reply", [
    (b"Subject: folded\n badly\r\n\r\nbody\r\n", "bare <LF>"),
    (b"Subject: hi\r\n\r\nbody\nmore\r\n", "bare <LF>"),
    (b"Subject: hi\r\n\r\nbody\rmore\r\n", "bare <CR>"),
    (b"Subject: hi\r\n\r\n" + b"x" * 999 + b"\r\n", "line of 999 octets"),
])
def test_the_sink_refuses_what_a_strict_server_refuses(smtp_server: SMTPServer, data: bytes, reply: str) -> None:
    with smtplib.SMTP("127.0.0.1", smtp_server.port) as client:
        client.sendmail("kontakt@example.org", ["anna@example.org"], b"Subject: fine\r\n\r\n" + b"x" * 998 + b"\r\n")
        with pytest.raises(smtplib.SMTPDataError) as refused:
            client.sendmail("kontakt@example.org", ["anna@example.org"], data)
    assert refused.value.smtp_code == 550 and reply in refused.value.smtp_error.decode()
    assert len(smtp_server.handler.received) == 1 and len(smtp_server.handler.refused) == 1

