"""`newsletter inbox`: unsubscribe requests, bounces and complaints from the coordinator's mailbox into the
suppression list. A mail too large, too deep or too slow to read is set aside unread into QUARANTINE, remembered
in the state, and never blocks the mail after it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

from composer.audience.classify import MAX_BYTES, Context, MalformedMessage, Unbounded, Verdict, classify
from composer.audience.mailboxes import IMAPSource, MaildirSource, MboxSource, Source, key_of
from composer.audience.subscribers import LIST_DIR, list_names, list_path, read_list
from composer.errors import SettingsError, SubscriberListError, said
from composer.i18n import N_, Message, message
from composer.records import Recipient
from composer.state import Journal, Reason
from composer.send.links import Links
from composer.config.settings import Settings

UNKNOWN_ISSUE = "(unknown issue)"  # the issue a bounce is counted for when it names none of ours (a key, never shown)
QUARANTINE = "Quarantine"
KINDS = {"bounce": N_("bounce report"), "complaint": N_("complaint"), "unsubscribe": N_("unsubscribe request"),
         "autoreply": N_("automatic reply")}  # a mail that names no address of ours


def process(source: Source, journal: Journal, ctx: Context, soft_bounce_limit: int, dry_run: bool = False,
            say: Callable[[Message], None] | None = None, record: Callable[[str, Message, bytes], None] | None = None
            ) -> Counter[str]:
    """Each message once: handled ones are put aside and remembered; others are left where they are.
    Says one line per decision, a Message (`record` also gets its kind and the mail) and returns how many of each
    kind there were, the unsubscribed counted as people (one reader asking in two mails is one)."""
    counts: Counter[str] = Counter()
    unsubscribed: set[str] = set()  # counted once each, however many mails asked
    data = b""

    def note(kind: str, line: Message, who: str | None = None) -> None:
        if kind != "unsubscribe" or who is None or who not in unsubscribed:
            counts[kind] += 1
        if kind == "unsubscribe" and who:
            unsubscribed.add(who)
        if say:
            say(line)
        if record:
            record(kind, line, data)

    for number, (ref, data) in enumerate(source.messages(MAX_BYTES + 1), 1):
        key = key_of(data)
        if journal.seen(key):
            continue
        try:
            verdicts = classify(data, ctx)
        except Unbounded as exc:
            aside = {"n": number, "name": _named(data), "why": said(exc), "folder": QUARANTINE}
            note("quarantined", message("message {n} ({name}): {why}; would be set aside unread into {folder}", **aside)
                 if dry_run else message("message {n} ({name}): {why}; set aside unread into {folder}", **aside))
            if not dry_run:
                source.put_aside(ref, QUARANTINE)
                journal.quarantine(key, str(exc))
            continue
        except MalformedMessage as exc:
            note("malformed", message("message {n}: cannot be read ({why}); left in the mailbox", n=number, why=said(exc)))
            continue
        kind = verdicts[0].kind
        if kind == "other":
            note("other", message("left for you: {subject}", subject=verdicts[0].detail or message("(no subject)")))
            continue
        for verdict in verdicts:
            note(kind, _apply(verdict, journal, soft_bounce_limit, dry_run), (verdict.email or "").lower() or None)
        if not dry_run:
            source.put_aside(ref)
            journal.mark_seen(key, kind)
    return counts


def _apply(v: Verdict, journal: Journal, limit: int, dry_run: bool) -> Message:
    """What the verdict does to the send state, and the line that says so (a dry run says what it would do)."""
    if v.kind == "autoreply":
        reply = {"who": v.email or message("unknown"), "subject": v.detail}
        return message("automatic reply from {who} ({subject}): would be set aside, not a bounce", **reply) if dry_run \
            else message("automatic reply from {who} ({subject}): set aside, not a bounce", **reply)
    if v.kind == "unsubscribe" and v.email:
        if not dry_run:
            journal.suppress(v.email, Reason("asked"), "unsubscribed", f"{v.message_id} {v.detail}".strip())
        how = v.how or v.detail
        return message("{email}: would unsubscribe ({how})", email=v.email, how=how) if dry_run \
            else message("{email}: unsubscribe ({how})", email=v.email, how=how)
    if v.kind == "complaint" and v.email:
        issue = v.issue or message("(unknown issue)")
        if not dry_run:
            reason = Reason("complained", {"kind": v.status, "issue": v.issue}) if v.issue else \
                Reason("complained_unknown", {"kind": v.status})
            journal.complain(v.email, reason, f"{v.message_id} {v.detail} (about {v.original_message_id or 'our message'})".strip())
        about = {"email": v.email, "kind": v.status, "issue": issue}
        return message("{email}: complaint ({kind} report) about {issue}: would stop sending", **about) if dry_run \
            else message("{email}: complaint ({kind} report) about {issue}: stop sending", **about)
    if v.kind == "bounce" and v.email:
        issue = v.issue or UNKNOWN_ISSUE
        named = v.issue or message("(unknown issue)")
        evidence = f"{v.message_id} {v.status} {v.detail} (bounce of {v.original_message_id or 'an unknown message'})".strip()
        if v.permanent:
            if not dry_run:
                journal.record_bounce(v.email, issue, True, v.status, v.original_message_id)
                journal.suppress(v.email, Reason("bounced", {"status": v.status}), "bounced", evidence)
            bounce = {"email": v.email, "status": v.status, "issue": named}
            return message("{email}: permanent bounce {status} for {issue}: would stop sending", **bounce) if dry_run \
                else message("{email}: permanent bounce {status} for {issue}: stop sending", **bounce)
        count = 0 if dry_run else journal.record_bounce(v.email, issue, False, v.status, v.original_message_id)
        if count >= limit:
            journal.suppress(v.email, Reason("bounced_repeatedly", {"n": count}), "bounced", evidence)
            return message("{email}: temporary bounce {status}, now in {n} issues: stop sending", email=v.email,
                           status=v.status, n=count)
        counted = {"email": v.email, "status": v.status, "issue": named, "n": count or "?", "limit": limit}
        return message("{email}: temporary bounce {status} for {issue}: would count it ({n} of {limit})", **counted) \
            if dry_run else message("{email}: temporary bounce {status} for {issue}: count it ({n} of {limit})", **counted)
    kind = Message(KINDS.get(v.kind, v.kind))
    return message("{kind} without an address: would be set aside", kind=kind) if dry_run \
        else message("{kind} without an address: set aside", kind=kind)


def _named(data: bytes) -> Message | str:
    """A mail set aside unread, named by the first Message-ID or Subject line in its first kilobytes (never parsed)."""
    for line in data[:8192].splitlines():
        name, _, value = line.partition(b":")
        if name.strip().lower() in (b"message-id", b"subject") and value.strip():
            return f"{name.strip().decode('ascii', 'replace')}: {value.strip()[:100].decode('utf-8', 'replace')}"
        if not line.strip():
            break
    return message("{n} bytes", n=len(data))


def context(settings: Settings, secret: bytes, journal: Journal, lists: Path = LIST_DIR) -> Context:
    mailbox = str(settings.unsubscribe_mailto) if settings.unsubscribe_mailto else None
    sender = settings.sender
    return Context(Links(journal, secret).address_of, journal.sent_message, mailbox, sender.bounce_address,
                   sender.unsubscribe_mailbox, journal.delivery_by_queue_id, _readers(journal, lists))


def _readers(journal: Journal, lists: Path) -> Callable[[str], bool]:
    """Whether an address is one of ours: an issue went to it, it signed up, or it is on a list file. The lists are
    read once, at the first mail that asks (a list that cannot be read counts nobody: the send names its errors)."""
    listed: set[str] | None = None

    def ours(address: str) -> bool:
        nonlocal listed
        if journal.was_sent_to(address) or journal.signups_of(address):
            return True
        if listed is None:
            listed = set()
            for name in list_names(lists):
                try:
                    listed.update(r.email.lower() for r in read_list(list_path(name, lists)) if isinstance(r, Recipient))
                except SubscriberListError:
                    continue
        return address.lower() in listed
    return ours


def open_source(settings: Settings, maildir: Path | None, mbox: Path | None, move_to: str) -> Source:
    if maildir and mbox:
        raise SettingsError(message("read either --maildir or --mbox, not both"))
    if mbox:
        return MboxSource(mbox)
    if maildir or settings.inbox_maildir:
        return MaildirSource(maildir or settings.inbox_maildir or Path(), move_to)
    return IMAPSource(settings.imap, move_to)
