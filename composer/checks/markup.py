"""The email as built: size, images, links, dark mode, Outlook, and the plain-text part."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

from email_validator import EmailNotValidError, validate_email
from lxml import html as lxml_html

from composer.i18n import message
from composer.checks.findings import Finding, Subject
from composer.render.build import GMAIL_CLIP_BYTES

TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>")
ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
TEL = re.compile(r"^\+?[0-9]{3,}$")
HEAVY_MESSAGE = 500 * 1024  # many phone plans and slow connections feel a message above this


def check(s: Subject) -> Iterator[Finding]:
    doc = lxml_html.document_fromstring(s.html)
    yield from _size(s)
    yield from _images(s, doc)
    yield from _links(s, doc)
    yield from _clients(s, doc)
    yield from _text(s, doc)


def _size(s: Subject) -> Iterator[Finding]:
    weight = len(s.message.data)
    if s.build.embedded and weight > HEAVY_MESSAGE:
        first = s.build.pictures[0].article
        yield Finding("warning", s.at(("articles", first, "image", "path")),
                      message("the message weighs {kb} KB with its embedded photos: use fewer or smaller photos, or set "
                              "NEWSLETTER_PUBLIC_URL so they are linked instead", kb=round(weight / 1024)))
    size = len(s.html.encode("utf-8"))
    if size > GMAIL_CLIP_BYTES:
        yield Finding("error", "html", message("{kb} KB: Gmail cuts off emails over 102 KB; shorten the issue", kb=round(size / 1024)))
    elif size > GMAIL_CLIP_BYTES * 90 / 102:
        yield Finding("warning", "html", message("{kb} KB: close to Gmail's 102 KB limit, above which it cuts the email off",
                                                   kb=round(size / 1024)))


def _article_of(s: Subject, needle: str) -> tuple[tuple[str | int, ...], str]:
    """The field of the issue where a URL comes from, and the text to find its line by."""
    for p in s.build.pictures:
        if needle.endswith((p.cid, p.published)):
            return (("articles", p.article, "body"), p.source) if p.source else (("articles", p.article, "image", "path"), needle)
    for n, article in enumerate(s.build.issue.articles):
        if article.image and needle == str(article.image.url):
            return ("articles", n, "image"), needle
        if needle in article.body:
            return ("articles", n, "body"), needle
    return (), needle


def _where(s: Subject, needle: str) -> str:
    path, text = _article_of(s, needle)
    return s.at(path, text) if path else "templates"


def _images(s: Subject, doc) -> Iterator[Finding]:
    for img in doc.iter("img"):
        src = img.get("src", "")
        where = _where(s, src)
        if not (img.get("alt") or "").strip() and img.get("role") != "presentation":
            yield Finding("error", where, message("image {src} has no alt text; describe it for blind readers and blocked images", src=src))
        if not img.get("width"):
            yield Finding("warning", where, message("image {src} has no width; Outlook shows it at its full size", src=src))
        if not src.startswith("https://") and src not in {f"cid:{p.cid}" for p in s.build.pictures}:
            yield Finding("error", where, message("image {src} is not loaded over https; many clients block it", src=src))


def _links(s: Subject, doc) -> Iterator[Finding]:
    ids = {el.get("id") for el in doc.iter() if el.get("id")}
    for a in doc.iter("a"):
        href = (a.get("href") or "").strip()
        label = a.text_content().strip() or " ".join(img.get("alt", "") for img in a.iter("img")).strip()
        where = _where(s, href)
        if not label:
            yield Finding("error", where, message("link to {href} has no text to click on", href=href or "(nothing)"))
        if href.startswith("#"):
            if href[1:] not in ids:
                yield Finding("error", where, message("link {href} points to no anchor in the email", href=href))
        elif href.startswith("mailto:"):
            address = unquote(urlsplit(href).path)
            try:
                validate_email(address, check_deliverability=False)
            except EmailNotValidError:
                yield Finding("error", where, message("link {href}: {address} is not an email address", href=href,
                                                       address=repr(address)))
        elif href.startswith("tel:"):
            if not TEL.match(href[4:]):
                yield Finding("error", where, message("link {href} is not a phone number", href=href))
        elif href.startswith("http://"):
            yield Finding("warning", where, message("link {href} is not encrypted; use https:// if the site has it", href=href))
        elif not href.startswith("https://") or not urlsplit(href).netloc or " " in href:
            yield Finding("error", where, message("link {href} is not a valid web address", href=repr(href)))


def _clients(s: Subject, doc) -> Iterator[Finding]:
    metas = {m.get("name"): m.get("content") for m in doc.iter("meta") if m.get("name")}
    if "dark" not in (metas.get("color-scheme") or ""):
        yield Finding("warning", "templates", message("no color-scheme meta: dark-mode clients may invert colours badly"))
    if "<!--[if mso" not in s.html:
        yield Finding("error", "templates", message("Outlook's conditional comments are missing; its layout will break"))


def _text(s: Subject, doc) -> Iterator[Finding]:
    text = s.text
    if not text.strip():
        yield Finding("error", "text part", message("the plain-text part is empty"))
        return
    written = " ".join(" ".join(s.source.lines).split())
    # Markup the coordinator typed as text (`<script>` to explain something) is text; only the templates' is left over.
    left = next((m for m in (*TAG.finditer(text), *ENTITY.finditer(text)) if " ".join(m.group(0).split()) not in written), None)
    if left:
        yield Finding("error", "text part", message("HTML left in the plain text: {left}", left=left.group(0)))
    for number, line in enumerate(text.splitlines(), 1):
        if len(line.encode("utf-8")) > 998:
            found = s.source.find(line[:60].strip())
            where = f"{s.source.shown}:{found}" if found else "text part"
            yield Finding("error", where, message("line {number} of the text part is over 998 bytes, which mail servers may break",
                                                 number=number))
    for a in doc.iter("a"):
        href = a.get("href") or ""
        target = href.removeprefix("mailto:").removeprefix("tel:") if href.startswith(("mailto:", "tel:")) else href
        if href.startswith(("http", "mailto:")) and target not in text and href not in text:
            yield Finding("warning", "text part", message("the link {href} of the HTML is missing from the plain text", href=href))
