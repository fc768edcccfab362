"""Told when nobody watches: the person who started or planned a send gets a short mail when it finishes, waits at
a limit for more than an hour, or stops (circuit breaker, refused sender), with the counts and a link to the
issue's Status page. Sent through the one send path (composer/send/mailing.py), once, never journaled."""

from __future__ import annotations

import asyncio
import email.policy
import uuid
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formataddr, formatdate

from composer.config.settings import Settings
from composer.errors import ComposerError
from composer.i18n import N_, Message, message, render
from composer.records import OutgoingMessage, Recipient
from composer.send.mailing import Fixed, TransportFactory, send_now

LONG_WAIT = timedelta(hours=1)
FINISHED, STOPPED, WAITING = "finished", "stopped", "waiting"
SUBJECTS = {
    FINISHED: N_("Sent: {issue} to the list {list}"),
    STOPPED: N_("Stopped: the send of {issue} to the list {list}"),
    WAITING: N_("Waiting: the send of {issue} to the list {list}"),
}


@dataclass(frozen=True)
class Report:
    """What the mail says: which send, what happened, how far it got and where to look."""

    event: str  # FINISHED, STOPPED or WAITING
    issue: str
    list_name: str
    sent: int
    total: int
    failed: int
    deferred: int
    why: Message | str = ""  # why it stopped or waits
    status_url: str = ""

    def subject(self, lang: str) -> str:
        return Message(SUBJECTS[self.event], {"issue": self.issue, "list": self.list_name}).render(lang)

    def body(self, lang: str) -> str:
        lines = [render(message("{sent} of {total} sent · {failed} failed · {deferred} deferred", sent=self.sent,
                                total=self.total, failed=self.failed, deferred=self.deferred), lang)]
        if self.why:
            lines.append(render(self.why, lang))
        if self.status_url:
            lines.append(render(message("Status: {url}", url=self.status_url), lang))
        lines.append(render(message("This mail was sent by the newsletter tool because you started or planned this send."),
                            lang))
        return "\n\n".join(lines) + "\n"


@dataclass(frozen=True)
class LeftForYou:
    """`newsletter inbox` left replies in the mailbox that only a person can answer."""

    count: int

    def subject(self, lang: str) -> str:
        return message("Replies for you: {n} in the newsletter's mailbox", n=self.count).render(lang)

    def body(self, lang: str) -> str:
        return render(message("The inbox run left {n} replies in the mailbox that only you can answer (questions, "
                              "changes of address, thanks); the desk's Posteingang shows them.", n=self.count), lang) + "\n"


def report_mail(settings: Settings, to: str, report: Report | LeftForYou, lang: str) -> OutgoingMessage:
    sender = settings.sender
    msg = EmailMessage()
    msg["From"] = formataddr((sender.name or "Newsletter", sender.address))
    msg["To"] = to
    msg["Subject"] = report.subject(lang)
    msg["Date"] = formatdate(localtime=True)
    message_id = f"<{uuid.uuid4().hex}@{sender.domain}>"
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(report.body(lang))
    return OutgoingMessage(sender.bounce_address, to, message_id, msg.as_bytes(policy=email.policy.SMTP))


def tell(settings: Settings, to: str | None, report: Report | LeftForYou, lang: str,
         transports: TransportFactory | None = None) -> bool:
    """Sends the report to `to` once; False when there is nobody to tell or the mail did not go (a failed
    notice never fails the send it reports on)."""
    if not to:
        return False
    try:
        outgoing = report_mail(settings, to, report, lang)
        summary, _ = asyncio.run(send_now(Fixed(outgoing), [Recipient(to)], settings, "notifications", transports,
                                          attempts=1))
    except ComposerError:
        return False
    return summary.sent == 1
