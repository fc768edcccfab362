"""`newsletter check`: everything that would go wrong in a subscriber's mail client, found before the send."""

from __future__ import annotations

from pathlib import Path

from composer.checks.findings import Finding, Level, Report, Subject

__all__ = ["Finding", "Level", "Report", "Subject", "check", "prepare"]
from composer.send.pipeline import SAMPLE_RECIPIENT, build_with_source
from composer.send.message import MessageFactory
from composer.config.settings import Settings

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
