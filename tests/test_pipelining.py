"""SMTP PIPELINING (RFC 2920): one write for MAIL, RCPT and DATA when the server offers it, the same outcomes
and the same received bytes as the one-by-one sequence when it does not."""

from __future__ import annotations

import asyncio
import dataclasses
import inspect

import aiosmtplib
import pytest
from aiosmtplib.protocol import PERIOD_REGEX, normalize_message_line_endings
from conftest import SMTPServer
from test_transports import messages, outcomes

from composer.errors import PermanentSendError, SenderRefusedError, TemporarySendError, UncertainSendError
from composer.render.build import Build
from composer.send.transports import SMTPTransport, pipelining


@pytest.fixture(params=[True, False], ids=["pipelining", "one-by-one"])
def server(request: pytest.FixtureRequest, smtp_server: SMTPServer) -> SMTPServer:
    smtp_server.handler.pipelining = request.param
    return smtp_server


def test_the_adapter_finds_in_aiosmtplib_what_it_relies_on() -> None:
    """Fails loudly when a new aiosmtplib renames or removes what the pipelined exchange uses."""
    missing = [f"{owner.__name__}.{name}" for owner, names in pipelining.RELIES_ON.items() for name in names
               if not hasattr(owner, name) and f"self.{name} =" not in inspect.getsource(owner)]
    assert not missing, f"aiosmtplib {aiosmtplib.__version__} changed what composer/send/transports/pipelining.py uses: {missing}"


def test_the_server_is_asked_in_one_write_only_when_it_offers_pipelining(server: SMTPServer, sample_build: Build) -> None:
    async def offered() -> bool:
        transport = SMTPTransport(server.settings())
        await transport.open()
        try:
            return transport._client is not None and await pipelining.offered(transport._client)
        finally:
            await transport.close()

    assert asyncio.run(offered()) is server.handler.pipelining


def test_every_message_is_delivered_with_the_same_bytes_in_both_modes(server: SMTPServer, sample_build: Build) -> None:
    outgoing = messages(sample_build, 3)
    results = outcomes(SMTPTransport(server.settings()), outgoing)
    assert all(isinstance(r, str) and r for r in results)
    assert [data for _, _, data in server.handler.received] == [m.data for m in outgoing]


def test_a_refused_recipient_gets_no_body_and_the_connection_goes_on(server: SMTPServer, sample_build: Build) -> None:
    first, second = messages(sample_build, 2)
    server.handler.rcpt_replies[first.recipient] = ["550 5.1.1 no such user"]
    refused, delivered = outcomes(SMTPTransport(server.settings()), [first, second])
    assert isinstance(refused, PermanentSendError) and (refused.code, refused.message) == (550, "5.1.1 no such user")
    assert isinstance(delivered, str) and server.handler.connections == 1
    assert [rcpts for _, rcpts, _ in server.handler.received] == [[second.recipient]]


def test_a_temporarily_refused_sender_is_the_senders_and_no_body_is_sent(server: SMTPServer, sample_build: Build) -> None:
    first, second = messages(sample_build, 2)
    server.handler.mail_replies = ["451 4.3.0 try again later"]
    refused, delivered = outcomes(SMTPTransport(server.settings()), [first, second])
    assert isinstance(refused, SenderRefusedError) and refused.code == 451
    assert isinstance(delivered, str) and server.handler.per_recipient() == {second.recipient: 1}


def test_a_421_in_the_middle_is_the_connections_failure(server: SMTPServer, sample_build: Build) -> None:
    first, second = messages(sample_build, 2)
    server.handler.rcpt_replies[first.recipient] = ["421 4.3.2 shutting down"]
    lost, delivered = outcomes(SMTPTransport(server.settings()), [first, second])
    assert type(lost) is TemporarySendError and lost.code == 421
    assert isinstance(delivered, str) and server.handler.per_recipient() == {second.recipient: 1}


def test_a_dropped_connection_after_the_commands_is_temporary_not_uncertain(server: SMTPServer, sample_build: Build) -> None:
    first, second = messages(sample_build, 2)
    server.handler.hang_up_at_rcpt = {first.recipient}
    lost, delivered = outcomes(SMTPTransport(server.settings()), [first, second])
    assert type(lost) is TemporarySendError and lost.code == 0
    assert isinstance(delivered, str) and server.handler.per_recipient() == {second.recipient: 1}


def test_no_answer_after_the_body_is_uncertain(server: SMTPServer, sample_build: Build) -> None:
    server.handler.delay = 1.0
    [result] = outcomes(SMTPTransport(server.settings(smtp_timeout=0.2)), messages(sample_build, 1))
    assert isinstance(result, UncertainSendError)


def on_the_wire_by_aiosmtplib(data: bytes) -> bytes:
    """What aiosmtplib's own DATA path would write for these bytes: line endings normalised, dots stuffed."""
    return PERIOD_REGEX.sub(b"..", normalize_message_line_endings(data)) + b".\r\n"


@pytest.mark.parametrize("dotted", [False, True], ids=["sample", "lines-starting-with-dots"])
def test_messages_go_on_the_wire_as_they_are_byte_identical_to_aiosmtplibs_normalisation(
        dotted: bool, server: SMTPServer, sample_build: Build) -> None:
    build = sample_build
    if dotted:
        dots = "\n.\n.. zwei Punkte\n." + "x" * 74 + ".y\n"
        build = dataclasses.replace(sample_build, text=dots + sample_build.text + dots, html=dots + sample_build.html)
    outgoing = messages(build, 2)
    for message in outgoing:
        assert on_the_wire_by_aiosmtplib(message.data) == message.data + b".\r\n"
    assert all(isinstance(r, str) for r in outcomes(SMTPTransport(server.settings()), outgoing))
    assert [data for _, _, data in server.handler.received] == [m.data for m in outgoing]
    if dotted:
        assert dots.replace("\n", "\r\n") in server.handler.messages()[0].get_body(("plain",)).get_content()
