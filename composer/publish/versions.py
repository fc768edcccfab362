"""The web version of each sent issue, made from its issue file when asked for: the email's "Im Browser
ansehen" link works as soon as the issue went out, without an archive build or a restart, and so do the
photos from the coordinator's computer that the email links to. Drafts stay private."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path

from composer.errors import ComposerError
from composer.issue.issuefile import load_issue
from composer.issue.schema import Issue
from composer.send.pipeline import build_issue
from composer.render.images import Picture
from composer.send.message import MessageFactory
from composer.config.settings import Settings

SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
PICTURE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*\.(jpg|png)")


class WebVersions:
    """Renders on request and keeps each page until its file changes."""

    def __init__(self, issues_dir: Path, settings: Settings, secret: bytes, was_sent: Callable[[str], bool]) -> None:
        self.issues_dir, self.settings, self.secret, self.was_sent = issues_dir, settings, secret, was_sent
        self._pages: dict[str, tuple[int, str, list[Picture]]] = {}
        self._lock = threading.Lock()

    def page(self, slug: str) -> str | None:
        """The page of a sent issue; None for a draft, an unknown name or an issue that no longer builds."""
        built = self._built(slug)
        return built[0] if built else None

    def picture(self, name: str) -> Picture | None:
        """A local photo of a sent issue by its published name (`<slug>-<n>-<file>.jpg`)."""
        if not PICTURE.fullmatch(name):
            return None
        slugs = (path.stem for path in self.issues_dir.glob("*.md") if name.startswith(f"{path.stem}-"))
        return next((p for slug in slugs for p in (self._built(slug) or ("", []))[1] if p.name == name), None)

    def _built(self, slug: str) -> tuple[str, list[Picture]] | None:
        path = self.issues_dir / f"{slug}.md"
        if not SLUG.fullmatch(slug) or not path.is_file() or not self.was_sent(slug):
            return None
        stamp = path.stat().st_mtime_ns
        with self._lock:
            cached = self._pages.get(slug)
            if cached and cached[0] == stamp:
                return cached[1], cached[2]
            try:
                build = build_issue(path, self.settings)
            except ComposerError:
                return None
            page = MessageFactory(build, self.settings.sender, self.secret).web_version()
            self._pages[slug] = (stamp, page, build.pictures)
            return page, build.pictures

    def sent(self) -> list[tuple[str, Issue]]:
        """(slug, issue) of every sent issue that still reads, newest first: the index of /archive/."""
        found = []
        for path in self.issues_dir.glob("*.md"):
            if SLUG.fullmatch(path.stem) and self.was_sent(path.stem):
                try:
                    found.append((path.stem, load_issue(path)))
                except ComposerError:
                    continue
        return sorted(found, key=lambda entry: (entry[1].date, entry[0]), reverse=True)
