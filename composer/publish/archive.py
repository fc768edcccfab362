"""`newsletter archive`: a static site of all issues — index, web versions, Atom feed and a PDF of each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from feedgen.feed import FeedGenerator

from composer.atomic import write_bytes, write_text
from composer.i18n import DEFAULT, N_, JinjaGettext
from composer.i18n.formats import long_day
from composer.publish.versions import with_links
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
    footer = _footer(entries, settings)
    for n, entry in enumerate(entries):
        page = out / f"{entry.slug}.html"
        newer = entries[n - 1].slug if n > 0 else None
        older = entries[n + 1].slug if n + 1 < len(entries) else None
        write_text(page, with_links(entry.page, entry.issue.language, "", older, newer, footer))
        written.append(page)
    written.append(_index(entries, out, settings))
    written.append(_feed(entries, out, settings))
    if pdf and entries:
        from composer.publish.chromium import pdfs

        written += pdfs([out / f"{e.slug}.html" for e in entries])
    return written


def _footer(entries: list[Entry], settings: Settings) -> list[tuple[str, str]]:
    """The links every public page carries, as far as the static folder knows them."""
    newest = entries[0].issue if entries else None
    imprint = settings.imprint_url or (newest.footer.imprint_url if newest else None)
    privacy = settings.privacy_url or (newest.footer.privacy_url if newest else None)
    links = [(N_("Imprint"), imprint), (N_("Privacy"), privacy), (N_("Accessibility"), settings.accessibility_url)]
    return [(label, str(href)) for label, href in links if href]


def _index(entries: list[Entry], out: Path, settings: Settings) -> Path:
    pages = environment(settings.templates_dir, "web")
    newest = entries[0].issue if entries else None
    lang = newest.language if newest else DEFAULT
    links = dict(_footer(entries, settings))
    html = pages.get_template("web/archive.html.j2").render(
        entries=[{"slug": e.slug, "issue": e.issue, "day": long_day(e.issue.date, lang)} for e in entries],
        pdf=True, feed=True, newsletter=newest.newsletter if newest else "Newsletter", base="", served=False,
        office=newest.footer.address.strip().splitlines()[0] if newest and newest.footer.address.strip() else None,
        imprint_url=links.get("Imprint"), privacy_url=links.get("Privacy"), accessibility_url=links.get("Accessibility"),
        **JinjaGettext(lang).context())
    path = out / "index.html"
    write_text(path, html)
    return path


def _feed(entries: list[Entry], out: Path, settings: Settings) -> Path:
    path = out / "feed.xml"
    write_bytes(path, atom([(e.slug, e.issue) for e in entries],
                           f"{settings.public_base}/archive" if settings.public_url else ""))
    return path


def atom(entries: list[tuple[str, Issue]], base: str) -> bytes:
    """The Atom feed of the issues (newest first); `base` is where they are published, '' when unknown."""
    feed = FeedGenerator()
    newest = entries[0][1] if entries else None
    feed.id(f"{base}/" if base else "urn:newsletter-composer:archive")
    feed.title(newest.newsletter if newest else "Newsletter")
    feed.author({"name": newest.publisher if newest else "Newsletter"})
    feed.link(href=f"{base}/feed.xml" if base else "feed.xml", rel="self")
    feed.language(newest.language if newest else "de")
    for slug, issue in reversed(entries):
        item = feed.add_entry()
        url = f"{base}/{slug}.html" if base else f"{slug}.html"
        item.id(url if base else f"urn:newsletter-composer:{slug}")
        item.title(issue.subject)
        item.link(href=url)
        item.summary(issue.preheader)
        item.updated(dt.datetime.combine(issue.date, dt.time(12), tzinfo=dt.UTC))
    return bytes(feed.atom_str(pretty=True))
