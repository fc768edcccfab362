"""The newsletter folder: where an office keeps its issues, lists, settings (.env) and send state.

Like a Hugo or MkDocs site, it lives apart from the installed tool; `newsletter init` makes one.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from importlib.resources import files
from pathlib import Path

from composer.atomic import PRIVATE, PUBLIC, create_text
from composer.errors import ComposerError

SAMPLE = Path(str(files("composer") / "sample"))
SAMPLE_ISSUE = SAMPLE / "issues" / "2020-12.md"
MARKERS = ("issues", "subscribers", ".env")
STARTER_LIST = "email,name\nerika.mustermann@example.org,Erika Mustermann\n"
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


def init(target: Path, today: dt.date | None = None) -> list[Path]:
    """A starter folder: this month's issue from the sample's structure, a one-row list, a .env with a fresh
    secret and the sender left for the office to fill in, a .gitignore. Nothing existing is overwritten."""
    day = today or dt.date.today()
    issue = target / "issues" / f"{day:%Y-%m}.md"
    files_ = {
        target / "subscribers" / "newsletter.csv": (STARTER_LIST, PRIVATE),
        target / ".env": (_env(), PRIVATE),
        target / ".gitignore": (GITIGNORE, PUBLIC),
    }
    taken = [p for p in [issue, *files_] if p.exists()]
    if taken:
        raise FolderError(f"{taken[0]} exists already; `newsletter init` never overwrites: choose an empty folder")
    from composer.issue.scaffold import new_issue  # the issue schema (pydantic), not needed to find the folder

    issue.parent.mkdir(parents=True, exist_ok=True)
    new_issue(issue, SAMPLE_ISSUE, day)
    for path, (text, mode) in files_.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            create_text(path, text, mode)
        except FileExistsError:
            raise FolderError(f"{path} exists already; `newsletter init` never overwrites: choose an empty folder") from None
    return [issue, *files_]


def _env() -> str:
    example = (SAMPLE / "env.example").read_text(encoding="utf-8")
    return example.replace("# NEWSLETTER_SECRET_KEY=\n", f"NEWSLETTER_SECRET_KEY={secrets.token_hex(32)}\n", 1)
