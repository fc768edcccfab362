"""The steps every command shares: issue file -> schema -> Build -> files on disk."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from composer.atomic import write_bytes
from composer.errors import shown
from composer.issue.issuefile import IssueSource, parse_issue, read_issue
from composer.issue.schema import Issue
from composer.records import Recipient
from composer.render.build import Build, build
from composer.render.images import load_pictures
from composer.render.inlined import CACHE as INLINE_CACHE
from composer.send.message import MessageFactory
from composer.config.settings import Settings

IMAGE_CACHE = "cache/images"  # in the state folder: photos resized once, not at every build
SAMPLE_RECIPIENT = Recipient("erika.mustermann@example.org", "Erika Mustermann")


@dataclass(frozen=True)
class Written:
    path: Path
    size: int


def build_issue(path: Path, settings: Settings, templates: Path | None = None) -> Build:
    return build_with_source(path, settings, templates)[0]


def build_with_source(path: Path, settings: Settings, templates: Path | None = None) -> tuple[Build, IssueSource]:
    """An issue's slug is its file name without extension: issues/2020-12.md -> 2020-12. The source tells
    later checks on which line of the file each part stands."""
    issue, source = read_issue(path)
    return _built(issue, source, path, settings, templates), source


def build_unsaved(text: str, path: Path, settings: Settings) -> Build:
    """The issue as it would be if `text` were saved at `path` (the desk's form while she types): read and built
    exactly as the file would be, its photos found beside `path`; nothing is written."""
    issue, source = parse_issue(text, shown(path))
    return _built(issue, source, path, settings, None)


def _built(issue: Issue, source: IssueSource, path: Path, settings: Settings, templates: Path | None) -> Build:
    pictures = load_pictures(issue, source, path.parent, path.stem, settings.state_dir / IMAGE_CACHE)
    return build(issue, path.stem, templates or settings.templates_dir, settings.web_version_url(path.stem), pictures,
                 settings.state_dir / INLINE_CACHE)


def write_build(result: Build, factory: MessageFactory, out: Path, sample: Recipient = SAMPLE_RECIPIENT) -> list[Written]:
    """HTML and text as a sample subscriber sees them, and the complete .eml they would receive."""
    message = factory.personalise(sample)
    html, text = factory.preview(sample)
    html = result.viewable(html)
    out.mkdir(parents=True, exist_ok=True)
    files = {f"{result.slug}.html": html.encode(), f"{result.slug}.txt": text.encode(), f"{result.slug}.eml": message.data}
    written = []
    for name, data in files.items():
        write_bytes(out / name, data)
        written.append(Written(out / name, len(data)))
    return written
