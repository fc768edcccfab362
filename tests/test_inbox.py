"""`newsletter inbox` against a real IMAP server (Debian's dovecot on loopback) holding real samples."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from conftest import SMTPServer, free_port
from imapclient import IMAPClient
from typer.testing import CliRunner

from composer.send.ledger import IssueLedger
from composer.records import Recipient
from composer.state import Journal
from composer.send.links import Links
from composer.send.tokens import unsubscribe_token
from composer.cli import app

runner = CliRunner()
MAIL = Path(__file__).resolve().parent / "data" / "mail"
SAMPLES = sorted(MAIL.rglob("*.eml"))
USER, PASSWORD = "coordinator@example.org", "geheim-imap-passwort"
DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
needs_dovecot = pytest.mark.skipif(not Path(DOVECOT).exists() and not os.environ.get("CI"),
                                   reason="Debian's dovecot-imapd is installed by .ci/run")

CONFIG = """base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/passwd
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={d}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


@pytest.fixture
def imap():
    """A throw-away dovecot with one user and an empty Maildir, on a loopback port. Its folder is outside
    pytest's private tmp_path, which dovecot's unprivileged auth process could not enter."""
    folder = Path(tempfile.mkdtemp(prefix="nlc-dovecot-"))
    folder.chmod(0o755)
    (folder / "home").mkdir(parents=True)
    (folder / "home").chmod(0o777)
    (folder / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    port = free_port()
    config = folder / "dovecot.conf"
    config.write_text(CONFIG.format(d=folder, port=port))
    subprocess.run([DOVECOT, "-c", str(config)], check=True)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield port
    master = folder / "run" / "master.pid"  # told to stop, not waited for (`dovecot stop` waits about 2.5 s)
    with contextlib.suppress(OSError, ValueError):
        os.kill(int(master.read_text().split()[0]), signal.SIGTERM)
    shutil.rmtree(folder, ignore_errors=True)


def client(port: int) -> IMAPClient:
    c = IMAPClient("127.0.0.1", port=port, ssl=False)
    c.login(USER, PASSWORD)
    return c


def fill(port: int, messages: list[bytes]) -> None:
    with client(port) as c:
        for data in messages:
            c.append("INBOX", data)


def folder_counts(port: int) -> dict[str, int]:
    with client(port) as c:
        return {name: c.folder_status(name, ["MESSAGES"])[b"MESSAGES"] for _, _, name in c.list_folders()}


def env(port: int, **extra: str) -> dict[str, str]:
    return {"NEWSLETTER_IMAP_HOST": "127.0.0.1", "NEWSLETTER_IMAP_PORT": str(port), "NEWSLETTER_IMAP_SECURITY": "none",
            "NEWSLETTER_IMAP_ALLOW_PLAINTEXT_AUTH": "true", "NEWSLETTER_IMAP_USERNAME": USER, "NEWSLETTER_IMAP_PASSWORD": PASSWORD,
            "NEWSLETTER_FROM_ADDRESS": "kontakt@example.org", **extra}


def suppression_states(*addresses: str) -> dict[str, str]:
    result = runner.invoke(app, ["subscribers", "inbox-test"])
    states = {}
    for line in result.output.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1] in addresses:
            states[parts[1]] = parts[0]
    return states


def delivered(issue: str, sent: dict[str, str], state: Path = Path(".newsletter")) -> None:
    """Records a send of `issue` to each address with its Message-ID, as the dispatcher's ledger does."""
    with Journal(state, exclusive=True) as journal:
        journal.stage([Recipient(email) for email in sent])
        list(journal.queue(issue))
        with IssueLedger(journal, issue) as ledger:
            for email, message_id in sent.items():
                ledger.sending(email)
                ledger.sent(email, "250 2.0.0 Ok", message_id)


# The samples' bounces as answers to messages we sent: their attached Message-IDs recorded as our deliveries.
SAMPLES_SENT = {"karl.nirgendwo@example.org": "<postfix-dsn-1@example.org>",
                "greta.gibtsnicht@example.org": "<postfix-dsn-2@example.org>",
                "userx@example.cz": "<pfchbtkf3j0p7prf0sp45vi21fro3bs7ad@4ax.com>",
                "userx@its.example.nl": "<19990920022322.A19735@stereo.rotzorg.org>"}

LISTED = ["karl.nirgendwo@example.org", "greta.gibtsnicht@example.org", "userx@example.com", "bjoern.oezdemir@example.org",
          "marie.dubois@example.org", "anna.mueller@example.org", "zeynep.yilmaz@example.org", "lena.weiss@example.org"]


def write_test_list() -> None:
    Path("subscribers/inbox-test.csv").write_text("email;name\n" + "".join(f"{a};\n" for a in LISTED))


