"""`newsletter doctor`: will large mailbox providers accept mail from this sender? SPF, DKIM and an aligned
DMARC record for the From domain, an MX for the bounce address, reverse DNS and the login on the SMTP server.

Each finding is one line: ok, or the problem and what to change, for DNS the exact record to publish. The
organisational domain comes from the Public Suffix List (the copy the publicsuffixlist package ships), as
DMARC defines it: example.co.uk, not co.uk.
"""

from __future__ import annotations

import base64
import functools
import ipaddress
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

import dns.exception
import dns.resolver
import dns.reversename
from dkim.crypto import UnparsableKeyError, parse_pem_private_key, parse_public_key
from publicsuffixlist import PublicSuffixList

from composer.config.parts import DKIMConfig, Sender
from composer.errors import ComposerError, SettingsError

Level = Literal["ok", "problem"]
SPF_LOOKUPS = 10  # RFC 7208's limit on DNS lookups while evaluating SPF
RSA_ALGORITHM = bytes.fromhex("300d06092a864886f70d0101010500")  # rsaEncryption, NULL parameters


@dataclass(frozen=True)
class Line:
    level: Level
    topic: str
    message: str

    def __str__(self) -> str:
        return f"{self.level:<8}{self.topic}: {self.message}"


class _Silent(Line):
    """The line of a DNS server that gave no answer."""


class LookupFailed(ComposerError):
    """The DNS server gave no answer at all (timeout, refusal): nothing can be said about the record."""


def _server_address(server: str) -> tuple[str, int]:
    """'192.0.2.53', 'dns.example.org:5353' or '[2001:db8::53]:53' -> (IP address, port); one clear error otherwise."""
    host, port = server.strip(), "53"
    if host.startswith("["):
        host, _, rest = host[1:].partition("]")
        port = rest.removeprefix(":") or "53"
    elif host.count(":") == 1:
        host, _, port = host.partition(":")
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise SettingsError(f"--dns-server {server!r}: the port must be a number from 1 to 65535 (HOST or HOST:PORT)")
    try:
        ip = str(ipaddress.ip_address(host))
    except ValueError:
        try:
            ip = str(socket.getaddrinfo(host, None)[0][4][0])
        except (socket.gaierror, UnicodeError):
            raise SettingsError(f"--dns-server {server!r}: {host!r} is no address and no known host name; "
                                "give the DNS server as an IP address or a host name (HOST or HOST:PORT)") from None
    return str(ip), int(port)


class Lookup:
    """DNS questions through dnspython; a missing name or record is an empty answer, not an error."""

    def __init__(self, server: str | None = None, timeout: float = 5.0) -> None:
        """`server` is HOST or HOST:PORT of the DNS server to ask; the system's resolvers when None."""
        self._resolver = dns.resolver.Resolver(configure=server is None)
        if server:
            address, port = _server_address(server)
            self._resolver.nameservers, self._resolver.port = [address], port
        self._resolver.lifetime = timeout
        self._answers: dict[tuple[str, str], list[dns.rdata.Rdata] | LookupFailed] = {}

    def _ask(self, name: str, kind: str) -> list[dns.rdata.Rdata]:
        """Each question is asked once a run (SPF, DMARC and the bounce domain share records), a failure too."""
        key = (name.lower(), kind)
        if key not in self._answers:
            self._answers[key] = self._resolve(name, kind)
        answer = self._answers[key]
        if isinstance(answer, LookupFailed):
            raise answer
        return answer

    def _resolve(self, name: str, kind: str) -> list[dns.rdata.Rdata] | LookupFailed:
        try:
            return list(self._resolver.resolve(name, kind, search=False))
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        except (dns.exception.Timeout, dns.resolver.NoNameservers) as exc:
            return LookupFailed(f"no answer from the DNS server for {name} {kind} ({type(exc).__name__}); try again later "
                                "or ask another DNS server (--dns-server)")

    def txt(self, name: str) -> list[str]:
        return [b"".join(r.strings).decode(errors="replace") for r in self._ask(name, "TXT")]  # type: ignore[attr-defined]

    def addresses(self, name: str) -> list[str]:
        return [r.to_text() for kind in ("A", "AAAA") for r in self._ask(name, kind)]

    def mx(self, name: str) -> list[str]:
        return [r.exchange.to_text().rstrip(".") for r in self._ask(name, "MX")]  # type: ignore[attr-defined]

    def ptr(self, ip: str) -> list[str]:
        return [r.to_text().rstrip(".") for r in self._ask(dns.reversename.from_address(ip).to_text(), "PTR")]


