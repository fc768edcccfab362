"""The CSS inliner (composer/render/inline.py): premailer's rules of precedence, without cssutils."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from lxml import etree
from mjml import mjml2html

from conftest import SAMPLE_ISSUE
from test_email_browser import FEATURES

from composer.issue.issuefile import load_issue
from composer.render.build import ARTICLE_WRAPPER, mjml_source
from composer.render.inline import inline_css


def page(css: str, body: str) -> BeautifulSoup:
    return BeautifulSoup(inline_css(f"<!doctype html><html><head><style>{css}</style></head><body>{body}</body></html>"),
                         "html.parser")


def style_of(css: str, body: str, selector: str = "p") -> str:
    return page(css, body).select_one(selector)["style"]


def test_a_rule_reaches_every_element_its_selector_matches() -> None:
    soup = page(".body p { color: red; }", '<div class="body"><p>a</p><p>b</p></div><p>c</p>')
    assert [p.get("style") for p in soup.find_all("p")] == ["color:red", "color:red", None]


def test_the_more_specific_rule_wins_whatever_the_order() -> None:
    assert style_of(".body p { color: red; } p { color: blue; }", '<div class="body"><p>a</p></div>') == "color:red"


def test_at_equal_specificity_the_later_rule_wins() -> None:
    assert style_of(".a p { color: red; } .b p { color: blue; }", '<div class="a b"><p>a</p></div>') == "color:blue"


def test_an_attribute_selector_weighs_like_a_class() -> None:
    css = ".body [dir=rtl] ul { padding-right: 22px; padding-left: 0; } .body ul { padding-left: 22px; }"
    assert style_of(css, '<div class="body"><div dir="rtl"><ul><li>x</li></ul></div></div>', "ul") == \
        "padding-right:22px; padding-left:0"


def test_an_important_declaration_beats_a_more_specific_normal_one() -> None:
    assert style_of("p { color: red !important; } .x p { color: blue; }", '<div class="x"><p>a</p></div>') == \
        "color:red !important"


def test_the_elements_own_style_beats_every_rule() -> None:
    assert style_of("p { color: red !important; margin: 0; }", '<p style="color: green">a</p>') == "margin:0; color:green"


def test_a_semicolon_inside_a_url_separates_nothing() -> None:
    image = "url(data:image/png;base64,iVBORw0KGgo=)"
    assert style_of(f"p {{ background: {image}; color: red; }}", "<p>a</p>") == f"background:{image}; color:red"


def test_media_queries_stay_in_the_style_element_with_every_declaration_important() -> None:
    soup = page("@media (prefers-color-scheme: dark) { .dm-text p { color: #eeeeee; } } p { margin: 0; }", "<p>a</p>")
    assert soup.p["style"] == "margin:0"
    assert re.sub(r"\s+", " ", soup.style.string) == "@media (prefers-color-scheme: dark) { .dm-text p { color:#eeeeee !important } }"


def test_a_selector_with_a_state_stays_as_an_important_rule_and_a_position_is_inlined() -> None:
    soup = page(":root { color-scheme: light dark; } a:hover { color: red; } li:first-child { margin: 0; }",
                "<ul><li><a href='#x'>a</a></li><li>b</li></ul>")
    assert soup.style.string.splitlines() == [":root { color-scheme:light dark !important }", "a:hover { color:red !important }"]
    assert [li.get("style") for li in soup.find_all("li")] == ["margin:0", None] and not soup.a.get("style")


def test_web_fonts_stay_and_a_style_element_for_another_medium_is_left_alone() -> None:
    html = ('<html><head><style>@import url(https://example.org/font.css); @font-face { font-family: X; src: url(x.woff); }'
            ' p { color: red; }</style><style media="print">p { color: black; }</style></head><body><p>a</p></body></html>')
    soup = BeautifulSoup(inline_css(html), "html.parser")
    first, printed = soup.find_all("style")
    assert first.string.splitlines() == ["@import url(https://example.org/font.css);",
                                         "@font-face { font-family: X; src: url(x.woff); }"]
    assert printed.string == "p { color: black; }" and soup.p["style"] == "color:red"


def test_a_style_element_whose_rules_were_all_inlined_is_removed_and_the_text_after_it_kept() -> None:
    out = inline_css("<html><body><style>p { color: red; }</style>before <p>a</p></body></html>")
    assert "<style" not in out and "before" in out


def test_outlook_gets_valign_from_vertical_align_and_align_from_a_floating_image() -> None:
    soup = page("td { vertical-align: top; }", '<table><tr><td><img src="a.png" style="float: right"></td></tr></table>')
    assert soup.td["valign"] == "top" and soup.img["align"] == "right"


@pytest.mark.parametrize("issue", [SAMPLE_ISSUE, FEATURES], ids=["sample", "features"])
def test_the_email_is_styled_exactly_as_premailer_styled_it(issue: Path) -> None:
    """premailer (a test dependency only) made the emails until the inliner replaced it: every element keeps
    its attributes and declarations, every style element its rules (written the way cssutils writes them)."""
    from premailer import Premailer

    html = ARTICLE_WRAPPER.sub(r"<main>\1</main>\2", mjml2html(mjml_source(load_issue(issue), web_url="https://example.org/x")))
    before = Premailer(html, strip_important=False, disable_basic_attributes=["width", "height", "align", "bgcolor"],
                       allow_network=False, remove_classes=False, disable_validation=True,
                       cssutils_logging_level=logging.CRITICAL).transform()
    assert _described(inline_css(html)) == _described(before)


def _described(html: str) -> list[tuple[object, ...]]:
    """Each element's tag, attributes, declarations and text, with the spelling of CSS values evened out."""
    def value(text: str) -> str:
        text = re.sub(r"\s+", "", text.lower())
        text = re.sub(r"(?<![\d.])0(px|pt|em)", "0", text)
        return re.sub(r"#([0-9a-f])\1([0-9a-f])\2([0-9a-f])\3\b", r"#\1\2\3", text).replace(";}", "}")

    described: list[tuple[object, ...]] = []
    for element in etree.fromstring(html, etree.HTMLParser()).iter():
        attributes = dict(element.attrib)
        declarations = sorted((k.strip().lower(), value(v)) for k, _, v in
                              (part.partition(":") for part in re.split(r";(?![^(]*\))", attributes.pop("style", ""))) if v)
        text = value(element.text or "") if element.tag == "style" else (element.text or "").strip()
        described.append((element.tag, sorted(attributes.items()), declarations, text))
    return described


