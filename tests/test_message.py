"""The MIME message a subscriber receives, parsed back with the email package."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage

import pytest
from conftest import make_settings

from composer.send.tokens import unsubscribe_token
from composer.errors import HeaderInjectionError, SettingsError
from composer.records import Recipient
from composer.render.build import Build
from composer.send.message import MessageFactory

SECRET = b"test-secret"


def received(build: Build, recipient: Recipient, **settings: object) -> EmailMessage:
    factory = MessageFactory(build, make_settings(**settings).sender, SECRET, list_name="volunteers")
    raw = factory.personalise(recipient).data
    return email.message_from_bytes(raw, policy=email.policy.default)


def test_message_is_multipart_alternative_text_first_then_html(sample_build: Build) -> None:
    msg = received(sample_build, Recipient("anna@example.org", "Anna Müller"))
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in msg.iter_parts())


def test_non_ascii_subject_and_names_are_encoded_and_decode_back(sample_build: Build) -> None:
    msg = received(sample_build, Recipient("anna@example.org", "Anna Müller"))
    raw = msg.as_bytes()
    assert b"=?utf-8?" in raw
    assert raw.split(b"\n\n")[0].isascii()
    assert msg["Subject"] == "Newsletter Flüchtlingskoordination – Dezember 2020"
    assert msg["From"].addresses[0].display_name == "Newsletter Flüchtlingskoordination"
    assert msg["To"].addresses[0].display_name == "Anna Müller"


def test_headers_a_mailbox_provider_expects(sample_build: Build) -> None:
    msg = received(sample_build, Recipient("anna@example.org"), reply_to="buero@example.org")
    assert msg["Date"].datetime is not None
    assert msg["Message-ID"].endswith("@example.org>")
    assert msg["List-Id"] == "Newsletter Flüchtlingskoordination <volunteers.example.org>"
    assert msg["Reply-To"] == "buero@example.org"
    assert msg["List-Unsubscribe"].startswith("<mailto:buero@example.org?subject=abbestellen%20")
    assert msg["List-Unsubscribe-Post"] is None


def test_one_click_header_comes_with_an_unsubscribe_url(sample_build: Build) -> None:
    msg = received(sample_build, Recipient("anna@example.org"), unsubscribe_url="https://example.org/abmelden/{token}")
    token = unsubscribe_token(SECRET, "anna@example.org", "volunteers")
    assert f"<https://example.org/abmelden/{token}>" in msg["List-Unsubscribe"]
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f'href="https://example.org/abmelden/{token}"' in msg.get_body(("html",)).get_content()


def test_each_message_gets_its_own_message_id(sample_build: Build) -> None:
    factory = MessageFactory(sample_build, make_settings().sender, SECRET)
    ids = {factory.personalise(Recipient(f"r{n}@example.org")).message_id for n in range(50)}
    assert len(ids) == 50


def test_greeting_uses_the_name_and_falls_back_without_one(sample_build: Build) -> None:
    named = received(sample_build, Recipient("anna@example.org", "Anna Müller"))
    anonymous = received(sample_build, Recipient("anna@example.org"))
    assert re.search(r"<p[^>]*>Hallo Anna M&#252;ller,</p>", named.get_body(("html",)).get_content())
    assert "\nHallo Anna Müller,\r\n" in named.get_body(("plain",)).get_content()
    assert "Liebe Engagierte," in anonymous.get_body(("plain",)).get_content()


def test_subscriber_values_are_escaped_in_html(sample_build: Build) -> None:
    msg = received(sample_build, Recipient("eve@example.org", "Eve <img src=x onerror=alert(1)>"))
    html = msg.get_body(("html",)).get_content()
    assert "<img src=x" not in html
    assert "Hallo Eve &lt;img src=x onerror=alert(1)&gt;," in html


def test_line_break_in_a_name_is_refused(sample_build: Build) -> None:
    factory = MessageFactory(sample_build, make_settings().sender, SECRET)
    with pytest.raises(HeaderInjectionError):
        factory.personalise(Recipient("eve@example.org", "Eve\r\nBcc: x@example.com"))


def test_test_send_subject_is_marked_with_a_time(sample_build: Build) -> None:
    factory = MessageFactory(sample_build, make_settings().sender, SECRET, test=True)
    msg = email.message_from_bytes(factory.personalise(Recipient("me@example.org")).data, policy=email.policy.default)
    assert msg["Subject"].startswith("[TEST] ")
    assert msg["Subject"].endswith(" Newsletter Flüchtlingskoordination – Dezember 2020")


def test_sent_bytes_decode_to_exactly_what_the_preview_shows(sample_build: Build) -> None:
    factory = MessageFactory(sample_build, make_settings(unsubscribe_url="https://example.org/u?t={token}&x=1").sender, SECRET)
    recipient = Recipient("anna@example.org", "Anna <Müller> & Co ")
    raw = factory.personalise(recipient).data
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    html, text = factory.preview(recipient)
    assert msg.get_body(("html",)).get_content().replace("\r\n", "\n") == html
    assert msg.get_body(("plain",)).get_content().replace("\r\n", "\n") == text
    head, body = raw.split(b"\r\n\r\n", 1)
    assert max(len(line) for line in body.split(b"\r\n")) <= 76
    assert max(len(line) for line in head.split(b"\r\n")) <= 998
    assert b"\n" not in raw.replace(b"\r\n", b"")


def test_dkim_signature_verifies_against_the_published_key(sample_build: Build, tmp_path) -> None:
    import base64

    import dkim
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())
    (tmp_path / "dkim.pem").write_bytes(pem)
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    settings = make_settings(dkim_key_file=tmp_path / "dkim.pem", dkim_selector="nl2020")
    data = MessageFactory(sample_build, settings.sender, SECRET).personalise(Recipient("anna@example.org", "Anna Müller")).data
    assert data.startswith(b"DKIM-Signature: v=1; a=rsa-sha256;")
    assert dkim.verify(data, dnsfunc=lambda name, timeout=5: record if name == b"nl2020._domainkey.example.org." else None)
    tampered = data.replace(b"Hallo Anna M=C3=BCller", b"Hallo Mallory Anna")
    assert tampered != data
    assert not dkim.verify(tampered, dnsfunc=lambda name, timeout=5: record)


def test_unreadable_dkim_key_is_a_settings_error_before_anything_is_sent(sample_build: Build, tmp_path) -> None:
    (tmp_path / "broken.pem").write_text("not a key")
    with pytest.raises(SettingsError, match="NEWSLETTER_DKIM_KEY_FILE: cannot sign with this key"):
        MessageFactory(sample_build, make_settings(dkim_key_file=tmp_path / "broken.pem", dkim_selector="s").sender, SECRET)


@pytest.mark.parametrize(("named", "name", "fields", "expected"), [
    ("Liebe/r {vorname},", "Anna Schmitz", {"Vorname": "Anna"}, "Liebe/r Anna,"),
    ("Liebe/r {vorname},", "Anna Schmitz", {}, "Liebe/r Anna,"),
    ("Hallo {first_name} ({name}),", "Anna Schmitz", {"first_name": "Anni"}, "Hallo Anni (Anna Schmitz),"),
    ("Liebe/r {vorname},", "", {}, "Liebe Engagierte,"),
])
def test_a_greeting_by_first_name_takes_the_column_or_the_first_word(
        named: str, name: str, fields: dict[str, str], expected: str) -> None:
    from composer.send.message import named_greeting

    assert named_greeting((named, "Liebe Engagierte,"), name, fields) == expected


def test_a_line_break_in_a_surname_no_greeting_uses_stops_nobodys_greeting() -> None:
    from composer.send.message import named_greeting

    fields = {"last_name": "Schmitz\nBcc: x@example.com", "salutation": "Herr"}
    assert named_greeting(("Liebe/r {name},", "Liebe Engagierte,"), "Jonas Schmitz", fields) == "Liebe/r Jonas Schmitz,"
    with pytest.raises(HeaderInjectionError):
        named_greeting(("Liebe/r {name},", "Liebe Engagierte,"), "Jonas Schmitz", fields, "Sehr geehrter {anrede} {nachname},")
