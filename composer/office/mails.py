"""The desk's own short mails to its people: the invitation (choose your password) and the notice to the
approvers that an issue waits for them. Sent through the one send path (composer/send/mailing.py's `send_now`),
in the office's language."""

from __future__ import annotations

import email.policy
import uuid
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from urllib.parse import quote, urlsplit

from composer.config.parts import is_loopback
from composer.config.settings import Settings
from composer.i18n import DEFAULT, Message, message, render
from composer.records import OutgoingMessage, Recipient
from composer.send.dispatch import Summary
from composer.send.mailing import Fixed, TransportFactory, send_now
from composer.state.office import PersonRow

OUTBOX = "desk-mails"  # the outbox folder when no server is set
LOCAL_DESK = "http://127.0.0.1:8025"  # `newsletter desk`'s own address, when NEWSLETTER_DESK_URL is unset


def desk_base(settings: Settings) -> str:
    return str(settings.desk_url or LOCAL_DESK).rstrip("/")


def invitation_link(base: str, token: str) -> str:
    return f"{base.rstrip('/')}/invitation/{token}"


def only_here(link: str) -> bool:
    """Whether a link opens only on the computer the desk runs on (127.0.0.1, localhost): a colleague's computer
    cannot reach it, so an invitation or approval request with it is no use to them."""
    return is_loopback(urlsplit(link).hostname or "")


def status_link(base: str, slug: str) -> str:
    return f"{base.rstrip('/')}/issues/{quote(slug)}/status"


def approval_link(base: str, slug: str, list_name: str) -> str:
    return f"{base.rstrip('/')}/issues/{quote(slug)}/approval?list={quote(list_name)}"


def desk_mail(settings: Settings, to: PersonRow, subject: Message, body: Message, lang: str) -> OutgoingMessage:
    sender = settings.sender
    msg = EmailMessage()
    msg["From"] = formataddr((sender.name or render(message("The newsletter desk"), lang), sender.address))
    msg["To"] = formataddr((to.name, to.email))
    msg["Subject"] = render(subject, lang)
    msg["Date"] = formatdate(localtime=True)
    message_id = f"<{uuid.uuid4().hex}@{sender.domain}>"
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(render(body, lang))
    return OutgoingMessage(sender.bounce_address, to.email, message_id, msg.as_bytes(policy=email.policy.SMTP))


async def invitation(settings: Settings, person: PersonRow, link: str, inviter: str, lang: str = DEFAULT,
                     transports: TransportFactory | None = None) -> Summary:
    subject = message("Your access to the newsletter desk")
    body = message("Hello {name},\n\n{inviter} has given you access to the newsletter desk. Choose your password "
                   "here (the link works once, for 7 days):\n\n{link}\n\nYou then log in with this address, {email}.\n",
                   name=person.name, inviter=inviter, link=link, email=person.email)
    return await _send(settings, person, subject, body, lang, transports)


async def approval_wanted(settings: Settings, approvers: list[PersonRow], issue: str, list_name: str, submitter: str,
                          link: str, lang: str = DEFAULT, transports: TransportFactory | None = None) -> Summary:
    """One mail to each approver; the summary counts them all."""
    total = Summary()
    for person in approvers:
        subject = message("Approval wanted: {issue}", issue=issue)
        body = message("Hello {name},\n\n{submitter} asks you to approve the issue {issue} for the list {list}. "
                       "Look at it and decide here:\n\n{link}\n", name=person.name, submitter=submitter, issue=issue,
                       list=list_name, link=link)
        summary = await _send(settings, person, subject, body, lang, transports)
        total.sent += summary.sent
        total.failed += summary.failed
        total.deferred += summary.deferred
        total.uncertain += summary.uncertain
        total.problems.extend(summary.problems)
    return total


async def _send(settings: Settings, person: PersonRow, subject: Message, body: Message, lang: str,
                transports: TransportFactory | None) -> Summary:
    mail = desk_mail(settings, person, subject, body, lang)
    summary, _ = await send_now(Fixed(mail), [Recipient(person.email)], settings, OUTBOX, transports,
                                counted_at=datetime.now().astimezone(), attempts=1)
    return summary
