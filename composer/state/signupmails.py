"""The confirmation mails the sign-up form sent in the last day, for its caps (composer/audience/signupcaps.py):
when, and for which address, as a keyed hash of its folded form (no address in clear; a row lives a day)."""

from __future__ import annotations

from composer.state.store import Store

DAY, HOUR = 86_400.0, 3_600.0


class SignupMailRows(Store):
    """Mixed into the Journal."""

    def take_signup_mail(self, address: str, now: float, hourly: int, daily: int) -> str:
        """In one transaction (two servers or threads never both take the last slot): 'address' when this
        address had a confirmation mail in the last day, 'hourly' or 'daily' when the site's cap is reached,
        else 'taken', and the mail is counted."""
        with self._transaction("BEGIN IMMEDIATE") as db:
            db.execute("DELETE FROM signup_mails WHERE at <= ?", (now - DAY,))
            if db.execute("SELECT 1 FROM signup_mails WHERE address = ?", (address,)).fetchone():
                return "address"
            if db.execute("SELECT count(*) FROM signup_mails WHERE at > ?", (now - HOUR,)).fetchone()[0] >= hourly:
                return "hourly"
            if db.execute("SELECT count(*) FROM signup_mails").fetchone()[0] >= daily:
                return "daily"
            db.execute("INSERT INTO signup_mails (at, address) VALUES (?, ?)", (now, address))
            return "taken"

    def give_back_signup_mail(self, address: str, at: float) -> None:
        """The mail could not go: it does not count."""
        self._db.execute("DELETE FROM signup_mails WHERE address = ? AND at = ?", (address, at))

    def signup_mails_since(self, since: float) -> int:
        return int(self._db.execute("SELECT count(*) FROM signup_mails WHERE at > ?", (since,)).fetchone()[0])
