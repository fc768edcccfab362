"""`newsletter new`: next month's issue file, started from the last one's details so nothing is retyped."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from composer.atomic import create_text
from composer.errors import ComposerError, shown
from composer.i18n import message
from composer.issue.issuefile import load_issue
from composer.issue.months import MONTHS
from composer.issue.newest import newest

PLACEHOLDER_BODY = {
    "de": "# Titel des ersten Artikels\n\nHier steht der Text. Leerzeilen trennen Absätze, `- ` beginnt eine Aufzählung.\n",
    "en": "# Title of the first article\n\nThe text goes here. Empty lines separate paragraphs, `- ` starts a bullet.\n",
}
PREHEADER = {"de": "Was diese Ausgabe bringt, in einem Satz", "en": "What this issue brings, in one sentence"}
# The first comment of the fields block `newsletter init` writes: `check` knows by it that init wrote the starter
# text there; `new` copies the fields block with init's name taken out of that comment.
DETAILS = "# The issue's details (YAML). `newsletter check` names every field that still needs your entry."
INIT_MARK = "# The issue's details (YAML), as `newsletter init` wrote them. `newsletter check` names every field that " \
            "still needs your entry."


class ScaffoldError(ComposerError):
    """The new issue file cannot be made (it exists, or there is no issue to start from)."""


@dataclass(frozen=True)
class Started:
    """The new issue file, the issue it was started from, and newer files left out because they have errors."""

    path: Path
    source: Path
    left_out: list[Path]


def new_issue(target: Path, previous: Path | None = None, today: dt.date | None = None) -> Started:
    """Copies the previous issue's fields block (comments and all), with a new date, subject and preheader.
    Without `previous`, the newest issue that can be read: one file with errors does not block a new month."""
    if target.exists():
        raise ScaffoldError(message("{path} exists already; choose another name or edit that file", path=target))
    source, left_out = (previous, []) if previous else _newest(target.parent)
    issue = load_issue(source)
    day = _issue_date(target, today or dt.date.today())
    text = source.read_text(encoding="utf-8-sig")
    front = text[: text.index("\n---", 3) + 4].replace(INIT_MARK, DETAILS)
    subject = _new_month(issue.subject, MONTHS[issue.language], issue.date, day)
    for key, value in (("date", day.isoformat()), ("subject", subject), ("preheader", PREHEADER[issue.language])):
        front = re.sub(rf"^{key}:.*$", f"{key}: {_quoted(value)}", front, count=1, flags=re.M)
    try:
        create_text(target, front + "\n\n" + PLACEHOLDER_BODY[issue.language])
    except FileExistsError:
        raise ScaffoldError(message("{path} exists already; choose another name or edit that file", path=target)) from None
    return Started(target, source, left_out)


def _new_month(subject: str, names: list[str], was: dt.date, day: dt.date) -> str:
    """The last issue's subject in the new month: any "Dezember 2026" becomes "Januar 2027", and the last issue's
    own month standing alone at the end ("Neuigkeiten – Dezember") the new month's name; other months named in it
    ("Rückblick März") stay."""
    subject = re.sub(r"\b(" + "|".join(names) + r") \d{4}\b", f"{names[day.month - 1]} {day.year}", subject)
    return re.sub(rf"\b{names[was.month - 1]}$", names[day.month - 1], subject)


def _issue_date(target: Path, today: dt.date) -> dt.date:
    """A file named YYYY-MM is that month's issue: today if it is this month, else the first of that month."""
    named = re.fullmatch(r"(\d{4})-(\d{2})", target.stem)
    if not named or not 1 <= int(named[2]) <= 12:
        return today
    year, month = int(named[1]), int(named[2])
    return today if (today.year, today.month) == (year, month) else dt.date(year, month, 1)


def _newest(folder: Path) -> tuple[Path, list[Path]]:
    found = newest(folder)
    if found.path is None and not found.unreadable:
        raise ScaffoldError(message("no issue in {folder}/ to start from; copy the example in the README", folder=shown(folder)))
    if found.path is None:  # named as from where she works (the desk's folder), never as a server's absolute path
        raise ScaffoldError(message("no issue in {folder}/ can be read to start from: each has errors (`newsletter check "
                                    "{file}` names them); correct one, then try again", folder=shown(folder),
                                    file=shown(found.unreadable[-1])))
    return found.path, found.unreadable


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def copy_issue(source: Path, target: Path) -> Path:
    """A sent issue's whole text as a new issue to edit (a sent one stays as it went out)."""
    try:
        create_text(target, source.read_text(encoding="utf-8-sig"))
    except FileExistsError:
        raise ScaffoldError(message("{path} exists already; choose another name or edit that file", path=target)) from None
    return target