@needs_dovecot
def test_inbox_sorts_every_sample_and_sets_handled_mail_aside(workdir: Path, imap: int) -> None:
    write_test_list()
    delivered("2020-12", SAMPLES_SENT)
    fill(imap, [p.read_bytes() for p in SAMPLES])
    result = runner.invoke(app, ["inbox"], env=env(imap))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "karl.nirgendwo@example.org: permanent bounce 5.1.1" in out
    assert "greta.gibtsnicht@example.org: permanent bounce 5.1.1" in out
    assert "userx@its.example.nl: permanent bounce" in out  # Exim, via flufl.bounce
    assert "userx@example.cz: temporary bounce 4.4.1" in out and "(1 of 3)" in out
    # Gmail's bounce names no message of ours (its original is not attached): left for the coordinator
    assert "userx@example.com" not in out and "left for you: a delivery report about no message we sent" in out
    assert "bjoern.oezdemir@example.org: unsubscribe" in out and "marie.dubois@example.org: unsubscribe" in out
    assert "automatic reply from anna.mueller@example.org" in out and "automatic reply from zeynep.yilmaz@example.org" in out
    assert "left for you: Frage zum Sprachcafe in Cracau" in out
    assert "cannot be read" in out and "left in the mailbox" in out
    assert "left for you: a complaint (abuse report) about no message we sent" in out  # arf-yahoo.eml: not ours here
    assert "2 unsubscribed, 4 bounces, 2 automatic replies, 3 left for you, 1 unreadable" in out
    assert PASSWORD not in out
    assert folder_counts(imap) == {"INBOX": 4, "Processed": len(SAMPLES) - 4}
    assert suppression_states(*LISTED) == {
        "karl.nirgendwo@example.org": "bounced", "greta.gibtsnicht@example.org": "bounced", "userx@example.com": "active",
        "bjoern.oezdemir@example.org": "unsubscribed", "marie.dubois@example.org": "unsubscribed",
        "anna.mueller@example.org": "active", "zeynep.yilmaz@example.org": "active", "lena.weiss@example.org": "active"}


@needs_dovecot
def test_rerun_processes_nothing_twice(workdir: Path, imap: int) -> None:
    delivered("2020-12", SAMPLES_SENT)
    fill(imap, [(MAIL / "unsubscribe-de.eml").read_bytes(), (MAIL / "flufl" / "dsn_05_delayed.eml").read_bytes()])
    runner.invoke(app, ["inbox"], env=env(imap))
    fill(imap, [(MAIL / "flufl" / "dsn_05_delayed.eml").read_bytes()])  # the same bounce delivered again
    result = runner.invoke(app, ["inbox"], env=env(imap))
    assert "0 unsubscribed, 0 bounces" in result.output


@needs_dovecot
def test_dry_run_changes_nothing(workdir: Path, imap: int) -> None:
    write_test_list()
    fill(imap, [(MAIL / "unsubscribe-en.eml").read_bytes()])
    result = runner.invoke(app, ["inbox", "--dry-run"], env=env(imap))
    assert "marie.dubois@example.org: would unsubscribe" in result.output
    assert folder_counts(imap) == {"INBOX": 1}
    assert suppression_states("marie.dubois@example.org") == {"marie.dubois@example.org": "active"}


@needs_dovecot
def test_wrong_imap_password_is_one_line_without_the_password(workdir: Path, imap: int) -> None:
    result = runner.invoke(app, ["inbox"], env=env(imap, NEWSLETTER_IMAP_PASSWORD="falsch-geraten"))
    assert result.exit_code == 2
    assert "the IMAP server refused" in result.output and "falsch-geraten" not in result.output
    assert "Traceback" not in result.output


@needs_dovecot
def test_next_send_skips_unsubscribed_and_hard_bounced(workdir: Path, imap: int, smtp_server: SMTPServer) -> None:
    write_test_list()
    delivered("2020-11", SAMPLES_SENT)
    fill(imap, [p.read_bytes() for p in SAMPLES])
    runner.invoke(app, ["inbox"], env=env(imap))
    result = runner.invoke(app, ["send", "issues/2020-12.md", "--list", "inbox-test", "--yes"], env=smtp_server.env())
    assert result.exit_code == 0, result.output
    assert "4 unsubscribed or bounced" in result.output
    assert set(smtp_server.handler.per_recipient()) == {"anna.mueller@example.org", "zeynep.yilmaz@example.org",
                                                        "lena.weiss@example.org", "userx@example.com"}


