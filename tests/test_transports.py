"""One contract for every transport: what is sent arrives whole, once, and the reply says where."""

from __future__ import annotations

import asyncio
import dataclasses
import email
import email.policy
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import SMTPServer, make_settings

from composer.checks.connection import Trial, try_smtp
from composer.errors import PermanentSendError, SenderRefusedError, SettingsError, TemporarySendError, UncertainSendError
from composer.records import OutgoingMessage, Recipient
from composer.render.build import Build
from composer.send.dispatch import Dispatcher, NoLedger
from composer.send.message import MessageFactory
from composer.send.transports import Accepted, MemoryTransport, OutboxTransport, SMTPTransport, Transport
from composer.send.transports.smtp import queue_id

Arrived = Callable[[], list[bytes]]


@pytest.fixture(params=["memory", "outbox", "smtp"])
def transport(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Transport, Arrived]:
    if request.param == "memory":
        box: list[OutgoingMessage] = []
        return MemoryTransport(box), lambda: [m.data for m in box]
    if request.param == "outbox":
        return OutboxTransport(tmp_path / "out"), lambda: [p.read_bytes() for p in sorted((tmp_path / "out").glob("*.eml"))]
    server: SMTPServer = request.getfixturevalue("smtp_server")
    return SMTPTransport(server.settings().smtp), lambda: [data for _, _, data in server.handler.received]


def messages(build: Build, count: int) -> list[OutgoingMessage]:
    factory = MessageFactory(build, make_settings().sender, b"secret")
    return [factory.personalise(Recipient(f"empfaenger{n}@example.org", f"Empfänger {n}")) for n in range(count)]


def test_every_message_sent_arrives_whole_and_once(transport: tuple[Transport, Arrived], sample_build: Build) -> None:
    sender, arrived = transport
    outgoing = messages(sample_build, 3)

    async def go() -> list[Accepted]:
        await sender.open()
        replies = [await sender.send(m) for m in outgoing]
        await sender.close()
        return replies

    replies = asyncio.run(go())
    assert all(isinstance(r, Accepted) and r.reply for r in replies)
    got = sorted(email.message_from_bytes(d, policy=email.policy.default)["Message-ID"] for d in arrived())
    assert got == sorted(m.message_id for m in outgoing)


def test_smtp_refusal_carries_code_message_and_recipient(smtp_server: SMTPServer, sample_build: Build) -> None:
    smtp_server.handler.rcpt_replies["empfaenger0@example.org"] = ["550 5.1.1 no such user"]
    smtp_server.handler.rcpt_replies["empfaenger1@example.org"] = ["451 4.7.1 try later"]
    first, second, third = messages(sample_build, 3)
    transport = SMTPTransport(smtp_server.settings().smtp)

    async def go() -> tuple[Exception, Exception, Accepted]:
        await transport.open()
        caught = []
        for message in (first, second):
            try:
                await transport.send(message)
            except (PermanentSendError, TemporarySendError) as exc:
                caught.append(exc)
        reply = await transport.send(third)
        await transport.close()
        return caught[0], caught[1], reply

    permanent, temporary, reply = asyncio.run(go())
    assert isinstance(permanent, PermanentSendError)
    assert (permanent.code, permanent.message, permanent.recipient) == (550, "5.1.1 no such user", "empfaenger0@example.org")
    assert isinstance(temporary, TemporarySendError) and temporary.code == 451
    assert "queued" in reply.reply


def test_starttls_required_but_not_offered_is_refused_with_advice(smtp_server: SMTPServer) -> None:
    transport = SMTPTransport(make_settings(smtp_host="127.0.0.1", smtp_port=smtp_server.port, smtp_security="starttls",
                                            smtp_username="user", smtp_password="geheim").smtp)
    with pytest.raises(SettingsError, match="unencrypted") as caught:
        asyncio.run(transport.open())
    assert "geheim" not in str(caught.value)


def outcomes(transport: SMTPTransport, outgoing: list[OutgoingMessage]) -> list[Accepted | Exception]:
    """What each message came to on one transport, reopened when the server hung up."""

    async def go() -> list[Accepted | Exception]:
        results: list[Accepted | Exception] = []
        for message in outgoing:
            if not transport.is_open:
                await transport.open()
            try:
                results.append(await transport.send(message))
            except TemporarySendError as exc:  # includes uncertain
                results.append(exc)
            except (PermanentSendError, SenderRefusedError) as exc:
                results.append(exc)
        await transport.close()
        return results

    return asyncio.run(go())


def test_a_hang_up_before_the_data_is_temporary_not_uncertain(smtp_server: SMTPServer, sample_build: Build) -> None:
    first, second = messages(sample_build, 2)
    smtp_server.handler.hang_up_at_rcpt = {first.recipient}
    lost, delivered = outcomes(SMTPTransport(smtp_server.settings().smtp), [first, second])
    assert type(lost) is TemporarySendError and lost.code == 0 and "connection lost" in lost.message
    assert isinstance(delivered, Accepted) and smtp_server.handler.per_recipient() == {second.recipient: 1}


def test_no_answer_after_the_data_is_uncertain(smtp_server: SMTPServer, sample_build: Build) -> None:
    smtp_server.handler.delay = 1.0
    [result] = outcomes(SMTPTransport(smtp_server.settings(smtp_timeout=0.2).smtp), messages(sample_build, 1))
    assert isinstance(result, UncertainSendError) and "no answer after the message was handed over (timed out)" in result.message


