"""What the coordinator wrote: subject, preheader and the footer a German sender needs."""

from __future__ import annotations

import re
from collections.abc import Iterator

from composer.checks.findings import Finding, Subject
from composer.issue.markdown import ordered_lists
from composer.issue.scaffold import PLACEHOLDER_BODY, PREHEADER
from composer.render.build import UNSUBSCRIBE_URL

SUBJECT_MAX = 70
STARTER = {line.strip() for body in PLACEHOLDER_BODY.values() for line in body.splitlines() if line.strip()}
STARTER_SAID = "still the starter text of `newsletter new`; write your own before sending"
POSTCODE = re.compile(r"\b\d{5}\b")


def check(s: Subject) -> Iterator[Finding]:
    issue = s.build.issue
    subject = issue.subject
    if len(subject) > SUBJECT_MAX:
        yield Finding("warning", s.at(("subject",)), f"{len(subject)} characters; phones cut it after about {SUBJECT_MAX}")
    letters = [c for c in subject if c.isalpha()]
    if len(letters) >= 4 and all(c.isupper() for c in letters):
        yield Finding("warning", s.at(("subject",)), "all capitals look like shouting and like spam")
    if "!!" in subject:
        yield Finding("warning", s.at(("subject",)), "several exclamation marks look like spam")
    if issue.preheader in PREHEADER.values():
        yield Finding("error", s.at(("preheader",)), STARTER_SAID)
    for n, article in enumerate(issue.articles):
        if f"# {article.title}" in STARTER or any(line.strip() in STARTER for line in article.body.splitlines()):
            yield Finding("error", s.at(("articles", n, "title")), STARTER_SAID)
    first_words = " ".join(issue.articles[0].body.split())[: len(issue.preheader)]
    if issue.preheader.strip().lower() in (subject.lower(), first_words.lower()):
        yield Finding("warning", s.at(("preheader",)), "repeats the subject or the first line; say something new")
    for n, article in enumerate(issue.articles):
        lines = article.body.split("\n")
        for start, line in ordered_lists(article.body):
            yield Finding("warning", s.at(("articles", n, "body"), lines[line]),
                          f"a numbered list starts at {start}: if this is a date, write the month as a word (4. Februar)")
    footer = issue.footer
    if not POSTCODE.search(footer.address):
        yield Finding("error", s.at(("footer", "address")), "no postal address (street, postcode, town) for the imprint")
    if not footer.imprint_url and "impressum" not in footer.address.lower():
        yield Finding("warning", s.at(("footer",)), "no imprint: add footer.imprint_url or an 'Impressum' line")
    if not footer.privacy_url:
        yield Finding("warning", s.at(("footer",)), "no privacy notice (GDPR Art. 13): add footer.privacy_url, the link to "
                                                    "your Datenschutzerklärung")
    if UNSUBSCRIBE_URL not in s.build.html or UNSUBSCRIBE_URL not in s.build.text:
        yield Finding("error", "templates", "the footer has no unsubscribe link; every newsletter needs one")