@functools.cache
def _suffixes() -> PublicSuffixList:
    return PublicSuffixList()  # reads the list once: 30 ms


def organisational(domain: str) -> str:
    """The registrable domain (RFC 7489, 3.2): one label below the public suffix."""
    name = domain.lower().rstrip(".")
    return _suffixes().privatesuffix(name) or name


def _aligned(domain: str, from_domain: str, strict: bool) -> bool:
    if strict:
        return domain.lower() == from_domain.lower()
    return organisational(domain) == organisational(from_domain)


def _record(texts: list[str], version: str) -> str | None:
    found = [t for t in texts if t.lower().startswith(version.lower())]
    return found[0] if found else None


def _tags(record: str) -> dict[str, str]:
    return {k.strip().lower(): v.strip() for k, _, v in (part.partition("=") for part in record.split(";")) if k.strip()}


# -- SPF ------------------------------------------------------------------------------------------------

def spf_allows(lookup: Lookup, domain: str, ip: str, budget: list[int] | None = None) -> bool:
    """Whether `domain`'s SPF passes mail from `ip` (ip4, ip6, a, mx, include, redirect, all); a softfail is no pass."""
    budget = budget if budget is not None else [SPF_LOOKUPS]
    record = _record(lookup.txt(domain), "v=spf1")
    if not record:
        return False
    address = ipaddress.ip_address(ip)
    redirect = None
    for term in record.split()[1:]:
        qualifier, term = (term[0], term[1:]) if term[0] in "+-~?" else ("+", term)
        name, _, value = term.partition(":") if ":" in term else term.partition("=")
        name = name.lower()
        if name == "redirect":
            redirect = value
            continue
        if name in ("a", "mx", "include"):
            budget[0] -= 1
            if budget[0] < 0:
                return False
        if _matches(lookup, name, value, domain, address, budget):
            return qualifier == "+"
    return spf_allows(lookup, redirect, ip, budget) if redirect else False


def _matches(lookup: Lookup, name: str, value: str, domain: str, address: ipaddress.IPv4Address | ipaddress.IPv6Address,
             budget: list[int]) -> bool:
    def within(ip: str, prefix: str = "") -> bool:
        return address in ipaddress.ip_network(f"{ip}{prefix}", strict=False)

    target, _, prefix = value.partition("/")
    mask = f"/{prefix}" if prefix else ""
    if name in ("ip4", "ip6"):
        return address.version == (4 if name == "ip4" else 6) and within(target, mask)
    if name == "all":
        return True
    if name == "a":
        return any(within(ip, mask) for ip in lookup.addresses(target or domain))
    if name == "mx":
        return any(within(ip, mask) for host in lookup.mx(target or domain) for ip in lookup.addresses(host))
    if name == "include":
        return spf_allows(lookup, value, str(address), budget)
    return False


def _spf_term(ip: str) -> str:
    return f"ip{ipaddress.ip_address(ip).version}:{ip}"


def check_spf(lookup: Lookup, domain: str, ips: list[str]) -> Iterator[Line]:
    record = _record(lookup.txt(domain), "v=spf1")
    terms = " ".join(_spf_term(ip) for ip in ips)
    if not record and not ips:
        yield Line("problem", "SPF", f"{domain} has no SPF record; set NEWSLETTER_SMTP_HOST first, then doctor says the "
                                     "record to publish (one that names your mail server)")
        return
    if not record:
        yield Line("problem", "SPF", f"{domain} has no SPF record; publish the TXT record at {domain}: \"v=spf1 {terms} -all\"")
        return
    missing = [ip for ip in ips if not spf_allows(lookup, domain, ip)]
    if missing:
        head, _, last = record.rpartition(" ")
        suggested = f"{head} {' '.join(map(_spf_term, missing))} {last}" if last.lstrip("+-~?").lower() == "all" \
            else f"{record} {' '.join(map(_spf_term, missing))}"
        yield Line("problem", "SPF", f"the SPF record of {domain} (\"{record}\") does not cover the server's address "
                                     f"{', '.join(missing)}; publish instead: \"{suggested}\"")
    elif ips:
        yield Line("ok", "SPF", f"{domain}: \"{record}\" covers the server's address {', '.join(ips)}")
    else:
        yield Line("ok", "SPF", f"{domain}: \"{record}\" (no SMTP server set, so no address to test)")


