"""Issue -> responsive HTML (Jinja2 -> MJML -> mjml-python -> premailer) and its plain-text twin, once per issue.

Per-recipient parts (greeting, unsubscribe link) are left as placeholders that the message layer fills
cheaply, so a send never compiles MJML or inlines CSS more than once.
"""

from __future__ import annotations


import functools
import logging
import re
import time
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import jinja2
from lxml import etree
from mjml import mjml2html

from composer.errors import RenderError, shown
from composer.i18n import JinjaGettext
from composer.issue import markdown
from composer.issue.schema import TOC_ANCHOR, Issue
from composer.render.entities import ascii_html
from composer.render.images import Picture
from composer.render.inlined import inlined
from composer.render.plaintext import render_text
from composer.render.templates import environment, search_path, source_of
from composer.render.words import issue_date

GREETING = "NLCGREETINGPLACEHOLDER"
UNSUBSCRIBE_URL = "NLCUNSUBSCRIBEPLACEHOLDER"
PAGE_URL = "NLCREADERPAGEPLACEHOLDER"  # the reader's own page (/p/TOKEN), where the issue has a web home
GMAIL_CLIP_BYTES = 102 * 1024
# MJML's wrapper (role="article", aria-roledescription="email", aria-label, lang), the whole email: it goes
# inside a <main> landmark, so a browser showing the web version or the file finds the content in one.
ARTICLE_WRAPPER = re.compile(r'(<div\b[^>]*\brole="article"[^>]*>.*</div>)(\s*</body>)', re.DOTALL)
MARK = re.compile(r"<!--#(tpl|end) ?([^>]*?)-->\n?")
MARK_OR_TAG = re.compile(r"<!--#(?P<mark>tpl|end) ?(?P<template>[^>]*?)-->|<(?P<closing>/?)(?P<tag>mj[a-z-]*)\b[^>]*?(?P<empty>/?)>")
MJML_TAGS = {
    "mjml", "mj-head", "mj-body", "mj-title", "mj-preview", "mj-raw", "mj-attributes", "mj-all", "mj-class",
    "mj-style", "mj-font", "mj-breakpoint", "mj-section", "mj-column", "mj-group", "mj-wrapper", "mj-text",
    "mj-image", "mj-button", "mj-divider", "mj-spacer", "mj-table", "mj-hero", "mj-navbar", "mj-navbar-link",
    "mj-social", "mj-social-element", "mj-accordion", "mj-accordion-element", "mj-accordion-title",
    "mj-accordion-text", "mj-carousel", "mj-carousel-image",
}


@dataclass(frozen=True)
class RenderedArticle:
    """What the templates need of an article: the schema fields plus derived anchor and trusted HTML."""

    title: str
    anchor: str
    html: Any
    image: Any
    image_src: str | None
    author: str | None
    contacts: list[Any]
    lang: str | None = None
    dir: str = "ltr"


@dataclass
class Build:
    """One issue rendered once: HTML and text with placeholders for the per-recipient parts."""

    issue: Issue
    slug: str
    html: str
    text: str
    timings: dict[str, float] = field(default_factory=dict)
    pictures: list[Picture] = field(default_factory=list)
    embedded: bool = False  # the pictures travel inside the message (cid:), not linked on the web
    site: str | None = None  # the public pages' address, where the reader's own page is (None: no link to it)
    web_url: str | None = None  # where the issue is read in a browser once it is sent (its photos beside it)

    def viewable(self, html: str) -> str:
        """The HTML with its pictures as data: URIs, for a browser that has no message around it (a linked photo
        is on the web only once the issue is sent)."""
        for picture in self.pictures:
            html = html.replace(self._shown(picture), picture.data_uri())
        return html

    def embedding(self) -> Build:
        """The same issue with its photos inside the message (cid:): a test mail goes out before the send puts
        them on the web, where the real issue links to them."""
        if self.embedded or not self.pictures:
            return self
        html = self.html
        for picture in self.pictures:
            html = html.replace(self._shown(picture), f"cid:{picture.cid}")
        return replace(self, html=html, embedded=True)

    def _shown(self, picture: Picture) -> str:
        return f"cid:{picture.cid}" if self.embedded else _shown_at(picture, self.web_url)

    @property
    def html_bytes(self) -> int:
        return len(self.html.encode("utf-8"))


def mjml_source(issue: Issue, templates: Path | None = None, web_url: str | None = None,
                pictures: list[Picture] | None = None) -> str:
    """The MJML the templates make for this issue, checked for tag balance and unknown tags."""
    return _check_mjml(_jinja(issue, templates, web_url, pictures or []), templates)


