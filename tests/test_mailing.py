"""The one send path (composer/send/mailing.py), as a new kind of mail uses it: a mailing to a list is planned,
sent exactly once and resumable, its plan can be read without the lock, and a one-off takes the provider's limits."""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from conftest import SMTPServer, make_settings

from composer.errors import LimitReachedError, StateError
from composer.records import BadRow, OutgoingMessage, Recipient
from composer.send.mailing import Fixed, Mailing, Options, open_mailing, preview, send_now
from composer.state import Journal

PEOPLE = [Recipient(f"neu{n}@example.org", f"Neu {n}") for n in range(5)]


class Welcome(Mailing):
    """A welcome mail to the newest sign-ups of a list: the shape every later kind of mail takes."""

    slug, list_name = "welcome-helfer", "helfer"

    def rows(self, state: Journal, keep: bool) -> list[Recipient | BadRow]:
        return [*PEOPLE, BadRow(7, "not an address")]

    def messages(self, state: Journal) -> Greeter:
        return Greeter()


class Greeter:
    def personalise(self, recipient: Recipient) -> OutgoingMessage:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "kontakt@example.org", recipient.email, f"Willkommen, {recipient.name}"
        msg.set_content("Schön, dass Sie dabei sind.")
        return OutgoingMessage("kontakt@example.org", recipient.email, f"<{recipient.email}>",
                               msg.as_bytes(policy=email.policy.SMTP))


def test_a_new_kind_of_mail_is_planned_sent_once_and_named_in_the_state(tmp_path: Path, smtp_server: SMTPServer) -> None:
    settings = smtp_server.settings(state_dir=tmp_path)
    with open_mailing(Welcome(), settings) as send:
        assert (send.plan.to_send, len(send.plan.bad_rows)) == (5, 1)
        assert asyncio.run(send.run()).sent == 5
    subjects = sorted(m["Subject"] for m in smtp_server.handler.messages())
    assert subjects == [f"Willkommen, Neu {n}" for n in range(5)]
    with open_mailing(Welcome(), settings) as again:
        assert (again.plan.to_send, again.plan.already_sent) == (0, 5)
        assert asyncio.run(again.run()).done == 0
    with Journal(tmp_path) as journal:
        assert journal.counts("welcome-helfer")["sent"] == 5


def test_its_plan_is_read_without_the_lock_while_a_send_holds_it(tmp_path: Path, smtp_server: SMTPServer) -> None:
    settings = smtp_server.settings(state_dir=tmp_path)
    with open_mailing(Welcome(), settings):
        with pytest.raises(StateError, match="another send is running"), open_mailing(Welcome(), settings,
                                                                                       Options(lock_wait=0.1)):
            pass
        assert preview(Welcome(), settings).plan.to_send == 5


def test_a_send_waits_for_a_mail_that_holds_the_state_for_a_moment(tmp_path: Path, smtp_server: SMTPServer) -> None:
    """A reader's welcome holds the state while it goes; the coordinator's send started then is not refused."""
    settings = smtp_server.settings(state_dir=tmp_path)
    held, release = threading.Event(), threading.Event()

    def welcome() -> None:
        with Journal(tmp_path, exclusive=True):
            held.set()
            release.wait(10)
    holder = threading.Thread(target=welcome)
    holder.start()
    held.wait(10)
    threading.Timer(0.3, release.set).start()
    with open_mailing(Welcome(), settings) as send:
        assert asyncio.run(send.run()).sent == 5
    holder.join(10)


def test_a_one_off_takes_a_slot_of_the_providers_limit_or_is_refused(tmp_path: Path, smtp_server: SMTPServer) -> None:
    settings = smtp_server.settings(state_dir=tmp_path, hourly_limit=1)
    message = Greeter().personalise(PEOPLE[0])
    now = datetime.now().astimezone()
    summary, _ = asyncio.run(send_now(Fixed(message), [PEOPLE[0]], settings, "welcome", counted_at=now))
    assert summary.sent == 1
    with pytest.raises(LimitReachedError):
        asyncio.run(send_now(Fixed(message), [PEOPLE[0]], settings, "welcome", counted_at=now))
    assert len(smtp_server.handler.received) == 1


def test_a_one_off_without_a_server_lands_in_its_outbox_folder(tmp_path: Path) -> None:
    settings = make_settings(state_dir=tmp_path / "state", outbox_dir=tmp_path / "outbox")
    message = Greeter().personalise(PEOPLE[1])
    summary, where = asyncio.run(send_now(Fixed(message), [PEOPLE[1]], settings, "welcome"))
    assert summary.sent == 1 and where.kind == "outbox"
    written = email.message_from_bytes((tmp_path / "outbox" / "welcome" / "neu1@example.org.eml").read_bytes())
    assert written["Subject"] == "Willkommen, Neu 1"
