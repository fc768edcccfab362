"""Photos from the coordinator's computer: read, turned upright, resized for the column and compressed once per issue.

An image is shown `width` px wide and stored at twice that (at most 1200 px), so it stays sharp on
high-density screens without weighing down the message. It travels either inside the message
(multipart/related, `cid:`) or, when the newsletter has a public address, next to the web version in the
archive, where the email links to it.

The photo's size is read from its header and checked before anything is decoded (`issue.photos.opened`), and
the resized result is kept in a cache keyed by the file's content and the stored width, so a preview or a
build does not decode a camera's photo again each time.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from composer.atomic import PRIVATE, write_bytes
from composer.errors import IssueFileError, Problem, said
from composer.i18n import message
from composer.issue import markdown
from composer.issue.issuefile import IssueSource
from composer.issue.photos import PhotoError, opened
from composer.issue.schema import Issue, slugify

MAX_PIXELS = 1200
JPEG_QUALITY = 82
MEDIA = "media"  # the folder beside the web versions in the archive


@dataclass(frozen=True)
class Picture:
    """One article's photo, ready to send: the bytes as they go out and the names they go by."""

    article: int
    name: str
    data: bytes
    mime: str
    source: str | None = None  # a Markdown image's src as written in the body; None for the article's photo

    @functools.cached_property
    def cid(self) -> str:
        """Content-ID of the inline part: the content's hash, so the same photo is the same part."""
        return f"{hashlib.sha256(self.data).hexdigest()[:24]}@newsletter"

    @property
    def published(self) -> str:
        """Where the photo lies relative to the web versions (archive/<slug>.html -> archive/media/<name>)."""
        return f"{MEDIA}/{self.name}"

    def data_uri(self) -> str:
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"


def load_pictures(issue: Issue, source: IssueSource, folder: Path, slug: str, cache: Path | None = None) -> list[Picture]:
    """Every local photo of the issue (an article's and the Markdown images of its body), resized; one Problem
    per file that is missing, not a picture or too big. A picture on the web is left where it is."""
    pictures: list[Picture] = []
    problems: list[Problem] = []
    for n, article in enumerate(issue.articles):
        wanted: list[tuple[str, int, tuple[str, int | None, str], str | None]] = []
        if article.image and article.image.path:
            field = ("articles", n, "image", "path")
            wanted.append((article.image.path, article.image.width,
                           (source.shown, source.line_of(field), f"articles[{n}].image.path"), None))
        lines = article.body.split("\n")
        for image in markdown.images(article.body):
            if image.local and image.src not in {w[3] for w in wanted}:
                line = source.find(lines[image.line].strip(), ("articles", n, "body")) if lines[image.line].strip() else None
                wanted.append((unquote(image.src), markdown.IMAGE_WIDTH,
                               (source.shown, line or source.line_of(("articles", n, "body")), f"articles[{n}].body"), image.src))
        for k, (path, width, where, written) in enumerate(wanted):
            try:
                data, mime = resized(folder / path, width, cache, path)
            except FileNotFoundError:
                problems.append(Problem(*where, message("no such file {path} (the path is relative to the issue's folder)",
                                                       path=path)))
                continue
            except PhotoError as exc:
                problems.append(Problem(*where, said(exc)))
                continue
            except (OSError, ValueError) as exc:  # Pillow's UnidentifiedImageError is an OSError
                problems.append(Problem(*where, message("{path} cannot be read as a picture ({why}); save it as JPEG or "
                                                        "PNG", path=path, why=exc.__class__.__name__)))
                continue
            suffix = ".png" if mime == "image/png" else ".jpg"
            number = f"{n + 1}-{k}" if written else f"{n + 1}"
            pictures.append(Picture(n, f"{slug}-{number}-{slugify(Path(path).stem)}{suffix}", data, mime, written))
    if problems:
        raise IssueFileError(problems)
    return pictures


def resized(file: Path, width: int, cache: Path | None = None, name: str | None = None) -> tuple[bytes, str]:
    """(bytes, MIME type): at most twice the display width; JPEG for photos, PNG when the picture is transparent.
    With a cache folder, a photo already resized to this width is read from there instead of decoded again."""
    data = file.read_bytes()
    target = min(2 * width, MAX_PIXELS)
    key = f"{hashlib.sha256(data).hexdigest()}-{target}-q{JPEG_QUALITY}"
    kinds = {".jpg": "image/jpeg", ".png": "image/png"}
    if cache:
        for suffix, mime in kinds.items():
            if (cache / f"{key}{suffix}").is_file():
                return (cache / f"{key}{suffix}").read_bytes(), mime
    result, mime = _resized(io.BytesIO(data), target, name or file.name)
    if cache:
        cache.mkdir(parents=True, exist_ok=True, mode=0o700)  # a cache is made again: written whole, not flushed
        write_bytes(cache / f"{key}{'.png' if mime == 'image/png' else '.jpg'}", result, PRIVATE, durable=False)
    return result, mime


def _resized(source: io.BytesIO, target: int, name: str) -> tuple[bytes, str]:
    from PIL import Image, ImageOps  # imported by `opened` already, when there is a photo

    with opened(source, name) as original:
        picture = ImageOps.exif_transpose(original)
        if picture.width > target:
            picture = picture.resize((target, max(1, round(picture.height * target / picture.width))), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        if picture.mode in ("RGBA", "LA", "PA") or (picture.mode == "P" and "transparency" in picture.info):
            picture.save(out, "PNG", optimize=True)
            return out.getvalue(), "image/png"
        picture.convert("RGB").save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
        return out.getvalue(), "image/jpeg"

