"""Non-ASCII as numeric character references in the HTML part.

Webmail cleaners (Roundcube's washtml) and old clients mangle „ “ ’ … and umlauts written as UTF-8 bytes;
`&#8222;` survives them all. The text part stays UTF-8.
"""

from __future__ import annotations

import html
import re

# <style> and <script> content is not HTML text: references there would not be decoded.
_RAW = re.compile(r"(<(style|script)\b[^>]*>.*?</\2\s*>)", re.IGNORECASE | re.DOTALL)


def references(text: str) -> str:
    return text.encode("ascii", "xmlcharrefreplace").decode("ascii")


def ascii_html(document: str) -> str:
    """Every character outside ASCII in text and attribute values becomes `&#N;`; style blocks stay as they are."""
    return "".join(part if n % 3 == 1 else references(part) if n % 3 == 0 else ""
                   for n, part in enumerate(_RAW.split(document)))


def escape(text: str) -> str:
    """Plain text for an HTML slot: escaped, and ASCII like the rest of the HTML part."""
    return references(html.escape(text))
