"""The issue writer: what the desk saves is an ordinary issue file that reads back to the same email."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from composer.errors import IssueFileError
from composer.issue.issuefile import draft_of, parse_issue, read_issue
from composer.issue.revision import revised_text
from composer.issue.writer import issue_data, issue_text
from composer.render.build import build
from conftest import SAMPLE_ISSUE
from tests.handwritten import HAND_WRITTEN, changed


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
    assert "## " in str(caught.value.problems[0].message)


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


def hand_written_data() -> dict[str, Any]:
    return issue_data(parse_issue(HAND_WRITTEN, "x")[0])


def test_a_hand_written_issue_saved_unchanged_is_kept_byte_for_byte() -> None:
    assert revised_text(HAND_WRITTEN, hand_written_data()) == HAND_WRITTEN
    assert revised_text(HAND_WRITTEN.rstrip("\n"), hand_written_data()) == HAND_WRITTEN.rstrip("\n")


def test_one_word_changed_in_one_article_changes_only_its_line() -> None:
    data = hand_written_data()
    data["articles"][0]["body"] = data["articles"][0]["body"].replace("Dienstag", "Mittwoch")
    saved = revised_text(HAND_WRITTEN, data)
    assert changed(HAND_WRITTEN, saved) == ["- Das Sprachcafé trifft sich jeden Dienstag.\n",
                                            "+ Das Sprachcafé trifft sich jeden Mittwoch.\n"]
    assert parse_issue(saved, "x")[0] == parse_issue(issue_text(data), "x")[0]


def test_comments_in_the_header_and_in_an_articles_fields_survive_saving_another_article() -> None:
    data = hand_written_data()
    data["articles"][2]["body"] = "Der Stammtisch fällt aus."
    saved = revised_text(HAND_WRITTEN, data)
    for comment in ("# Notiz: Kopf von Hand geschrieben", "# Notiz: kurz halten", "# Notiz: Fußzeile vom Amt",
                    "# Notiz: Foto kommt noch", "# Notiz: zweite Person fragen"):
        assert comment in saved
    assert changed(HAND_WRITTEN, saved) == ["- Der Stammtisch ist am 17. Dezember.\n", "+ Der Stammtisch fällt aus.\n"]


def test_changed_fields_of_an_article_keep_its_text_and_its_other_fields_as_written() -> None:
    data = hand_written_data()
    data["articles"][0]["author"] = "Jens Pieper"
    data["articles"][1]["author"] = "Esther Mai"
    saved = revised_text(HAND_WRITTEN, data)
    assert changed(HAND_WRITTEN, saved) == [
        '- author: "Eva Dolas"   # Notiz: Foto kommt noch\n', "+ author: Jens Pieper\n",
        "+ ---\n", "+ author: Esther Mai\n", "+ ---\n"]
    assert parse_issue(saved, "x")[0] == parse_issue(issue_text(data), "x")[0]


def test_a_changed_header_field_is_written_and_the_other_header_lines_keep_their_comments() -> None:
    data = hand_written_data()
    data["preheader"] = "Sprachcafés, Stammtisch und ein Dank"
    data["newsletter"] = "Newsletter Integration"
    del data["claims"]
    saved = revised_text(HAND_WRITTEN, data)
    assert changed(HAND_WRITTEN, saved) == [
        "- newsletter: Newsletter Flüchtlingskoordination\n", "+ newsletter: Newsletter Integration\n",
        "- preheader: Sprachcafés und ein Dank\n", "+ preheader: Sprachcafés, Stammtisch und ein Dank\n",
        "- claims:\n", "-     - KREATIV – INNOVATIV – WELTOFFEN\n", "-     - Stadt wie Samt und Seide\n"]
    assert parse_issue(saved, "x")[0] == parse_issue(issue_text(data), "x")[0]


def test_a_new_header_field_is_added_at_the_end_of_the_header() -> None:
    data = hand_written_data()
    data["kicker"] = "EHRENAMTLICHES ENGAGEMENT"
    saved = revised_text(HAND_WRITTEN, data)
    assert changed(HAND_WRITTEN, saved) == ["+ kicker: EHRENAMTLICHES ENGAGEMENT\n"]
    assert "  imprint_url: https://example.org/impressum\nkicker: EHRENAMTLICHES ENGAGEMENT\n---\n" in saved


def test_a_changed_field_inside_the_footer_keeps_the_footers_other_lines_as_written() -> None:
    data = hand_written_data()
    data["footer"]["reason"] = "Sie haben sich angemeldet."
    saved = revised_text(HAND_WRITTEN, data)
    assert changed(HAND_WRITTEN, saved) == [
        "-   reason: Sie erhalten diesen Newsletter, weil Sie sich für ihn angemeldet haben.\n",
        "+   reason: Sie haben sich angemeldet.\n"]


def test_a_new_field_inside_the_footer_is_indented_as_the_footer_is() -> None:
    deeper = HAND_WRITTEN.replace("\n  ", "\n    ").replace("\n    Stadt", "\n      Stadt").replace("\n    Muster", "\n      Muster")
    data = issue_data(parse_issue(deeper, "x")[0])
    data["footer"]["privacy_url"] = "https://example.org/datenschutz"
    saved = revised_text(deeper, data)
    assert changed(deeper, saved) == ["+     privacy_url: https://example.org/datenschutz\n"]
    assert parse_issue(saved, "x")[0] == parse_issue(issue_text(data), "x")[0]


def article_text(text: str, title: str) -> str:
    """The article's lines from its heading to the next heading."""
    start = text.index(f"# {title}\n")
    following = text.find("\n# ", start + 1)
    return text[start:] if following < 0 else text[start:following + 1]


def test_adding_removing_and_moving_articles_keeps_the_other_articles_text() -> None:
    data = hand_written_data()
    first, thanks, meeting = data["articles"]
    data["articles"] = [meeting, first, {"title": "Neu", "body": "Ein neuer Artikel."}]
    saved = revised_text(HAND_WRITTEN, data)
    for title in ("Termine im Dezember", "Stammtisch"):  # the blank lines between articles stay where they were
        assert article_text(saved, title).rstrip("\n") == article_text(HAND_WRITTEN, title).rstrip("\n")
    assert "# Danke!" not in saved and saved.endswith("\n\n# Neu\n\nEin neuer Artikel.\n")
    assert saved.startswith(HAND_WRITTEN[:HAND_WRITTEN.index("# Termine im Dezember")])
    assert parse_issue(saved, "x")[0] == parse_issue(issue_text(data), "x")[0]


def test_what_the_format_cannot_hold_is_still_refused_at_its_field_when_saving_into_a_file() -> None:
    data = hand_written_data()
    data["articles"][1]["body"] = "Text\n\n# Neue Überschrift"
    with pytest.raises(IssueFileError) as caught:
        revised_text(HAND_WRITTEN, data)
    assert caught.value.problems[0].field == "articles[1].body"


def test_a_file_with_a_schema_error_keeps_its_text_when_the_error_is_fixed() -> None:
    broken = HAND_WRITTEN.replace('date: "2026-12-02"', "date: 2.12.2026")
    data = draft_of(broken, "x")
    assert data is not None
    data["date"] = "2026-12-02"
    assert changed(broken, revised_text(broken, data)) == ["- date: 2.12.2026\n", "+ date: '2026-12-02'\n"]
