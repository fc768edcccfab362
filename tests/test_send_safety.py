"""A send that stops, meets an uncertain server or a refused sender, or reads hostile text: nobody lost,
nobody resent without bound, nothing printed as markup."""

from __future__ import annotations

import asyncio
import random
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest
from conftest import SMTPServer, make_settings
from test_send import ISSUE, runner, send, send_command, status_rows, wait_for_received, write_list

from composer.send.ledger import IssueLedger
from composer.cli import app
from composer.errors import ChecksFailedError
from composer.campaign import open_send
from composer.state import Journal
from composer.send.stopping import Stop


def status_text(server: SMTPServer) -> str:
    return runner.invoke(app, ["status", ISSUE], env=server.env()).output


def by_status(server: SMTPServer, state: str) -> set[str]:
    return {r["email"] for r in status_rows(server) if r["status"] == state}


# -- uncertain outcomes -------------------------------------------------------------------------------

def test_a_server_that_keeps_messages_but_never_answers_gives_at_most_two_copies(
        workdir: Path, smtp_server: SMTPServer) -> None:
    addresses = write_list("liste", 6)
    affected = set(addresses[:2])
    smtp_server.handler.keep_then_drop = set(affected)
    for _ in range(3):
        code, output = send(smtp_server, "--list", "liste", "--yes")
        assert code == 1 and "Traceback" not in output  # every run leaves the two uncertain
    counts = smtp_server.handler.per_recipient()
    assert {a: counts[a] for a in affected} == {a: 2 for a in affected}
    assert all(counts[a] == 1 for a in addresses[2:])
    assert by_status(smtp_server, "uncertain") == affected
    text = status_text(smtp_server)
    assert "uncertain (2): the server may have kept the message" in text
    assert all(f"  {a}: no answer after the message was handed over" in text for a in affected)
    assert "2 uncertain before (use --retry-uncertain)" in send(smtp_server, "--list", "liste", "--dry-run")[1]


def test_an_address_is_uncertain_from_its_first_unanswered_hand_over(workdir: Path, smtp_server: SMTPServer) -> None:
    addresses = write_list("liste", 3)
    smtp_server.handler.keep_then_drop = {addresses[0]}
    code, output = send(smtp_server, "--list", "liste", "--yes", NEWSLETTER_RETRY_BUDGET="1")  # no resend in this run
    assert code == 1 and "uncertain 1" in output, output
    assert by_status(smtp_server, "uncertain") == {addresses[0]} and not by_status(smtp_server, "deferred")
    assert smtp_server.handler.per_recipient()[addresses[0]] == 1
    smtp_server.handler.keep_then_drop = set()
    code, output = send(smtp_server, "--list", "liste", "--yes")  # its one automatic resend
    assert code == 0 and "Send to: 1 via" in output, output
    assert smtp_server.handler.per_recipient()[addresses[0]] == 2 and by_status(smtp_server, "sent") == set(addresses)


def test_a_rerun_that_leaves_only_uncertain_rows_exits_1(workdir: Path, smtp_server: SMTPServer) -> None:
    addresses = write_list("liste", 2)
    smtp_server.handler.keep_then_drop = {addresses[0]}
    assert send(smtp_server, "--list", "liste", "--yes")[0] == 1
    code, output = send(smtp_server, "--list", "liste", "--yes")
    assert code == 1 and "Nobody left to send to." in output and "1 uncertain before" in output
    assert send(smtp_server, "--list", "liste", "--dry-run")[0] == 0  # a look, not a run


def test_a_test_send_with_a_refused_recipient_exits_1(workdir: Path, smtp_server: SMTPServer) -> None:
    smtp_server.handler.rcpt_replies["weg@example.org"] = ["550 5.1.1 mailbox unknown"]
    code, output = send(smtp_server, "--to", "ich@example.org", "--to", "weg@example.org")
    assert code == 1 and "sent 1, failed 1" in output and "weg@example.org: 550 5.1.1 mailbox unknown" in output
    assert send(smtp_server, "--to", "ich@example.org")[0] == 0


def test_retry_uncertain_sends_those_once_more(workdir: Path, smtp_server: SMTPServer) -> None:
    addresses = write_list("liste", 3)
    smtp_server.handler.keep_then_drop = {addresses[0]}
    send(smtp_server, "--list", "liste", "--yes")
    assert smtp_server.handler.per_recipient()[addresses[0]] == 2
    smtp_server.handler.keep_then_drop = set()
    code, output = send(smtp_server, "--list", "liste", "--yes", "--retry-uncertain")
    assert code == 0 and "Send to: 1 via" in output
    assert smtp_server.handler.per_recipient()[addresses[0]] == 3
    assert by_status(smtp_server, "sent") == set(addresses)
    assert f"  {addresses[0]}" in status_text(smtp_server).split("may have received it more than once")[1]


