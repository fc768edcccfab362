"""What the coordinator wrote: subject, preheader and the footer a German sender needs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from composer.checks.findings import Finding, Subject
from composer.i18n import message
from composer.issue import starter
from composer.issue.markdown import joined_schedule_lines, ordered_lists
from composer.issue.scaffold import INIT_MARK, PLACEHOLDER_BODY, PREHEADER
from composer.render.build import UNSUBSCRIBE_URL

SUBJECT_MAX = 70
STARTER = {line.strip() for body in PLACEHOLDER_BODY.values() for line in body.splitlines() if line.strip()}
POSTCODE = re.compile(r"\b\d{5}\b")
TOWN = re.compile(r"\b\d{4,5}[ \t]+[^\W\d_]")  # the postcode followed by the town
STREET = re.compile(r"[^\W\d_][^\n,]*[ \t.]\d+[ \t]*[a-zA-Z]?\b(?![ \t]*[^\W\d_]{2})|\bPostfach\b", re.IGNORECASE)
EXAMPLE_HOSTS = ("example.org", "example.com", "example.net")


def check(s: Subject) -> Iterator[Finding]:
    issue = s.build.issue
    subject = issue.subject
    if len(subject) > SUBJECT_MAX:
        yield Finding("warning", s.at(("subject",)),
                      message("{n} characters; phones cut it after about {max}", n=len(subject), max=SUBJECT_MAX))
    letters = [c for c in subject if c.isalpha()]
    if len(letters) >= 4 and all(c.isupper() for c in letters):
        yield Finding("warning", s.at(("subject",)), message("all capitals look like shouting and like spam"))
    if "!!" in subject:
        yield Finding("warning", s.at(("subject",)), message("several exclamation marks look like spam"))
    starter_said = (message("still the starter text of `newsletter init`; write your own before sending")
                    if INIT_MARK in s.source.lines else
                    message("still the starter text of `newsletter new`; write your own before sending"))
    if issue.preheader in PREHEADER.values():
        yield Finding("error", s.at(("preheader",)), starter_said)
    for n, article in enumerate(issue.articles):
        if f"# {article.title}" in STARTER:
            yield Finding("error", s.at(("articles", n, "title")), starter_said)
        for said in article.body.splitlines():
            if said.strip() in STARTER:  # at its own line: the title may be the office's already
                yield Finding("error", s.at(("articles", n, "body"), said.strip()), starter_said)
    first_words = " ".join(issue.articles[0].body.split())[: len(issue.preheader)]
    if issue.preheader.strip().lower() in (subject.lower(), first_words.lower()):
        yield Finding("warning", s.at(("preheader",)), message("repeats the subject or the first line; say something new"))
    for n, article in enumerate(issue.articles):
        lines = article.body.split("\n")
        for start, line in ordered_lists(article.body):
            yield Finding("warning", s.at(("articles", n, "body"), lines[line]),
                          message("a numbered list starts at {start}: if this is a date, write the month as a word (4. Februar)",
                                  start=start))
    yield from _schedules(s)
    yield from _footer(s)
    if UNSUBSCRIBE_URL not in s.build.html or UNSUBSCRIBE_URL not in s.build.text:
        yield Finding("error", "templates", message("the footer has no unsubscribe link; every newsletter needs one"))


def _schedules(s: Subject) -> Iterator[Finding]:
    """A date or time line that a paragraph of prose runs into: meant as its own line, it would not show as one."""
    for n, article in enumerate(s.build.issue.articles):
        lines = article.body.split("\n")
        for line, text in joined_schedule_lines(article.body):
            yield Finding("warning", s.at(("articles", n, "body"), lines[line].strip() if line < len(lines) else None),
                          message("the line {line} runs on from the line above; to keep it a line of its own, start it with – or leave "
                                  "an empty line before it", line=repr(text[:40])))


def _footer(s: Subject) -> Iterator[Finding]:
    footer = s.build.issue.footer
    imprint = str(footer.imprint_url) if footer.imprint_url else None
    privacy = str(footer.privacy_url) if footer.privacy_url else None
    issue = s.build.issue
    left = starter.placeholders(issue.publisher, issue.newsletter, issue.subject, footer.address, imprint, privacy)
    for dotted in left:
        yield Finding("error", s.at(tuple(dotted.split("."))), message(starter.SAID[dotted]))
    if "footer.address" not in left:
        if not POSTCODE.search(footer.address):
            yield Finding("error", s.at(("footer", "address")), message("no postal address (street, postcode, town) for the imprint"))
        elif not (STREET.search(POSTCODE.sub("", footer.address)) and TOWN.search(footer.address)):
            yield Finding("warning", s.at(("footer", "address")),
                          message("the address needs a street with its number, the postcode and the town, one after the other"))
    if not footer.imprint_url and "impressum" not in footer.address.lower():
        yield Finding("warning", s.at(("footer",)), message("no imprint: add footer.imprint_url or an 'Impressum' line"))
    if not footer.privacy_url:
        yield Finding("warning", s.at(("footer",)), message("no privacy notice (GDPR Art. 13): add footer.privacy_url, the link "
                                                            "to your Datenschutzerklärung"))
    for field, url in (("imprint_url", imprint), ("privacy_url", privacy)):
        if not url or f"footer.{field}" in left:
            continue
        host = (urlsplit(url).hostname or "").lower()
        if host in EXAMPLE_HOSTS or host.endswith(tuple("." + h for h in EXAMPLE_HOSTS)):
            yield Finding("warning", s.at(("footer", field)), message("{url} is an example address, not your office's "
                                                                      "page; link your own", url=url))
        elif not url.startswith("https://"):
            yield Finding("warning", s.at(("footer", field)), message("{url} is not encrypted; link the https:// address", url=url))
