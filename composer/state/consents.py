"""The evidence of each web sign-up (composer/audience/proof.py prints it): when and from where it was asked, the
wording of the form and of the confirmation mail as they were then (with their versions), the mail as it was sent
(Message-ID, time, body), the IP as the settings allow, and the confirming click. Kept apart from the delivery rows,
whose retention sweep never touches it; it has its own retention after the subscription ends."""

from __future__ import annotations

from dataclasses import dataclass

from composer.state.store import Store


@dataclass(frozen=True)
class ConsentRecord:
    email: str
    list_name: str
    asked: float
    source: str  # the form's address
    ip: str | None
    form_text: str
    form_version: str
    mail_message_id: str | None
    mail_sent: float | None
    mail_body: str | None
    mail_version: str | None
    confirmed: float | None
    link: str


FIELDS = ("email, list, asked, source, ip, form_text, form_version, mail_message_id, mail_sent, mail_body, "
          "mail_version, confirmed, link")


class ConsentRows(Store):
    """Mixed into the Journal."""

    def add_consent_request(self, record: ConsentRecord) -> None:
        self._db.execute(f"INSERT OR REPLACE INTO consents ({FIELDS}) VALUES ({', '.join('?' * 13)})",
                         (record.email, record.list_name, record.asked, record.source, record.ip, record.form_text,
                          record.form_version, record.mail_message_id, record.mail_sent, record.mail_body,
                          record.mail_version, record.confirmed, record.link))

    def confirm_consent(self, link: str, now: float) -> None:
        self._db.execute("UPDATE consents SET confirmed = ? WHERE link = ? AND confirmed IS NULL", (now, link))

    def consents_of(self, email: str) -> list[ConsentRecord]:
        """The address's confirmed sign-ups' evidence, oldest first."""
        return [ConsentRecord(*row) for row in self._db.execute(
            f"SELECT {FIELDS} FROM consents WHERE email = ? AND confirmed IS NOT NULL ORDER BY confirmed", (email,))]

    def ended_consents(self, before: float) -> list[tuple[str, str]]:
        """(email, list) of confirmed sign-ups whose subscription ended before `before`: the address unsubscribed,
        bounced or complained (everywhere) or left that list, and did not sign up to it again since."""
        return [tuple(row) for row in self._db.execute(
            """SELECT c.email, c.list FROM consents c
               LEFT JOIN suppressions s ON s.email = c.email
               LEFT JOIN left_lists l ON l.email = c.email AND l.list = c.list
               WHERE c.confirmed IS NOT NULL
                 AND coalesce(min(s.created, l.created), s.created, l.created) < ?
                 AND coalesce(min(s.created, l.created), s.created, l.created) > c.confirmed""", (before,))]

    def drop_consent(self, email: str, list_name: str) -> int:
        """The evidence and the sign-up of a subscription past its retention, removed for good."""
        with self._scrubbing(), self._transaction():
            gone = self._db.execute("DELETE FROM consents WHERE email = ? AND list = ?", (email, list_name)).rowcount
            gone += self._db.execute("DELETE FROM signups WHERE email = ? AND list = ?", (email, list_name)).rowcount
        return gone
