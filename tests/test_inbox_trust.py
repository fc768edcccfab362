"""`newsletter inbox` acts only on what we sent and what the reader meant: replies, forwards, forged and genuine
reports, complaints (ARF) and a poison mail, read from real mbox files and Maildirs after a real send."""

from __future__ import annotations

import email
import email.policy
import time
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup
from conftest import SMTPServer, maildir
from typer.testing import CliRunner

from composer.audience.signup import confirm
from composer.cli import app
from composer.send.links import Links
from composer.state import Journal
from composer.send.tokens import load_secret
from tests.conftest import make_settings
from tests.deskserver import csrf_of, desk_server
from tests.test_inbox import MAIL, delivered

runner = CliRunner()
ANNA, LENA = "anna.mueller@example.org", "lena.weiss@example.org"
LISTED = ["anna.mueller@example.org", "juergen.schaefer@example.org", "zeynep.yilmaz@example.org",
          "bjoern.oezdemir@example.org", "lena.weiss@example.org", "marie.dubois@example.org", "ahmad.haidari@example.org",
          "grete.kuehn@example.org"]
ARF_MESSAGE_ID = "<6f1c2e0d9b8a4c7e8d3f2a1b0c9d8e7f@example.org>"  # of the original attached to tests/data/mail/arf-yahoo.eml


@pytest.fixture
def issued(workdir: Path, smtp_server: SMTPServer, monkeypatch: pytest.MonkeyPatch) -> dict[str, EmailMessage]:
    """The sample sent to the list by an office on the web (one-click links in every text part), with a dedicated
    unsubscribe mailbox: each reader's message as it arrived."""
    for name, value in {**smtp_server.env(), "NEWSLETTER_PUBLIC_URL": "https://newsletter.example.org",
                        "NEWSLETTER_UNSUBSCRIBE_MAILTO": "abmelden@example.org"}.items():
        monkeypatch.setenv(name, value)
    result = runner.invoke(app, ["send", "issues/2020-12.md", "--list", "volunteers", "--yes"])
    assert result.exit_code == 0, result.output
    return {m["To"].addresses[0].addr_spec: m for m in smtp_server.handler.messages()}


def inbox(*mails: bytes, tmp_path: Path) -> str:
    mbox = tmp_path / f"inbox-{time.monotonic_ns()}.mbox"
    mbox.write_bytes(b"".join(b"From sender@example.com Wed Dec 23 12:00:00 2020\n" + m.replace(b"\r\n", b"\n") + b"\n"
                              for m in mails))
    result = runner.invoke(app, ["inbox", "--mbox", str(mbox)])
    assert result.exit_code == 0, result.output
    return result.output


def suppressed(addresses: list[str] = LISTED) -> dict[str, str]:
    with Journal(Path(".newsletter")) as journal:
        return {a: s.kind for a in addresses if (s := journal.suppression(a)) is not None}


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def mailto(message: EmailMessage) -> tuple[str, str]:
    """The address and subject of the List-Unsubscribe mailto, as a mail program reads them."""
    link = next(u.strip("<> ") for u in str(message["List-Unsubscribe"]).split(",") if "mailto:" in u)
    parts = urlsplit(link)
    return parts.path, unquote(parts.query.removeprefix("subject="))


def mail(sender: str, to: str, subject: str, body: str, message_id: str = "<m@example.com>") -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"], msg["Message-ID"] = sender, to, subject, message_id
    msg["Date"] = "Wed, 23 Dec 2020 12:00:00 +0100"
    msg.set_content(body)
    return msg.as_bytes(policy=email.policy.SMTP)


def quoted(message: EmailMessage, style: str) -> str:
    """The newsletter's text part as a reply quotes it: with '>' or as German Outlook does, without."""
    if style == ">":
        return "Danke, gerne wieder!\n\nAm 23.12.2020 schrieb Flüchtlingskoordination:\n" + "".join(
            f"> {line}\n" for line in text_of(message).splitlines())
    return ("Danke, gerne wieder!\n\n-----Ursprüngliche Nachricht-----\nVon: Flüchtlingskoordination <kontakt@example.org>\n"
            f"Gesendet: Mittwoch, 23. Dezember 2020 12:00\nAn: {message['To']}\nBetreff: {message['Subject']}\n\n"
            + text_of(message))


