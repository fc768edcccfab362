"""The newsletter folder: where an office keeps its issues, lists, settings (.env) and send state.

Like a Hugo or MkDocs site, it lives apart from the installed tool; `newsletter init` makes one.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from composer.atomic import PRIVATE, PUBLIC, create_text
from composer.errors import ComposerError

if TYPE_CHECKING:  # the starter's texts; finding the folder needs none of the issue modules
    from composer.issue.starter import Office

SAMPLE = Path(str(files("composer") / "sample"))
SAMPLE_ISSUE = SAMPLE / "issues" / "2020-12.md"
MARKERS = ("issues", "subscribers", ".env")
STARTER_LIST = "email,name,consent_date,consent_source\n"  # only the header: the office's addresses go below it
GITIGNORE = "# What the tool writes: send state (with the link secret), outbox, builds, the archive; and the settings.\n" \
            ".newsletter/\noutbox/\nbuild/\nsite/\n.env\n"


class FolderError(ComposerError):
    """The newsletter folder is missing, is not one, or `init` would overwrite something."""


def enter(folder: Path | None) -> Path:
    """Makes `folder` (or the current directory) the one every relative path of the tool is read from."""
    target = (folder or Path.cwd()).expanduser().resolve()
    if not target.is_dir():
        raise FolderError(f"{target}: no such folder; run `newsletter init {target}` to make a newsletter folder there")
    os.chdir(target)
    return Path.cwd()  # a relative --folder means nothing once we stand in it


def require_folder(where: Path) -> None:
    """One line instead of a string of 'file not found' errors when run outside a newsletter folder."""
    if not any((where / marker).exists() for marker in MARKERS):
        raise FolderError(f"{where} is not a newsletter folder (it has no issues/, subscribers/ or .env): run "
                          "`newsletter init FOLDER` to make one, or give --folder FOLDER")


def init(target: Path, today: dt.date | None = None, office: Office | None = None, sender: str = "",
         approval: bool = False) -> list[Path]:
    """A starter folder: this month's issue with the office's name, address and links (or init's placeholders,
    which `check` refuses to send), a list with only its header, a .env with a fresh secret and the sender
    (or left for the office to fill in), a .gitignore, the welcome mail's letter (`letters/willkommen.md`).
    Nothing existing is overwritten."""
    from composer.audience.welcome import LETTER, LETTERS, STARTER as WELCOME  # texts, not needed to find the folder
    from composer.issue.starter import Office, starter_issue

    office = office or Office()
    _valid(office, sender)
    day = today or dt.date.today()
    issue = target / "issues" / f"{day:%Y-%m}.md"
    files_ = {
        issue: (starter_issue(office, day), PUBLIC),
        target / "subscribers" / "newsletter.csv": (STARTER_LIST, PRIVATE),
        target / ".env": (_env(sender.strip(), approval), PRIVATE),
        target / ".gitignore": (GITIGNORE, PUBLIC),
        target / LETTERS / f"{LETTER}.md": (WELCOME, PUBLIC),
    }
    taken = [p for p in files_ if p.exists()]
    if taken:
        raise FolderError(f"{taken[0]} exists already; `newsletter init` never overwrites: choose an empty folder")
    for path, (text, mode) in files_.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            create_text(path, text, mode)
        except FileExistsError:
            raise FolderError(f"{path} exists already; `newsletter init` never overwrites: choose an empty folder") from None
    return list(files_)


def _valid(office: Office, sender: str) -> None:
    """One line for an entry that could not go into the issue or the settings, before anything is written."""
    for option, field, value in (("--name", "name", office.name), ("--imprint", "imprint", office.imprint),
                                 ("--privacy", "privacy", office.privacy), ("--sender", "sender", sender)):
        problem = answer_problem(field, value)
        if problem:
            raise FolderError(f"{option} {problem}")


def answer_problem(field: str, value: str) -> str | None:
    """What is wrong with one of init's entries (an option, or an answer to its question in a terminal), said so
    that it follows the option's name or stands alone under the question; None when it can be written."""
    value = value.strip()
    if not value:
        return None  # written as init's placeholder
    if field in ("imprint", "privacy"):
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
            page = "impressum" if field == "imprint" else "datenschutz"
            return f"{value!r} is not a web address; give the whole link, e.g. https://www.your-town.de/{page}"
    if field == "sender":
        from email_validator import EmailNotValidError, validate_email

        try:
            validate_email(value, check_deliverability=False)
        except EmailNotValidError as exc:
            return f"{value!r} is not an email address: {exc}"
    if field == "name" and ("\n" in value or len(value) > 150):
        return f"{value!r} is not one line of at most 150 characters"
    return None


def _env(sender: str = "", approval: bool = False) -> str:
    example = (SAMPLE / "env.example").read_text(encoding="utf-8")
    env = example.replace("# NEWSLETTER_SECRET_KEY=\n", f"NEWSLETTER_SECRET_KEY={secrets.token_hex(32)}\n", 1)
    if sender:
        env = env.replace("# NEWSLETTER_FROM_ADDRESS=newsletter@your-town.example\n", f"NEWSLETTER_FROM_ADDRESS={sender}\n", 1)
    if approval:
        env = env.replace("# NEWSLETTER_APPROVAL=off\n", "NEWSLETTER_APPROVAL=required\n", 1)
    return env