def test_an_uncertain_test_send_is_not_sent_again(workdir: Path, smtp_server: SMTPServer) -> None:
    smtp_server.handler.keep_then_drop = {"ich@example.org"}
    code, output = send(smtp_server, "--to", "ich@example.org")
    assert code == 0 and "uncertain 1" in output
    assert smtp_server.handler.per_recipient() == {"ich@example.org": 1}


# -- refusals that are not about the recipient ---------------------------------------------------------

@pytest.mark.parametrize("reply", ["550 5.7.1 sender not allowed", "451 4.7.1 daily quota reached, try tomorrow"])
def test_a_refused_sender_stops_the_send_and_marks_nobody_failed(workdir: Path, smtp_server: SMTPServer, reply: str) -> None:
    addresses = write_list("liste", 12)
    smtp_server.handler.refuse_mail = reply
    code, output = send(smtp_server, "--list", "liste", "--yes")
    assert code == 2 and f"the server refused the sender ({reply})" in output and "Traceback" not in output
    assert smtp_server.handler.received == []
    assert by_status(smtp_server, "failed") == set() and by_status(smtp_server, "pending") == set(addresses)
    smtp_server.handler.refuse_mail = ""
    code, output = send(smtp_server, "--list", "liste", "--yes")
    assert code == 0, output
    assert smtp_server.handler.per_recipient() == {a: 1 for a in addresses}


def test_the_same_refusal_for_ten_in_a_row_trips_the_breaker_and_the_rest_stay_pending(
        workdir: Path, smtp_server: SMTPServer) -> None:
    addresses = write_list("liste", 40)
    smtp_server.handler.refuse_rcpt = "550 5.7.1 relaying denied"
    code, output = send(smtp_server, "--list", "liste", "--yes")
    assert code == 2 and "the same answer for 10 recipients in a row (550 5.7.1 relaying denied)" in output
    assert by_status(smtp_server, "failed") == set()
    assert len(by_status(smtp_server, "pending")) == 40
    smtp_server.handler.refuse_rcpt = ""
    code, output = send(smtp_server, "--list", "liste", "--yes")
    assert code == 0, output
    assert smtp_server.handler.per_recipient() == {a: 1 for a in addresses}


def test_different_refusals_do_not_trip_the_breaker(workdir: Path, smtp_server: SMTPServer) -> None:
    addresses = write_list("liste", 14)
    for n, address in enumerate(addresses[:12]):
        smtp_server.handler.rcpt_replies[address] = [f"550 5.1.1 <{address}>: mailbox {n % 2} unknown"]
    code, output = send(smtp_server, "--list", "liste", "--yes", NEWSLETTER_CONCURRENCY="1")
    assert code == 1 and "sent 2, failed 12" in output


# -- graceful stop ---------------------------------------------------------------------------------------

def test_sigint_sigterm_and_sighup_at_random_moments_then_reruns_give_everyone_exactly_one(
        workdir: Path, smtp_server: SMTPServer) -> None:
    addresses = write_list("gross", 500)
    command, env = send_command(smtp_server, "gross", concurrency=8, delay=0.02)
    moments = sorted(random.Random(10).sample(range(20, 470), 10))
    stopped = 0
    for n, moment in enumerate(moments):
        sig = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)[n % 3]
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wait_for_received(smtp_server, max(moment, len(smtp_server.handler.received) + 1), process)
        process.send_signal(sig)
        _, stderr = process.communicate(timeout=60)
        assert process.returncode in (0, 128 + sig), stderr
        if process.returncode:
            stopped += 1
            assert "no new messages; the ones under way are finished and recorded" in stderr
            assert "Run the same command again to continue" in stderr and "Traceback" not in stderr
    assert stopped >= 8  # a signal may come after the last message only on a very slow machine
    final = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert final.returncode == 0, final.stderr
    assert smtp_server.handler.per_recipient() == {a: 1 for a in addresses}
    assert not any(r["possible_duplicate"] for r in status_rows(smtp_server))


def test_a_second_ctrl_c_aborts_at_once_and_the_rerun_resends_at_most_what_was_in_flight(
        workdir: Path, smtp_server: SMTPServer) -> None:
    addresses = write_list("liste", 12)
    command, env = send_command(smtp_server, "liste", concurrency=4, delay=0.5)
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wait_for_received(smtp_server, 1, process)
    process.send_signal(signal.SIGINT)
    time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130 and "Aborted at once" in stderr and "Traceback" not in stderr
    assert len(smtp_server.handler.received) < 12
    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    counts = smtp_server.handler.per_recipient()
    assert set(counts) == set(addresses) and sum(counts.values()) <= 12 + 4


# -- untrusted text ---------------------------------------------------------------------------------------

HOSTILE = ["[/red]", "[bold]x[/bold]", ":x:", "[/]"]


