"""What a mail in the coordinator's mailbox is: a bounce, a complaint, an unsubscribe request, an automatic reply,
or something for a person. Anyone can write to the mailbox, so a mail acts only on what we sent and what the
reader meant:

- a delivery report (DSN, or a bounce flufl.bounce recognises) counts only for a recipient of ours it proves:
  the VERP address it came to, or the Message-ID of a recorded delivery to that same address in its attached
  headers; a report naming anyone else is left for the coordinator;
- a complaint (ARF, RFC 5965 feedback report) counts only when its attached original is one of our deliveries
  (our Message-ID, VERP address, or the link token in its List-Unsubscribe) and names one reader;
- an unsubscribe needs the token of the List-Unsubscribe mailto in the To address or the Subject of a mail to
  that mailbox, or a request in the reader's own words from their address: one we sent to, listed or signed up
  (a stranger's is left for the coordinator). A token in a body is never used:
  every reply and forward quotes the text part with its personal unsubscribe link.

Reading is bounded (size, nesting, time): a mail beyond the limits raises Unbounded, and is set aside unread.
Reports are checked first: a DSN carries Auto-Submitted too."""

from __future__ import annotations

import dataclasses
import email
import email.errors
import email.policy
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr
from typing import Literal

from flufl.bounce import all_failures

from composer import i18n
from composer.i18n import message
from composer.send.tokens import TOKEN

Kind = Literal["bounce", "complaint", "unsubscribe", "autoreply", "other"]
UNSUBSCRIBE_WORDS = re.compile(r"\b(unsubscribe|abmelden|abbestellen|austragen)\b", re.I)
AUTOREPLY_SUBJECT = re.compile(r"^(out of office|abwesenheitsnotiz|automatische antwort|auto(matic)? ?reply|auto:|"
                               r"abwesend|i am out of the office|ich bin (nicht im büro|abwesend))", re.I)
MAX_BYTES = 10_000_000  # a bounce returning a whole issue with its photos stays well below
MAX_CONTAINERS = 100  # multipart and message/* parts, however nested: the parser recurses once per level
MAX_SECONDS = 5.0
CONTAINER = re.compile(rb"(?im)^content-type:\s*(multipart|message)/")
MESSAGE_ID = re.compile(r"^\s*Message-ID:\s*(<[^>\s]+>)", re.I | re.M)
RETURNED = ("message/rfc822", "message/rfc822-headers")  # the second an old name, still sent by some MTAs
RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")
BY_TOKEN = message("by the token in the unsubscribe link")


@dataclass(frozen=True)
class Verdict:
    kind: Kind
    email: str | None = None
    permanent: bool = False
    status: str = ""
    original_message_id: str | None = None
    detail: str = ""
    message_id: str = ""  # of the mail in the mailbox: the evidence kept with a suppression
    issue: str | None = None  # of our delivery the report is about, where its Message-ID or the relay's queue id names it
    how: i18n.Message | None = None  # how an unsubscribe was asked, in words for the reader (detail is the evidence)


@dataclass(frozen=True)
class Context:
    """What the classifier needs to know about us: whose a link token is, which delivery a Message-ID is, and
    our own addresses."""

    address_of: Callable[[str], str | None]
    sent: Callable[[str], tuple[str, str] | None]  # Message-ID -> (issue, address) of a recorded delivery
    unsubscribe_mailbox: str | None  # only a dedicated one: mail to the office's own address is not a request
    bounce_address: str
    token_mailbox: str = ""  # where the List-Unsubscribe mailto goes (the dedicated mailbox, Reply-To or From)
    by_queue_id: Callable[[str], tuple[str, str] | None] = lambda _: None  # a relay's queue id -> (issue, address) we sent
    ours: Callable[[str], bool] = lambda _: False  # a reader's address: one we sent to, on a list or signed up


class MalformedMessage(ValueError):
    """The bytes are not a message the classifier can read; its first argument says why (a Message, or the parser's
    own words)."""


class Unbounded(ValueError):
    """The mail is too large, too deeply nested or too slow to read: it is set aside unread, never retried."""


