"""What a mail in the coordinator's mailbox is: a bounce, an unsubscribe request, an automatic reply, or
something for a person. Bounces are checked first: a DSN carries Auto-Submitted too."""

from __future__ import annotations

import dataclasses
import email
import email.errors
import email.policy
import re
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr
from typing import Literal

from flufl.bounce import all_failures

from composer.tokens import TOKEN

Kind = Literal["bounce", "unsubscribe", "autoreply", "other"]
UNSUBSCRIBE_WORDS = re.compile(r"\b(unsubscribe|abmelden|abbestellen|austragen)\b", re.I)
AUTOREPLY_SUBJECT = re.compile(r"^(out of office|abwesenheitsnotiz|automatische antwort|auto(matic)? ?reply|auto:|"
                               r"abwesend|i am out of the office|ich bin (nicht im büro|abwesend))", re.I)
MESSAGE_ID = re.compile(r"^Message-ID:\s*(<[^>]+>)", re.I | re.M)


@dataclass(frozen=True)
class Verdict:
    kind: Kind
    email: str | None = None
    permanent: bool = False
    status: str = ""
    original_message_id: str | None = None
    detail: str = ""
    message_id: str = ""  # of the mail in the mailbox: the evidence kept with a suppression
    issue: str | None = None  # of our delivery the report is about, where the relay's queue id names it


@dataclass(frozen=True)
class Context:
    """What the classifier needs to know about us: whose a link token is, and our own addresses."""

    address_of: Callable[[str], str | None]
    unsubscribe_mailbox: str | None  # only a dedicated one: mail to the office's own address is not a request
    bounce_address: str
    by_queue_id: Callable[[str], tuple[str, str] | None] = lambda _: None  # a relay's queue id -> (issue, address) we sent


class MalformedMessage(ValueError):
    """The bytes are not a message the classifier can read."""


def classify(data: bytes, ctx: Context) -> list[Verdict]:
    """One verdict per affected address (a DSN can name several); raises MalformedMessage."""
    try:
        msg = email.message_from_bytes(data, policy=email.policy.default)
        if not msg.keys():
            raise MalformedMessage("no headers")
        original, verp = _original_id(msg), _verp_address(msg, ctx)
        verdicts = _bounces(msg, original, verp) or [_autoreply(msg) or _returned_to_verp(verp, original)
                                                     or _unsubscribe(msg, ctx) or Verdict("other", detail=_subject(msg))]
        verdicts = _matched_by_queue_id(msg, verdicts, ctx)
        own_id = str(msg.get("Message-ID", "")).strip()
        return [dataclasses.replace(v, message_id=own_id) for v in verdicts]
    except (email.errors.MessageError, LookupError, UnicodeError, TypeError, AttributeError, IndexError) as exc:
        raise MalformedMessage(f"{type(exc).__name__}: {exc}") from None


