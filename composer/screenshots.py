"""PNGs of the email as a phone and a desktop show it, light and dark, from Debian's headless Chromium."""

from __future__ import annotations

from pathlib import Path

from .errors import ComposerError

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]
VIEWS = [(600, "light"), (375, "light"), (600, "dark"), (375, "dark")]


class ScreenshotError(ComposerError):
    """Chromium or Playwright is missing, or the browser failed."""


def take(html_file: Path, out: Path, stem: str) -> list[Path]:
    """Full-page shots at 600 and 375 px; 'dark' asks for prefers-color-scheme: dark, as a phone in dark mode does.
    Nothing is fetched from the network: images from the web show as their alt text."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        raise ScreenshotError("screenshots need Playwright: pip install playwright") from None
    if not CHROMIUM.exists():
        raise ScreenshotError("screenshots need Chromium: apt-get install chromium") from None
    out.mkdir(parents=True, exist_ok=True)
    written = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
            for width, scheme in VIEWS:
                page = browser.new_page(viewport={"width": width, "height": 800}, color_scheme=scheme)
                page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
                page.goto(html_file.resolve().as_uri())
                path = out / f"{stem}-{width}px-{scheme}.png"
                page.screenshot(path=str(path), full_page=True)
                page.close()
                written.append(path)
            browser.close()
    except Error as exc:
        raise ScreenshotError(f"Chromium failed: {str(exc).splitlines()[0]}") from None
    return written