def build(issue: Issue, slug: str, templates: Path | None = None, web_url: str | None = None,
          pictures: list[Picture] | None = None, cache: Path | None = None) -> Build:
    """`web_url` is where the issue can be read in a browser; the email links to it when it is known, and to
    the local `pictures` published beside it. Without it the pictures are embedded in the message. With a
    `cache` folder a page inlined before (by `check`, a test send) is read from there (composer/render/inlined.py)."""
    timings: dict[str, float] = {}
    start = time.perf_counter()
    source = mjml_source(issue, templates, web_url, pictures)
    timings["jinja"] = time.perf_counter() - start

    start = time.perf_counter()
    try:
        compiled = mjml2html(source)
    except ValueError as exc:
        raise RenderError(f"{shown(source_of(templates, 'base.mjml.j2'))}: MJML compiler: {exc}") from None
    timings["mjml"] = time.perf_counter() - start

    start = time.perf_counter()
    html = inlined(ARTICLE_WRAPPER.sub(r"<main>\1</main>\2", compiled, count=1), _inlined_ascii, cache)
    timings["premailer"] = time.perf_counter() - start

    start = time.perf_counter()
    text = render_text(issue, GREETING, UNSUBSCRIBE_URL, web_url, PAGE_URL if web_url else None)
    timings["text"] = time.perf_counter() - start
    return Build(issue=issue, slug=slug, html=html, text=text, timings=timings, pictures=pictures or [],
                 embedded=bool(pictures) and not web_url, site=web_url.split("/archive/")[0] if web_url else None,
                 web_url=web_url)


def _inlined_ascii(page: str) -> str:
    return ascii_html(inline_css(page))


def _shown_at(picture: Picture, web_url: str | None) -> str:
    """Where the email finds a local photo: its published copy beside the web version, or its cid: part."""
    return f"{web_url.rsplit('/', 1)[0]}/{picture.published}" if web_url else f"cid:{picture.cid}"


def _body_images(n: int, web_url: str | None, pictures: list[Picture]) -> dict[str, str]:
    """Article n's Markdown images from this computer: the path as written -> where the email finds it."""
    return {p.source: _shown_at(p, web_url) for p in pictures if p.article == n and p.source is not None}


def _image_sources(issue: Issue, web_url: str | None, pictures: list[Picture]) -> list[str | None]:
    """Per article: the web address of its image, the published copy of a local photo, or its cid: part."""
    local = {p.article: _shown_at(p, web_url) for p in pictures if p.source is None}
    sources: list[str | None] = []
    for n, article in enumerate(issue.articles):
        if article.image and article.image.path and n not in local:
            raise RenderError(f"articles[{n}].image.path: the photo {article.image.path} was not loaded")
        sources.append(local.get(n) or (str(article.image.url) if article.image else None))
    return sources


def _jinja(issue: Issue, templates: Path | None, web_url: str | None, pictures: list[Picture]) -> str:
    articles = [
        RenderedArticle(a.title, anchor, markdown.to_html(a.body, _body_images(n, web_url, pictures)), a.image, src,
                        a.author, a.contacts, a.language, a.direction)
        for n, (a, anchor, src) in enumerate(zip(issue.articles, issue.anchors(), _image_sources(issue, web_url, pictures), strict=True))
    ]
    context = {
        "issue": issue, "articles": articles, "theme": issue.theme, "dated": issue_date(issue.date, issue.language),
        **JinjaGettext(issue.language).context(),  # the email speaks the issue's language
        "toc_anchor": TOC_ANCHOR, "greeting": GREETING, "unsubscribe_url": UNSUBSCRIBE_URL, "web_url": web_url,
        "page_url": PAGE_URL if web_url else None,
    }
    try:
        return environment(templates).get_template("base.mjml.j2").render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"{shown(source_of(templates, exc.name or 'base.mjml.j2'))}:{exc.lineno}: {exc.message}") from None
    except jinja2.TemplateNotFound as exc:
        raise RenderError(f"{shown(search_path(templates)[0])}: template {exc.name} not found") from None
    except (jinja2.UndefinedError, TypeError, AttributeError) as exc:
        frame = next((f for f in reversed(traceback.extract_tb(exc.__traceback__)) if f.filename.endswith(".j2")), None)
        where = f"{shown(Path(frame.filename))}:{frame.lineno}" if frame else shown(search_path(templates)[0])
        raise RenderError(f"{where}: {exc}") from None


