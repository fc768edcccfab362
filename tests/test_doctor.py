"""`newsletter doctor` against a real DNS server on a loopback port (dnslib) serving a good zone and broken ones:
each broken record gives its own problem line with the record to publish."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SMTPServer, free_port
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from dnslib import QTYPE
from dnslib.server import DNSLogger, DNSServer
from dnslib.zoneresolver import ZoneResolver
from test_web import site as web_app  # noqa: F401 (a fixture: the web app on a loopback port, its base URL)
from typer.testing import CliRunner

from composer.checks.domain import public_key_text
from composer.cli import app

runner = CliRunner()


def rsa_key(path: Path) -> str:
    """A fresh 2048-bit key written as PEM; returns its public half as DNS wants it (base64 DER)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return base64.b64encode(key.public_key().public_bytes(serialization.Encoding.DER,
                                                          serialization.PublicFormat.SubjectPublicKeyInfo)).decode()


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """The configured private key, its public half, and the public half of another key."""
    folder = tmp_path_factory.mktemp("dkim")
    return folder / "dkim.pem", rsa_key(folder / "dkim.pem"), rsa_key(folder / "other.pem")


def zone(dkim_public: str, spf: str | None = "v=spf1 mx ip4:127.0.0.1 -all", dmarc: str | None = "v=DMARC1; p=quarantine") -> str:
    chunks = " ".join(f'"{dkim_public[i:i + 200]}"' for i in range(0, len(dkim_public), 200))  # TXT strings are 255 at most
    records = [
        "example.org. 300 IN MX 10 mail.example.org.",
        "mail.example.org. 300 IN A 127.0.0.1",
        f'news2021._domainkey.example.org. 300 IN TXT "v=DKIM1; k=rsa; p=" {chunks}',
        "1.0.0.127.in-addr.arpa. 300 IN PTR mail.example.org.",
    ]
    if spf:
        records.append(f'example.org. 300 IN TXT "{spf}"')
    if dmarc:
        records.append(f'_dmarc.example.org. 300 IN TXT "{dmarc}"')
    return "\n".join(records) + "\n"


@pytest.fixture
def dns_zone() -> Iterator[list[DNSServer]]:
    """The DNS servers `doctor` started for this test, stopped after it."""
    servers: list[DNSServer] = []
    yield servers
    for server in servers:
        server.stop()


def doctor(servers: list[DNSServer], zone_text: str, smtp: SMTPServer, key: Path, asked: list[str] | None = None,
           **env: str) -> tuple[int, list[str]]:
    """`asked` collects the questions the DNS server got, one 'name type' each."""
    port = free_port()
    log = DNSLogger("+request", logf=lambda text: None)
    if asked is not None:
        log.log_request = lambda handler, request: asked.append(f"{request.q.qname} {QTYPE[request.q.qtype]}")
    server = DNSServer(ZoneResolver(zone_text), port=port, address="127.0.0.1", logger=log)
    server.start_thread()
    servers.append(server)
    environment = {**smtp.env(), "NEWSLETTER_DNS_SERVER": f"127.0.0.1:{port}", "NEWSLETTER_DKIM_KEY_FILE": str(key),
                   "NEWSLETTER_DKIM_SELECTOR": "news2021", **env}
    result = runner.invoke(app, ["doctor"], env=environment)
    return result.exit_code, result.output.splitlines()


def problems(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("problem")]


def test_the_public_key_for_dns_is_the_one_openssl_would_print(keys: tuple[Path, str, str]) -> None:
    key, public, _ = keys
    assert public_key_text(key.read_bytes()) == public


def test_a_correct_zone_passes_every_line(workdir: Path, dns_zone: list[DNSServer], smtp_server: SMTPServer,
                                          keys: tuple[Path, str, str]) -> None:
    key, public, _ = keys
    code, lines = doctor(dns_zone, zone(public), smtp_server, key)
    assert code == 0, lines
    assert [line.split(":")[0].split(None, 1) for line in lines[:-1]] == [
        ["ok", "SPF"], ["ok", "DKIM"], ["ok", "DMARC"], ["ok", "alignment"], ["ok", "bounces"], ["ok", "reverse DNS"],
        ["ok", "SMTP server"], ["ok", "sign-up caps"]]
    assert lines[-1] == "0 problems, 8 ok"
    assert "ok       sign-up caps: at most 50 confirmation mails an hour and 200 a day; one a day per address" in lines[-2]
    assert "ok       alignment: the From domain example.org is aligned with DKIM and SPF" in lines


def test_each_dns_question_is_asked_once_a_run(workdir: Path, dns_zone: list[DNSServer], smtp_server: SMTPServer,
                                               keys: tuple[Path, str, str]) -> None:
    key, public, _ = keys
    asked: list[str] = []
    assert doctor(dns_zone, zone(public), smtp_server, key, asked)[0] == 0
    assert "example.org. TXT" in asked and len(asked) == len(set(asked)), sorted(asked)


def test_a_wrong_dkim_key_gives_the_key_to_publish(workdir: Path, dns_zone: list[DNSServer], smtp_server: SMTPServer,
                                                   keys: tuple[Path, str, str]) -> None:
    key, public, other = keys
    code, lines = doctor(dns_zone, zone(other), smtp_server, key)
    assert code == 1
    [dkim] = problems(lines)
    assert dkim == (f"problem  DKIM: the key at news2021._domainkey.example.org does not match {key} (receivers will reject "
                    f'the signature); publish the TXT record at news2021._domainkey.example.org: "v=DKIM1; k=rsa; p={public}"')
    # SPF still passes and is aligned, so DMARC holds without DKIM
    assert "ok       alignment: the From domain example.org is aligned with SPF" in lines


