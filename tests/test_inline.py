"""The CSS is inlined by premailer (composer/render/build.py: inline_css), configured for an offline machine and
for the mail clients: these are the rules the emails rely on, and the sample's whole email is a reviewed golden
file (tests/data/golden/2020-12.html; after a change of the templates, of premailer or of cssutils, look at the
new one and write it with `UPDATE_GOLDEN=1 python -m pytest tests/test_inline.py`)."""

from __future__ import annotations

import http.server
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from mjml import mjml2html

from conftest import ROOT, SAMPLE_ISSUE
from test_email_browser import FEATURES

from composer.issue.issuefile import load_issue
from composer.render.build import Build, build, inline_css, mjml_source

GOLDEN = ROOT / "tests" / "data" / "golden" / "2020-12.html"


def page(css: str, body: str) -> BeautifulSoup:
    return BeautifulSoup(inline_css(f"<!doctype html><html><head><style>{css}</style></head><body>{body}</body></html>"),
                         "html.parser")


def style_of(css: str, body: str, selector: str = "p") -> str:
    return page(css, body).select_one(selector)["style"]


def spaced(css: str) -> str:
    return re.sub(r"\s+", " ", css).strip()


def test_the_sample_email_is_the_reviewed_golden_file(sample_build: Build) -> None:
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_bytes(sample_build.html.encode())
    assert sample_build.html.encode() == GOLDEN.read_bytes()


def test_declarations_cssutils_does_not_know_or_finds_invalid_are_inlined_as_written() -> None:
    """Validation only logs (and the inliner turns it off for speed): Outlook's mso-* and a value no profile
    accepts reach the element just as a valid one does."""
    css = "p { mso-line-height-rule: exactly; width: 12 parsecs; color: red; }"
    assert style_of(css, '<p style="-webkit-text-size-adjust: 100%">a</p>') == (
        "mso-line-height-rule:exactly; width:12 parsecs; color:red; -webkit-text-size-adjust:100%")


def test_a_rule_reaches_every_element_its_selector_matches() -> None:
    soup = page(".body p { color: red; }", '<div class="body"><p>a</p><p>b</p></div><p>c</p>')
    assert [p.get("style") for p in soup.find_all("p")] == ["color:red", "color:red", None]


def test_the_more_specific_rule_wins_whatever_the_order() -> None:
    assert style_of(".body p { color: red; } p { color: blue; }", '<div class="body"><p>a</p></div>') == "color:red"


def test_at_equal_specificity_the_later_rule_wins() -> None:
    assert style_of(".a p { color: red; } .b p { color: blue; }", '<div class="a b"><p>a</p></div>') == "color:blue"


def test_an_important_declaration_beats_a_more_specific_normal_one() -> None:
    assert style_of("p { color: red !important; } .x p { color: blue; }", '<div class="x"><p>a</p></div>') == \
        "color:red !important"


def test_the_elements_own_style_beats_every_rule() -> None:
    assert style_of("p { color: red !important; margin: 0; }", '<p style="color: green">a</p>') == "margin:0; color:green"


def test_the_lists_of_a_right_to_left_article_are_indented_on_the_right() -> None:
    """premailer weighs `[dir=rtl]` like nothing, not like a class: the right-to-left rules win because the
    template writes them after the others."""
    arabic = BeautifulSoup(build(load_issue(FEATURES), "features").html, "html.parser").find("div", lang="ar")
    assert "padding-left:0; padding-right:22px" in arabic.ul["style"]


def test_a_semicolon_inside_a_url_separates_nothing() -> None:
    image = "url(data:image/png;base64,iVBORw0KGgo=)"
    assert style_of(f"p {{ background: {image}; color: red; }}", "<p>a</p>") == \
        'background:url("data:image/png;base64,iVBORw0KGgo="); color:red'


def test_media_queries_stay_in_the_style_element_with_every_declaration_important() -> None:
    soup = page("@media (prefers-color-scheme: dark) { .dm-text p { color: #333; } } p { margin: 0; }", "<p>a</p>")
    assert soup.p["style"] == "margin:0"
    assert spaced(soup.style.string) == "@media (prefers-color-scheme: dark) { .dm-text p { color: #333 !important } }"


