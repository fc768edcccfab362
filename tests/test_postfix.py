"""Through a strict relay: Debian's Postfix refusing bare LF and unbracketed envelopes, as hardened servers do.

Every message here passes a private Postfix (tests/postfix.py, the `postfix` fixture) before it reaches the test's
aiosmtpd, so what arrives is what a real, strict server accepted and relayed.
"""

from __future__ import annotations

import csv
import email
import email.policy
import io
import shutil
import smtplib
import ssl
from email.message import EmailMessage
from html import unescape
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE_ISSUE, SMTPServer
from postfix import HOSTNAME, Postfix, wait_for
from typer.testing import CliRunner

from composer.cli import app
from composer.issue.issuefile import load_issue

runner = CliRunner()
FEATURES = ROOT / "tests" / "data" / "issues" / "features.md"
VOLUNTEERS = ["anna.mueller@example.org", "juergen.schaefer@example.org", "zeynep.yilmaz@example.org",
              "bjoern.oezdemir@example.org", "lena.weiss@example.org", "marie.dubois@example.org",
              "ahmad.haidari@example.org", "grete.kuehn@example.org"]


def send(postfix: Postfix, issue: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["send", issue, *args], env=postfix.env())
    return result.exit_code, result.output


def relayed(postfix: Postfix, server: SMTPServer, count: int) -> list[EmailMessage]:
    """The messages the aiosmtpd behind Postfix received, once Postfix has relayed `count` recipients and its queue is empty."""
    wait_for(lambda: sum(server.handler.per_recipient().values()) >= count and postfix.queued() == 0,
             f"relaying {count} recipients", log=postfix.log)
    messages = server.handler.messages()
    assert all(HOSTNAME in str(m["Received"]) for m in messages), "not relayed by the private Postfix"
    return messages


def assert_whole(msg: EmailMessage, subject: str, heading: str) -> None:
    assert msg["Subject"] == subject
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    text, html = msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()
    assert heading in text and heading in unescape(html)  # the HTML writes non-ASCII as character references
    assert html.rstrip().endswith("</html>")


def test_the_sample_sent_to_the_list_through_postfix_arrives_whole_once_per_subscriber(
        workdir: Path, smtp_server: SMTPServer, postfix: Postfix) -> None:
    code, output = send(postfix, "issues/2020-12.md", "--list", "volunteers", "--yes")
    assert code == 0, output + postfix.log()
    assert "sent 8, failed 0, deferred 0" in output
    messages = relayed(postfix, smtp_server, 8)
    assert sorted(smtp_server.handler.per_recipient().items()) == sorted((a, 1) for a in VOLUNTEERS)
    for msg in messages:
        assert_whole(msg, load_issue(SAMPLE_ISSUE).subject, "Krefeld auf dem Weg zur weltoffenen Kommune")


def test_the_feature_issue_sent_to_the_list_through_postfix_arrives_whole_once_per_subscriber(
        workdir: Path, smtp_server: SMTPServer, postfix: Postfix) -> None:
    shutil.copy(FEATURES, "issues/2021-03.md")
    code, output = send(postfix, "issues/2021-03.md", "--list", "volunteers", "--yes")
    assert code == 0, output + postfix.log()
    messages = relayed(postfix, smtp_server, 8)
    assert sorted(smtp_server.handler.per_recipient().items()) == sorted((a, 1) for a in VOLUNTEERS)
    for msg in messages:
        assert_whole(msg, "Termine im März", "Мовне кафе в бібліотеці")
        assert "مقهى اللغة في المكتبة" in unescape(msg.get_body(("html",)).get_content())


def test_a_test_send_of_the_sample_through_postfix_arrives_whole(
        workdir: Path, smtp_server: SMTPServer, postfix: Postfix) -> None:
    code, output = send(postfix, "issues/2020-12.md", "--to", "ich@example.org")
    assert code == 0 and "sent 1, failed 0, deferred 0" in output, output + postfix.log()
    [msg] = relayed(postfix, smtp_server, 1)
    assert smtp_server.handler.per_recipient() == {"ich@example.org": 1}
    assert msg["Subject"].startswith("[TEST] ")
    assert_whole(msg, msg["Subject"], "Krefeld auf dem Weg zur weltoffenen Kommune")
    assert msg["Subject"].endswith(load_issue(SAMPLE_ISSUE).subject)


RAW = b"From: <kontakt@example.org>\r\nTo: <ich@example.org>\r\nSubject: eine lange\r\n Zeile\r\n\r\nHallo\r\n"


def test_postfix_refuses_a_bare_lf_with_550_and_relays_the_same_message_with_crlf(
        smtp_server: SMTPServer, postfix: Postfix) -> None:
    with smtplib.SMTP("127.0.0.1", postfix.port) as client:
        with pytest.raises(smtplib.SMTPDataError) as refused:
            client.sendmail("kontakt@example.org", ["ich@example.org"], RAW.replace(b"lange\r\n Zeile", b"lange\n Zeile"))
        client.sendmail("kontakt@example.org", ["ich@example.org"], RAW)
    assert refused.value.smtp_code == 550 and b"bare <LF>" in refused.value.smtp_error
    [msg] = relayed(postfix, smtp_server, 1)
    assert msg["Subject"] == "eine lange Zeile"