def _check_mjml(marked: str, templates: Path | None) -> str:
    """MRML accepts unknown tags and unbalanced ones silently or with no position, so check here first."""
    stack: list[tuple[str, str]] = []
    current = ["base.mjml.j2"]
    for m in MARK_OR_TAG.finditer(marked):
        if m["mark"] == "tpl":
            current.append(m["template"])
            continue
        if m["mark"] == "end":
            current.pop()
            continue
        name = m["tag"]
        if name not in MJML_TAGS:
            raise RenderError(f"{shown(source_of(templates, current[-1]))}: unknown MJML tag <{name}> (a typo?)")
        if m["empty"]:
            continue
        if not m["closing"]:
            stack.append((name, current[-1]))
        elif not stack or stack[-1][0] != name:
            expected = f"</{stack[-1][0]}>" if stack else "nothing"
            raise RenderError(f"{shown(source_of(templates, current[-1]))}: </{name}> closes nothing open here "
                              f"(expected {expected})")
        else:
            stack.pop()
    if stack:
        name, template = stack[-1]
        raise RenderError(f"{shown(source_of(templates, template))}: <{name}> is never closed")
    return MARK.sub("", marked)


def inline_css(html: str) -> str:
    """The rules of the style elements written into the style attribute of every element they match, because
    Gmail, Outlook and webmail cleaners ignore or drop style elements; by premailer (imported here, so that a
    command that renders nothing does not load it, cssutils and requests).

    What premailer cannot inline stays in its style element with every declaration made !important, so that it
    still beats the inline styles where a client applies it: @media (the phone layout, dark mode) and selectors
    with a state (`:root`, `a:hover`). MJML's width, height, align and bgcolor attributes are Outlook's and stay
    as MJML wrote them; a cell's vertical-align becomes its valign and a floating image's float its align.
    Nothing is fetched (a stylesheet link stays a link), and cssutils' complaints about CSS it does not know
    (mso-*, -webkit-*) are not shown. A style element for another medium (Thunderbird's) is left alone.
    """
    from premailer import Premailer

    _without_validation()
    premailer = Premailer(
        allow_network=False,
        strip_important=False,
        disable_basic_attributes=["width", "height", "align", "bgcolor"],
        remove_classes=False,
        disable_validation=True,
        cssutils_logging_level=logging.CRITICAL,  # before _web_fonts_kept parses: the level is cssutils' own
    )
    inlined = premailer.transform(_web_fonts_kept(html))
    return inlined if inlined.lstrip().lower().startswith("<!doctype") else "<!doctype html>\n" + inlined


@functools.cache
def _without_validation() -> None:
    """cssutils checks every declaration against its CSS profiles, which it compiles into regular expressions on
    first use (0.15 s, half of a build); premailer asks for that on each element's own style attribute whatever
    `disable_validation` says. The verdicts are only logged, and not shown here, never changing what is written,
    so the profiles are removed (cssutils' public `profile.removeProfile`) for the process, which inlines nothing
    else."""
    import cssutils

    cssutils.profile.removeProfile(all=True)


WEB_FONT_RULES = ("@import", "@font-face")


def _web_fonts_kept(html: str) -> str:
    """The page with the @import and @font-face rules of each style element moved into a style element of their
    own before it, which premailer leaves alone (`data-premailer="ignore"`, its documented way): premailer drops
    the at-rules it cannot inline other than @media, and the cssutils it parses with fetches every @import it
    reads (allow_network covers only <link>). Here cssutils fetches nothing."""
    if not any(rule in html.lower() for rule in WEB_FONT_RULES):
        return html
    import cssutils

    parser = cssutils.CSSParser(fetcher=lambda url: None, validate=False)
    page = etree.fromstring(html.strip(), etree.HTMLParser())
    for style in list(page.iter("style")):
        text = style.text or ""
        if (style.get("media") not in (None, "", "all", "screen") or style.get("data-premailer")
                or not any(rule in text.lower() for rule in WEB_FONT_RULES)):
            continue  # no web font in it, or premailer does not read it
        sheet = parser.parseString(text)
        fonts = [rule for rule in sheet if rule.type in (rule.IMPORT_RULE, rule.FONT_FACE_RULE)]
        if fonts and len(fonts) == len(sheet.cssRules):  # MJML's <mj-font>: the element stays as written
            style.set("data-premailer", "ignore")
            continue
        if fonts:
            kept = etree.Element("style", {**style.attrib, "data-premailer": "ignore"})
            kept.text = "\n".join(rule.cssText for rule in fonts)
            style.addprevious(kept)
        for rule in fonts:
            sheet.deleteRule(rule)
        style.text = sheet.cssText.decode()  # as cssutils read it: an @import it dropped as misplaced is gone too
    return etree.tostring(page, method="html", encoding="unicode")
