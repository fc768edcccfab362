"""Sending through a real SMTP server on loopback: nobody lost, nobody twice, whatever the server does."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SMTPServer
from typer.testing import CliRunner

from composer.state import Journal
from composer.send.links import Links
from composer.cli import app

runner = CliRunner()
ISSUE = "issues/2020-12.md"


def write_list(name: str, count: int, extra: str = "") -> list[str]:
    addresses = [f"helfer{n:04d}@example.org" for n in range(count)]
    rows = "".join(f"{a};Helfer {n}\n" for n, a in enumerate(addresses))
    Path(f"subscribers/{name}.csv").write_text("email;name\n" + rows + extra, encoding="utf-8")
    return addresses


def send(server: SMTPServer | None, *args: str, **env: str) -> tuple[int, str]:
    environment = {**(server.env() if server else {}), **env}
    result = runner.invoke(app, ["send", ISSUE, *args], env=environment)
    return result.exit_code, result.output


def send_command(server: SMTPServer, list_name: str, concurrency: int, delay: float) -> tuple[list[str], dict[str, str]]:
    """The real `newsletter send` as its own process (to kill or signal it), against a server this slow."""
    server.handler.delay = delay
    env = {**os.environ, **server.env(), "NEWSLETTER_CONCURRENCY": str(concurrency)}
    return [sys.executable, "-c", "from composer.cli import main; main()", "send", ISSUE, "--list", list_name, "--yes"], env


def wait_for_received(server: SMTPServer, count: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while len(server.handler.received) < count and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)


def status_rows(server: SMTPServer) -> list[dict[str, str]]:
    result = runner.invoke(app, ["status", ISSUE, "--csv"], env=server.env())
    return list(csv.DictReader(io.StringIO(result.output.lstrip("\ufeff")), delimiter=";"))


def test_each_subscriber_receives_exactly_one_personal_message(workdir: Path, smtp_server: SMTPServer) -> None:
    code, output = send(smtp_server, "--list", "volunteers", "--yes")
    assert code == 0, output
    with open("subscribers/volunteers.csv", encoding="utf-8") as handle:
        listed = [r["email"] for r in csv.DictReader(handle, delimiter=";")]
    assert sorted(smtp_server.handler.per_recipient().items()) == sorted((a, 1) for a in listed)
    secret = Path(".newsletter/secret").read_text().encode()
    for msg in smtp_server.handler.messages():
        to = msg["To"].addresses[0]
        assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
        assert msg["List-Unsubscribe"] and msg["List-Id"] and msg["Message-ID"] and msg["Date"]
        text = msg.get_body(("plain",)).get_content()
        if to.display_name:
            assert f"Hallo {to.display_name}," in text
        token = msg["List-Unsubscribe"].split("abbestellen%20")[1].rstrip(">")
        with Journal(Path(".newsletter")) as journal:
            assert Links(journal, secret).address_of(token) == to.addr_spec
    assert "sent 8, failed 0, deferred 0" in output


def test_invalid_rows_are_reported_and_skipped_the_rest_is_sent(workdir: Path, smtp_server: SMTPServer) -> None:
    write_list("mixed", 3, extra="kaputt;Karl\n")
    code, output = send(smtp_server, "--list", "mixed", "--yes")
    assert code == 0
    assert "subscribers/mixed.csv:5: 'kaputt' is not a valid email address" in output
    assert len(smtp_server.handler.received) == 3


def test_temporary_refusals_are_retried_and_delivered_even_more_than_the_breaker_limit_in_a_row(
        workdir: Path, smtp_server: SMTPServer) -> None:
    addresses = write_list("liste", 15)
    for address in addresses[:12]:  # greylisting is retried, it does not trip the breaker (10)
        smtp_server.handler.rcpt_replies[address] = ["451 4.7.1 greylisted, try again"]
    code, output = send(smtp_server, "--list", "liste", "--yes")
    assert code == 0, output
    assert smtp_server.handler.per_recipient() == {a: 1 for a in addresses}


def test_permanent_refusal_is_recorded_with_its_code_and_others_are_delivered(workdir: Path, smtp_server: SMTPServer) -> None:
    addresses = write_list("liste", 4)
    smtp_server.handler.rcpt_replies[addresses[1]] = ["550 5.1.1 mailbox unknown"]
    code, output = send(smtp_server, "--list", "liste", "--yes")
    assert code == 1
    assert f"not delivered: {addresses[1]}: 550 5.1.1 mailbox unknown" in output
    assert set(smtp_server.handler.per_recipient()) == set(addresses) - {addresses[1]}
    failed = [r for r in status_rows(smtp_server) if r["status"] == "failed"]
    assert failed == [{"email": addresses[1], "status": "failed", "attempts": "1", "code": "550",
                       "reply": "5.1.1 mailbox unknown", "possible_duplicate": "", "queue_id": ""}]


def test_failed_addresses_are_left_alone_on_rerun_unless_asked(workdir: Path, smtp_server: SMTPServer) -> None:
    addresses = write_list("liste", 3)
    smtp_server.handler.rcpt_replies[addresses[0]] = ["550 5.1.1 mailbox unknown"]
    send(smtp_server, "--list", "liste", "--yes")
    code, output = send(smtp_server, "--list", "liste", "--yes")
    assert "1 failed before (use --retry-failed)" in output and "Nobody left to send to." in output
    code, output = send(smtp_server, "--list", "liste", "--yes", "--retry-failed")
    assert code == 0
    assert smtp_server.handler.per_recipient() == {a: 1 for a in addresses}


def test_dropped_connections_lose_nobody_and_resend_at_most_once(workdir: Path, smtp_server: SMTPServer) -> None:
    addresses = write_list("liste", 40)
    smtp_server.handler.drop_every = 7  # drops after the data, without keeping the message
    code, output = send(smtp_server, "--list", "liste", "--yes")
    counts = smtp_server.handler.per_recipient()
    uncertain = {r["email"] for r in status_rows(smtp_server) if r["status"] == "uncertain"}
    assert all(n == 1 for n in counts.values())
    assert set(counts) | uncertain == set(addresses) and not set(counts) & uncertain
    assert code == (1 if uncertain else 0), output
    flagged = [r for r in status_rows(smtp_server) if r["possible_duplicate"] == "yes"]
    assert 1 <= len(flagged) <= 10  # the dropped ones: the server might have kept them, so status says so


def test_rerun_after_a_complete_send_sends_nothing(workdir: Path, smtp_server: SMTPServer) -> None:
    send(smtp_server, "--list", "volunteers", "--yes")
    before = len(smtp_server.handler.received)
    code, output = send(smtp_server, "--list", "volunteers", "--yes")
    assert code == 0 and "8 already sent" in output and "Nobody left to send to." in output
    assert len(smtp_server.handler.received) == before


def test_dry_run_shows_the_plan_and_sends_nothing(workdir: Path, smtp_server: SMTPServer) -> None:
    code, output = send(smtp_server, "--list", "volunteers", "--dry-run")
    assert code == 0
    assert "Send to: 8 via SMTP server 127.0.0.1" in output and "Nothing sent." in output
    assert smtp_server.handler.received == []


def test_declining_the_question_sends_nothing(workdir: Path, smtp_server: SMTPServer) -> None:
    result = runner.invoke(app, ["send", ISSUE, "--list", "volunteers"], env=smtp_server.env(), input="n\n")
    assert "Send to 8 recipients now?" in result.output and "Nothing sent." in result.output
    assert smtp_server.handler.received == []


def test_unsubscribed_addresses_receive_nothing(workdir: Path, smtp_server: SMTPServer) -> None:
    result = runner.invoke(app, ["unsubscribe", "Anna.Mueller@example.org"], env=smtp_server.env())
    assert "will receive no more newsletters" in result.output
    code, output = send(smtp_server, "--list", "volunteers", "--yes")
    assert "1 unsubscribed or bounced" in output
    assert "anna.mueller@example.org" not in smtp_server.handler.per_recipient()
    assert len(smtp_server.handler.received) == 7


def test_header_injection_in_a_name_is_rejected_and_nothing_extra_is_sent(workdir: Path, smtp_server: SMTPServer) -> None:
    Path("subscribers/evil.csv").write_text('email,name\neve@example.org,"Eve\r\nBcc: x@example.com"\nok@example.org,Ok\n')
    code, output = send(smtp_server, "--list", "evil", "--yes")
    assert "subscribers/evil.csv:2: the name contains a line break" in output
    assert smtp_server.handler.per_recipient() == {"ok@example.org": 1}
    assert all("Bcc" not in m for m in smtp_server.handler.messages())


def test_test_send_goes_only_to_the_given_address_and_keeps_no_state(workdir: Path, smtp_server: SMTPServer) -> None:
    code, output = send(smtp_server, "--to", "ich@example.org")
    assert code == 0, output
    [msg] = smtp_server.handler.messages()
    assert smtp_server.handler.per_recipient() == {"ich@example.org": 1}
    assert msg["Subject"].startswith("[TEST] ")
    result = runner.invoke(app, ["status", ISSUE], env=smtp_server.env())
    assert "not sent to anyone yet" in result.output


def test_status_of_a_mistyped_issue_file_is_an_error_not_an_unsent_issue(workdir: Path) -> None:
    result = runner.invoke(app, ["status", "issues/2020-21.md"])
    assert result.exit_code == 2
    assert result.output.splitlines() == ["error: issues/2020-21.md: no such file, and no issue of that name was sent; "
                                          "check the path (issues sent so far: none yet)"]


def test_send_needs_either_a_test_address_or_a_list(workdir: Path) -> None:
    code, output = send(None)
    assert code == 2 and "--to" in output and "--list" in output


def test_unreachable_server_is_one_clear_line_and_loses_nobody(workdir: Path) -> None:
    env = {"NEWSLETTER_SMTP_HOST": "127.0.0.1", "NEWSLETTER_SMTP_PORT": "1", "NEWSLETTER_SMTP_SECURITY": "none",
           "NEWSLETTER_FROM_ADDRESS": "kontakt@example.org", "NEWSLETTER_RETRY_BASE_DELAY": "0.01"}
    code, output = send(None, "--list", "volunteers", "--yes", **env)
    assert code == 2
    assert "error: cannot connect to 127.0.0.1:1" in output and "Traceback" not in output
    result = runner.invoke(app, ["status", ISSUE], env=env)
    assert "8 pending" in result.output


def test_without_smtp_settings_the_send_writes_one_eml_per_subscriber(workdir: Path) -> None:
    code, output = send(None, "--list", "volunteers", "--yes")
    assert code == 0, output
    assert "outbox/2020-12/" in output
    assert len(list(Path("outbox/2020-12").glob("*.eml"))) == 8


@pytest.mark.parametrize("pipelining", [False, True], ids=["one-by-one", "pipelining"])
def test_sigkill_mid_send_then_rerun_delivers_everyone_with_at_most_concurrency_duplicates(
        workdir: Path, smtp_server: SMTPServer, pipelining: bool) -> None:
    smtp_server.handler.pipelining = pipelining  # with it, each next message is announced with this one's content
    addresses = write_list("gross", 300)
    command, env = send_command(smtp_server, "gross", concurrency=4, delay=0.01)
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_received(smtp_server, 100, process)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert 100 <= len(smtp_server.handler.received) < 300

    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    counts = smtp_server.handler.per_recipient()
    assert set(counts) == set(addresses)
    doubled = {a for a, n in counts.items() if n > 1}
    assert all(n <= 2 for n in counts.values()) and len(doubled) <= 4
    flagged = {r["email"] for r in status_rows(smtp_server) if r["possible_duplicate"] == "yes"}
    assert doubled <= flagged and len(flagged) <= 4


def test_exhausted_retries_leave_the_address_deferred_for_the_next_run(workdir: Path, smtp_server: SMTPServer) -> None:
    addresses = write_list("liste", 3)
    smtp_server.handler.rcpt_replies[addresses[2]] = ["450 4.2.1 mailbox busy"] * 2
    code, output = send(smtp_server, "--list", "liste", "--yes", NEWSLETTER_RETRY_BUDGET="2")
    assert code == 1
    assert "sent 2, failed 0, deferred 1" in output and "tried again when you run the same command again" in output
    code, output = send(smtp_server, "--list", "liste", "--yes")
    assert code == 0 and "Send to: 1 via" in output
    assert smtp_server.handler.per_recipient() == {a: 1 for a in addresses}


def test_connections_are_reused_and_reopened_after_the_per_connection_cap(workdir: Path, smtp_server: SMTPServer) -> None:
    addresses = write_list("liste", 12)
    code, output = send(smtp_server, "--list", "liste", "--yes", NEWSLETTER_CONCURRENCY="2", NEWSLETTER_MAX_PER_CONNECTION="3")
    assert code == 0, output
    assert smtp_server.handler.per_recipient() == {a: 1 for a in addresses}
    assert smtp_server.handler.connections == 4  # 12 messages, 3 per connection


def test_status_without_an_issue_lists_every_issue_sent(workdir: Path, smtp_server: SMTPServer) -> None:
    assert "No issue has been sent yet." in runner.invoke(app, ["status"], env=smtp_server.env()).output
    send(smtp_server, "--list", "volunteers", "--yes")
    assert runner.invoke(app, ["status"], env=smtp_server.env()).output.strip() == "2020-12: 8 sent"


def test_a_test_send_with_dry_run_checks_everything_and_sends_nothing(workdir: Path, smtp_server: SMTPServer) -> None:
    code, output = send(smtp_server, "--to", "ich@example.org", "--dry-run")
    assert code == 0 and "checked. Nothing sent." in output, output
    assert smtp_server.handler.received == []


def test_a_stopped_send_counts_who_of_this_list_has_the_issue_not_the_other_lists(workdir: Path, smtp_server: SMTPServer) -> None:
    from composer.campaign import open_send
    from composer.send.tokens import load_secret

    write_list("erste", 3)
    assert send(smtp_server, "--list", "erste", "--yes")[0] == 0
    Path("subscribers/zweite.csv").write_text("email;name\nhelfer0000@example.org;Helfer 0\nneu@example.org;Neu\n", encoding="utf-8")
    settings = smtp_server.settings()
    with open_send(Path(ISSUE), "zweite", settings, load_secret(None, settings.state_dir)) as campaign:
        assert (campaign.delivered(), campaign.plan.listed) == (1, 2)


def test_the_plan_names_the_sender_as_a_person_reads_it_and_the_header_stays_encoded(workdir: Path,
                                                                                    smtp_server: SMTPServer) -> None:
    import asyncio
    from datetime import UTC, datetime
    from email import message_from_bytes
    from email.policy import default

    from composer.campaign import outline, test_send
    from composer.send.tokens import load_secret

    write_list("helfer", 2)
    settings = smtp_server.settings(from_name="Flüchtlingskoordination Musterstadt", from_address="newsletter@example.org",
                                    state_dir=workdir / ".newsletter")
    secret = load_secret(None, settings.state_dir)
    shown = outline(Path(ISSUE), "helfer", settings, secret, datetime(2026, 12, 6, 10, tzinfo=UTC))
    assert shown.sender == "Flüchtlingskoordination Musterstadt <newsletter@example.org>"
    asyncio.run(test_send(Path(ISSUE), ["ich@example.org"], settings, secret))
    raw = smtp_server.handler.received[-1][2]
    assert b"From: =?utf-8?q?Fl=C3=BCchtlingskoordination_Musterstadt?=" in raw  # the header as a mail program reads it
    assert message_from_bytes(raw, policy=default)["From"] == shown.sender
