"""The newest issue in a folder, by the date it carries (file names need not sort by date): what `newsletter new`
starts from, and whose name and imprint the public pages show."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from composer.errors import ComposerError
from composer.issue.issuefile import load_issue
from composer.issue.schema import Issue


@dataclass(frozen=True)
class Newest:
    """The newest issue that can be read (None when none can), and the files that cannot: newer or not,
    nobody can tell, so whoever shows the choice names them."""

    path: Path | None = None
    issue: Issue | None = None
    unreadable: list[Path] = field(default_factory=list)


def newest(folder: Path) -> Newest:
    dated, unreadable = [], []
    for path in sorted(folder.glob("*.md")):
        try:
            issue = load_issue(path)
        except (ComposerError, OSError):
            unreadable.append(path)
            continue
        dated.append((issue.date, path.name, path, issue))
    if not dated:
        return Newest(unreadable=unreadable)
    _, _, path, issue = max(dated, key=lambda d: (d[0], d[1]))
    return Newest(path, issue, unreadable)


def signature(folder: Path) -> tuple[tuple[str, int], ...]:
    """Changes whenever an issue file is added, removed or saved: whoever keeps `newest` reads it again then."""
    found = []
    for path in sorted(folder.glob("*.md")):
        try:
            found.append((path.name, path.stat().st_mtime_ns))
        except OSError:
            continue
    return tuple(found)
