"""The reader's data (composer.audience.reader.for_reader) as her page shows it: labelled sections in her
language, each a list of entries of (label, value), only the sections that hold something. The download keeps
the machine-readable JSON (Art. 20); this is the same data for reading (Art. 15)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from datetime import tzinfo
from typing import Any

from composer.config.hours import local
from composer.i18n import N_, translate
from composer.i18n.formats import stamp

Entry = list[tuple[str, str]]
COLUMNS = {"email": N_("Email address"), "name": N_("Name"), "first_name": N_("First name"), "last_name": N_("Surname"),
           "salutation": N_("Salutation"), "consent_date": N_("Consent given on"),
           "consent_source": N_("Consent given by")}
STATUSES = {"sent": N_("delivered to your mail server"), "failed": N_("could not be delivered"),
            "uncertain": N_("perhaps delivered"), "sending": N_("being sent"), "pending": N_("waiting to be sent")}
STOPS = {"unsubscribed": N_("you unsubscribed"), "bounced": N_("our emails could not be delivered"),
         "complained": N_("marked as spam")}
PURPOSES = {"unsubscribe": N_("your page and unsubscribe link"), "confirm": N_("confirmation of a sign-up")}


def sections(data: dict[str, Any], lang: str, title_of: Callable[[str], str], zone: tzinfo | None) -> list[dict[str, Any]]:
    """[{"title", "entries": [Entry], "notes": [str]}], in the order a reader asks: where she is listed, what she
    agreed to, what she left, what we sent, then the rest; times in the office's zone, as its mails name them."""
    def _(text: str, **values: Any) -> str:
        return translate(lang, text, **values)

    def when(iso: str | None) -> str:
        return stamp(local(dt.datetime.fromisoformat(iso).timestamp(), zone), lang) if iso else "\u2013"

    def columns(values: dict[str, str]) -> Entry:
        return [(_(COLUMNS[key]) if key in COLUMNS else key, value) for key, value in values.items() if value]

    def said(table: dict[str, str], key: str) -> str:
        return _(table[key]) if key in table else key

    out = [
        (N_("On our lists"), [[(_("List"), title_of(row["list"])),
                               *([(_("Kept as"), _("an older copy (backup) of the list"))] if row["backup"] else []),
                               *columns(row["columns"])] for row in data["lists"]], []),
        (N_("Sign-ups on our web page"), [[(_("List"), title_of(row["list"])), (_("Name"), row["name"] or "\u2013"),
                                           (_("Confirmed"), when(row["confirmed"])),
                                           (_("Consent text"), row["consent_text"] or "\u2013")]
                                          for row in data["web_signups"]], []),
        (N_("Lists you left"), [[(_("List"), title_of(row["list"])), (_("On"), when(row["at"]))]
                                for row in data["left_lists"]], []),
        (N_("No newsletter at all"), [[(_("Why"), said(STOPS, data["suppression"]["kind"])),
                                       (_("Since"), when(data["suppression"]["since"]))]]
         if data["suppression"] else [], []),
        (N_("Emails we sent you"), [[(_("Issue"), row["issue"]), (_("Status"), said(STATUSES, row["status"])),
                                     (_("Last change"), when(row["updated"]))] for row in data["deliveries"]],
         [_("Older emails, counted without your address: {count}", count=data["anonymised_deliveries"])]
         if data["anonymised_deliveries"] else []),
        (N_("Emails that came back"), [[(_("Issue"), row["issue"] or "\u2013"), (_("On"), when(row["at"])),
                                        (_("Lasting"), _("yes") if row["permanent"] else _("no"))]
                                       for row in data["bounces"]], []),
        (N_("Personal links in our emails"), [[(_("For"), said(PURPOSES, row["purpose"])),
                                               (_("List"), title_of(row["list"]) if row["list"] else "\u2013"),
                                               (_("Made"), when(row["created"])),
                                               (_("Valid until"), when(row["expires"])),
                                               (_("Used"), when(row["used"]))] for row in data["links"]], []),
        (N_("In our office"), [columns(row["columns"]) for row in data["staged_imports"]],
         [*([_("A list uploaded in our office, not yet taken over, holds what is shown here.")]
            if data["staged_imports"] else []),
          *([_("Our office sends its test emails to your address too.")] if data["desk_test_addresses"] else []),
          *([_("Emails to you kept in our outbox: {count}", count=data["outbox_files"])] if data["outbox_files"] else []),
          *([_("Entries about you in our office's log: {count}", count=len(data["protocol"]))]
            if data["protocol"] else [])]),
    ]
    return [{"title": _(title), "entries": entries, "notes": notes} for title, entries, notes in out if entries or notes]
