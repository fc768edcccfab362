"""Proof of consent (BGH I ZR 164/09: documented completely and printably): for one address, one document with
each list, when and where it signed up (the form's address, or the list sheet's consent columns), the text it
agreed to, the confirmation mail as it was sent (Message-ID, time, body), the confirming click, and the IP as
NEWSLETTER_SIGNUP_IP allows. The wording and versions of the form and of the mail are the ones stored with the
consent, so a later change of the form does not change an old proof.

Proofs are kept NEWSLETTER_CONSENT_RETENTION_DAYS after the subscription ends (`erasure.sweep_consents`), apart from the delivery
rows' own retention."""

from __future__ import annotations

import hashlib
import ipaddress
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from composer.atomic import PRIVATE, write_text
from composer.audience.consent import DATE, SOURCE, missing_evidence
from composer.audience.person import Where, sheet_rows
from composer.i18n import JinjaGettext, Message, message
from composer.i18n.formats import moment
from composer.records import Recipient
from composer.render.templates import environment
from composer.state import ConsentRecord, Journal
from composer.state.reasons import kind_said


def recorded_ip(address: str, mode: str) -> str | None:
    """The IP as kept in a proof: `full`, `truncated` (IPv4 /24, IPv6 /48, the default) or `none`."""
    if mode == "none" or not address:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if mode == "full":
        return str(ip)
    return str(ipaddress.ip_network(f"{ip}/{24 if ip.version == 4 else 48}", strict=False))


def version_of(*texts: str) -> str:
    """A short fingerprint of a wording: equal versions mean the same words."""
    return hashlib.sha256("\0".join(texts).encode()).hexdigest()[:12]


@dataclass(frozen=True)
class FormEvidence:
    """What the sign-up form showed and where the request came from, as the face saw it."""

    source: str  # the form's address
    text: str  # the consent wording next to the tick
    version: str  # version_of the form's wording
    ip: str | None  # already reduced by recorded_ip


@dataclass(frozen=True)
class SheetConsent:
    file: str
    line: int
    consent_date: str
    consent_source: str
    complete: bool


@dataclass
class Proof:
    address: str
    made: float
    web: list[ConsentRecord] = field(default_factory=list)
    legacy: list[dict[str, object]] = field(default_factory=list)  # web sign-ups from before the evidence was kept
    sheets: list[SheetConsent] = field(default_factory=list)
    stopped: Message | None = None


def proof_of(address: str, journal: Journal, where: Where, now: float | None = None) -> Proof:
    proof = Proof(address, now if now is not None else time.time(), web=journal.consents_of(address))
    evidenced = {c.list_name for c in proof.web}
    proof.legacy = [row for row in journal.signups_of(address) if row["list"] not in evidenced]
    for path, line, columns in sheet_rows(address, where):
        date, source = columns.get(DATE, ""), columns.get(SOURCE, "")
        if date or source:
            complete = missing_evidence(Recipient(address, None, columns)) is None
            proof.sheets.append(SheetConsent(str(path), line, date, source, complete))
    stopped = journal.suppression(address)
    proof.stopped = message("{kind}: {reason}", kind=kind_said(stopped.kind), reason=stopped.reason) if stopped else None
    return proof


def render(proof: Proof, lang: str, newsletter: str, templates: Path | None = None) -> str:
    """The printable HTML document."""
    def when(stamp: float | None) -> str:
        if stamp is None:
            return "–"
        return f"{moment(datetime.fromtimestamp(stamp).astimezone(), lang)} ({datetime.fromtimestamp(stamp, UTC):%Y-%m-%d %H:%M:%S} UTC)"
    page = environment(templates, "web").get_template("web/proof.html.j2")
    return page.render(proof=proof, newsletter=newsletter, when=when, **JinjaGettext(lang).context())


def document(address: str, journal: Journal, where: Where, lang: str, newsletter: str, templates: Path | None = None) -> str:
    """The printable proof of one address as both faces hand it out (the CLI's --proof, the desk's button)."""
    return render(proof_of(address, journal, where), lang, newsletter, templates)


def write(html: str, target: Path, pdf: bool) -> Path:
    """The document written whole; as a PDF (tagged, with an outline) printed by Chromium when `pdf`."""
    if not pdf:
        write_text(target, html, PRIVATE)
        return target
    from composer.publish.chromium import pdfs  # Playwright only when a PDF is asked for

    page = target.with_name(f".{target.stem}.proof.html")
    write_text(page, html, PRIVATE)
    try:
        [printed] = pdfs([page])
        printed.replace(target)
    finally:
        page.unlink(missing_ok=True)
    return target