def test_a_refusal_at_the_end_of_the_data_is_the_recipients_and_the_connection_goes_on(
        smtp_server: SMTPServer, sample_build: Build) -> None:
    smtp_server.handler.data_replies = ["554 5.7.1 message refused as spam", "452 4.3.1 insufficient storage"]
    permanent, temporary, delivered = outcomes(SMTPTransport(smtp_server.settings().smtp), messages(sample_build, 3))
    assert isinstance(permanent, PermanentSendError) and permanent.code == 554
    assert type(temporary) is TemporarySendError and temporary.code == 452
    assert isinstance(delivered, Accepted) and smtp_server.handler.connections == 1


def test_a_refusal_at_mail_from_is_the_senders(smtp_server: SMTPServer, sample_build: Build) -> None:
    smtp_server.handler.mail_replies = ["553 5.7.1 sender address rejected"]
    refused, delivered = outcomes(SMTPTransport(smtp_server.settings().smtp), messages(sample_build, 2))
    assert isinstance(refused, SenderRefusedError) and (refused.code, refused.message) == (553, "5.7.1 sender address rejected")
    assert "refused the sender" in str(refused) and isinstance(delivered, Accepted)


def test_a_leading_dot_in_the_message_arrives_intact(smtp_server: SMTPServer, sample_build: Build) -> None:
    [message] = messages(sample_build, 1)
    dotted = dataclasses.replace(message, data=message.data.replace(b"\r\n\r\n", b"\r\n\r\n.\r\n..x\r\n", 1),
                                 ready=False)  # no longer MessageFactory's output: the transport stuffs the dots
    outcomes(SMTPTransport(smtp_server.settings().smtp), [dotted])
    assert smtp_server.handler.received[0][2] == dotted.data


def test_each_transport_states_whether_the_rate_limit_applies_to_it() -> None:
    assert SMTPTransport.rate_limited
    assert not OutboxTransport.rate_limited and not MemoryTransport.rate_limited


def test_a_rate_limit_does_not_slow_writing_to_a_transport_it_does_not_apply_to(sample_build: Build) -> None:
    box: list[OutgoingMessage] = []
    factory = MessageFactory(sample_build, make_settings().sender, b"secret")
    policy = make_settings(rate_limit=1, concurrency=1).delivery  # one a minute: 8 would take 7 minutes
    recipients = [Recipient(f"empfaenger{n}@example.org") for n in range(8)]
    summary = asyncio.run(asyncio.wait_for(Dispatcher(factory, lambda: MemoryTransport(box), NoLedger(), policy).run(recipients), 30))
    assert summary.sent == 8 and len(box) == 8


@pytest.mark.parametrize(("reply", "expected"), [
    ("2.0.0 Ok: queued as 4XyzAbC12", "4XyzAbC12"),  # Postfix
    ("2.0.0 Ok: queued as 4bK1Zs3LjzzXyz.", "4bK1Zs3LjzzXyz"),
    ("OK id=1rAbCd-000Xyz-Qq", "1rAbCd-000Xyz-Qq"),  # Exim
    ("Ok 0100018c2b3d4e5f-6a7b8c9d-000000", "0100018c2b3d4e5f-6a7b8c9d-000000"),  # an id as the last word
    ("2.0.0 Ok: queued", None),  # aiosmtpd: no id
    ("2.0.0 OK", None),
    ("Ok 2.0.0", None),  # an enhanced status code is no id
    ("2.6.0 <abc@example.org> [InternalId=1234] Queued mail for delivery", None),
])
def test_the_relays_queue_id_is_read_from_its_reply_to_the_end_of_the_data(reply: str, expected: str | None) -> None:
    assert queue_id(reply) == expected


def steps(trial: Trial) -> list[tuple[str, str]]:
    return [(step.name, step.outcome) for step in trial.steps]


def test_the_connection_test_names_each_step_of_the_transports_connect_sequence(smtp_server: SMTPServer) -> None:
    trial = asyncio.run(try_smtp(smtp_server.settings().smtp))
    assert steps(trial) == [("connect", "ok"), ("tls", "skipped"), ("login", "skipped"), ("quit", "ok")]
    assert trial.steps[0].detail == f"127.0.0.1:{smtp_server.port}" and trial.steps[-1].detail.startswith("221")


def test_the_connection_test_fails_the_step_a_send_would_fail_at(smtp_server: SMTPServer) -> None:
    smtp = make_settings(smtp_host="127.0.0.1", smtp_port=smtp_server.port, smtp_security="starttls").smtp
    trial = asyncio.run(try_smtp(smtp))
    with pytest.raises(SettingsError, match="does not offer STARTTLS"):
        asyncio.run(SMTPTransport(smtp).open())
    assert steps(trial) == [("connect", "ok"), ("tls", "failed")]
    assert trial.failed is not None and trial.failed.reason == "no_starttls" and "465" in trial.failed.advice
    assert smtp_server.handler.received == []


def test_an_unreadable_ca_file_is_a_settings_error_in_the_tls_step_not_a_traceback(smtp_server: SMTPServer, tmp_path: Path) -> None:
    smtp = make_settings(smtp_host="127.0.0.1", smtp_port=smtp_server.port, smtp_security="starttls",
                         smtp_ca_file=tmp_path / "fehlt.pem").smtp
    with pytest.raises(SettingsError, match="NEWSLETTER_SMTP_CA_FILE"):
        asyncio.run(SMTPTransport(smtp).open())
    trial = asyncio.run(try_smtp(smtp))
    assert steps(trial) == [("tls", "failed")] and trial.failed is not None and "NEWSLETTER_SMTP_CA_FILE" in trial.failed.advice