def test_unsubscribe_by_the_token_of_the_emailed_link(workdir: Path, tmp_path: Path) -> None:
    runner.invoke(app, ["build", "issues/2020-12.md"])  # makes the secret the links are signed with
    secret = Path(".newsletter/secret").read_text().encode()
    with Journal(Path(".newsletter")) as journal:  # as a send does for every address it stages
        Links(journal, secret).remember(["lena.weiss@example.org"], "newsletter")
    token = unsubscribe_token(secret, "lena.weiss@example.org")
    mbox = tmp_path / "inbox.mbox"
    mbox.write_bytes(b"From someone@example.com Wed Dec 23 12:00:00 2020\n"
                     b"From: Someone Else <someone@example.com>\nTo: kontakt@example.org\n"
                     b"Subject: unsubscribe " + token.encode() + b"\nMessage-ID: <t1@example.com>\n\nPlease.\n\n")
    result = runner.invoke(app, ["inbox", "--mbox", str(mbox)], env={"NEWSLETTER_FROM_ADDRESS": "kontakt@example.org"})
    assert "lena.weiss@example.org: unsubscribe (by the token in the unsubscribe link)" in result.output


def test_maildir_messages_are_moved_to_a_processed_folder(workdir: Path, tmp_path: Path) -> None:
    delivered("2020-12", SAMPLES_SENT)
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    for n, name in enumerate(["postfix-dsn-1.eml", "unrelated.eml"]):
        (maildir / "new" / f"{n}.eml").write_bytes((MAIL / name).read_bytes())
    result = runner.invoke(app, ["inbox", "--maildir", str(maildir)])
    assert "karl.nirgendwo@example.org: permanent bounce 5.1.1" in result.output
    assert len(list((maildir / ".Processed" / "cur").iterdir()) + list((maildir / ".Processed" / "new").iterdir())) == 1
    assert len(list((maildir / "new").iterdir()) + list((maildir / "cur").iterdir())) == 1


def test_repeated_temporary_bounces_suppress_after_the_limit(workdir: Path, tmp_path: Path) -> None:
    delivered("2020-12", SAMPLES_SENT)
    mbox = tmp_path / "inbox.mbox"
    mbox.write_bytes(b"From x Wed Dec 23 12:00:00 2020\n" + (MAIL / "flufl" / "dsn_05_delayed.eml").read_bytes() + b"\n")
    result = runner.invoke(app, ["inbox", "--mbox", str(mbox)], env={"NEWSLETTER_SOFT_BOUNCE_LIMIT": "1"})
    assert "userx@example.cz: temporary bounce 4.4.1, now in 1 issues: stop sending" in result.output


def test_bounce_of_a_sent_issue_is_tied_to_issue_and_recipient(workdir: Path, smtp_server: SMTPServer, tmp_path: Path) -> None:
    runner.invoke(app, ["send", "issues/2020-12.md", "--list", "volunteers", "--yes"], env=smtp_server.env())
    sent = next(m for m in smtp_server.handler.messages() if m["To"].addresses[0].addr_spec == "lena.weiss@example.org")
    dsn = (MAIL / "postfix-dsn-1.eml").read_bytes().replace(b"karl.nirgendwo@example.org", b"lena.weiss@example.org")
    dsn = dsn.replace(b"<postfix-dsn-1@example.org>", sent["Message-ID"].encode())
    mbox = tmp_path / "inbox.mbox"
    mbox.write_bytes(b"From MAILER-DAEMON Wed Dec 23 12:00:00 2020\n" + dsn + b"\n")
    result = runner.invoke(app, ["inbox", "--mbox", str(mbox)], env=smtp_server.env())
    assert "lena.weiss@example.org: permanent bounce 5.1.1 for 2020-12: stop sending" in result.output
    status = runner.invoke(app, ["status", "issues/2020-12.md"], env=smtp_server.env())
    assert "8 sent" in status.output and "1 bounced" in status.output


def test_verp_envelope_names_the_recipient_of_a_mangled_bounce(workdir: Path, smtp_server: SMTPServer, tmp_path: Path) -> None:
    verp = {**smtp_server.env(), "NEWSLETTER_VERP": "true", "NEWSLETTER_ENVELOPE_SENDER": "bounces@example.org"}
    runner.invoke(app, ["send", "issues/2020-12.md", "--list", "volunteers", "--yes"], env=verp)
    envelope = next(frm for frm, rcpts, _ in smtp_server.handler.received if rcpts == ["grete.kuehn@example.org"])
    assert envelope.startswith("bounces+") and envelope.endswith("@example.org")
    mangled = (f"From: postmaster@example.net\nTo: {envelope}\nDelivered-To: {envelope}\nSubject: Problem\n"
               "Message-ID: <m1@example.net>\n\nYour mail could not be handed on, sorry.\n").encode()
    mbox = tmp_path / "inbox.mbox"
    mbox.write_bytes(b"From postmaster@example.net Wed Dec 23 12:00:00 2020\n" + mangled + b"\n")
    result = runner.invoke(app, ["inbox", "--mbox", str(mbox)], env=verp)
    assert "grete.kuehn@example.org: temporary bounce" in result.output


