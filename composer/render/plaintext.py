"""The text/plain alternative, written from the issue model (never scraped from the HTML).

It is `format=flowed` (RFC 3676, DelSp=No): a wrapped line ends with a space where the paragraph goes on, so
phones and mail programs that know the format join the lines and reflow them to their width, while every
other reader sees tidy lines of at most 78 characters. A line that starts with a space, `>` or `From ` is
space-stuffed; quotes are `>` per level; a long URL stands alone on its line.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

from markdown_it.token import Token

from composer.issue import markdown
from composer.issue.schema import Article, Issue
from composer.i18n import translate
from composer.render.words import issue_date

WIDTH = 76
KEEP_SPACE = "\x00"  # a space inside a code span: wrapping never breaks there
SOFT = "\x01"  # ends a line that the paragraph continues after (a flowed line)
QUOTE = "\x02"  # one level of quoting, written as `>` once the lines are stuffed
SIGNATURE = "-- "


@dataclass
class _Links:
    """Numbered references of one article, listed under it."""

    urls: list[str] = field(default_factory=list)

    def ref(self, url: str) -> int:
        if url not in self.urls:
            self.urls.append(url)
        return self.urls.index(url) + 1


def render_text(issue: Issue, greeting: str, unsubscribe_url: str, web_url: str | None = None,
                page_url: str | None = None) -> str:
    """Whole text part; `greeting` and `unsubscribe_url` are placeholders the message layer fills per recipient.
    With `web_url`, the web version is named first, as the HTML's "View in browser" is."""
    lang = issue.language
    out: list[str] = [_labelled(translate(lang, "View in browser:"), web_url)] if web_url else []
    head = [issue.kicker or "", issue.publisher,
            translate(lang, "{newsletter} of {date}", newsletter=issue.newsletter, date=issue_date(issue.date, lang))]
    out.append("\n".join(line for line in head if line))
    out.append(_underline(translate(lang, "Contents"), "-") + "\n"
               + "\n".join(_wrap(a.title, "- ") for a in issue.articles))
    if issue.claims:
        out.append("\n".join(issue.claims))
    out.append(greeting)
    for article in issue.articles:
        out.append(_article(article, lang))
    footer = [issue.footer.address.strip(), _wrap(issue.footer.reason)]
    if issue.footer.imprint_url:
        footer.append(_labelled(translate(lang, "Imprint:"), str(issue.footer.imprint_url)))
    if issue.footer.privacy_url:
        footer.append(_labelled(translate(lang, "Privacy:"), str(issue.footer.privacy_url)))
    out.append(f"{SIGNATURE}\n" + "\n\n".join(footer))
    if page_url:
        out.append(_labelled(translate(lang, "Your data and subscriptions:"), page_url, always=True))
    out.append(_labelled(translate(lang, "Unsubscribe from the newsletter:"), unsubscribe_url, always=True))
    return flowed("\n\n".join(out).rstrip() + "\n")


def flowed(text: str) -> str:
    """Marked text -> RFC 3676 lines: soft breaks keep one trailing space, hard ones none; stuffing; `>` quotes."""
    lines = []
    for line in text.split("\n"):
        if line == SIGNATURE:
            lines.append(line)
            continue
        soft = line.endswith(SOFT)
        body = line.removesuffix(SOFT).rstrip(" ")
        depth = len(body) - len(body.lstrip(QUOTE))
        if depth:
            body = ">" * depth + " " + body[depth:].removeprefix(" ")
        elif body.startswith((" ", ">", "From ")):
            body = " " + body
        lines.append(body + " " if soft and body.strip() else body)
    return "\n".join(lines)


def _labelled(label: str, url: str, always: bool = False) -> str:
    """`label url` on one line when it fits; else the URL alone on the next line, flowed on from the label."""
    return f"{label} {url}" if not always and len(label) + 1 + len(url) <= WIDTH else f"{label}{SOFT}\n{url}"


