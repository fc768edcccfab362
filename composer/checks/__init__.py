"""`newsletter check`: everything that would go wrong in a subscriber's mail client, found before the send."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from composer.issue.issuefile import IssueSource
from composer.pipeline import SAMPLE_RECIPIENT, build_with_source
from composer.records import OutgoingMessage
from composer.render.build import Build
from composer.send.message import MessageFactory
from composer.settings import Settings

Level = Literal["error", "warning", "info"]
LOCATED = re.compile(r"^(?P<file>[^:]+):(?P<line>[0-9]+)(?::|$)")


@dataclass(frozen=True)
class Finding:
    level: Level
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.where}: {self.message}"

    @property
    def position(self) -> tuple[str, int]:
        """File and line of `where`, so findings read top to bottom; whole-email findings come after."""
        located = LOCATED.match(self.where)
        return (located["file"], int(located["line"])) if located else ("\uffff" + self.where, 0)


@dataclass(frozen=True)
class Subject:
    """What every check looks at: the issue, where its parts are in the file, and the email as sent."""

    build: Build
    source: IssueSource
    html: str
    text: str
    message: OutgoingMessage
    unsubscribe_link: str

    def at(self, field_path: tuple[str | int, ...], text: str | None = None) -> str:
        """`file:line: field` for a finding, the line found by the text where it is known."""
        line = (self.source.find(text, field_path) if text else None) or self.source.line_of(field_path)
        dotted = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in field_path).lstrip(".")
        return f"{self.source.shown}:{line}: {dotted}" if line else f"{self.source.shown}: {dotted}"


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "warning"]


def prepare(path: Path, settings: Settings, secret: bytes, templates: Path | None = None) -> Subject:
    result, source = build_with_source(path, settings, templates)
    factory = MessageFactory(result, settings.sender, secret)
    html, text = factory.preview(SAMPLE_RECIPIENT)
    return Subject(result, source, html, text, factory.personalise(SAMPLE_RECIPIENT), factory.unsubscribe_link(SAMPLE_RECIPIENT))


def check(subject: Subject, online: bool = False, spam: bool = True, warnings: bool = True) -> Report:
    """Runs the offline checks, and the slower ones when asked: reachability of links, SpamAssassin. Without
    `warnings`, the CSS check is left out: it only warns, and a send wants only the errors that stop it."""
    from composer.checks import content, markup

    findings = [*content.check(subject), *markup.check(subject)]
    if warnings:
        from composer.checks import css  # caniemail's data: 640 KB of JSON

        findings += css.check(subject)
    if online:
        from composer.checks import online as online_checks  # urllib.request: 35 ms to import

        findings += online_checks.check(subject)
    if spam:
        from composer.checks import spam as spam_checks

        findings += spam_checks.check(subject)
    order = {"error": 0, "warning": 1, "info": 2}
    return Report(sorted(findings, key=lambda f: (order[f.level], *f.position)))