# -- DKIM -----------------------------------------------------------------------------------------------

def _der(tag: int, body: bytes) -> bytes:
    size = len(body)
    long_form = size.to_bytes((size.bit_length() + 7) // 8, "big")
    length = bytes([size]) if size < 128 else bytes([0x80 | len(long_form)]) + long_form
    return bytes([tag]) + length + body


def _der_int(n: int) -> bytes:
    return _der(0x02, n.to_bytes(n.bit_length() // 8 + 1, "big"))


def public_key_text(key_file: bytes) -> str:
    """The p= value for DNS: the private key's public half as base64 SubjectPublicKeyInfo."""
    key = parse_pem_private_key(key_file)
    rsa = _der(0x30, _der_int(key["modulus"]) + _der_int(key["publicExponent"]))
    return base64.b64encode(_der(0x30, RSA_ALGORITHM + _der(0x03, b"\0" + rsa))).decode()


def check_dkim(lookup: Lookup, dkim: DKIMConfig | None) -> Iterator[Line]:
    if dkim is None:
        yield Line("problem", "DKIM", "messages are not signed; set NEWSLETTER_DKIM_KEY_FILE and NEWSLETTER_DKIM_SELECTOR "
                                      "(a 2048-bit RSA key: openssl genrsa -out dkim.pem 2048), run doctor again for the record")
        return
    try:
        public = public_key_text(dkim.key_file.read_bytes())
    except (OSError, UnparsableKeyError, KeyError) as exc:
        yield Line("problem", "DKIM", f"{dkim.key_file}: not a readable RSA private key in PEM ({exc}); check NEWSLETTER_DKIM_KEY_FILE")
        return
    name = f"{dkim.selector}._domainkey.{dkim.domain}"
    publish = f"publish the TXT record at {name}: \"v=DKIM1; k=rsa; p={public}\""
    record = _record(lookup.txt(name), "v=DKIM1") or next(iter(lookup.txt(name)), None)
    if not record:
        yield Line("problem", "DKIM", f"no key at {name}; {publish}")
        return
    published = _tags(record).get("p", "").replace(" ", "")
    try:
        same = bool(published) and parse_public_key(base64.b64decode(published)) == parse_public_key(base64.b64decode(public))
    except (ValueError, UnparsableKeyError):
        same = False
    if same:
        yield Line("ok", "DKIM", f"the key at {name} matches {dkim.key_file}")
    else:
        yield Line("problem", "DKIM", f"the key at {name} does not match {dkim.key_file} (receivers will reject the signature); {publish}")


# -- DMARC and alignment --------------------------------------------------------------------------------

def check_dmarc(lookup: Lookup, sender: Sender, spf_passes: bool, dkim_passes: bool) -> Iterator[Line]:
    from_domain, envelope_domain = sender.domain, sender.bounce_address.rsplit("@", 1)[1]
    names = list(dict.fromkeys([f"_dmarc.{from_domain}", f"_dmarc.{organisational(from_domain)}"]))
    found = next(((n, r) for n in names if (r := _record(lookup.txt(n), "v=DMARC1"))), None)
    if not found:
        yield Line("problem", "DMARC", f"no DMARC record for {from_domain}; publish the TXT record at _dmarc.{from_domain}: "
                                       f"\"v=DMARC1; p=none; rua=mailto:dmarc@{from_domain}\" (p=none only reports; "
                                       "raise it to quarantine once the reports look right)")
        tags: dict[str, str] = {}
    else:
        tags = _tags(found[1])
        yield Line("ok", "DMARC", f"{found[0]}: \"{found[1]}\"")
    dkim_domain = sender.dkim.domain if sender.dkim else None
    dkim_aligned = dkim_domain is not None and _aligned(dkim_domain, from_domain, tags.get("adkim", "r").lower() == "s")
    spf_aligned = _aligned(envelope_domain, from_domain, tags.get("aspf", "r").lower() == "s")
    if (dkim_aligned and dkim_passes) or (spf_aligned and spf_passes):
        how = " and ".join(w for w, ok in (("DKIM", dkim_aligned and dkim_passes), ("SPF", spf_aligned and spf_passes)) if ok)
        yield Line("ok", "alignment", f"the From domain {from_domain} is aligned with {how}")
        return
    reasons = []
    if not dkim_aligned:
        reasons.append(f"the DKIM signature is for {dkim_domain} (set NEWSLETTER_DKIM_DOMAIN={from_domain} and publish "
                       f"the key there)" if dkim_domain else "no DKIM signature")
    elif not dkim_passes:
        reasons.append("the DKIM key in DNS does not match (see the DKIM line)")
    if not spf_aligned:
        reasons.append(f"the envelope sender {sender.bounce_address} is not at {from_domain} (set NEWSLETTER_ENVELOPE_SENDER "
                       f"to an address at {from_domain})")
    elif not spf_passes:
        reasons.append("SPF does not pass (see the SPF line)")
    yield Line("problem", "alignment", f"From {sender.address} is aligned with neither DKIM nor SPF, so DMARC fails: "
                                       + "; ".join(reasons))


# -- bounce domain and the server's address ---------------------------------------------------------------

def check_bounce_domain(lookup: Lookup, bounce_address: str) -> Iterator[Line]:
    domain = bounce_address.rsplit("@", 1)[1]
    hosts = lookup.mx(domain) or lookup.addresses(domain)
    if hosts:
        yield Line("ok", "bounces", f"{domain} receives mail ({', '.join(hosts)})")
    else:
        yield Line("problem", "bounces", f"{domain} has no MX (or A) record, so bounces to {bounce_address} are lost; publish "
                                         f"an MX record for {domain} or set NEWSLETTER_ENVELOPE_SENDER to a mailbox that exists")


def check_reverse_dns(lookup: Lookup, ips: list[str]) -> Iterator[Line]:
    for ip in ips:
        names = lookup.ptr(ip)
        confirmed = [n for n in names if ip in lookup.addresses(n)]
        if confirmed:
            yield Line("ok", "reverse DNS", f"{ip} is {confirmed[0]}, which points back to it")
        elif names:
            yield Line("problem", "reverse DNS", f"{ip} is {names[0]}, but {names[0]} does not point back to {ip}; ask the "
                                                 "server's provider to make the name and the address match")
        else:
            yield Line("problem", "reverse DNS", f"{ip} has no name (PTR); ask the server's provider to set one whose A "
                                                 "record points back to it")


def server_addresses(lookup: Lookup, host: str | None) -> list[str]:
    if not host:
        return []
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        return lookup.addresses(host)


def check_dns(lookup: Lookup, sender: Sender, smtp_host: str | None) -> list[Line]:
    """Every DNS line; a DNS server that does not answer is one problem line, and the checks after it are skipped
    (each would wait for the same silence)."""
    lines: list[Line] = []

    def run(topic: str, check: Callable[[], Iterator[Line]]) -> list[Line]:
        if any(isinstance(line, _Silent) for line in lines):
            return []
        try:
            found = list(check())
        except LookupFailed as exc:
            found = [_Silent("problem", topic, f"{exc}; the other DNS checks were skipped")]
        lines.extend(found)
        return found

    ips: list[str] = []

    def addresses() -> Iterator[Line]:
        ips.extend(server_addresses(lookup, smtp_host))
        if smtp_host and not ips:
            yield Line("problem", "SMTP server", f"{smtp_host} has no address in DNS; check NEWSLETTER_SMTP_HOST")

    run("SMTP server", addresses)
    envelope_domain = sender.bounce_address.rsplit("@", 1)[1]
    spf = run("SPF", lambda: check_spf(lookup, envelope_domain, ips))
    dkim = run("DKIM", lambda: check_dkim(lookup, sender.dkim))
    run("DMARC", lambda: check_dmarc(lookup, sender, all(x.level == "ok" for x in spf), all(x.level == "ok" for x in dkim)))
    run("bounces", lambda: check_bounce_domain(lookup, sender.bounce_address))
    run("reverse DNS", lambda: check_reverse_dns(lookup, ips))
    return lines
