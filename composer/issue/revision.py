"""Saves edited issue data into the issue's existing text, rewriting only the parts whose data changed.

The files stay the truth: a coordinator's quotes, block styles, indentation and `# ` comments survive a save
from the desk. The header and each article's fields block are merged key by key (into mappings such as the
footer too); an article's heading and body are kept or replaced as a whole; an unchanged article is kept byte
for byte, and the blank lines between articles stay where they were. What is new comes from
the writer's text for the data (`issue_text`), so the format's refusals and its reading stay the writer's,
and the result is only used when it reads as that text does.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from composer.errors import IssueFileError
from composer.issue.issuefile import Located, Path_, layout, parse_issue
from composer.issue.schema import Issue
from composer.issue.writer import ARTICLE_TEXT, issue_text


def revised_text(before: str, data: dict[str, Any], shown: str = "issue") -> str:
    """The text for `data` that keeps `before`'s text wherever its data is unchanged; raises IssueFileError
    for what the format cannot hold, like `issue_text`, and for what the issue's schema refuses."""
    fresh = issue_text(data, shown)
    wanted = parse_issue(fresh, shown)[0]
    old, new = _Text.of(before, shown), _Text.of(fresh, shown)
    if old is None or new is None:
        return fresh
    old.view, new.view = _views(before, wanted, shown, old, new)
    merged = "".join(_merged(old, new))
    last = before.splitlines(keepends=True)[-1]
    if last == last.splitlines()[0] and merged.endswith(last + "\n"):
        merged = merged[:-1]  # a file without a final line break stays so while its last line is kept
    try:
        return merged if parse_issue(merged, shown)[0] == wanted else fresh
    except IssueFileError:
        return fresh


@dataclass
class _Text:
    """A text's lines (with their line breaks), where the reader found each part, and the data to compare."""

    lines: list[str]
    located: Located
    view: dict[str, Any]

    @classmethod
    def of(cls, text: str, shown: str) -> _Text | None:
        located = layout(text, shown)
        if located is None:
            return None
        lines = text.splitlines(keepends=True)
        if lines and lines[-1] == lines[-1].splitlines()[0]:
            lines[-1] += "\n"  # so that a kept last line can be followed by others
        return cls(lines, located, {})

    def header(self) -> _Block:
        return _Block(self.lines, self.located.lines, (), 1, self.located.header_end)

    def fields(self, index: int) -> _Block | None:
        if index not in self.located.fences:
            return None
        opening, closing = self.located.fences[index]
        return _Block(self.lines, self.located.lines, ("articles", index), opening + 1, closing)

    def end(self, index: int) -> int:
        """Where the article's text ends: after its last line that is not empty (blank lines separate articles)."""
        starts = self.located.articles
        stop = starts[index + 1][0] if index + 1 < len(starts) else len(self.lines)
        body = starts[index][1]
        while stop > body and _empty(self.lines[stop - 1]):
            stop -= 1
        return stop

    def own(self, index: int) -> dict[str, Any]:
        return {k: v for k, v in self.view["articles"][index].items() if k not in ARTICLE_TEXT}


@dataclass(frozen=True)
class _Block:
    """A YAML mapping from `start` to `end` (exclusive): between two '---' lines, or a mapping's value inside one."""

    lines: list[str]
    found: dict[Path_, int]  # the reader's line (from 1) of every field
    path: Path_
    start: int
    end: int

    @property
    def keys(self) -> dict[str, int]:
        """Each of the mapping's own keys with its line; a value written on its key's line has none here."""
        return {str(p[-1]): line - 1 for p, line in self.found.items()
                if len(p) == len(self.path) + 1 and p[:-1] == self.path and self.start <= line - 1 < self.end}

    def entries(self) -> Iterator[tuple[str, int, int, int]]:
        """Each key with its entry's first and last line (exclusive), and where the next key starts; empty lines
        and comments no deeper than the key after an entry are not part of it, so a comment above a key stays."""
        order = sorted(self.keys.items(), key=lambda item: item[1])
        for n, (key, first) in enumerate(order):
            stop = order[n + 1][1] if n + 1 < len(order) else self.end
            last = stop
            while last > first + 1 and (_empty(self.lines[last - 1]) or self.lines[last - 1].lstrip().startswith("#")
                                        and _indent(self.lines[last - 1]) <= _indent(self.lines[first])):
                last -= 1
            yield key, first, last, stop

    def inner(self, key: str, first: int, last: int) -> _Block:
        return _Block(self.lines, self.found, (*self.path, key), first + 1, last)


def _views(before: str, wanted: Issue, shown: str, old: _Text, new: _Text) -> tuple[dict[str, Any], dict[str, Any]]:
    """The data compared part by part: as validated (so `https://x.org` equals the `https://x.org/` the form
    sends back), or as written when the file on disk has a schema error."""
    try:
        return parse_issue(before, shown)[0].model_dump(mode="json"), wanted.model_dump(mode="json")
    except IssueFileError:
        return old.located.data, new.located.data