def test_markup_in_names_addresses_and_replies_is_printed_literally(workdir: Path, smtp_server: SMTPServer) -> None:
    rows = [f"person{n}@example.org;{name}" for n, name in enumerate(HOSTILE)]
    rows += [f"{name}@example.org;kaputt" for name in ("[/red]", "[/]")]
    Path("subscribers/bunt.csv").write_text("email;name\n" + "\n".join(rows) + "\n", encoding="utf-8")
    smtp_server.handler.rcpt_replies["person3@example.org"] = ["550 5.1.1 [/red] :x: [/] unknown"]
    code, output = send(smtp_server, "--list", "bunt", "--dry-run")
    assert code == 0 and "'[/red]@example.org' is not a valid email address" in output
    code, output = send(smtp_server, "--list", "bunt", "--yes")
    assert code == 1 and "person3@example.org: 550 5.1.1 [/red] :x: [/] unknown" in output
    listing = runner.invoke(app, ["subscribers", "bunt"], env=smtp_server.env())
    assert listing.exit_code == 0 and all(name in listing.output for name in HOSTILE)
    status = status_text(smtp_server)
    assert "5.1.1 [/red] :x: [/] unknown" in status and "❌" not in listing.output + status
    assert all("Traceback" not in o for o in (output, listing.output, status))


# -- inputs and settings ----------------------------------------------------------------------------------

def test_a_list_given_as_a_path_is_refused_with_what_a_list_name_is(workdir: Path) -> None:
    code, output = send(None, "--list", "../../../../etc/passwd", "--dry-run")
    assert code == 2 and "is not a list name: a list name is letters, digits, - and _" in output
    assert "root:" not in output


def test_an_unknown_greeting_placeholder_is_an_error_with_file_and_line(workdir: Path) -> None:
    text = Path(ISSUE).read_text().replace("footer:\n", 'greeting:\n  named: "{name} {Nachname}"\n  anonymous: "Hallo,"\nfooter:\n')
    Path("issues/2021-01.md").write_text(text)
    result = runner.invoke(app, ["send", "issues/2021-01.md", "--list", "volunteers", "--dry-run"])
    assert result.exit_code == 2
    assert ("error: issues/2021-01.md:13: greeting.named: unknown placeholder {Nachname} (write {name} where the "
            "subscriber's name goes)") in result.output


def test_a_password_over_an_unencrypted_connection_is_refused_unless_allowed(workdir: Path, smtp_server: SMTPServer) -> None:
    login = {"NEWSLETTER_SMTP_USERNAME": "kontakt", "NEWSLETTER_SMTP_PASSWORD": "geheim"}
    code, output = send(smtp_server, "--list", "volunteers", "--yes", **login)
    assert code == 2 and "NEWSLETTER_SMTP_ALLOW_PLAINTEXT_AUTH=true only on a network you trust" in output
    assert "geheim" not in output and smtp_server.handler.received == []
    code, output = send(smtp_server, "--list", "volunteers", "--dry-run", NEWSLETTER_SMTP_ALLOW_PLAINTEXT_AUTH="true", **login)
    assert code == 0 and "Send to: 8 via" in output


def test_unsubscribe_refuses_what_is_not_an_address(workdir: Path) -> None:
    result = runner.invoke(app, ["unsubscribe", "not-an-address"])
    assert result.exit_code == 2 and "'not-an-address' is not a valid email address" in result.output


def test_an_issue_with_check_errors_cannot_be_sent_through_the_library(workdir: Path) -> None:
    issue = Path("issues/2021-01.md")
    issue.write_text(Path(ISSUE).read_text().replace("Kern des Modellprojekts", "Siehe [unten](#nirgendwo). Kern", 1))
    with pytest.raises(ChecksFailedError) as caught, open_send(issue, "volunteers", make_settings(), b"secret"):
        pass
    assert "points to no anchor" in str(caught.value.findings[0])
    result = runner.invoke(app, ["send", str(issue), "--list", "volunteers", "--yes"])
    assert result.exit_code == 2 and "Not sent: the issue has 1 check error. Fix it" in result.output


# -- status ----------------------------------------------------------------------------------------------

def test_status_names_up_to_twenty_per_state_then_says_how_many_more(workdir: Path, smtp_server: SMTPServer) -> None:
    addresses = write_list("liste", 25)
    smtp_server.handler.refuse_rcpt = "550 5.1.1 mailbox unknown"
    send(smtp_server, "--list", "liste", "--yes", NEWSLETTER_STOP_AFTER_FAILURES="0")
    text = status_text(smtp_server)
    assert "2020-12: 25 failed" in text and "failed (25)" in text
    assert f"  {addresses[0]}: 550 5.1.1 mailbox unknown" in text and addresses[24] not in text
    assert "  and 5 more (--csv for all)" in text


