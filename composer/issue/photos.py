"""A photo brought in from the coordinator's computer (the desk's upload): checked to be a picture, kept in the
issue folder's `fotos/` under a plain name, and named in the issue by its path, like a photo put there by hand.
The original is kept; the render stage resizes it for the email."""

from __future__ import annotations

import io
import re
import unicodedata
import warnings
from pathlib import Path
from typing import IO, TYPE_CHECKING

from composer.atomic import write_bytes
from composer.errors import ComposerError
from composer.i18n import message

if TYPE_CHECKING:
    from PIL import Image

FOLDER = "fotos"
MAX_BYTES = 20 * 1024 * 1024
KINDS = {"JPEG": ".jpg", "PNG": ".png", "GIF": ".gif", "WEBP": ".webp"}
MAX_SOURCE_PIXELS = 40_000_000  # a 40-megapixel camera's photo; Pillow itself would decode 12000×12000 (576 MB)


class PhotoError(ComposerError):
    """An upload that is not a photo the email can carry, or too big."""


def opened(source: Path | IO[bytes], name: str) -> Image.Image:
    """A picture opened, which reads only its header: refused before any pixel is decoded when it has more than
    MAX_SOURCE_PIXELS or Pillow takes it for a decompression bomb. Pillow's warning (above its own, higher limit)
    counts as a refusal too; were it missed (the warning filters are process-wide), our limit refuses it anyway.
    Pillow is imported here, when there is a photo: an issue without one (and every send of it) is spared it."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            picture = Image.open(source)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError(message("{file}: far too many pixels to be read safely; use a photo of at most 40 megapixels",
                                 file=name)) from None
    if picture.width * picture.height > MAX_SOURCE_PIXELS:
        width, height = picture.size
        picture.close()
        raise PhotoError(message("{file}: {width}×{height} pixels is more than 40 megapixels; make it smaller in a photo "
                                 "program (4000 pixels wide is plenty) and use that", file=name, width=width, height=height))
    return picture


def store_photo(issue_file: Path, filename: str, data: bytes) -> str:
    """Keeps the photo beside the issue and returns the path the issue names it by (relative to the issue file)."""
    if len(data) > MAX_BYTES:
        raise PhotoError(message("{file}: {mb} MB is too big; use a photo under 20 MB", file=filename, mb=len(data) // 1_048_576))
    try:
        with opened(io.BytesIO(data), filename) as picture:
            kind = picture.format or ""
            picture.verify()
    except (OSError, SyntaxError, ValueError):  # UnidentifiedImageError is an OSError; ValueError: a text chunk unpacking too far
        raise PhotoError(message("{file}: not a photo; use a JPEG, PNG, GIF or WebP file", file=filename)) from None
    if kind not in KINDS:
        raise PhotoError(message("{file}: {kind} pictures cannot go into an email; use JPEG, PNG, GIF or WebP", file=filename,
                                 kind=kind or "these"))
    folder = issue_file.parent / FOLDER
    folder.mkdir(exist_ok=True)
    stem = f"{issue_file.stem}-{_plain(Path(filename).stem) or 'foto'}"
    target, n = folder / f"{stem}{KINDS[kind]}", 1
    while target.exists() and target.read_bytes() != data:
        n += 1
        target = folder / f"{stem}-{n}{KINDS[kind]}"
    write_bytes(target, data)
    return f"{FOLDER}/{target.name}"


def _plain(name: str) -> str:
    """'Sprachcafé Juni 2021' -> 'sprachcafe-juni-2021': a file name every system and mail program takes."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:40]

