"""The web version of each sent issue, made from its issue file when asked for: the email's "Im Browser
ansehen" link works as soon as the issue went out, without an archive build or a restart, and so do the
photos from the coordinator's computer that the email links to, the issue's PDF (printed once by Chromium and
kept until the file changes) and the Atom feed. Drafts stay private. Each web version links the issues
before and after it, all issues, and the pages every public page links (`with_links`)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from composer.atomic import write_text
from composer.errors import ComposerError
from composer.i18n import translate
from composer.render import entities
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

    def page(self, slug: str, footer: Sequence[tuple[str, str]] = ()) -> str | None:
        """The page of a sent issue with its links (`footer`: (label, address) of every public page's links); None
        for a draft, an unknown name or an issue that no longer builds."""
        built = self._built(slug)
        if built is None:
            return None
        slugs = [entry[0] for entry in self.sent()]
        issue = load_issue(self.issues_dir / f"{slug}.md")
        at = slugs.index(slug) if slug in slugs else -1
        newer = slugs[at - 1] if at > 0 else None
        older = slugs[at + 1] if 0 <= at < len(slugs) - 1 else None
        return with_links(built[0], issue.language, "/archive/", older, newer, footer)

    def pdf(self, slug: str) -> bytes | None:
        """The issue printed by Chromium (tagged, with an outline), kept beside the state until its file changes."""
        built = self._built(slug)
        if built is None:
            return None
        stamp = (self.issues_dir / f"{slug}.md").stat().st_mtime_ns
        folder = self.settings.state_dir / "archive-pdf"
        printed = folder / f"{slug}-{stamp}.pdf"
        if not printed.exists():
            from composer.publish.chromium import pdfs  # Playwright only when a PDF is asked for

            folder.mkdir(parents=True, exist_ok=True)
            page = folder / f"{slug}-{stamp}.html"
            write_text(page, built[0])
            pdfs([page])
            page.unlink(missing_ok=True)
            for old in folder.glob(f"{slug}-*.pdf"):
                if old != printed:
                    old.unlink(missing_ok=True)
        return printed.read_bytes()

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


NAV_STYLE = ("max-width:600px;margin:16px auto;padding:0 16px;font:15px/1.6 Arial,Helvetica,sans-serif;"
             "overflow-wrap:anywhere")


def with_links(page: str, lang: str, index: str, older: str | None, newer: str | None,
               footer: Sequence[tuple[str, str]] = ()) -> str:
    """The web version with a navigation after the issue: the older and newer issue, all issues, and the footer's
    links (Impressum, Datenschutz, accessibility). `index` is where the issues are (/archive/, or '' in a folder)."""
    def link(href: str, label: str, rel: str = "") -> str:
        return f'<a href="{entities.escape(href)}"{rel}>{entities.escape(label)}</a>'
    parts = []
    if older:
        parts.append(link(f"{index}{older}.html", translate(lang, "\u2190 Older issue"), ' rel="prev"'))
    parts.append(link(index or "index.html", translate(lang, "All issues")))
    if newer:
        parts.append(link(f"{index}{newer}.html", translate(lang, "Newer issue \u2192"), ' rel="next"'))
    links = " \u00b7 ".join(parts)
    more = " \u00b7 ".join(link(href, translate(lang, label)) for label, href in footer)
    nav = (f'<nav aria-label="{entities.escape(translate(lang, "Issues"))}" style="{NAV_STYLE}"><p>{links}</p>'
           + (f"<p>{more}</p>" if more else "") + "</nav>")
    return page.replace("</body>", f"{nav}</body>", 1) if "</body>" in page else page + nav