def _parts(part: Message) -> list[Message]:
    """The sub-messages of a multipart or message/* part; none for a part that holds text."""
    payload = part.get_payload()
    return [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else []


def _subject(msg: EmailMessage) -> str:
    return str(msg.get("Subject", "")).strip()


def _verp_address(msg: EmailMessage, ctx: Context) -> str | None:
    """Our VERP address where the bounce was delivered to, or as the Return-Path of the returned original."""
    local, _, domain = ctx.bounce_address.partition("@")
    returned = [_parts(p)[0] for p in msg.walk() if p.get_content_type() == "message/rfc822" and _parts(p)]
    values = [str(v) for h in ("Delivered-To", "X-Original-To", "To", "Envelope-To") for v in msg.get_all(h, [])]
    values += [str(v) for original in returned for v in original.get_all("Return-Path", [])]
    for value in values:
        for _, address in getaddresses([value]):
            head, _, dom = address.partition("@")
            if dom.lower() == domain.lower() and head.startswith(local + "+"):
                found = ctx.address_of(head[len(local) + 1:])
                if found:
                    return found
    return None


def _original_id(msg: EmailMessage) -> str | None:
    for part in msg.walk():
        if part.get_content_type() in ("message/rfc822", "text/rfc822-headers"):
            parts = _parts(part)
            if parts:
                return str(parts[0].get("Message-ID", "")).strip() or None
            found = MESSAGE_ID.search(str(part.get_payload()))
            if found:
                return found.group(1)
    return None


def _bounces(msg: EmailMessage, original: str | None, verp: str | None) -> list[Verdict]:
    found: list[Verdict] = []
    for part in msg.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for block in _parts(part)[1:]:
            recipient = parseaddr(str(block.get("Final-Recipient", "")).partition(";")[2])[1]
            status = str(block.get("Status", "")).split()[0] if block.get("Status") else ""
            action = str(block.get("Action", "")).lower()
            if action not in ("failed", "delayed") or not (recipient or verp):
                continue
            permanent = status.startswith("5") or (action == "failed" and not status.startswith("4"))
            diagnostic = str(block.get("Diagnostic-Code", "")).partition(";")[2].strip()
            found.append(Verdict("bounce", verp or recipient.lower(), permanent, status or ("5.0.0" if permanent else "4.0.0"),
                                 original, diagnostic))
    if found:
        return found
    soft, hard = all_failures(_compat(msg))
    verdicts = [Verdict("bounce", a.decode(errors="replace").lower(), True, "5.0.0", original) for a in sorted(hard)]
    verdicts += [Verdict("bounce", a.decode(errors="replace").lower(), False, "4.0.0", original) for a in sorted(soft)]
    if verp and verdicts:
        return [Verdict("bounce", verp, verdicts[0].permanent, verdicts[0].status, original)]
    return verdicts


def _relay_queue_id(msg: EmailMessage) -> str | None:
    """The id under which the reporting relay queued our message: Postfix names it among the per-message fields
    of its delivery-status (X-Postfix-Queue-ID), as it named it in its reply when it took the message."""
    for part in msg.walk():
        if part.get_content_type() == "message/delivery-status" and _parts(part):
            found = str(_parts(part)[0].get("X-Postfix-Queue-ID", "")).strip()
            if found:
                return found
    return None


def _matched_by_queue_id(msg: EmailMessage, verdicts: list[Verdict], ctx: Context) -> list[Verdict]:
    """A bounce whose relay names the queue id of our delivery to that same address is about that delivery's issue,
    even when the DSN returns no headers of the original."""
    queue_id = _relay_queue_id(msg)
    delivery = ctx.by_queue_id(queue_id) if queue_id else None
    if delivery is None:
        return verdicts
    issue, address = delivery
    return [dataclasses.replace(v, issue=issue) if v.kind == "bounce" and (v.email or "").lower() == address.lower() else v
            for v in verdicts]


def _returned_to_verp(verp: str | None, original: str | None) -> Verdict | None:
    """Mail to a VERP address that no detector understood is still a bounce for that recipient; counted as
    temporary, since nothing says it is final."""
    return Verdict("bounce", verp, False, "4.0.0", original, "unrecognised bounce") if verp else None


def _compat(msg: EmailMessage) -> Message:
    """flufl.bounce's detectors expect the classic Message API."""
    return email.message_from_bytes(msg.as_bytes(), policy=email.policy.compat32)


def _autoreply(msg: EmailMessage) -> Verdict | None:
    auto = str(msg.get("Auto-Submitted", "no")).strip().lower()
    if (auto and not auto.startswith("no")) or msg.get("X-Autoreply") or msg.get("X-Autorespond") \
            or str(msg.get("Precedence", "")).lower() == "auto_reply" or AUTOREPLY_SUBJECT.match(_subject(msg)):
        return Verdict("autoreply", parseaddr(str(msg.get("From", "")))[1].lower() or None, detail=_subject(msg))
    return None


def _unsubscribe(msg: EmailMessage, ctx: Context) -> Verdict | None:
    subject = _subject(msg)
    body = msg.get_body(("plain",))
    text = subject + "\n" + (body.get_content() if body is not None else "")
    for token in TOKEN.findall(text):
        address = ctx.address_of(token)
        if address:
            return Verdict("unsubscribe", address, detail="by the token in the unsubscribe link")
    sender = parseaddr(str(msg.get("From", "")))[1].lower()
    recipients = {a.lower() for _, a in getaddresses([str(v) for h in ("To", "Delivered-To") for v in msg.get_all(h, [])])}
    to_unsubscribe = ctx.unsubscribe_mailbox is not None and ctx.unsubscribe_mailbox.lower() in recipients
    if sender and (to_unsubscribe or UNSUBSCRIBE_WORDS.search(subject)):
        return Verdict("unsubscribe", sender, detail=f"by mail from {sender}")
    return None
