"""How the login link reaches the browser without passing through a command line: `webbrowser.open(url)` starts
the browser with the URL as an argument, which every local user reads in /proc, and the one-time token with it.
So the browser gets a local file that only this user can read and that redirects to the link, as Jupyter does
(`jpserver-…-open.html`); the file is removed once the link was used, and at the latest when the desk stops."""

from __future__ import annotations

import contextlib
import html
import os
import shutil
import tempfile
import webbrowser
from collections.abc import Iterator
from pathlib import Path

from composer.desk.access import Access

PAGE = """<!doctype html>
<html lang="de"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
<meta http-equiv="refresh" content="0;url={url}"><title>Die Redaktion</title></head>
<body><p><a href="{url}">Die Redaktion öffnen</a></p></body></html>
"""


@contextlib.contextmanager
def redirect_page(url: str) -> Iterator[Path]:
    """A page leading to `url`, in a new folder only this user can enter (0700), readable only by them (0600);
    gone when the block ends."""
    folder = Path(tempfile.mkdtemp(prefix="newsletter-desk-"))
    try:
        page = folder / "open.html"
        descriptor = os.open(page, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(PAGE.format(url=html.escape(url, quote=True)))
        yield page
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def browser_login(url: str, access: Access) -> Iterator[None]:
    """Opens the browser on a redirect page for the login link while the block runs (the desk serving)."""
    with redirect_page(url) as page:
        access.link_used = lambda: shutil.rmtree(page.parent, ignore_errors=True)
        webbrowser.open(page.as_uri())
        yield
