"""The text/plain alternative: written from the model, wrapped, with links as numbered references."""

from __future__ import annotations

from pathlib import Path

from test_issuefile import HEAD, write

from composer.issue.issuefile import load_issue
from composer.render.build import Build
from composer.render.plaintext import render_text


def test_text_starts_with_name_date_and_table_of_contents(sample_build: Build) -> None:
    head = sample_build.text.split("\n\n")
    assert head[0].endswith("Newsletter Flüchtlingskoordination vom 23.12.2020")
    assert head[1] == ("Inhaltsübersicht\n----------------\n- Krefeld auf dem Weg zur weltoffenen Kommune\n"
                       "- „Gemeinsam klappt's“ erfolgreich gestartet")


def test_article_headings_are_underlined(sample_build: Build) -> None:
    assert "Krefeld auf dem Weg zur weltoffenen Kommune\n===========================================\n" in sample_build.text


def test_lines_are_wrapped_for_mail_readers(sample_build: Build) -> None:
    assert max(len(line) for line in sample_build.text.splitlines()) <= 78


def test_bullets_stay_together_with_dashes(sample_build: Build) -> None:
    assert ("- Interkulturelle Öffnung und Antirassismus\n- Fairer Zugang und Teilhabechancen\n"
            "- Arbeit und wirtschaftliche Entwicklung\n") in sample_build.text


def test_no_html_or_entities_are_left(sample_build: Build) -> None:
    for marker in ("<p>", "<a ", "&amp;", "&quot;", "&#"):
        assert marker not in sample_build.text
    assert "Fachbereich Migration & Integration" in sample_build.text


def test_gender_star_is_kept_and_not_taken_for_emphasis(sample_build: Build) -> None:
    assert "Vertreter*innen von Arbeitsagentur" in sample_build.text
    assert "Kund*innen immer wieder" in sample_build.text


def test_contacts_and_author_credit_follow_the_article(sample_build: Build) -> None:
    assert ("Kontaktdaten:\n\nEva Dolas\nTeilhabemanagerin, Caritas\nTel. 0162 1032055\ndolas@caritas-krefeld.de"
            in sample_build.text)
    assert "\n\nText: Esther Mai\n" in sample_build.text


def test_links_become_numbered_references_listed_after_the_article(tmp_path: Path) -> None:
    body = ("Mehr bei der [Stadt](https://example.org/stadt) und im [Rathaus](https://example.org/rathaus).\n\n"
            "- [Stadt](https://example.org/stadt) nochmal")
    issue = load_issue(write(tmp_path, HEAD + "# Links\n\n" + body + "\n"))
    text = render_text(issue, "Hallo,", "https://example.org/abmelden")
    assert "Mehr bei der Stadt [1] und im Rathaus [2]." in text
    assert "- Stadt [1] nochmal" in text
    assert "[1] https://example.org/stadt\n[2] https://example.org/rathaus" in text


def test_long_list_items_flow_on_without_an_indent_a_reflowing_reader_would_keep(tmp_path: Path) -> None:
    issue = load_issue(write(tmp_path, HEAD + "# A\n\n- " + "Wort " * 30 + "\n1. eins\n"))
    lines = render_text(issue, "Hallo,", "https://example.org/abmelden").splitlines()
    first = lines.index(next(line for line in lines if line.startswith("- Wort")))
    assert lines[first].endswith("Wort ") and lines[first + 1].startswith("Wort")


def test_an_inline_code_span_is_never_split_across_lines(tmp_path: Path) -> None:
    code = "`newsletter send issues/2021-01.md --list volunteers --at 09:00`"
    issue = load_issue(write(tmp_path, HEAD + "# Code\n\n" + "Zum Versenden tippen Sie im Ordner des Newsletters " + code + " ein.\n"))
    assert code in render_text(issue, "Hallo,", "https://example.org/abmelden")


def test_articles_in_arabic_and_ukrainian_keep_their_words_in_reading_order() -> None:
    from test_email_browser import FEATURES

    text = render_text(load_issue(FEATURES), "Hallo,", "https://example.org/abmelden")
    assert "مقهى اللغة في المكتبة\n=====================\n" in text
    assert "يلتقي اللاجئون والمتطوعون كل يوم ثلاثاء في الساعة الرابعة في مكتبة المدينة" in " ".join(text.split())
    assert "Біженці та волонтери зустрічаються щовівторка о 16:00 у міській бібліотеці." in text
