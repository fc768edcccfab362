"""The welcome mail after a confirmed sign-up: one mail, from a built-in German or English text that a folder may
replace with its own letter (`letters/willkommen.md`, beside `issues/`, so it is never listed, archived or taken
for the newest issue).

It is a `Mailing` of one address journaled as `welcome-LIST` (composer/send/mailing.py): it takes the provider's
limits and is sent to each address once, however often the confirmation is pressed. A welcome that cannot go at
once (a send holds the state, a limit is reached, the server is away) is not sent later: the reader already has
the confirmation page, and a late welcome would puzzle more than it helps.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import yaml

from composer.audience.signup import Identity, plain_mail
from composer.config.parts import Sender
from composer.config.settings import Settings
from composer.errors import ComposerError
from composer.atomic import write_text
from composer.i18n import N_, message, translate
from composer.records import BadRow, OutgoingMessage, Recipient
from composer.send.dispatch import Summary
from composer.send.mailing import Mailing, Options, open_mailing
from composer.send.quota import Schedule
from composer.state import Journal

LETTERS = "letters"
LETTER = "willkommen"  # letters/willkommen.md; letters/willkommen.en.md for readers who read English
MAX_LETTER_BYTES = 64_000
SUBJECT = N_("Welcome to {newsletter}")
BODY = N_("Hello,\n\nthank you for confirming: {email} receives the newsletter \u201c{newsletter}\u201d from its next "
          "issue on.\n\nAt the end of every issue there is a link with which you can unsubscribe at any time.\n\n"
          "-- \n{imprint}\n")
STARTER = """---
subject: Willkommen bei {newsletter}
---
Guten Tag,

danke für Ihre Bestätigung: {email} erhält den Newsletter „{newsletter}“ ab der nächsten Ausgabe.

Am Ende jeder Ausgabe finden Sie einen Link, mit dem Sie den Newsletter jederzeit abbestellen können.
"""


@dataclass(frozen=True)
class Letter:
    subject: str
    body: str


def letter_path(folder: Path, lang: str) -> Path:
    """The folder's own letter for `lang`: `willkommen.LANG.md` where it exists, else `willkommen.md`."""
    own = folder / LETTERS / f"{LETTER}.{lang}.md"
    return own if own.is_file() else folder / LETTERS / f"{LETTER}.md"


def letter(folder: Path, lang: str, who: Identity, email: str) -> Letter:
    """The welcome in `lang`: the folder's letter (a `subject:` in its front matter, the text below it; `{newsletter}`
    and `{email}` filled in) or the built-in one. A letter that cannot be read falls back to the built-in text."""
    path = letter_path(folder, lang)
    try:
        text = path.read_bytes()[:MAX_LETTER_BYTES].decode("utf-8") if path.is_file() else ""
    except (OSError, UnicodeDecodeError):
        text = ""
    own = _parsed(text)
    if own is None:
        return Letter(translate(lang, SUBJECT, newsletter=who.newsletter),
                      translate(lang, BODY, newsletter=who.newsletter, email=email, imprint=who.imprint))

    def filled(value: str) -> str:
        return value.replace("{newsletter}", who.newsletter).replace("{email}", email)
    return Letter(filled(own.subject), f"{filled(own.body).rstrip()}\n\n-- \n{who.imprint}\n")


def _parsed(text: str) -> Letter | None:
    if not text.startswith("---"):
        return None
    _, _, rest = text.partition("\n")
    header, found, body = rest.partition("\n---")
    try:
        fields = yaml.safe_load(header) if found else None
    except yaml.YAMLError:
        return None
    subject = fields.get("subject") if isinstance(fields, dict) else None
    if not isinstance(subject, str) or not subject.strip() or not body.strip():
        return None
    return Letter(" ".join(subject.split())[:200], body.partition("\n")[2].strip("\n"))


class LetterError(ComposerError):
    """A welcome letter that would not be sent as written (no subject, no text, too long)."""


def own_letter(folder: Path) -> Letter | None:
    """The folder's own German/default letter as written (placeholders unfilled), None when it has none or it
    cannot be read (then the built-in text goes out)."""
    path = folder / LETTERS / f"{LETTER}.md"
    try:
        return _parsed(path.read_bytes()[:MAX_LETTER_BYTES].decode("utf-8")) if path.is_file() else None
    except (OSError, UnicodeDecodeError):
        return None


def save_letter(folder: Path, subject: str, body: str) -> Path:
    """The folder's letter written whole, as `letter` reads it back; refused in one sentence when it would not be
    used (a letter that cannot be read falls back to the built-in text, so saving one would silently change nothing)."""
    subject, body = " ".join(subject.split()), body.replace("\r\n", "\n").strip("\n")
    if not subject or not body.strip():
        raise LetterError(message("The welcome letter needs a subject and a text."))
    text = f"---\n{yaml.safe_dump({'subject': subject}, allow_unicode=True, width=1000)}---\n{body}\n"
    if len(text.encode("utf-8")) > MAX_LETTER_BYTES or len(subject) > 200:
        raise LetterError(message("The welcome letter is too long: at most 200 characters of subject and {kb} KB in all.",
                                  kb=MAX_LETTER_BYTES // 1000))
    path = folder / LETTERS / f"{LETTER}.md"
    path.parent.mkdir(exist_ok=True)
    write_text(path, text)
    return path


class Greeting:
    def __init__(self, sender: Sender, who: Identity, folder: Path, lang: str) -> None:
        self._sender, self._who, self._folder, self._lang = sender, who, folder, lang

    def personalise(self, recipient: Recipient) -> OutgoingMessage:
        said = letter(self._folder, self._lang, self._who, recipient.email)
        return plain_mail(self._sender, self._who, recipient.email, said.subject, said.body)


class Welcome(Mailing):
    """The welcome of one confirmed address of a list (nobody, if it has no confirmed sign-up there)."""

    def __init__(self, list_name: str, email: str, settings: Settings, who: Identity, folder: Path, lang: str) -> None:
        self.list_name, self.slug = list_name, f"welcome-{list_name}"
        self._email, self._settings, self._who, self._folder, self._lang = email, settings, who, folder, lang

    def rows(self, state: Journal, keep: bool) -> list[Recipient | BadRow]:
        return [r for r in state.signups(self.list_name) if r.email.lower() == self._email.lower()]

    def messages(self, state: Journal) -> Greeting:
        return Greeting(self._settings.sender, self._who, self._folder, self._lang)


def send_welcome(settings: Settings, who: Identity, folder: Path, list_name: str, email: str, lang: str,
                 options: Options | None = None) -> Summary | None:
    """Sends the welcome of a confirmed sign-up unless it went before; None when it cannot go now (see the module)."""
    given = options or Options()
    options = Options(schedule=Schedule(stop_at_limit=True, clock=given.schedule.clock), transports=given.transports,
                      lock_wait=0)
    try:
        with open_mailing(Welcome(list_name, email, settings, who, folder, lang), settings, options) as send:
            return asyncio.run(send.run())
    except ComposerError:
        return None