@pytest.mark.parametrize("mailbox", ["dedicated", "the office's own"])
@pytest.mark.parametrize("style", [">", "outlook"])
def test_a_reply_quoting_the_personal_unsubscribe_link_unsubscribes_nobody(issued, tmp_path: Path, style: str, mailbox: str,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    if mailbox != "dedicated":  # the mailto then goes to the address the reply goes to
        monkeypatch.delenv("NEWSLETTER_UNSUBSCRIBE_MAILTO")
    newsletter = issued[ANNA]
    assert "https://newsletter.example.org/u/" in text_of(newsletter)  # the quoted text holds the personal link
    out = inbox(mail(ANNA, "kontakt@example.org", f"AW: {newsletter['Subject']}", quoted(newsletter, style)), tmp_path=tmp_path)
    assert "left for you: AW: Newsletter" in out and ": unsubscribe" not in out
    assert suppressed() == {}


def test_a_friends_reply_to_a_forwarded_copy_unsubscribes_nobody(issued, tmp_path: Path) -> None:
    newsletter = issued[LENA]
    forwarded = "Schau mal, das könnte dich interessieren.\n\n" + quoted(newsletter, "outlook")
    reply = "Klingt gut, ich komme mit!\n\n" + "".join(f"> {line}\n" for line in forwarded.splitlines())
    out = inbox(mail("freundin@example.com", "kontakt@example.org", f"Re: WG: {newsletter['Subject']}", reply), tmp_path=tmp_path)
    assert "left for you" in out and ": unsubscribe" not in out
    assert suppressed() == {}


@pytest.mark.parametrize("word", ["unsubscribe", "abbestellen"])
def test_the_subject_of_the_list_unsubscribe_mailto_unsubscribes_its_reader(issued, tmp_path: Path, word: str) -> None:
    address, subject = mailto(issued[ANNA])
    assert address == "abmelden@example.org" and subject.startswith("abbestellen ")  # the issue is German
    token = subject.split()[-1]
    out = inbox(mail("anna.privat@example.com", address, f"{word} {token}", ""), tmp_path=tmp_path)
    assert f"{ANNA}: unsubscribe (by the token in the unsubscribe link)" in out
    assert suppressed() == {ANNA: "unsubscribed"}


def test_the_token_in_the_to_address_of_the_unsubscribe_mailbox_unsubscribes_its_reader(issued, tmp_path: Path) -> None:
    token = mailto(issued[LENA])[1].split()[-1]
    out = inbox(mail("lena@example.com", f"abmelden+{token}@example.org", "", ""), tmp_path=tmp_path)
    assert f"{LENA}: unsubscribe (by the token in the unsubscribe link)" in out
    assert suppressed() == {LENA: "unsubscribed"}


def test_the_token_in_the_subject_of_a_mail_to_another_address_is_not_used(issued, tmp_path: Path) -> None:
    token = mailto(issued[ANNA])[1].split()[-1]
    out = inbox(mail("someone@example.com", "kontakt@example.org", f"Re: hallo {token}", "Wie geht's?"), tmp_path=tmp_path)
    assert "left for you" in out and suppressed() == {}


def test_a_strangers_own_words_request_unsubscribes_nobody_and_is_left_for_you(issued, tmp_path: Path) -> None:
    """eve is on no list and was never sent anything: her "abbestellen" with a reader's token, to the office's own
    address, is not a request of any reader of ours."""
    token = mailto(issued[ANNA])[1].split()[-1]
    out = inbox(mail("eve@example.org", "kontakt@example.org", f"abbestellen {token}", ""),
                mail("eve@example.org", "abmelden@example.org", "bitte abmelden", "", "<m2@example.com>"), tmp_path=tmp_path)
    assert out.count(f"left for you: abbestellen {token}") == 1 and "left for you: bitte abmelden" in out
    assert ": unsubscribe" not in out and "0 unsubscribed" in out
    assert suppressed([*LISTED, "eve@example.org"]) == {}


def test_a_readers_own_words_request_unsubscribes_them_and_is_counted_once_however_many_mails(issued, tmp_path: Path) -> None:
    out = inbox(mail(ANNA, "kontakt@example.org", "Newsletter abbestellen", "Bitte nicht mehr.", "<a1@example.org>"),
                mail(ANNA, "kontakt@example.org", "Bitte abmelden!", "Nochmal: bitte abmelden.", "<a2@example.org>"),
                mail(LENA, "abmelden@example.org", "Newsletter", "", "<l1@example.org>"), tmp_path=tmp_path)
    assert out.count(f"{ANNA}: unsubscribe (by mail from {ANNA})") == 2 and f"{LENA}: unsubscribe (by mail from {LENA})" in out
    assert "2 unsubscribed," in out
    assert suppressed() == {ANNA: "unsubscribed", LENA: "unsubscribed"}


def dsn(recipients: list[str], original_message_id: str, to: str = "kontakt@example.org") -> bytes:
    """A delivery status notification (RFC 3464) failing `recipients`, with the returned headers attached."""
    blocks = "".join(f"Final-Recipient: rfc822; {r}\nAction: failed\nStatus: 5.1.1\n"
                     f"Diagnostic-Code: smtp; 550 5.1.1 <{r}>: Recipient address rejected\n\n" for r in recipients)
    return (f"From: MAILER-DAEMON@mail.example.net (Mail Delivery System)\nTo: {to}\nSubject: Undelivered Mail Returned to Sender\n"
            "Message-ID: <dsn-1@mail.example.net>\nAuto-Submitted: auto-replied\nMIME-Version: 1.0\n"
            'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n'
            "--B\nContent-Type: text/plain\n\nYour message could not be delivered.\n\n"
            f"--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mail.example.net\n\n{blocks}"
            f"--B\nContent-Type: text/rfc822-headers\n\nFrom: kontakt@example.org\nSubject: Newsletter\n"
            f"Message-ID: {original_message_id}\n\n--B--\n").encode()


FORGED = [*LISTED, *(f"helfer{n}@example.org" for n in range(22))]


def test_a_forged_dsn_listing_30_recipients_changes_nobody(issued, tmp_path: Path) -> None:
    out = inbox(dsn(FORGED, "<forged-1@mail.example.net>"), tmp_path=tmp_path)
    assert "left for you: a delivery report about no message we sent to those it names" in out
    assert ": permanent bounce" not in out and suppressed(FORGED) == {}


def test_a_dsn_with_one_of_our_message_ids_bounces_only_the_recipient_of_that_message(issued, tmp_path: Path) -> None:
    out = inbox(dsn(FORGED, issued[ANNA]["Message-ID"]), tmp_path=tmp_path)
    assert f"{ANNA}: permanent bounce 5.1.1 for 2020-12: stop sending" in out
    assert suppressed(FORGED) == {ANNA: "bounced"}


def test_a_genuine_postfix_dsn_of_our_message_suppresses_its_reader(issued, tmp_path: Path) -> None:
    """The positive control: a real Postfix DSN with our Message-ID in its returned headers."""
    genuine = (MAIL / "postfix-dsn-1.eml").read_bytes().replace(b"karl.nirgendwo@example.org", LENA.encode())
    genuine = genuine.replace(b"<postfix-dsn-1@example.org>", issued[LENA]["Message-ID"].encode())
    out = inbox(genuine, tmp_path=tmp_path)
    assert f"{LENA}: permanent bounce 5.1.1 for 2020-12: stop sending" in out
    assert suppressed() == {LENA: "bounced"}


def test_a_dsn_to_our_verp_address_suppresses_that_recipient(workdir: Path, smtp_server: SMTPServer, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {**smtp_server.env(), "NEWSLETTER_VERP": "true", "NEWSLETTER_ENVELOPE_SENDER": "bounces@example.org"}.items():
        monkeypatch.setenv(name, value)
    runner.invoke(app, ["send", "issues/2020-12.md", "--list", "volunteers", "--yes"])
    envelope = next(frm for frm, rcpts, _ in smtp_server.handler.received if rcpts == [LENA])
    out = inbox(dsn(["lena.weiss@forwarded.example.com"], "<unknown@example.org>", to=envelope), tmp_path=tmp_path)
    assert f"{LENA}: permanent bounce 5.1.1" in out and suppressed() == {LENA: "bounced"}


def nested(levels: int) -> bytes:
    head = "".join(f'Content-Type: multipart/mixed; boundary="b{n}"\n\n--b{n}\n' for n in range(levels))
    tail = "".join(f"\n--b{n}--\n" for n in reversed(range(levels)))
    return (f"From: poison@example.com\nTo: kontakt@example.org\nSubject: poison\nMessage-ID: <poison@example.com>\n"
            f"MIME-Version: 1.0\n{head}Content-Type: text/plain\n\nhi\n{tail}").encode()


def huge() -> bytes:
    return b"From: big@example.com\nTo: kontakt@example.org\nSubject: huge\n\n" + (b"y" * 99 + b"\n") * 110_000


@pytest.mark.parametrize(("poison", "line"), [
    (nested(3000), "message 1 (Subject: poison): more than 100 nested or attached parts; set aside unread into Quarantine"),
    (huge(), "message 1 (Subject: huge): larger than 10 MB; set aside unread into Quarantine")])
def test_a_poison_mail_is_set_aside_once_and_the_next_mail_is_still_processed(
        issued, tmp_path: Path, poison: bytes, line: str) -> None:
    address, subject = mailto(issued[ANNA])
    box = maildir(tmp_path / "Maildir", [poison, mail("anna@example.com", address, subject, "")])
    first = runner.invoke(app, ["inbox", "--maildir", str(box)])
    assert first.exit_code == 0, first.output
    assert line in first.output.splitlines()
    assert f"{ANNA}: unsubscribe (by the token in the unsubscribe link)" in first.output
    assert len(list((box / ".Quarantine" / "new").iterdir())) == 1 and not list((box / "new").iterdir())
    (box / "new" / "again.eml").write_bytes(poison)  # delivered again, or an mbox read again: not read a second time
    second = runner.invoke(app, ["inbox", "--maildir", str(box)])
    assert second.exit_code == 0 and "message" not in second.output


def test_the_desks_posteingang_sets_the_poison_mail_aside_and_answers(workdir: Path, tmp_path: Path) -> None:
    box = maildir(tmp_path / "Maildir", [nested(3000), mail(LENA, "kontakt@example.org", "Frage", "Wann ist das Sprachcafé?")])
    with desk_server(workdir, make_settings(state_dir=workdir / ".newsletter", inbox_maildir=box)) as desk:
        client = desk.client()
        page = client.post("/inbox", data={"csrf": csrf_of(client.get("/inbox").text)})
    assert page.status_code == 200
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.select_one("#count-quarantined strong").text == "1" and soup.select_one("#count-other strong").text == "1"
    assert "ungelesen in den Ordner Quarantine gelegt" in soup.select_one(".inbox-quarantined").text


def bounce_lena(issued: dict[str, EmailMessage], tmp_path: Path) -> None:
    inbox(dsn([LENA], issued[LENA]["Message-ID"]), tmp_path=tmp_path)
    assert suppressed() == {LENA: "bounced"}


def test_unbounce_lifts_a_bounce_and_records_who_lifted_it(issued, tmp_path: Path) -> None:
    bounce_lena(issued, tmp_path)
    result = runner.invoke(app, ["unbounce", LENA])
    assert result.exit_code == 0 and f"{LENA}: the bounce (bounced permanently: 5.1.1) is lifted" in result.output
    assert suppressed() == {}
    held = runner.invoke(app, ["person", LENA]).output
    assert '"lifted_by": "the coordinator (newsletter unbounce)"' in held and '"kind": "bounced"' in held
    again = runner.invoke(app, ["unbounce", LENA])
    assert again.exit_code == 2 and "is not bounced" in again.output


def test_unbounce_never_lifts_a_complaint_or_an_unsubscribe(issued, tmp_path: Path) -> None:
    runner.invoke(app, ["unsubscribe", ANNA])
    result = runner.invoke(app, ["unbounce", ANNA])
    assert result.exit_code == 2 and "is unsubscribed, not bounced" in result.output and suppressed() == {ANNA: "unsubscribed"}


def test_the_desk_lifts_a_bounce_with_its_button(issued, workdir: Path, tmp_path: Path, smtp_server: SMTPServer) -> None:
    bounce_lena(issued, tmp_path)
    with desk_server(workdir, smtp_server.settings(state_dir=workdir / ".newsletter")) as desk:
        client = desk.client()
        page = BeautifulSoup(client.get("/subscribers/volunteers").text, "html.parser")
        form = page.select_one("form.unbounce")
        assert form.select_one("input[name=email]")["value"] == LENA and form.button.text == "Zustellsperre aufheben"
        refused = client.post(form["action"], data={"email": LENA})  # without the form's CSRF token
        assert refused.status_code == 403 and suppressed() == {LENA: "bounced"}
        done = client.post(form["action"], data={"csrf": form.select_one("input[name=csrf]")["value"], "email": LENA},
                           follow_redirects=True)
    assert done.status_code == 200 and "Die Zustellsperre ist aufgehoben" in done.text
    assert suppressed() == {}
    with Journal(Path(".newsletter")) as journal:
        assert [(kind, by) for kind, _, by, _ in journal.lifted_of(LENA)] == [("bounced", "the coordinator (Die Redaktion)")]


def test_a_new_confirmed_sign_up_lifts_a_bounce_and_is_recorded(issued, tmp_path: Path) -> None:
    bounce_lena(issued, tmp_path)
    now = time.time()
    with Journal(Path(".newsletter")) as journal:
        links = Links(journal, load_secret(None, Path(".newsletter")))
        token = links.new_confirmation(LENA, "volunteers", "Lena Weiß", now)
        confirm(journal, links, token, "Ich möchte den Newsletter erhalten.", now)
        lifted = journal.lifted_of(LENA)
    assert suppressed() == {}
    assert [(kind, by) for kind, _, by, _ in lifted] == [("bounced", "a confirmed sign-up to volunteers")]


def test_a_new_confirmed_sign_up_lifts_a_complaint_and_is_recorded(workdir: Path, tmp_path: Path) -> None:
    delivered("2021-01", {LENA: ARF_MESSAGE_ID})
    inbox(arf(), tmp_path=tmp_path)
    now = time.time()
    with Journal(Path(".newsletter")) as journal:
        links = Links(journal, load_secret(None, Path(".newsletter")))
        confirm(journal, links, links.new_confirmation(LENA, "volunteers", None, now), "Ich möchte den Newsletter.", now)
        lifted = journal.lifted_of(LENA)
    assert suppressed() == {} and [(kind, by) for kind, _, by, _ in lifted] == [("complained", "a confirmed sign-up to volunteers")]


def arf() -> bytes:
    return (MAIL / "arf-yahoo.eml").read_bytes()


def test_a_feedback_report_about_our_delivery_suppresses_the_reader_as_complained(workdir: Path, tmp_path: Path,
                                                                                smtp_server: SMTPServer) -> None:
    delivered("2021-01", {LENA: ARF_MESSAGE_ID})
    out = inbox(arf(), tmp_path=tmp_path)
    assert f"{LENA}: complaint (abuse report) about 2021-01: stop sending" in out and "1 complaint" in out
    assert suppressed() == {LENA: "complained"}
    status = runner.invoke(app, ["status", "issues/2021-01.md"]).output
    assert "1 complained" in status and f"complained (1)\n  {LENA}: complained: abuse report about 2021-01" in status
    assert '"kind": "complained"' in runner.invoke(app, ["person", LENA]).output
    with desk_server(workdir, smtp_server.settings(state_dir=workdir / ".newsletter")) as desk:
        page = BeautifulSoup(desk.client().get("/subscribers/volunteers", params={"q": LENA}).text, "html.parser")
    row = page.select_one("#members tr.complained")
    assert "beschwert" in row.text and "hat sich beschwert (abuse-Meldung) über 2021-01" in row.text
    assert page.select("form.unbounce") == []  # a complaint is lifted only by the reader's own new sign-up


def test_a_feedback_report_about_a_message_we_never_sent_changes_nobody(workdir: Path, tmp_path: Path) -> None:
    delivered("2021-01", {LENA: "<another-message@example.org>"})
    out = inbox(arf(), tmp_path=tmp_path)
    assert "left for you: a complaint (abuse report) about no message we sent" in out
    assert suppressed() == {}
