"""The issue file format and its errors: one line per problem, naming file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SAMPLE_ISSUE

from composer.errors import IssueFileError
from composer.issue.issuefile import load_issue
from composer.issue.schema import slugify

SEED = Path(__file__).resolve().parent.parent.parent / "shared" / "seed" / "newsletter-2020-12.txt"

HEAD = """---
newsletter: Newsletter Test
publisher: Fachbereich Test
date: 2021-01-15
subject: Januar
preheader: Neues aus dem Januar
footer:
  address: Musterstraße 1, 47798 Krefeld
  reason: Sie haben sich angemeldet.
---
"""


def write(tmp_path: Path, text: str, name: str = "2021-01.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(IssueFileError) as caught:
        load_issue(path)
    return [str(p) for p in caught.value.problems]


def test_sample_issue_reproduces_every_part_of_the_seed() -> None:
    issue = load_issue(SAMPLE_ISSUE)
    assert issue.newsletter == "Newsletter Flüchtlingskoordination"
    assert issue.publisher == "Fachbereich Migration & Integration"
    assert issue.kicker == "EHRENAMTLICHES ENGAGEMENT im Einsatz für Geflüchtete"
    assert issue.claims == ["KREATIV – INNOVATIV – WELTOFFEN", "Stadt wie Samt und Seide"]
    assert [a.title for a in issue.articles] == ["Krefeld auf dem Weg zur weltoffenen Kommune",
                                                 "„Gemeinsam klappt's“ erfolgreich gestartet"]
    assert issue.articles[1].author == "Esther Mai"
    assert [(c.name, c.phone, c.email) for c in issue.articles[1].contacts] == [
        ("Eva Dolas", "0162 1032055", "dolas@caritas-krefeld.de"),
        ("Jens Pieper", "0151 56657234", "jens.pieper@krefeld.de"),
    ]


@pytest.mark.skipif(not SEED.exists(), reason="the seed lives in ../shared")
def test_sample_issue_holds_every_paragraph_of_the_seed_with_page_breaks_repaired() -> None:
    bodies = "\n".join(a.body for a in load_issue(SAMPLE_ISSUE).articles)
    seed = SEED.read_text(encoding="utf-8").replace("städti-\n\nschen", "städtischen").replace("gestattet\n\nsind", "gestattet sind")
    for paragraph in seed.split("\n\n"):
        paragraph = paragraph.strip()
        if len(paragraph) > 60 and not paragraph.startswith(("Eva Dolas", "Jens Pieper", "- Krefeld")):
            assert paragraph in bodies, paragraph[:60]
    assert "städti-" not in bodies


def test_anchors_are_derived_from_titles_and_stay_unique() -> None:
    path = Path(SAMPLE_ISSUE)
    assert load_issue(path).anchors() == ["krefeld-auf-dem-weg-zur-weltoffenen-kommune", "gemeinsam-klappts-erfolgreich-gestartet"]
    assert slugify("Grüße aus Hüls") == "gruesse-aus-huels"


def test_two_articles_with_the_same_title_get_distinct_anchors(tmp_path: Path) -> None:
    issue = load_issue(write(tmp_path, HEAD + "# Termine\n\nA\n\n# Termine\n\nB\n"))
    assert issue.anchors() == ["termine", "termine-2"]


def test_invalid_contact_email_names_file_line_and_field(tmp_path: Path) -> None:
    text = HEAD + "# Erster\n\nText\n\n# Zweiter\n---\ncontacts:\n  - name: Eva\n    email: eva-at-example.org\n---\nText\n"
    assert problems(write(tmp_path, text)) == [
        f"{tmp_path / '2021-01.md'}:19: articles[1].contacts[0].email: not a valid email address (the @ sign is missing)"]


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    text = HEAD.replace("subject: Januar\n", "").replace("date: 2021-01-15", "date: 15.01.2021") + "# A\n\nText\n"
    found = problems(write(tmp_path, text))
    assert any(":4: date: not a date" in p for p in found)
    assert any(": subject: required, but missing" in p for p in found)


def test_unknown_field_is_an_error_that_suggests_a_typo(tmp_path: Path) -> None:
    found = problems(write(tmp_path, HEAD.replace("subject:", "subjekt: x\nsubject:") + "# A\n\nText\n"))
    assert found == [f"{tmp_path / '2021-01.md'}:5: subjekt: unknown field (a typo? the README lists the fields)"]


@pytest.mark.parametrize(("broken", "line", "message"), [
    ({"subject: Januar": "subject Januar"}, 5, "a ':' is missing after the field name; write it as 'name: value'"),
    ({"  address: Muster": "  address Muster"}, 8, "a ':' is missing after the field name; write it as 'name: value'"),
    ({"subject: Januar": "subject:Januar"}, 5, "a space is missing after the ':'; write it as 'name: value'"),
    ({"  reason:": "\treason:"}, 9, "a tab is used here; indent and separate with spaces only"),
    ({"subject: Januar": 'subject: "Januar'}, 5, 'the quote " opened here is never closed; end the value with " too'),
    ({"subject: Januar": "subject: 'Januar"}, 5, "the quote ' opened here is never closed; end the value with ' too"),
    ({"subject: Januar": 'subject: "Januar" 2021'}, 5, "text after the closing quote; put the whole value inside the quotes"),
    ({"preheader:": "  preheader:"}, 6, "not in line with the fields above it; fields that belong together start in the same column"),
    ({"  reason:": " reason:"}, 9, "not in line with the fields above it; fields that belong together start in the same column"),
    ({"  reason:": "    reason:"}, 9, "not in line with the fields above it; fields that belong together start in the same column"),
    ({"subject: Januar": "subject: Termine: Januar"}, 5, "the value holds ': '; put the whole value in quotes (\"...\")"),
    ({"subject: Januar": "subject: [Januar"}, 5, "a value that starts with '[' needs a closing ']'; put the whole value in "
                                                 "quotes (\"...\")"),
    ({"subject: Januar": "subject: @Januar"}, 5, "a value cannot start with '@'; put the whole value in quotes (\"...\")"),
    ({"subject: Januar": "subject: Januar\n- Februar"}, 6, "a list entry ('- ') that belongs to no field; put it under its "
                                                          "field, indented by two spaces"),
    ({"subject: Januar": 'subject: "C:\\Daten"'}, 5, "a backslash in double quotes starts a special character; use single "
                                                     "quotes ('...') or write \\\\"),
])
def test_a_broken_fields_block_is_said_in_plain_words_at_the_line_to_correct(
        tmp_path: Path, broken: dict[str, str], line: int, message: str) -> None:
    text = HEAD
    for old, new in broken.items():
        text = text.replace(old, new)
    assert problems(write(tmp_path, text + "# A\n\nText\n")) == [f"{tmp_path / '2021-01.md'}:{line}: {message}"]


def test_a_broken_article_fields_block_names_the_article_and_its_line(tmp_path: Path) -> None:
    text = HEAD + "# A\n---\nauthor Eva\nanchor: termine\n---\nText\n"
    assert problems(write(tmp_path, text)) == [
        f"{tmp_path / '2021-01.md'}:13: articles[0]: a ':' is missing after the field name; write it as 'name: value'"]


@pytest.mark.parametrize("body", ["# A\n\nText\n", "# A\n---\nauthor: Eva\n---\nText\n", "# A\n\nText\n\n---\n\nMehr\n"])
def test_a_fields_block_left_open_is_named_at_the_first_article(tmp_path: Path, body: str) -> None:
    assert problems(write(tmp_path, HEAD.removesuffix("---\n") + body)) == [
        f"{tmp_path / '2021-01.md'}:10: the fields block at the top is not closed: put a line '---' above this first article"]


def test_a_comment_in_the_fields_block_is_no_article(tmp_path: Path) -> None:
    text = HEAD.replace("subject: Januar", "# Betreff für Januar\nsubject: Januar")
    assert load_issue(write(tmp_path, text + "# A\n\nText\n")).subject == "Januar"
    assert problems(write(tmp_path, text.replace("preheader:", "preheader") + "# A\n\nText\n")) == [
        f"{tmp_path / '2021-01.md'}:7: a ':' is missing after the field name; write it as 'name: value'"]


def test_an_article_fields_block_left_open_is_named_at_its_opening_line(tmp_path: Path) -> None:
    text = HEAD + "# A\n---\nauthor: Eva\n\nText\n\n# B\n---\nauthor: Jo\n---\nMehr\n"
    assert problems(write(tmp_path, text)) == [
        f"{tmp_path / '2021-01.md'}:12: articles[0]: the fields block opened here is never closed with '---'"]


def test_file_without_front_matter_says_how_to_start(tmp_path: Path) -> None:
    assert problems(write(tmp_path, "# A\n\nText\n")) == [
        f"{tmp_path / '2021-01.md'}:1: the file must start with a line '---' that opens the issue's fields"]


def test_text_before_the_first_heading_is_not_lost_silently(tmp_path: Path) -> None:
    found = problems(write(tmp_path, HEAD + "Liebe Leute,\n\n# A\n\nText\n"))
    assert found == [f"{tmp_path / '2021-01.md'}:11: text before the first article; start each article with '# Title'"]


def test_issue_without_articles_is_refused(tmp_path: Path) -> None:
    assert problems(write(tmp_path, HEAD)) == [f"{tmp_path / '2021-01.md'}:11: articles: needs at least one entry"]


def test_image_needs_alt_text(tmp_path: Path) -> None:
    text = HEAD + "# A\n---\nimage:\n  url: https://example.org/bild.jpg\n---\nText\n"
    assert problems(write(tmp_path, text)) == [f"{tmp_path / '2021-01.md'}:13: articles[0].image.alt: required, but missing"]


def test_phone_numbers_stay_text_with_leading_zero(tmp_path: Path) -> None:
    text = HEAD + "# A\n---\ncontacts:\n  - name: Eva\n    phone: 01621032055\n---\nText\n"
    contact = load_issue(write(tmp_path, text)).articles[0].contacts[0]
    assert contact.phone == "01621032055" and contact.tel == "01621032055"


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    assert problems(tmp_path / "nope.md") == [f"{tmp_path / 'nope.md'}: no such file; check the path"]


def test_a_heading_without_a_title_is_an_error_at_its_line(tmp_path: Path) -> None:
    found = problems(write(tmp_path, HEAD + "# Erster\n\nText\n\n#\n\nMehr\n"))
    assert found == [f"{tmp_path / '2021-01.md'}:15: an article heading without a title; write the title after '# ', "
                     "or \\# for a literal '#'"]


def test_schema_errors_come_in_the_order_of_their_lines(tmp_path: Path) -> None:
    text = HEAD.replace("subject: Januar", "subject: ''").replace("date: 2021-01-15", "date: 15.01.2021")
    text += "# A\n---\ncontacts:\n  - name: Eva\n    email: eva\n---\nText\n"
    lines = [int(p.split(":")[1]) for p in problems(write(tmp_path, text))]
    assert len(lines) == 3 and lines == sorted(lines)


def test_an_image_names_either_a_web_address_or_a_file(tmp_path: Path) -> None:
    both = HEAD + "# A\n---\nimage:\n  url: https://example.org/a.jpg\n  path: media/a.jpg\n  alt: Bild\n---\nText\n"
    assert problems(write(tmp_path, both)) == [f"{tmp_path / '2021-01.md'}:13: articles[0].image: give either url (a picture "
                                               "on the web) or path (a photo file next to the issue), one of them"]
    other = HEAD + "# A\n---\nimage:\n  path: media/a.pdf\n  alt: Bild\n---\nText\n"
    assert problems(write(tmp_path, other)) == [f"{tmp_path / '2021-01.md'}:14: articles[0].image.path: not a picture file: "
                                                "name a .jpg, .png, .gif or .webp file"]
