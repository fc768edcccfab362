"""SMTP PIPELINING (RFC 2920): one write for MAIL, RCPT and DATA when the server offers it, the same outcomes
and the same received bytes as the one-by-one sequence when it does not; the same on the standard loop and
uvloop, plain and over TLS, with aiosmtplib's safeguards on replies, commands and addresses."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import aiosmtplib
import pytest
import uvloop
from aiosmtpd.controller import Controller
from aiosmtplib.email import quote_address
from aiosmtplib.protocol import PERIOD_REGEX, normalize_message_line_endings
from conftest import FaultyHandler, SMTPServer, free_port
from test_provider import PKI, TLSServer, authenticator, pki  # noqa: F401 (pki: the fixture)
from test_send import send, status_rows, write_list
from test_transports import messages, outcomes

from composer.errors import PermanentSendError, SenderRefusedError, TemporarySendError, UncertainSendError
from composer.records import OutgoingMessage, Recipient
from composer.render.build import Build
from composer.send.dispatch import Dispatcher, NoLedger
from composer.send.message import MessageFactory
from composer.send.transports import Accepted, SMTPTransport, pipelining
from composer.send.transports.smtp import connect

T = TypeVar("T")


@pytest.fixture(params=[True, False], ids=["pipelining", "one-by-one"])
def server(request: pytest.FixtureRequest, smtp_server: SMTPServer) -> SMTPServer:
    smtp_server.handler.pipelining = request.param
    return smtp_server


class UnknownLoop(asyncio.SelectorEventLoop):
    """A loop from a package the adapter does not know: its transports may not honour set_protocol."""


LOOPS: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "asyncio": asyncio.new_event_loop, "uvloop": uvloop.new_event_loop, "unknown": UnknownLoop}


def run_on(loop: str, work: Coroutine[Any, Any, T]) -> T:
    with asyncio.Runner(loop_factory=LOOPS[loop]) as runner:
        return runner.run(work)


@pytest.fixture(params=["asyncio", "uvloop"])
def loop(request: pytest.FixtureRequest) -> str:
    return request.param


def test_the_server_is_asked_in_one_write_only_when_it_offers_pipelining(server: SMTPServer, sample_build: Build) -> None:
    async def offered() -> bool:
        transport = SMTPTransport(server.settings().smtp)
        await transport.open()
        try:
            return transport._client is not None and await pipelining.offered(transport._client)
        finally:
            await transport.close()

    assert asyncio.run(offered()) is server.handler.pipelining


def test_every_message_is_delivered_with_the_same_bytes_in_both_modes(server: SMTPServer, sample_build: Build) -> None:
    outgoing = messages(sample_build, 3)
    results = outcomes(SMTPTransport(server.settings().smtp), outgoing)
    assert all(isinstance(r, Accepted) and r.reply for r in results)
    assert [data for _, _, data in server.handler.received] == [m.data for m in outgoing]


def test_a_refused_recipient_gets_no_body_and_the_connection_goes_on(server: SMTPServer, sample_build: Build) -> None:
    first, second = messages(sample_build, 2)
    server.handler.rcpt_replies[first.recipient] = ["550 5.1.1 no such user"]
    refused, delivered = outcomes(SMTPTransport(server.settings().smtp), [first, second])
    assert isinstance(refused, PermanentSendError) and (refused.code, refused.message) == (550, "5.1.1 no such user")
    assert isinstance(delivered, Accepted) and server.handler.connections == 1
    assert [rcpts for _, rcpts, _ in server.handler.received] == [[second.recipient]]


def test_a_temporarily_refused_sender_is_the_senders_and_no_body_is_sent(server: SMTPServer, sample_build: Build) -> None:
    first, second = messages(sample_build, 2)
    server.handler.mail_replies = ["451 4.3.0 try again later"]
    refused, delivered = outcomes(SMTPTransport(server.settings().smtp), [first, second])
    assert isinstance(refused, SenderRefusedError) and refused.code == 451
    assert isinstance(delivered, Accepted) and server.handler.per_recipient() == {second.recipient: 1}


def test_a_421_in_the_middle_is_the_connections_failure(server: SMTPServer, sample_build: Build) -> None:
    first, second = messages(sample_build, 2)
    server.handler.rcpt_replies[first.recipient] = ["421 4.3.2 shutting down"]
    lost, delivered = outcomes(SMTPTransport(server.settings().smtp), [first, second])
    assert type(lost) is TemporarySendError and lost.code == 421
    assert isinstance(delivered, Accepted) and server.handler.per_recipient() == {second.recipient: 1}


def test_a_dropped_connection_after_the_commands_is_temporary_not_uncertain(server: SMTPServer, sample_build: Build) -> None:
    first, second = messages(sample_build, 2)
    server.handler.hang_up_at_rcpt = {first.recipient}
    lost, delivered = outcomes(SMTPTransport(server.settings().smtp), [first, second])
    assert type(lost) is TemporarySendError and lost.code == 0
    assert isinstance(delivered, Accepted) and server.handler.per_recipient() == {second.recipient: 1}


def test_no_answer_after_the_body_is_uncertain(server: SMTPServer, sample_build: Build) -> None:
    server.handler.delay = 1.0
    [result] = outcomes(SMTPTransport(server.settings(smtp_timeout=0.2).smtp), messages(sample_build, 1))
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
    assert all(isinstance(r, Accepted) for r in outcomes(SMTPTransport(server.settings().smtp), outgoing))
    assert [data for _, _, data in server.handler.received] == [m.data for m in outgoing]
    if dotted:
        assert dots.replace("\n", "\r\n") in server.handler.messages()[0].get_body(("plain",)).get_content()


# -- one round trip a message: the next message's commands ride with this one's content -------------------

class TurnCounter:
    """A loopback TCP proxy that counts the client's turns: a write after the server has answered. With
    pipelining a message costs one (its content, its end and the next message's MAIL, RCPT and DATA);
    one by one, four (MAIL, RCPT, DATA, content)."""

    def __init__(self, upstream: int) -> None:
        self.upstream, self.turns = upstream, 0
        self.loop = asyncio.new_event_loop()
        self.server = self.loop.run_until_complete(asyncio.start_server(self._connected, "127.0.0.1", 0))
        self.port = self.server.sockets[0].getsockname()[1]
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    async def _connected(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        answered = [False]
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream)

        async def pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter, from_client: bool) -> None:
            while data := await source.read(1 << 20):
                if from_client and answered[0]:
                    self.turns += 1
                answered[0] = not from_client
                sink.write(data)
                await sink.drain()
            sink.close()

        await asyncio.gather(pump(reader, up_writer, True), pump(up_reader, writer, False), return_exceptions=True)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def announcing(transport: SMTPTransport, outgoing: list[OutgoingMessage], loop: str = "asyncio") -> list[Accepted | Exception]:
    """What each message came to when each send names the next message, as the dispatcher does."""

    async def go() -> list[Accepted | Exception]:
        results: list[Accepted | Exception] = []
        for n, message in enumerate(outgoing):
            if not transport.is_open:
                await transport.open()
            try:
                results.append(await transport.send(message, outgoing[n + 1] if n + 1 < len(outgoing) else None))
            except (TemporarySendError, PermanentSendError, SenderRefusedError) as exc:
                results.append(exc)
        await transport.close()
        return results

    return run_on(loop, go())


@pytest.fixture
def pipelined(smtp_server: SMTPServer) -> SMTPServer:
    smtp_server.handler.pipelining = True
    return smtp_server


def test_a_list_costs_one_round_trip_a_message_with_pipelining_and_four_without(
        server: SMTPServer, sample_build: Build) -> None:
    outgoing = messages(sample_build, 6)
    counter = TurnCounter(server.port)
    try:
        results = announcing(SMTPTransport(SMTPServer(server.handler, counter.port).settings().smtp), outgoing)
    finally:
        counter.close()
    assert all(isinstance(r, Accepted) for r in results)
    assert [data for _, _, data in server.handler.received] == [m.data for m in outgoing]
    per_message = 1 if server.handler.pipelining else 4
    assert counter.turns == 6 * per_message + 2 + (1 if server.handler.pipelining else 0)  # EHLO, QUIT; the first envelope


def test_a_refused_announced_recipient_gets_no_body_and_the_next_goes_on(loop: str, pipelined: SMTPServer, sample_build: Build) -> None:
    first, second, third = messages(sample_build, 3)
    pipelined.handler.rcpt_replies[second.recipient] = ["550 5.1.1 no such user"]
    results = announcing(SMTPTransport(pipelined.settings().smtp), [first, second, third], loop)
    assert isinstance(results[0], Accepted) and isinstance(results[2], Accepted)
    assert isinstance(results[1], PermanentSendError) and results[1].code == 550
    assert [rcpts for _, rcpts, _ in pipelined.handler.received] == [[first.recipient], [third.recipient]]
    assert pipelined.handler.connections == 1


def test_a_refused_announced_sender_is_the_senders_and_sends_no_body(loop: str, pipelined: SMTPServer, sample_build: Build) -> None:
    first, second, third = messages(sample_build, 3)
    pipelined.handler.mail_replies = [None, "451 4.3.0 try again later"]
    results = announcing(SMTPTransport(pipelined.settings().smtp), [first, second, third], loop)
    assert isinstance(results[1], SenderRefusedError) and results[1].code == 451
    assert pipelined.handler.per_recipient() == {first.recipient: 1, third.recipient: 1}


def test_a_421_to_the_announced_commands_fails_the_connection_not_the_message_before(
        loop: str, pipelined: SMTPServer, sample_build: Build) -> None:
    first, second, third = messages(sample_build, 3)
    pipelined.handler.rcpt_replies[second.recipient] = ["421 4.3.2 shutting down"]
    results = announcing(SMTPTransport(pipelined.settings().smtp), [first, second, third], loop)
    assert isinstance(results[0], Accepted) and type(results[1]) is TemporarySendError and results[1].code == 421
    assert pipelined.handler.per_recipient() == {first.recipient: 1, third.recipient: 1}


def test_a_connection_dropped_after_the_announced_commands_keeps_the_message_before_sent(
        loop: str, pipelined: SMTPServer, sample_build: Build) -> None:
    first, second, third = messages(sample_build, 3)
    pipelined.handler.hang_up_at_rcpt = {second.recipient}
    results = announcing(SMTPTransport(pipelined.settings().smtp), [first, second, third], loop)
    assert isinstance(results[0], Accepted)
    assert type(results[1]) is TemporarySendError and results[1].code == 0
    assert isinstance(results[2], Accepted)
    assert pipelined.handler.per_recipient() == {first.recipient: 1, third.recipient: 1}


def test_a_refused_content_does_not_stop_the_announced_message(loop: str, pipelined: SMTPServer, sample_build: Build) -> None:
    first, second = messages(sample_build, 2)
    pipelined.handler.data_replies = ["554 5.6.0 content refused"]
    refused, delivered = announcing(SMTPTransport(pipelined.settings().smtp), [first, second], loop)
    assert isinstance(refused, PermanentSendError) and refused.code == 554
    assert isinstance(delivered, Accepted) and pipelined.handler.connections == 1
    assert pipelined.handler.per_recipient() == {second.recipient: 1}


def test_closing_with_an_announced_message_delivers_nothing_of_it(pipelined: SMTPServer, sample_build: Build) -> None:
    first, second = messages(sample_build, 2)

    async def go() -> Accepted:
        transport = SMTPTransport(pipelined.settings().smtp)
        await transport.open()
        reply = await transport.send(first, second)
        await transport.close()
        return reply

    assert isinstance(asyncio.run(go()), Accepted)
    assert pipelined.handler.per_recipient() == {first.recipient: 1}


def test_a_send_to_a_list_announces_each_next_message_one_round_trip_each(workdir: Path, pipelined: SMTPServer) -> None:
    addresses = write_list("liste", 8)
    counter = TurnCounter(pipelined.port)
    try:
        code, output = send(pipelined, "--list", "liste", "--yes", NEWSLETTER_SMTP_PORT=str(counter.port),
                            NEWSLETTER_CONCURRENCY="1")
    finally:
        counter.close()
    assert code == 0, output
    assert pipelined.handler.per_recipient() == {a: 1 for a in addresses}
    assert counter.turns == 8 + 3  # EHLO, the first message's commands, QUIT
    assert {r["email"] for r in status_rows(pipelined) if r["status"] == "sent"} == set(addresses)



# -- the same on every event loop, plain and over TLS --------------------------------------------------------

@pytest.fixture(params=["starttls", "tls"])
def secured(request: pytest.FixtureRequest, pki: PKI) -> Iterator[TLSServer]:  # noqa: F811 (the fixture)
    """A PIPELINING aiosmtpd with the test CA's certificate and AUTH, over STARTTLS or TLS from the first byte; the
    server sends no session tickets, so every client turn of the TLS handshake is the same on each run."""
    handler, port = FaultyHandler(pipelining=True), free_port()
    context = pki.server_context()
    context.num_tickets = 0
    if request.param == "starttls":
        controller = Controller(handler, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
                                authenticator=authenticator, auth_require_tls=True, data_size_limit=10_000_000)
    else:
        controller = Controller(handler, hostname="127.0.0.1", port=port, ssl_context=context, authenticator=authenticator,
                                auth_require_tls=False, data_size_limit=10_000_000)
    controller.start()
    yield TLSServer(handler, port, request.param, pki.ca_file)
    controller.stop()


SETUP_TURNS = {  # a connection's turns besides one a message
    "none": 3,  # EHLO, the first message's commands, QUIT
    "starttls": 8,  # EHLO, STARTTLS, TLS's hello, its finish with the EHLO, AUTH, the first commands, QUIT, TLS's close
    "tls": 6,  # TLS's finish (its hello opens), EHLO after the greeting, AUTH, the first commands, QUIT, TLS's close
}


def turns_for(server: SMTPServer | TLSServer, outgoing: list[OutgoingMessage], loop: str) -> tuple[list[Accepted | Exception], int]:
    """What each message came to, sent as the dispatcher sends them on `loop`, and the client's turns it took."""
    counter = TurnCounter(server.port)
    try:
        smtp = dataclasses.replace(server.settings().smtp, port=counter.port)
        return announcing(SMTPTransport(smtp), outgoing, loop), counter.turns
    finally:
        counter.close()


def test_300_messages_go_pipelined_one_turn_each_on_the_standard_loop_and_uvloop(
        loop: str, pipelined: SMTPServer, sample_build: Build) -> None:
    outgoing = messages(sample_build, 300)
    results, turns = turns_for(pipelined, outgoing, loop)
    assert all(isinstance(r, Accepted) for r in results)
    assert [data for _, _, data in pipelined.handler.received] == [m.data for m in outgoing]
    assert turns == 300 + SETUP_TURNS["none"]


def test_300_messages_go_pipelined_over_tls_with_login_on_the_standard_loop_and_uvloop(
        loop: str, secured: TLSServer, sample_build: Build) -> None:
    outgoing = messages(sample_build, 300)
    results, turns = turns_for(secured, outgoing, loop)
    assert all(isinstance(r, Accepted) for r in results)
    assert [data for _, _, data in secured.handler.received] == [m.data for m in outgoing]
    # One turn a message: TLS's own records (its close, its session messages) may ride in the same write as the next
    # command on a busy machine, so a turn or two fewer can be counted, never more (one by one would be 4 a message).
    assert 300 <= turns <= 300 + SETUP_TURNS[secured.security]


def test_a_send_under_uvloop_delivers_everyone_once_through_the_dispatcher(pipelined: SMTPServer, sample_build: Build) -> None:
    settings = pipelined.settings(concurrency=2)
    factory = MessageFactory(sample_build, settings.sender, b"secret")
    recipients = [Recipient(f"empfaenger{n}@example.org") for n in range(40)]
    dispatcher = Dispatcher(factory, lambda: SMTPTransport(settings.smtp), NoLedger(), settings.delivery)
    summary = run_on("uvloop", asyncio.wait_for(dispatcher.run(recipients), 60))
    assert summary.sent == 40 and pipelined.handler.per_recipient() == {r.email: 1 for r in recipients}


def test_on_a_loop_it_does_not_know_it_sends_one_command_at_a_time_and_delivers_all(
        pipelined: SMTPServer, sample_build: Build) -> None:
    outgoing = messages(sample_build, 5)
    results, turns = turns_for(pipelined, outgoing, "unknown")
    assert all(isinstance(r, Accepted) for r in results)
    assert [data for _, _, data in pipelined.handler.received] == [m.data for m in outgoing]
    assert turns == 5 * 4 + 2  # MAIL, RCPT, DATA, content each; EHLO, QUIT


# -- the one seam: the connection's transport lent to a reply reader and given back ----------------------------

def test_after_a_pipelined_exchange_the_connection_is_aiosmtplibs_again(loop: str, pipelined: SMTPServer) -> None:
    async def go() -> tuple[list[int], int, bool]:
        client = await connect(pipelined.settings().smtp)
        assert await pipelining.offered(client)
        replies = await pipelining.exchange(client, [b"NOOP", b"RSET", b"NOOP"], 5)
        noop = await client.noop()  # aiosmtplib's own command, read by its own protocol
        assert client.protocol is not None and client.protocol.transport is not None
        given_back = client.protocol.transport.get_protocol() is client.protocol
        await client.quit()
        return [r.code for r in replies], noop.code, given_back

    assert run_on(loop, go()) == ([250, 250, 250], 250, True)


def test_a_hang_up_while_the_reader_holds_the_connection_reaches_aiosmtplib(loop: str, pipelined: SMTPServer) -> None:
    pipelined.handler.hang_up_at_rcpt = {"weg@example.org"}

    async def go() -> tuple[Exception | None, bool]:
        client = await connect(pipelined.settings().smtp)
        assert await pipelining.offered(client)
        commands = [pipelining.mail_from("kontakt@example.org"), pipelining.rcpt_to("weg@example.org"), b"DATA"]
        _, error = await pipelining.converse(client, b"", commands, 5)
        await asyncio.sleep(0)  # the loop delivers the closed connection
        return error, client.is_connected

    error, connected = run_on(loop, go())
    assert isinstance(error, aiosmtplib.SMTPServerDisconnected) and not connected


def test_a_reply_longer_than_aiosmtplib_allows_ends_the_exchange_not_waiting_for_a_timeout(
        loop: str, pipelined: SMTPServer, sample_build: Build) -> None:
    first, second = messages(sample_build, 2)
    pipelined.handler.mail_replies = ["\r\n".join(["250-" + "x" * 100] * 400 + ["250 OK"])]  # 40 KB, aiosmtplib's bound is 32
    lost, delivered = announcing(SMTPTransport(pipelined.settings(smtp_timeout=30).smtp), [first, second], loop)
    assert type(lost) is TemporarySendError and "Response too long" in lost.message
    assert isinstance(delivered, Accepted) and pipelined.handler.per_recipient() == {second.recipient: 1}


def test_a_control_character_in_a_pipelined_command_is_refused_before_anything_is_written(pipelined: SMTPServer) -> None:
    async def go() -> None:
        client = await connect(pipelined.settings().smtp)
        try:
            await pipelining.exchange(client, [b"NOOP", b"RCPT TO:<a@example.org>\x00"], 5)
        finally:
            client.close()

    with pytest.raises(ValueError, match="control character"):
        asyncio.run(go())


def test_addresses_are_quoted_as_aiosmtplib_quotes_them_so_nothing_is_smuggled_onto_the_wire(
        server: SMTPServer, sample_build: Build) -> None:
    first, second, third = messages(sample_build, 3)
    smuggling = dataclasses.replace(first, recipient="leser@example.org\r\nRCPT TO:<dritter@example.org>")
    unsendable = dataclasses.replace(second, recipient="le ser@example.org")
    quoted, refused, delivered = outcomes(SMTPTransport(server.settings().smtp), [smuggling, unsendable, third])
    assert isinstance(quoted, Accepted) and isinstance(delivered, Accepted)
    assert isinstance(refused, PermanentSendError) and refused.code == 0 and "not permitted" in refused.message
    assert [rcpts for _, rcpts, _ in server.handler.received] == [["leser@example.org"], [third.recipient]]
    assert server.handler.connections == 1


def test_the_relays_queue_id_comes_back_with_the_acceptance(server: SMTPServer, sample_build: Build) -> None:
    server.handler.data_replies = ["250 2.0.0 Ok: queued as 4XyzAbC12", "250 OK id=1rAbCd-000Xyz-Qq"]
    postfix, exim, unnamed = outcomes(SMTPTransport(server.settings().smtp), messages(sample_build, 3))
    assert postfix == Accepted("2.0.0 Ok: queued as 4XyzAbC12", "4XyzAbC12")
    assert exim == Accepted("OK id=1rAbCd-000Xyz-Qq", "1rAbCd-000Xyz-Qq")
    assert unnamed == Accepted("2.0.0 Ok: queued", None)


@pytest.mark.parametrize("address", [
    "leser@example.org", "bounce+empfaenger0=example.org@example.org", "o'brien.x_y-z!%#&*/=?^`{|}~@mail.example.org",
    "a.b.c@sub-domain.example.org", "a..b@example.org", ".a@example.org", "a.@example.org", "a@example..org", "a@",
    "@example.org", "\"a b\"@example.org", "Leser <leser@example.org>", "leser@example.org> NOTIFY=NEVER",
    "leser@[127.0.0.1]", "(comment)leser@example.org", "leser@example.org (comment)", "a,b@example.org",
])
def test_an_address_is_quoted_exactly_as_aiosmtplibs_own_mail_and_rcpt_quote_it(address: str) -> None:
    try:
        expected: bytes | type[ValueError] = quote_address(address).encode("ascii")
    except ValueError:
        expected = ValueError
    try:
        got: bytes | type[ValueError] = pipelining.rcpt_to(address).removeprefix(b"RCPT TO:")
    except ValueError:
        got = ValueError
    assert got == expected
