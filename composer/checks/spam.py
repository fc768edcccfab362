"""SpamAssassin's verdict on the sample message (local tests only), when Debian's spamassassin is installed."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

from composer.i18n import Message, message
from composer.checks.findings import Finding, Level, Subject

WARN_AT, FAIL_AT = 2.0, 5.0
STATUS = re.compile(rb"^X-Spam-Status: \w+, score=(-?[\d.]+) required=[\d.]+ tests=(.*?)\s+autolearn", re.M | re.S)


@dataclass(frozen=True)
class SpamScore:
    score: float
    tests: list[str]


def spam_score(message: bytes) -> SpamScore | None:
    """None when spamassassin is not installed. -L keeps it offline: no DNS or network tests."""
    binary = shutil.which("spamassassin")
    if not binary:
        return None
    done = subprocess.run([binary, "-L", "-t"], input=message, capture_output=True, timeout=120)
    found = STATUS.search(done.stdout)
    if not found:
        return None
    tests = [t for t in re.split(rb"[,\s]+", found.group(2)) if t and t != b"none"]
    return SpamScore(float(found.group(1)), [t.decode() for t in tests])


def check(s: Subject) -> Iterator[Finding]:
    result = spam_score(s.message.data)
    if result is None:
        return
    rules: Message | str = ", ".join(result.tests) or message("no rule")
    level: Level = "error" if result.score >= FAIL_AT else "warning" if result.score >= WARN_AT else "info"
    yield Finding(level, "spam", message("SpamAssassin scores {score} (rules: {rules}); below {good} is good",
                                          score=round(result.score, 1) or 0.0, rules=rules, good=WARN_AT))  # never "-0.0"
