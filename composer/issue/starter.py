"""The first issue of `newsletter init`: the office's own name, address, imprint and privacy links, or
placeholders that `newsletter check` knows as init's own and refuses to send (no other office's identity).

A placeholder is an exact text written here, so the check never mistakes an office's real entry (or the
bundled sample's example.org links) for one.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from composer.i18n import N_
from composer.issue.months import MONTHS
from composer.issue.scaffold import INIT_MARK, PLACEHOLDER_BODY, PREHEADER

NAME = "[Name Ihrer Stelle]"
ADDRESS = "[Straße Hausnummer, PLZ Ort]"
PLACEHOLDER_HOST = "bitte-eintragen.invalid"  # .invalid never resolves (RFC 2606)
IMPRINT = f"https://{PLACEHOLDER_HOST}/impressum"
PRIVACY = f"https://{PLACEHOLDER_HOST}/datenschutz"
REASON = "Sie erhalten diesen Newsletter, weil Sie sich für ihn angemeldet haben."

# What `check` says of each placeholder, by field: a sentence naming what to write there.
SAID = {
    "newsletter": N_("still the placeholder of `newsletter init`: write your newsletter's name here"),
    "publisher": N_("still the placeholder of `newsletter init`: write the name of your office here (and in "
                    "`newsletter:`)"),
    "subject": N_("still the placeholder of `newsletter init`: write the subject your readers see"),
    "footer.address": N_("still the placeholder of `newsletter init`: write your office's postal address "
                         "(name, street, postcode and town) for the imprint"),
    "footer.imprint_url": N_("still the placeholder of `newsletter init`: the link to your Impressum (a German "
                             "sender must have one)"),
    "footer.privacy_url": N_("still the placeholder of `newsletter init`: the link to your Datenschutzerklärung "
                             "(GDPR Art. 13)"),
}


@dataclass(frozen=True)
class Office:
    """What `init` asks for; an empty field is written as its placeholder."""

    name: str = ""
    address: str = ""
    imprint: str = ""
    privacy: str = ""


def starter_issue(office: Office, day: dt.date) -> str:
    """The issue file's text: the fields block with comments, then the starter article of `newsletter new`."""
    name = office.name.strip() or NAME
    address = "\n".join(line.strip() for line in (name, *office.address.replace(";", "\n").split("\n")) if line.strip())
    if not office.address.strip():
        address += "\n" + ADDRESS
    month = f"{MONTHS['de'][day.month - 1]} {day.year}"
    indented = "\n".join(f"    {line}" for line in address.split("\n"))
    return (
        f"---\n{INIT_MARK}\n"
        f"newsletter: {_q('Newsletter ' + name)}\n"
        f"publisher: {_q(name)}\n"
        f"date: {_q(day.isoformat())}\n"
        "language: de\n"
        f"subject: {_q(f'Newsletter {name} – {month}')}\n"
        f"preheader: {_q(PREHEADER['de'])}\n"
        "footer:\n"
        "  # The sender's postal address and links a German newsletter needs (imprint, privacy notice).\n"
        "  address: |\n"
        f"{indented}\n"
        f"  imprint_url: {_q(office.imprint.strip() or IMPRINT)}\n"
        f"  privacy_url: {_q(office.privacy.strip() or PRIVACY)}\n"
        f"  reason: {_q(REASON)}\n"
        "---\n\n" + PLACEHOLDER_BODY["de"]
    )


def _q(value: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is YAML's)."""
    return json.dumps(value, ensure_ascii=False)


def placeholders(publisher: str, newsletter: str, subject: str, address: str, imprint: str | None,
                 privacy: str | None) -> list[str]:
    """The fields (dotted) that still hold one of init's placeholders, each named by itself: init writes the
    name into `newsletter:`, `publisher:` and `subject:`, and one replaced leaves the others to be found."""
    found = [field for field, value in (("newsletter", newsletter), ("publisher", publisher), ("subject", subject))
             if NAME in value]
    if NAME in address or ADDRESS in address:
        found.append("footer.address")
    if imprint and PLACEHOLDER_HOST in imprint:
        found.append("footer.imprint_url")
    if privacy and PLACEHOLDER_HOST in privacy:
        found.append("footer.privacy_url")
    return found
