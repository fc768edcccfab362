"""Where a problem is, in the coordinator's words (composer/issue/places.py): the form's own labels, articles and
contacts by number and name, never a file path or `articles[2]`; the month she means by what she typed; the quick
left-to-right answer of an article's direction."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from composer.desk.forms import field_target
from composer.i18n import render
from composer.issue.months import month_of
from composer.issue.places import place, place_at, place_of_finding, told_at
from composer.issue.schema import RTL_BLOCKS

DATA = {"articles": [{"title": "Eins"}, {"title": "Zwei"}, {"title": "Drei", "contacts": [{"name": "Aylin Demir"}, {}]}]}


@pytest.mark.parametrize(("field", "german", "english"), [
    ("articles[2].contacts[0].email", "Artikel 3 › Ansprechperson Aylin Demir › E-Mail",
     "Article 3 › Contact Aylin Demir › Email"),
    ("articles[2].contacts[1].phone", "Artikel 3 › Ansprechperson 2 › Telefon", "Article 3 › Contact 2 › Phone"),
    ("articles[0].image", "Artikel 1 › Bild", "Article 1 › Image"),
    ("articles[0].image.alt", "Artikel 1 › Bild › Bildbeschreibung (Alternativtext)",
     "Article 1 › Image › Image description (alt text)"),
    ("footer.address", "Anschrift (Impressum)", "Address (imprint)"),
    ("subject", "Betreff", "Subject"),
    ("subjct", "Angabe „subjct“", "field “subjct”"),
])
def test_a_field_is_named_as_the_form_shows_it(field: str, german: str, english: str) -> None:
    assert render(place(field, DATA), "de") == german
    assert render(place(field, DATA), "en") == english


def test_a_problem_is_told_at_its_place_or_its_line_never_at_a_file_path() -> None:
    told = told_at("articles[2].contacts[0].email", 53, "keine gültige E-Mail-Adresse", DATA)
    assert render(told, "de") == "Artikel 3 › Ansprechperson Aylin Demir › E-Mail: keine gültige E-Mail-Adresse"
    assert render(place_at("", 12), "de") == "Zeile 12 der Ausgabe"
    assert render(place_of_finding("issues/2027-01.md:53: articles[1].title", DATA), "de") == "Artikel 2 › Titel"
    assert render(place_of_finding("text part"), "de") == "Textfassung der E-Mail"
    assert render(place_of_finding("issues/2027-01.md"), "de") == "die Ausgabe"


@pytest.mark.parametrize(("field", "target"), [
    ("articles[0].image", "f-articles-0-image"),  # "zum Feld image" pointed here, and the page had no such element
    ("articles[0].image.path", "f-articles-0-image-path"),
    ("articles[1].contacts[0]", "f-articles-1-contacts-0"),
    ("articles[1].sideline", "f-articles-1"),
    ("footer", "f-footer-address"),
    ("theme.glow", "f-theme"),
    ("claims[1]", "f-claims"),
    ("subjct", "issue-form"),
])
def test_a_link_to_a_field_lands_on_the_nearest_element_the_editor_has(field: str, target: str) -> None:
    assert field_target(field) == target


@pytest.mark.parametrize(("typed", "month"), [
    ("2027-01", (2027, 1)), ("01/2027", (2027, 1)), ("1.2027", (2027, 1)), ("Januar 2027", (2027, 1)),
    ("jan. 2027", (2027, 1)), ("März 2027", (2027, 3)), ("December 2026", (2026, 12)),
    ("2027-13", None), ("Sonderausgabe", None), ("", None),
])
def test_the_month_of_a_new_issue_is_read_as_she_writes_it(typed: str, month: tuple[int, int] | None) -> None:
    assert month_of(typed) == month


def test_every_right_to_left_letter_is_in_the_blocks_the_quick_direction_check_looks_at() -> None:
    outside = [hex(c) for c in range(sys.maxunicode + 1)
               if chr(c).isalpha() and unicodedata.bidirectional(chr(c)) in ("R", "AL") and not RTL_BLOCKS.match(chr(c))]
    assert outside == []