def classify(data: bytes, ctx: Context) -> list[Verdict]:
    """One verdict per affected address; raises Unbounded (set it aside) or MalformedMessage (leave it)."""
    if len(data) > MAX_BYTES:
        raise Unbounded(message("larger than {mb} MB", mb=MAX_BYTES // 1_000_000))
    if len(CONTAINER.findall(data)) > MAX_CONTAINERS:
        raise Unbounded(message("more than {n} nested or attached parts", n=MAX_CONTAINERS))
    started = time.monotonic()
    try:
        msg = email.message_from_bytes(data, policy=email.policy.default)
        if not msg.keys():
            raise MalformedMessage(message("no headers"))
        verdicts = _verdicts(msg, ctx)
    except RecursionError:
        raise Unbounded(message("nested too deeply to read")) from None
    except (email.errors.MessageError, LookupError, UnicodeError, TypeError, AttributeError, IndexError) as exc:
        raise MalformedMessage(f"{type(exc).__name__}: {exc}") from None
    if time.monotonic() - started > MAX_SECONDS:
        raise Unbounded(message("took more than {seconds} s to read", seconds=f"{MAX_SECONDS:g}"))
    own_id = str(msg.get("Message-ID", "")).strip()
    return [dataclasses.replace(v, message_id=own_id) for v in verdicts]


def _verdicts(msg: EmailMessage, ctx: Context) -> list[Verdict]:
    originals = _originals(msg)
    verp = _verp_address(msg, originals, ctx)
    if _report_type(msg) == "feedback-report":
        return [_complaint(msg, originals, verp, ctx)]
    bounces = _bounces(msg, originals, verp, ctx)
    if bounces is not None:
        return bounces or [Verdict("other", detail=f"a delivery report about no message we sent to those it names: "
                                                   f"{_subject(msg) or '(no subject)'}")]
    return [_autoreply(msg) or _returned_to_verp(verp, originals) or _unsubscribe(msg, ctx)
            or Verdict("other", detail=_subject(msg))]


def _parts(part: Message) -> list[Message]:
    """The sub-messages of a multipart or message/* part; none for a part that holds text."""
    payload = part.get_payload()
    return [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else []


def _subject(msg: Message) -> str:
    return str(msg.get("Subject", "")).strip()


def _report_type(msg: EmailMessage) -> str:
    return str(msg.get_param("report-type", "", header="content-type")).lower() if msg.get_content_type() == "multipart/report" else ""


def _originals(msg: EmailMessage) -> list[Message]:
    """The headers of each returned or reported original: a message/rfc822 part, or text/rfc822-headers."""
    found: list[Message] = []
    for part in msg.walk():
        if part.get_content_type() in RETURNED and _parts(part):
            found.append(_parts(part)[0])
        elif part.get_content_type() == "text/rfc822-headers":
            found.append(email.message_from_string(_text(part), policy=email.policy.default))
    return found


def _text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(part.get_payload())


def _message_ids(originals: list[Message]) -> list[str]:
    return [str(o.get("Message-ID", "")).strip() for o in originals if str(o.get("Message-ID", "")).strip()]


def _quoted_ids(msg: EmailMessage) -> list[str]:
    """Message-ID lines of an original an MTA returned inside its text (Exim, qmail) rather than attached."""
    texts = [_text(p) for p in msg.walk() if p.get_content_type() == "text/plain" and not p.is_attachment()]
    return [m for text in texts for m in MESSAGE_ID.findall(text[:200_000])]


def _ours(originals: list[Message], verp: str | None, ctx: Context, quoted: list[str] | None = None) -> dict[str, str | None]:
    """Each address a report proves we sent to, with the issue where a recorded delivery names it: the VERP address
    it came to, and the recipient of each recorded delivery whose Message-ID is in the returned headers."""
    proven: dict[str, str | None] = {verp: None} if verp else {}
    for message_id in [*_message_ids(originals), *(quoted or [])]:
        delivery = ctx.sent(message_id)
        if delivery:
            proven[delivery[1].lower()] = delivery[0]
    return proven


def _verp_address(msg: EmailMessage, originals: list[Message], ctx: Context) -> str | None:
    """Our VERP address where the report was delivered to, or as the Return-Path of the returned original."""
    local, _, domain = ctx.bounce_address.partition("@")
    values = [str(v) for h in ("Delivered-To", "X-Original-To", "To", "Envelope-To") for v in msg.get_all(h, [])]
    values += [str(v) for original in originals for v in original.get_all("Return-Path", [])]
    for value in values:
        for _, address in getaddresses([value]):
            head, _, dom = address.partition("@")
            if dom.lower() == domain.lower() and head.startswith(local + "+"):
                found = ctx.address_of(head[len(local) + 1:])
                if found:
                    return found.lower()
    return None


def _bounces(msg: EmailMessage, originals: list[Message], verp: str | None, ctx: Context) -> list[Verdict] | None:
    """None when the mail reports no failed delivery; else a verdict per recipient of ours it reports (maybe none)."""
    quoted = _quoted_ids(msg)
    proven = _ours(originals, verp, ctx, quoted)
    for address, issue in _by_queue_id(msg, ctx).items():
        proven[address] = proven.get(address) or issue
    original = next(iter([*_message_ids(originals), *quoted]), None)
    reported: list[Verdict] = []
    for part in msg.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for block in _parts(part)[1:]:
            recipient = parseaddr(str(block.get("Final-Recipient", "")).partition(";")[2])[1].lower()
            status = str(block.get("Status", "")).split()[0] if block.get("Status") else ""
            action = str(block.get("Action", "")).lower()
            if action not in ("failed", "delayed"):
                continue
            permanent = status.startswith("5") or (action == "failed" and not status.startswith("4"))
            diagnostic = str(block.get("Diagnostic-Code", "")).partition(";")[2].strip()
            reported.append(Verdict("bounce", recipient, permanent, status or ("5.0.0" if permanent else "4.0.0"),
                                    original, diagnostic))
    if not reported:
        soft, hard = all_failures(_compat(msg))
        reported = [Verdict("bounce", a.decode(errors="replace").lower(), True, "5.0.0", original) for a in sorted(hard)]
        reported += [Verdict("bounce", a.decode(errors="replace").lower(), False, "4.0.0", original) for a in sorted(soft)]
    if not reported:
        return None
    if verp:  # the VERP address names the recipient, whatever a relay or forward made of the address in the report
        return [dataclasses.replace(reported[0], email=verp, issue=proven.get(verp))]
    return [dataclasses.replace(v, issue=proven[v.email or ""]) for v in _once(reported) if v.email in proven]


def _once(verdicts: list[Verdict]) -> list[Verdict]:
    """The first verdict for each address (a report may name one recipient in several blocks)."""
    return list({v.email: v for v in reversed(verdicts)}.values())[::-1]


def _complaint(msg: EmailMessage, originals: list[Message], verp: str | None, ctx: Context) -> Verdict:
    """A feedback report about one of our deliveries suppresses its reader; any other is left for the coordinator."""
    proven = _ours(originals, verp, ctx)
    for original in originals:
        for token in TOKEN.findall(str(original.get("List-Unsubscribe", ""))):
            address = ctx.address_of(token)
            if address:
                proven.setdefault(address.lower(), None)
    feedback = next((p for p in msg.walk() if p.get_content_type() == "message/feedback-report"), None)
    fields = _parts(feedback)[0] if feedback is not None and _parts(feedback) else Message()
    kind = str(fields.get("Feedback-Type", "abuse")).strip().lower() or "abuse"
    if len(proven) != 1:
        return Verdict("other", detail=f"a complaint ({kind} report) about no message we sent: {_subject(msg) or '(no subject)'}")
    (reader, issue), = proven.items()
    return Verdict("complaint", reader, True, kind, next(iter(_message_ids(originals)), None), f"{kind} report", issue=issue)


def _relay_queue_id(msg: EmailMessage) -> str | None:
    """The id under which the reporting relay queued our message: Postfix names it among the per-message fields
    of its delivery-status (X-Postfix-Queue-ID), as it named it in its reply when it took the message."""
    for part in msg.walk():
        if part.get_content_type() == "message/delivery-status" and _parts(part):
            found = str(_parts(part)[0].get("X-Postfix-Queue-ID", "")).strip()
            if found:
                return found
    return None


def _by_queue_id(msg: EmailMessage, ctx: Context) -> dict[str, str | None]:
    """The recipient and issue of our delivery that the reporting relay names by the queue id it gave it: proof as
    a Message-ID of ours is, even when the DSN returns no headers of the original."""
    queue_id = _relay_queue_id(msg)
    delivery = ctx.by_queue_id(queue_id) if queue_id else None
    return {delivery[1].lower(): delivery[0]} if delivery else {}


def _returned_to_verp(verp: str | None, originals: list[Message]) -> Verdict | None:
    """Mail to a VERP address that no detector understood is still a bounce for that recipient; counted as
    temporary, since nothing says it is final."""
    original = next(iter(_message_ids(originals)), None)
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


def _recipients(msg: EmailMessage) -> set[str]:
    return {a.lower() for _, a in getaddresses([str(v) for h in RECIPIENT_HEADERS for v in msg.get_all(h, [])]) if a}


def _unsubscribe(msg: EmailMessage, ctx: Context) -> Verdict | None:
    """The token of the List-Unsubscribe mailto in the address or the subject of a mail to that mailbox; else the
    sender's own request, when the sender is one of our readers (a stranger's is left for the coordinator). The body
    is never read: replies and forwards quote the personal unsubscribe link."""
    subject, recipients = _subject(msg), _recipients(msg)
    mailbox = ctx.token_mailbox.lower()
    local, _, domain = mailbox.partition("@")
    for address in recipients:
        head, _, dom = address.partition("@")
        if mailbox and dom == domain and head.startswith(local + "+"):
            found = ctx.address_of(head[len(local) + 1:])
            if found:
                return Verdict("unsubscribe", found, detail="by the token in the unsubscribe link", how=BY_TOKEN)
    words, _, token = subject.rpartition(" ") if " " in subject else ("", "", subject)
    if mailbox in recipients and TOKEN.fullmatch(token) and (not words.strip() or UNSUBSCRIBE_WORDS.search(words)) \
            and ":" not in words:
        found = ctx.address_of(token)
        if found:
            return Verdict("unsubscribe", found, detail="by the token in the unsubscribe link", how=BY_TOKEN)
    sender = parseaddr(str(msg.get("From", "")))[1].lower()
    to_unsubscribe = ctx.unsubscribe_mailbox is not None and ctx.unsubscribe_mailbox.lower() in recipients
    if sender and (to_unsubscribe or UNSUBSCRIBE_WORDS.search(subject)) and ctx.ours(sender):
        return Verdict("unsubscribe", sender, detail=f"by mail from {sender}", how=message("by mail from {sender}", sender=sender))
    return None
