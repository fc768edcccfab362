"""Article bodies: one Markdown parse shared by the HTML and the plain-text renderers."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup

from composer.issue import schedule
from composer.issue.months import DAY_AND_MONTH

# German gender star ("Einwohner*innen"): two in one paragraph would otherwise pair up as emphasis.
GENDER_STAR = re.compile(r"(?<=\w)\*(?=(?:in|innen|e|en|r)\b)")
FENCE = re.compile(r"^[ \t]*(?:>[ \t]?)*[ \t]*(```|~~~)")
# One quote or list marker a line may start with before its own text: `> `, `- `, `1. `.
MARKER = re.compile(r"[ \t]*(?:>|[-*+]|[0-9]{1,9}[.)])[ \t]+")

IMAGE_WIDTH = 550  # px, the width of the text column, as an article's photo


@dataclass(frozen=True)
class BodyImage:
    """A Markdown image of an article's body: `![alt](src)`, and the line within the body it is on."""

    src: str
    alt: str
    line: int

    @property
    def local(self) -> bool:
        """A file beside the issue (`fotos/x.jpg`), not a web address: it is resized and sent like an article's photo."""
        return not re.match(r"(?i)^[a-z][a-z0-9+.-]*:", self.src)


def _image(renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    """`<img>` with its alt text and the column's width; a local file's src is replaced by where the photo went
    (`env["images"]`: its cid: part or its published copy). A remote picture is only linked, never fetched."""
    tok = tokens[idx]
    src = str(tok.attrs.get("src", ""))
    shown: Mapping[str, str] = env.get("images", {})
    alt = renderer.renderInlineAsText(tok.children or [], options, env)
    title = f' title="{escapeHtml(str(tok.attrs["title"]))}"' if tok.attrs.get("title") else ""
    return (f'<img src="{escapeHtml(shown.get(src, src))}" alt="{escapeHtml(alt)}"{title} width="{IMAGE_WIDTH}" '
            f'class="photo" style="display:block;max-width:100%;height:auto;border:0;">')


_parser = MarkdownIt("commonmark", {"html": False, "typographer": False})
_parser.add_render_rule("image", _image)
_parser.core.ruler.push("keep_lines", schedule.keep_lines)


def _dates_stay_text(body: str) -> str:
    """`4. Februar: Stammtisch` at the start of a line or list item is a date, not an ordered list starting
    at 4: its dot is escaped. A real numbered list (`1. `, `2. `) is left alone."""
    lines = body.split("\n")
    fenced = False
    for n, line in enumerate(lines):
        if FENCE.match(line):
            fenced = not fenced
        if fenced:
            continue
        for lead in _leads(line):
            date = DAY_AND_MONTH.match(line, lead)
            if date:
                lines[n] = line[: date.end("day")] + "\\" + line[date.end("day"):]
                break
    return "\n".join(lines)


def _leads(line: str) -> list[int]:
    """Every position where a line's text could start after zero or more markers, longest first."""
    ends = [len(line) - len(line.lstrip(" \t"))]
    while marker := MARKER.match(line, ends[-1]):
        ends.append(marker.end())
    return ends[::-1]


def tokens(body: str) -> list[Token]:
    return _parser.parse(GENDER_STAR.sub(r"\\*", _dates_stay_text(body)))


def to_html(body: str, images: Mapping[str, str] | None = None) -> Markup:
    """Raw HTML in a body is escaped (html=False), so this output is the only markup trusted unescaped.
    `images` maps a local image's path as written to where the email finds it."""
    return Markup(_parser.renderer.render(tokens(body), _parser.options, {"images": images or {}}))


def images(body: str) -> list[BodyImage]:
    """Every Markdown image of a body, in order, with its alt text as a reader sees it."""
    found = []
    for block in tokens(body):
        for tok in block.children or []:
            if tok.type == "image":
                found.append(BodyImage(str(tok.attrs.get("src", "")), tok.content.strip(), (block.map or [0])[0]))
    return found


def joined_schedule_lines(body: str) -> list[tuple[int, str]]:
    """(line within the body, text) where a paragraph joins a line that begins with a date or a time."""
    return schedule.joined(tokens(body))


def ordered_lists(body: str) -> list[tuple[int, int]]:
    """(first number, line within the body) of every numbered list that does not start at 1: likely a date."""
    return [(int(t.attrs.get("start", 1)), (t.map or [0])[0]) for t in tokens(body)
            if t.type == "ordered_list_open" and int(t.attrs.get("start", 1)) != 1]