def test_a_state_from_before_uncertain_is_migrated_with_every_row(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "state.db")
    db.execute("""CREATE TABLE deliveries (issue TEXT NOT NULL, email TEXT NOT NULL COLLATE NOCASE, name TEXT,
                  fields TEXT NOT NULL DEFAULT '{}', status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent',
                  'deferred', 'failed')), attempts INTEGER NOT NULL DEFAULT 0, interrupted INTEGER NOT NULL DEFAULT 0,
                  code INTEGER, reply TEXT, message_id TEXT, updated REAL NOT NULL, PRIMARY KEY (issue, email))""")
    db.execute("INSERT INTO deliveries (issue, email, status, updated) VALUES ('2020-12', 'a@example.org', 'sent', 0)")
    db.execute("INSERT INTO deliveries (issue, email, status, updated) VALUES ('2020-12', 'b@example.org', 'pending', 0)")
    db.commit()
    db.close()
    with Journal(tmp_path) as journal:
        with IssueLedger(journal, "2020-12") as ledger:
            assert ledger.uncertain("b@example.org", 0, "no answer") is True
            ledger.sending("b@example.org")  # the automatic resend
            assert ledger.uncertain("b@example.org", 0, "no answer") is False
        assert journal.counts("2020-12")["sent"] == 1 and journal.counts("2020-12")["uncertain"] == 1


def test_a_server_that_never_answers_anyone_trips_the_breaker_early(workdir: Path, smtp_server: SMTPServer) -> None:
    addresses = write_list("liste", 60)
    smtp_server.handler.keep_then_drop = set(addresses)
    code, output = send(smtp_server, "--list", "liste", "--yes")
    assert code == 2 and "the same answer for 10 recipients in a row (no answer after the message was handed over" in output
    counts = smtp_server.handler.per_recipient()
    assert len(counts) < 30 and max(counts.values()) <= 2


def test_a_stop_requested_from_another_thread_finishes_what_is_under_way(workdir: Path, smtp_server: SMTPServer) -> None:
    """The browser desk's stop button: the library call returns with everything recorded, nothing in 'sending'."""
    addresses = write_list("liste", 60)
    smtp_server.handler.delay = 0.02
    settings = smtp_server.settings(concurrency=4)
    stop = Stop()

    def press_stop_after_ten() -> None:
        while len(smtp_server.handler.received) < 10:
            time.sleep(0.002)
        stop.request("stop button")

    threading.Thread(target=press_stop_after_ten, daemon=True).start()
    with open_send(Path(ISSUE), "liste", settings, b"secret") as campaign:
        summary = asyncio.run(campaign.run(stop=stop))
        counts = campaign.journal.counts("2020-12")
    assert summary.stopped and 10 <= summary.sent < 60 and stop.reason == "stop button"
    assert counts["sending"] == 0 and counts["sent"] == summary.sent == len(smtp_server.handler.received)
    with open_send(Path(ISSUE), "liste", settings, b"secret") as campaign:
        assert asyncio.run(campaign.run()).sent == 60 - summary.sent
    assert smtp_server.handler.per_recipient() == {a: 1 for a in addresses}


def test_status_names_who_unsubscribed_or_bounced_since(workdir: Path, smtp_server: SMTPServer) -> None:
    addresses = write_list("liste", 3)
    send(smtp_server, "--list", "liste", "--yes")
    runner.invoke(app, ["unsubscribe", addresses[0]], env=smtp_server.env())
    with Journal(Path(".newsletter")) as journal:
        journal.record_bounce(addresses[1], "2020-12", True, "5.1.1", None)
    text = status_text(smtp_server)
    assert f"unsubscribed since (1)\n  {addresses[0]}: unsubscribed by the coordinator" in text
    assert f"bounced (1)\n  {addresses[1]}: 5.1.1" in text


def test_sigterm_at_the_question_ends_with_one_line_and_sends_nothing(workdir: Path, smtp_server: SMTPServer) -> None:
    command, env = send_command(smtp_server, "volunteers", concurrency=2, delay=0)
    command.remove("--yes")
    process = subprocess.Popen(command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    shown = b""
    while not shown.endswith(b"now? [y/N]: ") and process.poll() is None:
        shown += process.stdout.read(1)  # type: ignore[union-attr]
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 143 and b"interrupted; run the same command again" in stderr, stderr
    assert smtp_server.handler.received == []


def test_a_send_under_nohup_goes_on_when_the_terminal_closes(workdir: Path, smtp_server: SMTPServer) -> None:
    addresses = write_list("liste", 20)
    command, env = send_command(smtp_server, "liste", concurrency=2, delay=0.05)
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN))
    wait_for_received(smtp_server, 2, process)
    process.send_signal(signal.SIGHUP)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert smtp_server.handler.per_recipient() == {a: 1 for a in addresses}