def test_a_selector_with_a_state_stays_as_an_important_rule_and_a_position_is_inlined() -> None:
    soup = page(":root { color-scheme: light dark; } a:hover { color: red; } li:first-child { margin: 0; }",
                "<ul><li><a href='#x'>a</a></li><li>b</li></ul>")
    assert soup.style.string.splitlines() == [":root {color-scheme:light dark !important}", "a:hover {color:red !important}"]
    assert [li.get("style") for li in soup.find_all("li")] == ["margin:0", None] and not soup.a.get("style")


def test_a_style_element_whose_rules_were_all_inlined_is_removed() -> None:
    assert "<style" not in inline_css("<html><head><style>p { color: red; }</style></head><body><p>a</p></body></html>")


def test_web_fonts_of_mjml_stay_as_written() -> None:
    fonts = '<style type="text/css">@import url(https://example.org/font.css);</style>'
    html = f"<html><head><!--[if !mso]><!-->{fonts}<!--<![endif]--><style>p {{ color: red; }}</style></head><body><p>a</p></body></html>"
    out = inline_css(html)
    assert f"<!--[if !mso]><!-->{fonts}" in out and '<p style="color:red">' in out


def test_web_fonts_beside_rules_stay_in_a_style_element_of_their_own_and_the_rules_are_inlined() -> None:
    html = ('<html><head><style>@import url(https://example.org/font.css); @font-face { font-family: X; src: url(x.woff); }'
            ' p { color: red; } @media (max-width: 480px) { p { color: blue; } }</style></head><body><p>a</p></body></html>')
    fonts, rest = BeautifulSoup(inline_css(html), "html.parser").find_all("style")
    assert spaced(fonts.string) == "@import url(https://example.org/font.css); @font-face { font-family: X; src: url(x.woff) }"
    assert spaced(rest.string) == "@media (max-width: 480px) { p { color: blue !important } }"
    assert not fonts.attrs


def test_an_import_is_never_fetched() -> None:
    """premailer's allow_network=False covers <link>; the cssutils it parses with would fetch an @import."""
    with _server() as (url, asked):
        html = (f'<html><head><style>@import url({url}/a.css); p {{ color: red; }}</style>'
                f'<style>@media screen {{ @import url({url}/b.css); }}</style></head><body><p>x</p></body></html>')
        inline_css(html)
    assert asked == []


@pytest.mark.parametrize("issue", [SAMPLE_ISSUE, FEATURES], ids=["sample", "features"])
def test_mjmls_outlook_comments_and_thunderbirds_style_element_stay_as_mjml_wrote_them(issue: Path) -> None:
    compiled = mjml2html(mjml_source(load_issue(issue)))
    inlined = build(load_issue(issue), issue.stem).html
    comments = re.findall(r"<!--.*?-->", compiled, re.DOTALL)
    thunderbird = re.search(r'<style media="screen and \(min-width:480px\)">.*?</style>', compiled, re.DOTALL)
    assert any("[if mso | IE]" in c for c in comments) and re.findall(r"<!--.*?-->", inlined, re.DOTALL) == comments
    assert thunderbird and ".moz-text-html" in thunderbird[0] and thunderbird[0] in inlined


def test_outlook_gets_valign_from_vertical_align_and_align_from_a_floating_image() -> None:
    soup = page("td { vertical-align: top; }", '<table><tr><td><img src="a.png" style="float: right"></td></tr></table>')
    assert soup.td["valign"] == "top" and soup.img["align"] == "right"


def test_unset_sets_no_valign_and_the_last_float_decides_the_images_align() -> None:
    soup = page("td { vertical-align: top; } .u { vertical-align: unset; }",
                '<table><tr><td class="u"><img src="a.png" style="float: left; float: none"></td></tr></table>')
    assert not soup.td.get("valign") and not soup.img.get("align")


@contextmanager
def _server() -> Iterator[tuple[str, list[str]]]:
    """A stylesheet server on loopback that notes what it was asked for."""
    asked: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"p { color: blue; }")

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", asked
    finally:
        httpd.shutdown()
        httpd.server_close()