def test_postfix_refuses_an_envelope_address_without_angle_brackets(postfix: Postfix) -> None:
    with smtplib.SMTP("127.0.0.1", postfix.port) as client:
        client.ehlo()
        code, reply = client.docmd("MAIL FROM:kontakt@example.org")
    assert code == 501, reply


def test_postfix_offers_starttls_with_its_test_certificate(postfix: Postfix) -> None:
    context = ssl.create_default_context(cafile=postfix.config / "tls.pem")
    with smtplib.SMTP("127.0.0.1", postfix.port) as client:
        client._host = HOSTNAME
        client.starttls(context=context)
        assert client.ehlo()[0] == 250


@pytest.mark.postfix(bounce=("bounced@example.org",), local=("bounces@example.org",))
def test_a_bounced_address_gets_a_dsn_into_the_maildir_of_the_verp_envelope_sender(
        smtp_server: SMTPServer, postfix: Postfix) -> None:
    with smtplib.SMTP("127.0.0.1", postfix.port) as client:
        client.sendmail("bounces+t0ken@example.org", ["bounced@example.org", "ich@example.org"],
                        RAW.replace(b"Subject:", b"Message-ID: <1@newsletter.example.org>\r\nSubject:"))
    relayed(postfix, smtp_server, 1)
    assert smtp_server.handler.per_recipient() == {"ich@example.org": 1}
    wait_for(lambda: len(postfix.mailbox()) == 1, "the DSN's delivery into the Maildir", log=postfix.log)
    dsn = email.message_from_bytes(postfix.mailbox()[0].as_bytes(), policy=email.policy.default)
    assert dsn["Delivered-To"] == "bounces+t0ken@example.org"
    assert dsn.get_content_type() == "multipart/report" and dsn.get_param("report-type") == "delivery-status"
    status = dsn.get_payload()[1].get_payload()[1]
    assert status["Final-Recipient"] == "rfc822; bounced@example.org"
    assert status["Action"] == "failed" and status["Status"] == "5.1.1"
    assert "<1@newsletter.example.org>" in dsn.get_payload()[2].as_string()


def status_rows(env: dict[str, str]) -> dict[str, dict[str, str]]:
    result = runner.invoke(app, ["status", "issues/2020-12.md", "--csv"], env=env)
    return {row["email"]: row for row in csv.DictReader(io.StringIO(result.output.lstrip("\ufeff")), delimiter=";")}


@pytest.mark.postfix(bounce=("bounced@example.org",), local=("bounces@example.org",))
def test_a_send_through_the_relay_keeps_its_queue_ids_and_its_dsn_from_the_maildir_marks_only_the_bounced_reader(
        workdir: Path, smtp_server: SMTPServer, postfix: Postfix) -> None:
    with open("subscribers/volunteers.csv", "a", encoding="utf-8") as listed:
        listed.write("bounced@example.org;Bernd Nirgends;Mitte\n")
    env = {**postfix.env(), "NEWSLETTER_VERP": "true", "NEWSLETTER_ENVELOPE_SENDER": "bounces@example.org"}
    result = runner.invoke(app, ["send", "issues/2020-12.md", "--list", "volunteers", "--yes"], env=env)
    assert result.exit_code == 0 and "sent 9, failed 0, deferred 0" in result.output, result.output + postfix.log()
    relayed(postfix, smtp_server, 8)
    wait_for(lambda: len(postfix.mailbox()) == 1, "the DSN's delivery into the Maildir", log=postfix.log)

    rows = status_rows(env)
    assert sorted(rows) == sorted([*VOLUNTEERS, "bounced@example.org"])
    queue_ids = {address: row["queue_id"] for address, row in rows.items()}
    assert len(set(queue_ids.values())) == 9 and all(queue_ids.values())
    for address, queue_id in queue_ids.items():  # the id Postfix gave each message, as its own log names it
        assert f"queued as {queue_id}" in rows[address]["reply"]
        assert f"{queue_id}: to=<{address}>" in postfix.log()

    dsn = email.message_from_bytes(postfix.mailbox()[0].as_bytes(), policy=email.policy.default)
    assert dsn.get_payload()[1].get_payload()[0]["X-Postfix-Queue-ID"] == queue_ids["bounced@example.org"]

    inbox = runner.invoke(app, ["inbox", "--maildir", str(postfix.maildir)], env=env)
    assert inbox.exit_code == 0, inbox.output
    assert "bounced@example.org: permanent bounce 5.1.1 for 2020-12: stop sending" in inbox.output
    assert "0 unsubscribed, 1 bounce, 0 automatic replies, 0 left for you" in inbox.output
    assert postfix.mailbox() == []  # put aside into Processed

    status = runner.invoke(app, ["status", "issues/2020-12.md"], env=env).output
    assert "9 sent" in status and "1 bounced" in status
    assert status.split("bounced (1)", 1)[1].split("\n")[1].strip().startswith("bounced@example.org")
    readers = runner.invoke(app, ["subscribers", "volunteers"], env=env).output
    assert "8 active, 1 bounced" in readers
    assert [line.split()[1] for line in readers.splitlines() if line.startswith("bounced ")] == ["bounced@example.org"]
