"""CSS inlining: the rules of the email's <style> elements written into the style attribute of every element
they match, because Gmail, Outlook and webmail cleaners ignore or drop style elements.

It keeps premailer's rules, which the email was made with: a rule's declarations go to the elements its
selector matches, the more specific rule (and, at equal specificity, the later one) wins, an !important
declaration beats a normal one, and what an element's own style attribute says beats every rule. What cannot
be inlined stays in its style element with every declaration made !important, so that it still beats the
inline styles where a client applies it: @media (the phone layout, dark mode) and selectors with a state or
a position in the page (`:root`, `a:hover`). A style element for another medium is left alone.

Its own small CSS reader, not cssutils: the CSS is the templates' and MJML's, and cssutils (with premailer,
requests and their regexes) made up half the time of `newsletter build`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree
from lxml.cssselect import CSSSelector, SelectorError

# Comments, and the <!-- --> that old pages wrap their CSS in (CSS ignores them), outside strings.
_COMMENT = re.compile(r'/\*.*?\*/|<!--|-->|("(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\')', re.DOTALL)
_IMPORTANT = re.compile(r"\s*!\s*important\s*$", re.IGNORECASE)
_BRACKETS = re.compile(r"\[[^\]]*\]|\"[^\"]*\"|'[^']*'")
_ARGUMENTS = re.compile(r"\([^)]*\)")  # of :nth-child(odd): no element names in there
_PSEUDO = re.compile(r"(::?)([a-zA-Z-]+)")
_TYPE = re.compile(r"(?:^|[\s>+~(])([a-zA-Z][\w-]*)")
# Pseudo-classes that pick elements by their place in the document: inlining them is exact.
_STRUCTURAL = {"first-child", "last-child", "only-child", "nth-child", "nth-last-child", "first-of-type",
               "last-of-type", "only-of-type", "nth-of-type", "nth-last-of-type"}
_FLOATS = re.compile(r"(?:^|;)\s*float\s*:\s*(left|right|none)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Declaration:
    name: str
    value: str
    important: bool

    def __str__(self) -> str:
        return f"{self.name}:{self.value}{' !important' if self.important else ''}"


@dataclass(frozen=True)
class _Rule:
    """An inlinable selector with the declarations of its rule, ordered by how much it weighs."""

    weight: tuple[int, int, int, int, int, int]
    select: CSSSelector
    declarations: tuple[Declaration, ...]


def inline_css(html: str) -> str:
    """The document with its style rules inlined (see the module's docstring), the doctype first."""
    page = etree.fromstring(html.strip(), etree.HTMLParser())
    rules: list[_Rule] = []
    sheets = [s for s in page.iter("style") if s.get("media") in (None, "", "all", "screen")]
    for index, style in enumerate(sheets):
        inlined, leftover = _split(style.text or "", index, len(rules))
        rules.extend(inlined)
        if leftover:
            style.text = "\n".join(leftover)
        else:
            _remove(style)
    rules.sort(key=lambda rule: rule.weight)
    matched: dict[etree._Element, dict[str, Declaration]] = {}
    for rule in rules:
        for element in _elements(rule.select(page)):
            _override(matched.setdefault(element, {}), rule.declarations)
    for element, styles in matched.items():
        _override(styles, declarations(element.get("style", "")))
        final = {name: d for name, d in styles.items() if d.value.lower() != "unset"}
        if final:
            element.set("style", "; ".join(map(str, final.values())))
        if "vertical-align" in final:  # Outlook reads the attribute
            element.set("valign", final["vertical-align"].value)
    for image in page.iter("img"):
        floats = _FLOATS.findall(image.get("style", ""))
        if floats and floats[-1].lower() != "none":
            image.set("align", floats[-1].lower())
    inlined_page = etree.tostring(page, method="html", pretty_print=True, encoding="utf-8").decode()
    return inlined_page if inlined_page.lstrip().lower().startswith("<!doctype") else "<!doctype html>\n" + inlined_page


def _override(styles: dict[str, Declaration], winners: Iterable[Declaration]) -> None:
    """A declaration that wins moves to the end: in one style attribute the last of `padding` and
    `padding-top` is the one that counts."""
    for declaration in winners:
        styles.pop(declaration.name, None)
        styles[declaration.name] = declaration


def _elements(result: object) -> list[etree._Element]:
    """A selector's matches (lxml types an XPath result as anything an XPath can return)."""
    return [e for e in result if isinstance(e, etree._Element)] if isinstance(result, list) else []


def declarations(text: str) -> list[Declaration]:
    """`name: value` pairs of a declaration block; a semicolon inside url(...) or quotes separates nothing."""
    found = []
    for part in _split_at(text, ";"):
        name, colon, value = part.partition(":")
        if not colon or not name.strip() or not value.strip():
            continue
        important = bool(_IMPORTANT.search(value))
        found.append(Declaration(name.strip().lower(), _IMPORTANT.sub("", value).strip(), important))
    return found


def _split(css: str, sheet: int, counted: int) -> tuple[list[_Rule], list[str]]:
    """A style element's rules that can be inlined, and the CSS text that stays in the element."""
    rules: list[_Rule] = []
    leftover: list[str] = []
    for prelude, block in _blocks(_COMMENT.sub(lambda m: m.group(1) or "", css)):
        if block is None:  # @import, @charset: kept as written
            leftover.append(prelude + ";")
        elif prelude.startswith("@"):
            leftover.append(_at_rule(prelude, block))
        else:
            found = declarations(block)
            if "" in _split_at(prelude, ",", empty=True):  # an invalid selector list voids its rule
                leftover.append(f"{prelude} {{{block}}}")
                continue
            for selector in _split_at(prelude, ","):
                rule = _rule(selector, found, (sheet, counted + len(rules)))
                if isinstance(rule, str):
                    leftover.append(rule)
                else:
                    rules.extend(rule)
    return rules, leftover


def _rule(selector: str, found: list[Declaration], order: tuple[int, int]) -> list[_Rule] | str:
    """The selector's rules (its !important declarations weigh more than its others), or the CSS that stays."""
    bare = _BRACKETS.sub("[]", selector)
    pseudo = [name.lower() for colons, name in _PSEUDO.findall(bare) if colons == "::" or name.lower() not in _STRUCTURAL]
    if pseudo:
        return _text(selector, found, important=True)
    if "*" in bare:  # a rule for every element stays a rule: inlined it would weigh like each element's own style
        return _text(selector, found, important=False)
    try:
        select = CSSSelector(selector, translator="html")
        select(etree.Element("html"))  # some selectors fail only when run (`ns|p`: a namespace never declared)
    except (SelectorError, etree.XPathError):
        return _text(selector, found, important=False)
    classes = bare.count(".") + bare.count("[") + len(_PSEUDO.findall(bare))
    specificity = (bare.count("#"), classes, len(_TYPE.findall(_ARGUMENTS.sub("()", bare))))
    return [_Rule((important, *specificity, *order), select, group)
            for important in (0, 1) if (group := tuple(d for d in found if d.important == bool(important)))]


def _at_rule(prelude: str, block: str) -> str:
    """@media and @supports keep their rules with every declaration !important; other at-rules (@font-face,
    @page) stay as written."""
    if not re.match(r"@(media|supports)\b", prelude, re.IGNORECASE):
        return f"{prelude} {{{block}}}"
    inner = []
    for selector, body in _blocks(block):
        if body is None:
            inner.append(selector + ";")
        elif selector.startswith("@"):
            inner.append(_at_rule(selector, body))
        else:
            inner.append(_text(selector, declarations(body), important=True))
    return f"{prelude} {{\n" + "\n".join(f"  {line}" for line in inner) + "\n}"


def _text(selector: str, found: list[Declaration], important: bool) -> str:
    shown = (Declaration(d.name, d.value, d.important or important) for d in found)
    return f"{selector} {{ {'; '.join(map(str, shown))} }}"


def _blocks(css: str) -> list[tuple[str, str | None]]:
    """Top-level (prelude, block) pairs of a style sheet; a statement at-rule (`@import ...;`) has no block."""
    found: list[tuple[str, str | None]] = []
    start, depth, quote, n = 0, 0, "", 0
    while n < len(css):
        c = css[n]
        if quote:
            if c == "\\":
                n += 1
            elif c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif c == "{":
            if depth == 0:
                prelude, opened = css[start:n].strip(), n + 1
            depth += 1
        elif c == "}" and depth:
            depth -= 1
            if depth == 0:
                found.append((prelude, css[opened:n]))
                start = n + 1
        elif c == ";" and depth == 0:
            if css[start:n].strip().startswith("@"):
                found.append((css[start:n].strip(), None))
            start = n + 1
        n += 1
    if depth:  # a block left open ends with the sheet, as in a browser
        found.append((prelude, css[opened:]))
    return found


def _split_at(text: str, separator: str, empty: bool = False) -> list[str]:
    """Parts of `text` between separators that stand outside quotes, brackets and parentheses (with `empty`,
    the empty ones too)."""
    parts, depth, quote, start, escaped = [], 0, "", 0, False
    for n, c in enumerate(text):
        if escaped:
            escaped = False
        elif c == "\\":
            escaped = True
        elif quote:
            quote = "" if c == quote else quote
        elif c in "\"'":
            quote = c
        elif c in "([":
            depth += 1
        elif c in ")]" and depth:
            depth -= 1
        elif c == separator and depth == 0:
            parts.append(text[start:n])
            start = n + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if empty or p.strip()]


def _remove(element: etree._Element) -> None:
    """Removes the element and keeps the text after it."""
    parent, previous = element.getparent(), element.getprevious()
    if parent is None:
        return
    if element.tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)
