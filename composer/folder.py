"""The newsletter folder: the office's own issues, lists, settings and state, apart from the installed tool.

Every path the tool uses (issues/, subscribers/, .env, .newsletter/, outbox/, build/, templates/) is relative
to this folder; the CLI makes it the working directory before any command runs.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
from importlib.resources import files
from pathlib import Path

from composer.errors import ComposerError
from composer.issue.scaffold import new_issue

STARTER = files("composer") / "starter"  # the December 2020 sample folder, and what `init` starts from
GITIGNORE = "# State, outbox and build output of newsletter-composer: keep them, do not commit them.\n" \
            ".newsletter/\noutbox/\nbuild/\n.env\n"
PARTS = ("issues", "subscribers", ".env", ".gitignore")


class FolderError(ComposerError):
    """The newsletter folder is missing, or `init` would overwrite something."""


def enter(folder: Path | None) -> None:
    """Makes `folder` (from --folder or NEWSLETTER_FOLDER) the working directory; None keeps the current one."""
    if folder is None:
        return
    if not folder.is_dir():
        raise FolderError(f"{folder}: no such folder; create it with `newsletter init {folder}`")
    os.chdir(folder)


def missing(path: Path, what: str) -> FolderError:
    """One line for a missing part of the folder: what to create, or to run `newsletter init`."""
    return FolderError(f"{path}: no such {what} in {Path.cwd()}; create it, or start a newsletter folder with `newsletter init DIR`")


def init(folder: Path, today: dt.date | None = None) -> list[Path]:
    """A new newsletter folder: a starter issue for the current month, one example list, .env, .gitignore.
    Refuses before writing anything if one of them exists already."""
    day = today or dt.date.today()
    issue = folder / "issues" / f"{day:%Y-%m}.md"
    targets = [issue, folder / "subscribers" / "newsletter.csv", folder / ".env", folder / ".gitignore"]
    existing = [str(p) for p in targets if p.exists()]
    if existing:
        raise FolderError(f"{', '.join(existing)} exists already; `newsletter init` never overwrites, choose an empty folder")
    for sub in ("issues", "subscribers"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    sample = folder / "issues" / ".starter.md"
    sample.write_text(STARTER.joinpath("issues", "2020-12.md").read_text(encoding="utf-8"), encoding="utf-8")
    try:
        new_issue(issue, sample, day)
    finally:
        sample.unlink()
    targets[1].write_text(STARTER.joinpath("newsletter.csv").read_text(encoding="utf-8"), encoding="utf-8")
    env = STARTER.joinpath("env.example").read_text(encoding="utf-8")
    env = re.sub(r"^# NEWSLETTER_SECRET_KEY=.*$", f"NEWSLETTER_SECRET_KEY={secrets.token_hex(32)}", env, count=1, flags=re.M)
    targets[2].write_text(env, encoding="utf-8")
    targets[2].chmod(0o600)
    targets[3].write_text(GITIGNORE, encoding="utf-8")
    return targets
