"""What a check finds, and what every check looks at: the shared ground of composer/checks/, so the checks and the
package that runs them never import each other."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from composer.i18n import Message
from composer.issue.issuefile import IssueSource
from composer.records import OutgoingMessage
from composer.render.build import Build

Level = Literal["error", "warning", "info"]
LOCATED = re.compile(r"^(?P<file>[^:]+):(?P<line>[0-9]+)(?::|$)")


@dataclass(frozen=True)
class Finding:
    level: Level
    where: str
    message: Message | str  # a Message from every check; rendered where it is shown, English by str()

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
