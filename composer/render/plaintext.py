"""The text/plain alternative, written from the issue model (never scraped from the HTML)."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

from markdown_it.token import Token

from composer.issue import markdown
from composer.issue.schema import Article, Issue
from composer.render.i18n import strings

WIDTH = 76
KEEP_SPACE = "\x00"  # a space inside a code span: wrapping never breaks there


@dataclass
class _Links:
    """Numbered references of one article, listed under it."""

    urls: list[str] = field(default_factory=list)

    def ref(self, url: str) -> int:
        if url not in self.urls:
            self.urls.append(url)
        return self.urls.index(url) + 1


def render_text(issue: Issue, greeting: str, unsubscribe_url: str) -> str:
    """Whole text part; `greeting` and `unsubscribe_url` are placeholders the message layer fills per recipient."""
    t = strings(issue.language)
    out: list[str] = []
    head = [issue.kicker or "", issue.publisher, f"{issue.newsletter} {t.of_date} {t.date(issue.date)}"]
    out.append("\n".join(line for line in head if line))
    out.append(_underline(t.contents, "-") + "\n" + "\n".join(f"- {a.title}" for a in issue.articles))
    if issue.claims:
        out.append("\n".join(issue.claims))
    out.append(greeting)
    for article in issue.articles:
        out.append(_article(article, t.contact_heading, t.author_credit))
    footer = [issue.footer.address.strip(), _wrap(issue.footer.reason)]
    if issue.footer.imprint_url:
        footer.append(f"{t.imprint}: {issue.footer.imprint_url}")
    out.append("-- \n" + "\n\n".join(footer))
    out.append(t.unsubscribe_text.format(url=unsubscribe_url))
    return "\n\n".join(out).rstrip() + "\n"


def _article(article: Article, contact_heading: str, credit: str) -> str:
    links = _Links()
    parts = [_underline(article.title, "=")]
    if article.image:
        parts.append(f"[{article.image.alt}]")
    parts.extend(_blocks(markdown.tokens(article.body), links))
    if article.contacts:
        cards = [contact_heading]
        for c in article.contacts:
            cards.append("\n".join(x for x in (c.name, c.role, c.phone and f"Tel. {c.phone}", c.email) if x))
        parts.append("\n\n".join(cards))
    if article.author:
        parts.append(credit.format(author=article.author))
    if links.urls:
        parts.append("\n".join(f"[{n}] {url}" for n, url in enumerate(links.urls, 1)))
    return "\n\n".join(parts)


def _underline(title: str, char: str) -> str:
    return f"{title}\n{char * min(len(title), WIDTH)}"


def _wrap(text: str, first: str = "", rest: str = "") -> str:
    return textwrap.fill(text, WIDTH, initial_indent=first, subsequent_indent=rest,
                         break_long_words=False, break_on_hyphens=False).replace(KEEP_SPACE, " ")


def _blocks(toks: list[Token], links: _Links) -> list[str]:
    """Walks block tokens; list items get '- ' or 'n. ' with hanging indents and stay together, nesting indents."""
    blocks: list[tuple[str, bool]] = []  # (text, is a list item)
    lists: list[int] = []  # per open list: next number, or 0 for bullets
    marker = ""
    quote = 0
    heading = False
    for tok in toks:
        if tok.type in ("bullet_list_open", "ordered_list_open"):
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
            blocks.append(("* * *", False))
        elif tok.type in ("fence", "code_block"):
            blocks.append((textwrap.indent(tok.content.rstrip("\n"), "    "), False))
        elif tok.type == "inline":
            outer = "> " * quote + "  " * max(len(lists) - 1, 0)
            rest = outer + (" " * len(marker) if marker else "  " * bool(lists))
            text = "\n".join(_wrap(line, (outer + marker) if n == 0 and marker else rest, rest)
                             for n, line in enumerate(_inline(tok.children or [], links).split("\n")))
            blocks.append((_underline(text, "-") if heading else text, bool(marker)))
            marker, heading = "", False
    joined: list[str] = []
    for n, (text, item) in enumerate(blocks):
        if item and n and blocks[n - 1][1]:
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