def _article(article: Article, lang: str) -> str:
    links = _Links()
    parts = [_underline(article.title, "=")]
    if article.image:
        parts.append(f"[{article.image.alt}]")
    parts.extend(_blocks(markdown.tokens(article.body), links))
    if article.contacts:
        cards = [translate(lang, "Contact:")]
        for c in article.contacts:
            cards.append("\n".join(x for x in (c.name, c.role, c.phone and f"{translate(lang, 'Tel.')} {c.phone}", c.email) if x))
        parts.append("\n\n".join(cards))
    if article.author:
        parts.append(translate(lang, "Text: {author}", author=article.author))
    if links.urls:
        parts.append("\n".join(_labelled(f"[{n}]", url) for n, url in enumerate(links.urls, 1)))
    return "\n\n".join(parts)


def _underline(title: str, char: str) -> str:
    return f"{_wrap(title)}\n{char * min(len(title), WIDTH)}"


def _wrap(text: str, first: str = "", rest: str = "") -> str:
    """Flowed lines: continuation lines carry only `rest` (the quote marks), no hanging indent, because a
    reader that reflows would otherwise keep the indent's spaces inside the paragraph."""
    return f"{SOFT}\n".join(textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=rest,
                                           break_long_words=False, break_on_hyphens=False)
                             ).replace(KEEP_SPACE, " ")


def _blocks(toks: list[Token], links: _Links) -> list[str]:
    """Walks block tokens; list items get '- ' or 'n. ' and the items of one list stay together, nesting indents."""
    blocks: list[tuple[str, bool, bool]] = []  # (text, is a list item, starts a list)
    lists: list[int] = []  # per open list: next number, or 0 for bullets
    marker = ""
    new_list = False
    quote = 0
    heading = False
    for tok in toks:
        if tok.type in ("bullet_list_open", "ordered_list_open"):
            new_list = new_list or not lists
            lists.append(int(tok.attrs.get("start", 1)) if tok.type == "ordered_list_open" else 0)
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif tok.type == "list_item_open":
            marker = f"{lists[-1]}. " if lists[-1] else "- "
            lists[-1] += 1 if lists[-1] else 0
        elif tok.type in ("blockquote_open", "blockquote_close"):
            quote += 1 if tok.type == "blockquote_open" else -1
        elif tok.type == "heading_open":
            heading = True
        elif tok.type == "hr":
            blocks.append(("* * *", False, False))
        elif tok.type in ("fence", "code_block"):
            blocks.append((textwrap.indent(tok.content.rstrip("\n"), "    "), False, False))
        elif tok.type == "inline":
            quoted = QUOTE * quote + " " * bool(quote)
            first = quoted + "  " * max(len(lists) - 1, 0) + (marker or "  " * bool(lists))
            text = "\n".join(_wrap(line, first if n == 0 else quoted, quoted)
                             for n, line in enumerate(_inline(tok.children or [], links).split("\n")))
            blocks.append((_underline(text, "-") if heading else text, bool(marker), new_list))
            marker, heading, new_list = "", False, False
    joined: list[str] = []
    for n, (text, item, starts) in enumerate(blocks):
        if item and not starts and n and blocks[n - 1][1]:
            joined[-1] += "\n" + text
        else:
            joined.append(text)
    return joined


def _inline(children: list[Token], links: _Links) -> str:
    out: list[str] = []
    hrefs: list[str] = []
    start: list[int] = []
    for tok in children:
        if tok.type == "text":
            out.append(tok.content)
        elif tok.type == "code_inline":
            out.append(f"`{tok.content.replace(' ', KEEP_SPACE)}`")
        elif tok.type == "image":
            out.append(f"[{tok.content.strip()}]")
        elif tok.type == "softbreak":
            out.append(" ")
        elif tok.type == "hardbreak":
            out.append("\n")
        elif tok.type in ("em_open", "em_close"):
            out.append("_")
        elif tok.type in ("strong_open", "strong_close"):
            out.append("*")
        elif tok.type == "link_open":
            hrefs.append(str(tok.attrs.get("href", "")))
            start.append(len(out))
        elif tok.type == "link_close":
            href, label = hrefs.pop(), "".join(out[start.pop():])
            target = href.removeprefix("mailto:")
            if href.startswith("#") or target == label:
                continue
            out.append(f" [{links.ref(href)}]")
    return "".join(out)
