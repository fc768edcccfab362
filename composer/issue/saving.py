"""Saving an issue edited in the desk: the edit merged into the file's own text, written whole, and only over
the very file the editor read. Whatever could not be saved is kept beside the send state, so no edit is lost:
neither the coordinator's in the desk nor one made by hand in the file meanwhile.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from composer.atomic import PRIVATE, create_text, replace_if_unchanged
from composer.issue.revision import revised_text


@dataclass(frozen=True)
class Conflict:
    """The file changed after the editor read it: the text that was not saved (kept at `kept`) and the file's now."""

    mine: str
    disk: str
    kept: Path


def digest(text: str) -> str:
    """What the editor's form carries of the text it showed (`base`), to tell whether the file changed since."""
    return hashlib.sha256(text.encode()).hexdigest()


def save_issue(path: Path, data: dict[str, Any], base: str, conflicts: Path, shown: str = "issue") -> Conflict | None:
    """Writes `data` into the issue file, unless the file is no longer the one whose text has the digest `base`.

    Two checks: the file as read now against `base` (an edit after the editor showed it), and at the rename,
    byte for byte against what was read now (an edit while the new text was made and written): a hand edit
    at any moment before the second check gives a Conflict; the rename's own window is in `replace_if_unchanged`.
    Raises IssueFileError for what the format or the schema refuses, and then writes nothing."""
    raw = path.read_bytes()
    on_disk = raw.decode("utf-8-sig")
    text = revised_text(on_disk, data, shown)
    new = text.encode("utf-8")
    if digest(on_disk) != base and on_disk != text:
        return Conflict(text, on_disk, keep_conflict(conflicts, path.stem, text))
    if raw == new or replace_if_unchanged(path, new, raw):
        return None
    return Conflict(text, _now(path), keep_conflict(conflicts, path.stem, text))


def take_kept(path: Path, kept: Path, conflicts: Path) -> Conflict | None:
    """'Meine Fassung speichern': the kept version replaces the file, whose text is kept too, so neither is lost;
    a Conflict when the file changed again between its copy and the rename."""
    mine = kept.read_text(encoding="utf-8")
    raw = path.read_bytes()
    keep_conflict(conflicts, path.stem, raw.decode("utf-8-sig"))
    if replace_if_unchanged(path, mine.encode("utf-8"), raw):
        return None
    return Conflict(mine, _now(path), kept)


def keep_conflict(conflicts: Path, slug: str, text: str) -> Path:
    """The version that could not be saved goes beside the send state, never lost and never read as an issue."""
    conflicts.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    for n in range(1, 100):
        kept = conflicts / (f"{slug}-{stamp}.md" if n == 1 else f"{slug}-{stamp}-{n}.md")
        try:
            create_text(kept, text, PRIVATE)
            return kept
        except FileExistsError:
            continue
    raise FileExistsError(f"{conflicts}: no free name for a kept version of {slug}")


def _now(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig", errors="replace")
    except FileNotFoundError:
        return ""
