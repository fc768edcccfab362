"""`newsletter archive`: a static site of all issues — index, web versions, Atom feed and a PDF of each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from feedgen.feed import FeedGenerator

from composer.atomic import write_bytes, write_text
from composer.i18n import DEFAULT, JinjaGettext
from composer.issue.schema import Issue
from composer.send.pipeline import build_issue
from composer.render.templates import environment
from composer.send.message import MessageFactory
from composer.config.settings import Settings


@dataclass(frozen=True)
class Entry:
    slug: str
    issue: Issue
    page: str


def build_archive(issues_dir: Path, out: Path, settings: Settings, secret: bytes, pdf: bool = True,
                  include: Callable[[str], bool] = lambda slug: True) -> list[Path]:
    """Newest first. The web versions greet nobody by name and carry no unsubscribe token. `include` says which
    issues belong in it (the CLI: those that were sent, so no draft is published by accident)."""
    entries = []
    pictures = []
    for path in sorted(issues_dir.glob("*.md")):
        if not include(path.stem):
            continue
        result = build_issue(path, settings)
        pictures += result.pictures
        entries.append(Entry(path.stem, result.issue, MessageFactory(result, settings.sender, secret).web_version()))
    entries.sort(key=lambda e: (e.issue.date, e.slug), reverse=True)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for picture in pictures:
        (out / picture.published).parent.mkdir(parents=True, exist_ok=True)
        write_bytes(out / picture.published, picture.data)
        written.append(out / picture.published)
    for entry in entries:
        page = out / f"{entry.slug}.html"
        write_text(page, entry.page)
        written.append(page)
    written.append(_index(entries, out, settings))
    written.append(_feed(entries, out, settings))
    if pdf and entries:
        from composer.publish.chromium import pdfs

        written += pdfs([out / f"{e.slug}.html" for e in entries])
    return written


def _index(entries: list[Entry], out: Path, settings: Settings) -> Path:
    pages = environment(settings.templates_dir, "web")
    newest = entries[0].issue if entries else None
    html = pages.get_template("web/archive.html.j2").render(
        entries=entries, pdf=True, feed=True, newsletter=newest.newsletter if newest else "Newsletter",
        **JinjaGettext(newest.language if newest else DEFAULT).context())
    path = out / "index.html"
    write_text(path, html)
    return path


def _feed(entries: list[Entry], out: Path, settings: Settings) -> Path:
    base = f"{settings.public_base}/archive" if settings.public_url else ""
    feed = FeedGenerator()
    newest = entries[0].issue if entries else None
    feed.id(f"{base}/" if base else "urn:newsletter-composer:archive")
    feed.title(newest.newsletter if newest else "Newsletter")
    feed.author({"name": newest.publisher if newest else "Newsletter"})
    feed.link(href=f"{base}/feed.xml" if base else "feed.xml", rel="self")
    feed.language(newest.language if newest else "de")
    for entry in reversed(entries):
        item = feed.add_entry()
        url = f"{base}/{entry.slug}.html" if base else f"{entry.slug}.html"
        item.id(url if base else f"urn:newsletter-composer:{entry.slug}")
        item.title(entry.issue.subject)
        item.link(href=url)
        item.summary(entry.issue.preheader)
        item.updated(dt.datetime.combine(entry.issue.date, dt.time(12), tzinfo=dt.UTC))
    path = out / "feed.xml"
    write_bytes(path, feed.atom_str(pretty=True))
    return path