def test_unsubscribe_keeps_the_mail_as_evidence_and_the_export_leaves_the_address_out(workdir: Path, tmp_path: Path) -> None:
    from composer.state import Journal

    mbox = tmp_path / "inbox.mbox"
    mbox.write_bytes(b"From marie Wed Dec 23 12:00:00 2020\n" + (MAIL / "unsubscribe-en.eml").read_bytes() + b"\n")
    runner.invoke(app, ["inbox", "--mbox", str(mbox)])
    with Journal(Path(".newsletter")) as journal:
        record = journal.suppression("marie.dubois@example.org")
    assert record is not None and record.kind == "unsubscribed" and "<unsub-en-1@example.org>" in record.evidence
    assert time.time() - record.created < 60
    result = runner.invoke(app, ["subscribers", "volunteers", "--export", "clean.csv"])
    assert "unsubscribed marie.dubois@example.org" in result.output.replace("  ", " ").replace("  ", " ")
    exported = Path("clean.csv").read_text(encoding="utf-8-sig").splitlines()
    assert exported[0] == "email;name;stadtteil" and len(exported) == 1 + 7
    assert not any("marie.dubois" in line for line in exported)
    assert "anna.mueller@example.org;Anna Müller;Cracau" in exported


@needs_dovecot
def test_the_imap_password_is_not_sent_over_a_plain_connection_unless_allowed(workdir: Path, imap: int) -> None:
    plain = {**env(imap), "NEWSLETTER_IMAP_ALLOW_PLAINTEXT_AUTH": "false"}
    refused = runner.invoke(app, ["inbox"], env=plain)
    assert refused.exit_code == 2 and refused.output.splitlines() == [
        "error: NEWSLETTER_IMAP_SECURITY=none would send the IMAP password unencrypted; use tls or starttls, or set "
        "NEWSLETTER_IMAP_ALLOW_PLAINTEXT_AUTH=true only on a network you trust"]
    assert PASSWORD not in refused.output
    assert runner.invoke(app, ["inbox"], env=env(imap)).exit_code == 0


def queued_send(smtp_server: SMTPServer) -> dict[str, str]:
    """The sample sent to the volunteers through a relay that names a queue id in each acceptance; each reader's id."""
    smtp_server.handler.data_replies = [f"250 2.0.0 Ok: queued as 4C0FFEE{n:04X}" for n in range(8)]
    runner.invoke(app, ["send", "issues/2020-12.md", "--list", "volunteers", "--yes"], env=smtp_server.env())
    result = runner.invoke(app, ["status", "issues/2020-12.md", "--csv"], env=smtp_server.env())
    return {row["email"]: row["queue_id"] for row in csv.DictReader(io.StringIO(result.output.lstrip("\ufeff")), delimiter=";")}


def relay_dsn(tmp_path: Path, recipient: str, queue_id: str) -> Path:
    """Postfix's DSN for `recipient` of the message it queued as `queue_id`; the headers it returns are of a message
    we never recorded, as when a relay rewrote them."""
    dsn = (MAIL / "postfix-dsn-1.eml").read_bytes().replace(b"karl.nirgendwo@example.org", recipient.encode())
    mbox = tmp_path / "inbox.mbox"
    mbox.write_bytes(b"From MAILER-DAEMON Wed Dec 23 12:00:00 2020\n" + dsn.replace(b"5669516C0CE", queue_id.encode()) + b"\n")
    return mbox


def test_a_relays_dsn_is_tied_to_the_issue_by_the_queue_id_it_names(workdir: Path, smtp_server: SMTPServer, tmp_path: Path) -> None:
    queue_ids = queued_send(smtp_server)
    assert sorted(queue_ids.values()) == [f"4C0FFEE{n:04X}" for n in range(8)]
    mbox = relay_dsn(tmp_path, "lena.weiss@example.org", queue_ids["lena.weiss@example.org"])
    result = runner.invoke(app, ["inbox", "--mbox", str(mbox)], env=smtp_server.env())
    assert "lena.weiss@example.org: permanent bounce 5.1.1 for 2020-12: stop sending" in result.output
    status = runner.invoke(app, ["status", "issues/2020-12.md"], env=smtp_server.env())
    assert "1 bounced" in status.output


def test_a_queue_id_of_another_readers_delivery_ties_no_issue(workdir: Path, smtp_server: SMTPServer, tmp_path: Path) -> None:
    queue_ids = queued_send(smtp_server)
    mbox = relay_dsn(tmp_path, "lena.weiss@example.org", queue_ids["anna.mueller@example.org"])
    result = runner.invoke(app, ["inbox", "--mbox", str(mbox)], env=smtp_server.env())
    assert result.exit_code == 0 and "2020-12" not in result.output
    status = runner.invoke(app, ["status", "issues/2020-12.md"], env=smtp_server.env())
    assert "bounced" not in status.output
