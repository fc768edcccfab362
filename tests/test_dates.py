"""German dates at the start of a line stay dates: `4. Februar` is text, not a numbered list starting at 4."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from test_issuefile import HEAD, write

from composer.issue.issuefile import load_issue
from composer.render.build import build
from composer.render.plaintext import render_text


def body_html(tmp_path: Path, body: str) -> BeautifulSoup:
    page = BeautifulSoup(build(load_issue(write(tmp_path, HEAD + "# Termine\n\n" + body + "\n")), "x").html, "html.parser")
    return page.find("h2", class_="title").parent


def body_text(tmp_path: Path, body: str) -> str:
    return render_text(load_issue(write(tmp_path, HEAD + "# Termine\n\n" + body + "\n")), "Hallo,", "https://example.org/ab")


@pytest.mark.parametrize("line", ["4. Februar: Stammtisch im Café", "17. März 2021: Sommerfest", "3. Feb. Treffen",
                                  "12. Dezember Weihnachtsfeier", "4. February: open meeting"])
def test_a_line_starting_with_a_date_is_a_paragraph(tmp_path: Path, line: str) -> None:
    html = body_html(tmp_path, line)
    assert html.find("ol") is None
    assert html.find("p").get_text() == line
    assert f"\n{line}\n" in body_text(tmp_path, line)


def test_a_bullet_list_of_dates_keeps_its_dates(tmp_path: Path) -> None:
    body = "- 4. Februar: Stammtisch\n- 17. März 2021: Sommerfest"
    html = body_html(tmp_path, body)
    assert html.find("ol") is None
    assert [li.get_text() for li in html.find_all("li")] == ["4. Februar: Stammtisch", "17. März 2021: Sommerfest"]
    assert body + "\n" in body_text(tmp_path, body)


def test_a_numbered_list_of_dates_numbers_once(tmp_path: Path) -> None:
    html = body_html(tmp_path, "1. 3. Februar: Kochen\n2. 10. Februar: Nähen")
    lists = html.find_all("ol")
    assert len(lists) == 1 and lists[0].get("start") is None
    assert [li.get_text() for li in lists[0].find_all("li")] == ["3. Februar: Kochen", "10. Februar: Nähen"]
    assert "1. 3. Februar: Kochen\n2. 10. Februar: Nähen\n" in body_text(tmp_path, "1. 3. Februar: Kochen\n2. 10. Februar: Nähen")


def test_a_real_numbered_list_still_works(tmp_path: Path) -> None:
    html = body_html(tmp_path, "1. Anmelden\n2. Kommen\n3. Mitmachen")
    assert [li.get_text() for li in html.find("ol").find_all("li")] == ["Anmelden", "Kommen", "Mitmachen"]


def test_a_date_in_code_stays_as_written(tmp_path: Path) -> None:
    assert body_html(tmp_path, "```\n4. Februar\n```").find("code").get_text() == "4. Februar\n"
