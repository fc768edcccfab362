"""The issue writer: what the desk saves is an ordinary issue file that reads back to the same email."""

from __future__ import annotations

from pathlib import Path

import pytest

from composer.errors import IssueFileError
from composer.issue.issuefile import parse_issue, read_issue
from composer.issue.writer import issue_data, issue_text
from composer.render.build import build
from conftest import SAMPLE_ISSUE


def test_sample_opened_and_saved_unchanged_reads_back_to_the_same_email(tmp_path: Path) -> None:
    issue, _ = read_issue(SAMPLE_ISSUE)
    saved = tmp_path / "2020-12.md"
    saved.write_text(issue_text(issue_data(issue)), encoding="utf-8")
    again, _ = read_issue(saved)
    assert again == issue
    assert build(again, "2020-12").html == build(issue, "2020-12").html


def test_saving_twice_gives_the_same_text() -> None:
    issue, _ = read_issue(SAMPLE_ISSUE)
    text = issue_text(issue_data(issue))
    assert issue_text(issue_data(parse_issue(text, "x")[0])) == text


def test_multi_line_fields_are_written_as_blocks() -> None:
    issue, _ = read_issue(SAMPLE_ISSUE)
    assert "  address: |" in issue_text(issue_data(issue))


def test_a_body_line_that_would_start_an_article_is_refused_at_its_field() -> None:
    data = issue_data(read_issue(SAMPLE_ISSUE)[0])
    data["articles"][1]["body"] = "Text\n\n# Neue Überschrift\n\nmehr"
    with pytest.raises(IssueFileError) as caught:
        issue_text(data)
    assert caught.value.problems[0].field == "articles[1].body"
    assert "## " in caught.value.problems[0].message


def test_a_heading_inside_a_code_fence_is_kept() -> None:
    data = issue_data(read_issue(SAMPLE_ISSUE)[0])
    data["articles"][0]["body"] = "```\n# kein Artikel\n```"
    issue, _ = parse_issue(issue_text(data), "x")
    assert issue.articles[0].body == "```\n# kein Artikel\n```"
    assert len(issue.articles) == len(data["articles"])


def test_a_local_photo_an_article_language_and_dates_survive_saving() -> None:
    features = Path(__file__).parent / "data" / "issues" / "features.md"
    issue = parse_issue(features.read_text(encoding="utf-8").replace("url: https://example.org/bilder/sprachcafe.jpg",
                                                                      "path: media/sprachcafe.jpg"), "features.md")[0]
    again = parse_issue(issue_text(issue_data(issue)), "saved")[0]
    assert again == issue
    assert again.articles[0].image.path == "media/sprachcafe.jpg" and again.articles[2].language == "ar"
