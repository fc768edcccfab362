"""The inlined page kept between commands: `check`, a test send, `build` and the real send of an issue all inline
the same page, and premailer costs a fresh process about half a second (importing it with cssutils and requests,
then its first inlining). A send after a check or a test send of the same issue reads the result instead.

An entry is named by a hash of the page before inlining and of everything that decides what inlining makes of it:
the versions of premailer, cssutils, cssselect and lxml, and the module of the function that inlines (it
configures premailer: composer/render/build.py). A changed template, text, CSS, library or inliner is therefore a new name, never a
stale page. Each entry starts with the hash of its own content, so a file cut short or altered is not used (it
is inlined again and written anew). The folder keeps the newest `KEPT` entries; everything in it may be deleted.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import sys
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from composer.atomic import PRIVATE, write_bytes

CACHE = "cache/inlined"  # in the state folder, beside the resized photos
KEPT = 16  # pages: a few issues, each in its few versions (email, web version); about 60 KB each
SUFFIX = ".html"
LIBRARIES = ("premailer", "cssutils", "cssselect", "lxml")


def inlined(page: str, inline: Callable[[str], str], cache: Path | None) -> str:
    """`inline(page)`, read from `cache` when an earlier command already made it, else made and kept there.
    A cache that cannot be read or written changes nothing but the time taken."""
    if cache is None:
        return inline(page)
    path = cache / f"{key(page, inline)}{SUFFIX}"
    kept = _read(path)
    if kept is not None:
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: the last to be pruned
        return kept
    result = inline(page)
    with contextlib.suppress(OSError):
        _write(cache, path, result)
    return result


def key(page: str, inline: Callable[[str], str]) -> str:
    """The entry's name: the page and the inliner's make-up."""
    module = sys.modules.get(getattr(inline, "__module__", None) or "")
    digest = hashlib.sha256(recipe(getattr(module, "__file__", None) or "").encode())
    digest.update(page.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


@functools.cache
def recipe(module: str) -> str:
    """What decides how a page is inlined besides the page: the libraries' versions and our configuration of them
    (the source file of the inlining function's `module`)."""
    versions = []
    for name in LIBRARIES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} ?")
    try:
        configuration = hashlib.sha256(Path(module).read_bytes()).hexdigest() if module else "?"
    except OSError:
        configuration = "?"
    return "\n".join([*versions, f"{Path(module).name} {configuration}"])


def _read(path: Path) -> str | None:
    """The entry's page, or None when it is missing, unreadable, or not what was written."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    check, newline, body = data.partition(b"\n")
    if not newline or check != hashlib.sha256(body).hexdigest().encode():
        return None
    try:
        return body.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return None


def _write(cache: Path, path: Path, page: str) -> None:
    body = page.encode("utf-8", "surrogatepass")
    _folder(cache)
    write_bytes(path, hashlib.sha256(body).hexdigest().encode() + b"\n" + body, PRIVATE, durable=False)
    _prune(cache)


def _folder(cache: Path) -> None:
    """The folder and any missing parent (the state folder, on a first `check`) made private, as the state is."""
    missing = [folder for folder in (cache, *cache.parents) if not folder.exists()]
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=0o700)


def _prune(cache: Path) -> None:
    """Only the `KEPT` most recently used entries stay."""
    entries = []
    for entry in os.scandir(cache):
        if entry.name.endswith(SUFFIX) and entry.is_file():
            with contextlib.suppress(FileNotFoundError):
                entries.append((entry.stat().st_mtime_ns, entry.path))
    for _, path in sorted(entries, reverse=True)[KEPT:]:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