BROKEN = {
    "no SPF": (lambda public: zone(public, spf=None), {}, [
        'problem  SPF: example.org has no SPF record; publish the TXT record at example.org: "v=spf1 ip4:127.0.0.1 -all"']),
    "SPF without the server": (lambda public: zone(public, spf="v=spf1 ip4:192.0.2.1 ~all"), {}, [
        'problem  SPF: the SPF record of example.org ("v=spf1 ip4:192.0.2.1 ~all") does not cover the server\'s address '
        '127.0.0.1; publish instead: "v=spf1 ip4:192.0.2.1 ip4:127.0.0.1 ~all"']),
    "no DMARC": (lambda public: zone(public, dmarc=None), {}, [
        'problem  DMARC: no DMARC record for example.org; publish the TXT record at _dmarc.example.org: "v=DMARC1; p=none; '
        'rua=mailto:dmarc@example.org" (p=none only reports; raise it to quarantine once the reports look right)']),
    "From on another domain": (
        lambda public: zone(public).replace("_dmarc.example.org.", "_dmarc.example.com."),
        {"NEWSLETTER_FROM_ADDRESS": "kontakt@example.com", "NEWSLETTER_DKIM_DOMAIN": "example.org",
         "NEWSLETTER_ENVELOPE_SENDER": "bounces@example.org"}, [
            "problem  alignment: From kontakt@example.com is aligned with neither DKIM nor SPF, so DMARC fails: the DKIM "
            "signature is for example.org (set NEWSLETTER_DKIM_DOMAIN=example.com and publish the key there); the envelope "
            "sender bounces@example.org is not at example.com (set NEWSLETTER_ENVELOPE_SENDER to an address at example.com)"]),
}


@pytest.mark.parametrize("case", BROKEN)
def test_each_broken_record_is_its_own_problem_line_with_what_to_publish(
        case: str, workdir: Path, dns_zone: list[DNSServer], smtp_server: SMTPServer, keys: tuple[Path, str, str]) -> None:
    key, public, _ = keys
    make_zone, env, expected = BROKEN[case]
    code, lines = doctor(dns_zone, make_zone(public), smtp_server, key, **env)
    assert code == 1
    assert problems(lines) == expected


def test_a_dns_server_that_does_not_answer_is_one_line_not_a_wait_per_record(workdir: Path, smtp_server: SMTPServer,
                                                                  keys: tuple[Path, str, str]) -> None:
    key, _, _ = keys
    result = runner.invoke(app, ["doctor", "--dns-server", f"127.0.0.1:{free_port()}", "--dns-timeout", "0.3"],
                           env={**smtp_server.env(), "NEWSLETTER_DKIM_KEY_FILE": str(key), "NEWSLETTER_DKIM_SELECTOR": "news2021"})
    assert result.exit_code == 1
    assert [line for line in result.output.splitlines() if line.startswith("problem")] == [
        "problem  SPF: no answer from the DNS server for example.org TXT (LifetimeTimeout); try again later or ask another "
        "DNS server (--dns-server); the other DNS checks were skipped"]
    assert "Traceback" not in result.output


@pytest.mark.usefixtures("web_app")
def test_the_one_click_url_of_newsletter_serve_answers_a_post(workdir: Path, dns_zone: list[DNSServer], smtp_server: SMTPServer,
                                                              keys: tuple[Path, str, str]) -> None:
    key, public, _ = keys
    site = os.environ["NEWSLETTER_PUBLIC_URL"]
    code, lines = doctor(dns_zone, zone(public), smtp_server, key)
    assert code == 0, lines
    assert f"ok       one-click: {site}/u/doctor-check answers a POST (HTTP 400 for a test token that is no one's)" in lines
    assert lines[-1] == "0 problems, 9 ok"


def test_a_one_click_url_nobody_serves_is_a_problem(workdir: Path, dns_zone: list[DNSServer], smtp_server: SMTPServer,
                                                   keys: tuple[Path, str, str]) -> None:
    key, public, _ = keys
    url = f"http://127.0.0.1:{free_port()}"
    code, lines = doctor(dns_zone, zone(public), smtp_server, key, NEWSLETTER_PUBLIC_URL=url)
    assert code == 1
    [problem] = problems(lines)
    assert problem.startswith(f"problem  one-click: {url}/u/doctor-check does not answer (")
    assert problem.endswith("start `newsletter serve` there, or check NEWSLETTER_PUBLIC_URL / NEWSLETTER_UNSUBSCRIBE_URL")


@pytest.mark.parametrize(("server", "said"), [("localhost:abc", "the port must be a number"),
                                              ("nonsense.invalid", "is no address and no known host name")])
def test_a_dns_server_that_is_no_address_is_one_line_and_exit_2(workdir: Path, smtp_server: SMTPServer,
                                                                 server: str, said: str) -> None:
    result = runner.invoke(app, ["doctor", "--dns-server", server], env=smtp_server.env())
    assert result.exit_code == 2 and said in result.output and "internal error" not in result.output


def test_alignment_takes_the_organisational_domain_from_the_public_suffix_list() -> None:
    from composer.checks.domain import _aligned, organisational

    assert organisational("news.example.co.uk") == "example.co.uk" and organisational("Mail.Stadt.Example.DE.") == "example.de"
    assert _aligned("bounces.example.co.uk", "example.co.uk", strict=False)
    assert not _aligned("other.co.uk", "example.co.uk", strict=False)
