"""What headless Chromium (Debian's) makes of the email: PNGs as phones and desktops show it, and PDFs."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from composer.atomic import write_bytes
from composer.errors import ComposerError
from composer.i18n import message

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]
# MJML's full-width columns are inline blocks, which a printer cannot split: an article would start on a new page.
# On paper the email's grey surroundings would print as bands beside and between the white column: white there.
PRINT_CSS = ("@media print { div[class*='mj-column-per-100'] { display: block !important; } "
             "html, body, .dm-outer, .dm-frame, .dm-frame > table, .dm-frame > table > tbody > tr > td "
             "{ background: #fff !important; } }")
VIEWS = [(600, "light"), (375, "light"), (600, "dark"), (375, "dark")]


def can_print() -> bool:
    """Whether PDFs can be made here: Debian's Chromium and the Playwright package both installed (a default install
    of the tool has no Playwright, so the archive offers no PDF link that would only find nothing)."""
    return CHROMIUM.exists() and importlib.util.find_spec("playwright") is not None


class ScreenshotError(ComposerError):
    """Chromium or Playwright is missing, or the browser failed."""


@contextmanager
def _browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        raise ScreenshotError(message("this needs Playwright: pip install playwright")) from None
    if not CHROMIUM.exists():
        raise ScreenshotError(message("this needs Chromium: apt-get install chromium")) from None
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
            yield browser
            browser.close()
    except Error as exc:
        raise ScreenshotError(message("Chromium failed: {why}", why=str(exc).splitlines()[0])) from None


def _open(browser: Any, html_file: Path, width: int, scheme: str = "light") -> Any:
    """Nothing is fetched from the network: images from the web show as their alt text."""
    page = browser.new_page(viewport={"width": width, "height": 800}, color_scheme=scheme)
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    page.goto(html_file.resolve().as_uri())
    return page


def take(html_file: Path, out: Path, stem: str) -> list[Path]:
    """Full-page shots at 600 and 375 px; 'dark' asks for prefers-color-scheme: dark, as a phone in dark mode does."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with _browser() as browser:
        for width, scheme in VIEWS:
            page = _open(browser, html_file, width, scheme)
            path = out / f"{stem}-{width}px-{scheme}.png"
            write_bytes(path, page.screenshot(full_page=True))
            page.close()
            written.append(path)
    return written


def pdfs(html_files: list[Path]) -> list[Path]:
    """An A4 PDF beside each HTML file, printed by Chromium, so its links keep working; tagged (a screen reader
    reads its structure) and with an outline of its headings."""
    written = []
    with _browser() as browser:
        for html_file in html_files:
            page = _open(browser, html_file, 800)
            page.add_style_tag(content=PRINT_CSS)
            path = html_file.with_suffix(".pdf")
            write_bytes(path, page.pdf(format="A4", print_background=True, tagged=True, outline=True,
                                       margin={"top": "12mm", "bottom": "12mm", "left": "10mm", "right": "10mm"}))
            page.close()
            written.append(path)
    return written