def test_a_later_winner_moves_to_the_end_so_a_shorthand_cannot_undo_the_elements_own_longhand() -> None:
    assert style_of("p { padding-top: 5px; } .x { padding: 0; }", '<p class="x" style="padding-top: 7px">a</p>') == \
        "padding:0; padding-top:7px"


def test_the_argument_of_a_position_is_no_element_name() -> None:
    css = "div p.a { color: blue; } p:nth-child(odd) { color: red; }"
    assert style_of(css, '<div><p class="a">x</p></div>') == "color:blue"


@pytest.mark.parametrize("css", ["p, { color: red; }", "ns|p { color: red; }"], ids=["empty part", "undeclared namespace"])
def test_a_rule_whose_selector_cannot_match_stays_as_written_and_nothing_is_inlined(css: str) -> None:
    soup = page(css, "<p>x</p>")
    assert not soup.p.get("style") and soup.style.string.startswith(css.split(" {")[0])


def test_css_wrapped_in_an_html_comment_and_a_block_left_open_at_the_end_are_read_as_a_browser_reads_them() -> None:
    assert style_of("<!-- p { color: red; } -->", "<p>x</p>") == "color:red"
    assert style_of("b { margin: 0; } p { color: red", "<p>x</p>") == "color:red"


def test_an_escaped_backslash_before_a_quote_ends_the_string() -> None:
    assert style_of('p { font-family: "a\\\\"; color: red; }', "<p>x</p>") == 'font-family:"a\\\\"; color:red'


def test_unset_sets_no_valign_and_the_last_float_decides_the_images_align() -> None:
    soup = page("td { vertical-align: top; } .u { vertical-align: unset; }",
                '<table><tr><td class="u"><img src="a.png" style="float: left; float: none"></td></tr></table>')
    assert not soup.td.get("valign") and not soup.img.get("align")


def test_an_upper_case_element_name_in_a_selector_matches() -> None:
    assert style_of("P { color: red; }", "<p>x</p>") == "color:red"


def test_an_import_inside_a_media_query_stays_a_statement() -> None:
    assert re.sub(r"\s+", " ", page("@media screen { @import url(x.css); }", "<p>x</p>").style.string) == \
        "@media screen { @import url(x.css); }"
