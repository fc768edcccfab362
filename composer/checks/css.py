"""CSS in the email that Gmail or Outlook ignore, from the caniemail data set (vendored, MIT, see data/).

What MJML itself writes is left out: it comes with its own fallbacks. So are the dark-mode rules, which are
meant only for the clients that understand them.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from pathlib import Path

from mjml import mjml2html

from composer.i18n import message
from composer.checks.findings import Finding, Subject

DATA = Path(__file__).resolve().parent / "data" / "caniemail.json"
CLIENTS = ("gmail", "outlook")
DECLARATION = re.compile(r"(?<![\w-])([a-z-]+)\s*:\s*([^;{}\"]+)")
STYLE_ATTR = re.compile(r'style="([^"]*)"')
STYLE_BLOCK = re.compile(r"<style[^>]*>(.*?)</style>", re.S)
DARK_BLOCK = re.compile(r"@media[^{]*prefers-color-scheme[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", re.S)
DELIBERATE = {"css-color-scheme", "css-at-media-prefers-color-scheme"}
BASELINE = """<mjml><mj-head><mj-title>t</mj-title><mj-preview>p</mj-preview></mj-head><mj-body>
<mj-section><mj-column><mj-image src="https://example.org/a.png" width="100px" alt="a"></mj-image>
<mj-divider></mj-divider><mj-text>t</mj-text><mj-button href="https://example.org">b</mj-button></mj-column>
<mj-column><mj-text>t</mj-text></mj-column></mj-section></mj-body></mjml>"""


@functools.cache
def _features() -> dict[str, dict]:
    return {f["slug"]: f for f in json.loads(DATA.read_text(encoding="utf-8"))["data"] if f["category"] == "css"}


def used(html: str) -> set[str]:
    """caniemail slugs of the CSS properties and at-rules an HTML document uses."""
    css = " ".join(STYLE_BLOCK.findall(html)) + " " + " ; ".join(STYLE_ATTR.findall(html))
    css = DARK_BLOCK.sub("", css)
    declarations = DECLARATION.findall(css)
    slugs = {f"css-{prop}" for prop, _ in declarations}
    slugs |= {f"css-{prop}-{value.split()[0]}" for prop, value in declarations if prop == "display" and value.split()}
    if "!important" in css:
        slugs.add("css-important")
    slugs |= {f"css-at-{rule}" for rule in re.findall(r"@([a-z-]+)", css)}
    return slugs & _features().keys()


@functools.cache
def _mjml_own() -> frozenset[str]:
    return frozenset(used(mjml2html(BASELINE)))


def unsupported(slug: str) -> list[str]:
    """'Outlook (windows)' for each client platform whose latest test result says no."""
    stats, names = _features().get(slug, {}).get("stats", {}), []
    for client in CLIENTS:
        platforms = [p for p, results in stats.get(client, {}).items()
                     if results and results[max(results)].startswith("n")]
        if platforms:
            names.append(f"{client.capitalize()} ({', '.join(platforms)})")
    return names


def check(s: Subject) -> Iterator[Finding]:
    for slug in sorted(used(s.html) - _mjml_own() - DELIBERATE):
        clients = unsupported(slug)
        if clients:
            title = _features()[slug]["title"]
            yield Finding("warning", "css", message("{title} ({slug}) is ignored by {clients}", title=title, slug=slug,
                                                      clients="; ".join(clients)))