def _merged(old: _Text, new: _Text) -> Iterator[str]:
    header = {k: v for k, v in old.view.items() if k != "articles"}
    yield old.lines[0]
    yield from _mapping(old.header(), new.header(), header, {k: v for k, v in new.view.items() if k != "articles"})
    yield old.lines[old.located.header_end]
    starts = old.located.articles
    gaps = ([old.lines[old.located.header_end + 1:starts[0][0]]] if starts else []) + \
        [old.lines[old.end(n - 1):starts[n][0]] for n in range(1, len(starts))]
    for position, (was, index) in enumerate(_pairs(old, new)):
        yield from gaps[position] if position < len(gaps) else ["\n"]
        if was is None:
            yield from new.lines[new.located.articles[index][0]:new.end(index)]
        else:
            yield from _article(old, was, new, index)
    yield from old.lines[old.end(len(starts) - 1) if starts else old.located.header_end + 1:]


def _pairs(old: _Text, new: _Text) -> list[tuple[int | None, int]]:
    """Which old article each new one is: an identical one wherever it was (moved), else an unused one with the
    same title or text; None for a new article, which is written as the writer writes it."""
    olds, news = old.view["articles"], new.view["articles"]
    found: dict[int, int] = {}
    for index, article in enumerate(news):
        was = next((n for n, a in enumerate(olds) if a == article and n not in found.values()), None)
        if was is not None:
            found[index] = was
    for index, article in enumerate(news):
        free = [n for n in range(len(olds)) if n not in found.values()]
        alike = [n for n in free if any(olds[n].get(k) == article.get(k) for k in ARTICLE_TEXT)]
        if index not in found and alike:
            found[index] = alike[0]
    return [(found.get(index), index) for index in range(len(news))]


def _article(old: _Text, was: int, new: _Text, index: int) -> Iterator[str]:
    (heading, body), (new_heading, new_body) = old.located.articles[was], new.located.articles[index]
    before, after = old.view["articles"][was], new.view["articles"][index]
    yield old.lines[heading] if before["title"] == after["title"] else new.lines[new_heading]
    block, new_block = old.fields(was), new.fields(index)
    if old.own(was) == new.own(index):
        yield from old.lines[heading + 1:body]
    elif block is None or new_block is None:
        yield from new.lines[new_heading + 1:new_body]
    else:
        yield from old.lines[heading + 1:block.start]
        yield from _mapping(block, new_block, old.own(was), new.own(index))
        yield old.lines[block.end]
    end = old.end(was)
    if before["body"] == after["body"]:
        yield from old.lines[body:end]
        return
    lead = body
    while lead < end and _empty(old.lines[lead]):
        lead += 1
    if lead == end:  # the article had no text: the writer's blank line before the new one
        yield from new.lines[new_body:new.end(index)]
        return
    text = new_body
    while text < new.end(index) and _empty(new.lines[text]):
        text += 1
    yield from old.lines[body:lead]
    yield from new.lines[text:new.end(index)]


def _mapping(old: _Block, new: _Block, before: dict[str, Any], after: dict[str, Any]) -> Iterator[str]:
    """The block's lines with every key whose value is unchanged kept as written, comments included; a changed
    mapping keeps its unchanged keys too, and what is new is indented as the block is."""
    fresh = {key: (first, last) for key, first, last, _ in new.entries()}
    shift = _indent(old.lines[min(old.keys.values())]) - _indent(new.lines[min(new.keys.values())]) \
        if old.keys and new.keys else 0
    yield from old.lines[old.start:min(old.keys.values(), default=old.end)]
    for key, first, last, stop in old.entries():
        was, now = before.get(key), after.get(key)
        if was == now:
            yield from old.lines[first:last]
        elif key in fresh and isinstance(was, dict) and isinstance(now, dict) and \
                old.inner(key, first, last).keys and new.inner(key, *fresh[key]).keys:
            yield old.lines[first]
            yield from _mapping(old.inner(key, first, last), new.inner(key, *fresh[key]), was, now)
        elif key in fresh:
            yield from _shifted(new.lines[slice(*fresh[key])], shift)
        yield from old.lines[last:stop]
    for key, (first, last) in fresh.items():
        if key not in old.keys and before.get(key) != after.get(key):
            yield from _shifted(new.lines[first:last], shift)


def _shifted(lines: list[str], shift: int) -> Iterator[str]:
    for line in lines:
        yield line if _empty(line) else " " * shift + line if shift >= 0 else line[min(-shift, _indent(line)):]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _empty(line: str) -> bool:
    return line.splitlines() in ([], [""])
