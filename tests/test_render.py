"""The HTML email as subscribers receive it: parsed and checked element by element."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import jinja2
import pytest
from bs4 import BeautifulSoup
from test_issuefile import HEAD, write

from composer.errors import RenderError
from composer.issue.issuefile import load_issue
from composer.render.build import GMAIL_CLIP_BYTES, Build, build
from composer.render.templates import TEMPLATES, _environment, environment

SEED_EMAILS = ["dolas@caritas-krefeld.de", "jens.pieper@krefeld.de"]


def soup(result: Build) -> BeautifulSoup:
    return BeautifulSoup(result.html, "lxml")


def test_no_mjml_tag_is_left_and_the_doctype_is_kept(sample_build: Build) -> None:
    assert "<mj-" not in sample_build.html
    assert sample_build.html.lower().startswith("<!doctype html>")


def test_html_declares_language_title_and_dark_mode(sample_build: Build) -> None:
    page = soup(sample_build)
    assert page.html["lang"] == "de"
    assert page.title.string == "Newsletter Flüchtlingskoordination – Dezember 2020"
    assert page.find("meta", attrs={"name": "color-scheme"})["content"] == "light dark"
    assert page.find("meta", attrs={"name": "supported-color-schemes"})["content"] == "light dark"


def test_preheader_is_hidden_text_at_the_top_of_the_body(sample_build: Build) -> None:
    first = soup(sample_build).body.find("div").find("div")
    assert "display:none" in first["style"].replace(" ", "") and "mso-hide:all" in first["style"]
    assert first["aria-hidden"] == "true"
    assert first.get_text().startswith("Krefeld auf dem Weg zur weltoffenen Kommune")


def test_preheader_is_followed_by_a_spacer_so_clients_show_no_body_text_after_it(sample_build: Build) -> None:
    preview = soup(sample_build).find("div", class_="preheader").get_text()
    assert preview.endswith("\u034f\u200c\u00a0" * 40)


def test_titles_set_their_weight_instead_of_relying_on_the_browser(sample_build: Build) -> None:
    page = soup(sample_build)
    for heading in (page.find("h1"), page.find("h2", class_="title"), page.find("h2", id="inhalt")):
        assert "font-weight:700" in heading["style"].replace(" ", "")


def test_css_is_inlined_on_text_blocks(sample_build: Build) -> None:
    paragraph = soup(sample_build).find("p", string=re.compile("Kreativ — Innovativ"))
    assert "margin" in paragraph["style"]
    title = soup(sample_build).find("h2", id="krefeld-auf-dem-weg-zur-weltoffenen-kommune")
    assert "color:#8a1538" in title["style"].replace(" ", "")


def test_media_queries_keep_important_for_the_mobile_layout(sample_build: Build) -> None:
    styles = " ".join(s.get_text() for s in soup(sample_build).find_all("style"))
    assert re.search(r"@media only screen and \(min-width: ?480px\)[^}]*\.mj-column-per-100[^}]*width: ?100% !important", styles)
    assert "prefers-color-scheme: dark" in styles


def test_outlook_conditional_comments_survive_inlining(sample_build: Build) -> None:
    assert "<!--[if mso | IE]>" in sample_build.html
    assert "<o:OfficeDocumentSettings>" in sample_build.html


def test_every_internal_link_points_at_an_element_that_exists(sample_build: Build) -> None:
    page = soup(sample_build)
    ids = {el["id"] for el in page.find_all(id=True)}
    targets = [a["href"][1:] for a in page.find_all("a", href=re.compile("^#"))]
    assert len(targets) == 4  # two in the table of contents, one "zurück" per article
    assert set(targets) <= ids


def test_each_article_links_back_to_the_table_of_contents(sample_build: Build) -> None:
    backs = soup(sample_build).find_all("a", string="zurück zur Inhaltsübersicht")
    assert [a["href"] for a in backs] == ["#inhalt", "#inhalt"]
    assert soup(sample_build).find(id="inhalt").get_text() == "Inhaltsübersicht"


def test_contacts_get_tel_and_mailto_links(sample_build: Build) -> None:
    hrefs = {a["href"] for a in soup(sample_build).find_all("a")}
    assert {"tel:01621032055", "tel:015156657234", *(f"mailto:{e}" for e in SEED_EMAILS)} <= hrefs


def test_every_title_contact_and_credit_appears_in_html_and_text(sample_build: Build) -> None:
    html_text = soup(sample_build).get_text()
    for wanted in [a.title for a in sample_build.issue.articles] + SEED_EMAILS + ["Text: Esther Mai", "Eva Dolas"]:
        assert wanted in html_text
        assert wanted in sample_build.text


def test_sample_stays_well_under_gmail_clipping(sample_build: Build) -> None:
    assert sample_build.html_bytes < GMAIL_CLIP_BYTES * 0.5


def test_values_are_escaped_and_raw_html_in_markdown_is_not_trusted(tmp_path: Path) -> None:
    text = HEAD.replace("subject: Januar", "subject: Januar <b>fett</b>") + "# Tom & <Jerry>\n\nHallo <script>alert(1)</script> **fett**\n"
    result = build(load_issue(write(tmp_path, text)), "x")
    page = soup(result)
    assert page.find("script") is None
    assert "&lt;script&gt;" in result.html
    assert page.find("h2", class_="title").get_text() == "Tom & <Jerry>"
    assert page.find("strong").get_text() == "fett"
    assert page.title.get_text() == "Januar <b>fett</b>"


def test_image_keeps_its_width_attribute_for_outlook_and_its_alt_text(tmp_path: Path) -> None:
    text = HEAD + "# A\n---\nimage:\n  url: https://example.org/bild.jpg\n  alt: Workshop im Rathaus\n  width: 300\n---\nText\n"
    image = soup(build(load_issue(write(tmp_path, text)), "x")).find("img", src="https://example.org/bild.jpg")
    assert image["alt"] == "Workshop im Rathaus"
    assert image["width"] == "300"


def test_english_issue_uses_english_fixed_strings(tmp_path: Path) -> None:
    result = build(load_issue(write(tmp_path, HEAD.replace("date:", "language: en\ndate:") + "# A\n\nText\n")), "x")
    page = soup(result)
    assert page.html["lang"] == "en"
    assert page.find(id="inhalt").get_text() == "Contents"
    assert page.find("a", string="back to contents")


def test_the_issue_date_and_the_text_part_follow_the_issues_language(tmp_path: Path) -> None:
    english = build(load_issue(write(tmp_path, HEAD.replace("date:", "language: en\ndate:") + "# A\n\nText\n")), "x")
    german = build(load_issue(write(tmp_path, HEAD + "# A\n\nText\n", "2021-01-de.md")), "x")
    assert soup(english).find(string="of January 15, 2021") and soup(german).find(string="vom 15.01.2021")
    assert "Newsletter Test of January 15, 2021\n\nContents\n--------" in english.text
    assert "Unsubscribe from the newsletter:" in english.text and "Newsletter abbestellen:" in german.text


@pytest.fixture
def broken_templates(tmp_path: Path) -> Path:
    copy = tmp_path / "templates"
    shutil.copytree(TEMPLATES, copy)
    return copy


def test_unclosed_mjml_tag_names_the_template(broken_templates: Path, sample_build: Build) -> None:
    article = broken_templates / "partials" / "article.mjml.j2"
    article.write_text(article.read_text().replace("</mj-text>", "", 1))
    with pytest.raises(RenderError, match=r"partials/article\.mjml\.j2: </mj-column> closes nothing open here \(expected </mj-text>\)"):
        build(sample_build.issue, "x", broken_templates)


def test_unknown_mjml_tag_is_caught_although_mrml_would_pass_it_through(broken_templates: Path, sample_build: Build) -> None:
    footer = broken_templates / "partials" / "footer.mjml.j2"
    footer.write_text(footer.read_text().replace("mj-text", "mj-txt"))
    with pytest.raises(RenderError, match=r"partials/footer\.mjml\.j2: unknown MJML tag <mj-txt>"):
        build(sample_build.issue, "x", broken_templates)


def test_jinja_syntax_error_names_template_and_line(broken_templates: Path, sample_build: Build) -> None:
    toc = broken_templates / "partials" / "toc.mjml.j2"
    toc.write_text(toc.read_text().replace("{% endfor %}", "{% endfo %}", 1))
    with pytest.raises(RenderError, match=r"partials/toc\.mjml\.j2:4: "):
        build(sample_build.issue, "x", broken_templates)


def test_compiled_templates_are_kept_for_the_next_command_and_a_changed_one_is_compiled_anew(
        broken_templates: Path, sample_build: Build) -> None:
    build(sample_build.issue, "x", broken_templates)
    cache = environment(broken_templates).bytecode_cache
    assert isinstance(cache, jinja2.FileSystemBytecodeCache)
    assert list(Path(cache.directory).glob("composer-email-*.cache"))
    footer = broken_templates / "partials" / "footer.mjml.j2"
    footer.write_text(footer.read_text().replace("</mj-text>", " Neu im Dezember</mj-text>", 1))
    _environment.cache_clear()  # as in the next command: only the cache on disk is left
    assert "Neu im Dezember" in build(sample_build.issue, "x", broken_templates).html


def test_inlining_is_quiet_and_leaves_external_stylesheets_unfetched(capfd: pytest.CaptureFixture[str]) -> None:
    from composer.render.build import inline_css

    html = ('<!doctype html><html><head><link rel="stylesheet" href="https://example.org/x.css">'
            '<style>p { color: red; } img { border: 0; } @media (max-width: 480px) { p { color: blue !important; } }</style></head>'
            '<body><p>x</p><img src="https://example.org/a.png" width="120" style="width:100%; mso-hide:all"></body></html>')
    out = inline_css(html)
    assert '<link rel="stylesheet" href="https://example.org/x.css">' in out
    assert '<p style="color:red">' in out and "color: blue !important" in out
    assert 'width="120"' in out
    assert out.lower().startswith("<!doctype html>")
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""


def test_a_blockquote_has_a_left_rule_like_a_quote_in_a_mail_program(tmp_path: Path) -> None:
    quote = soup(build(load_issue(write(tmp_path, HEAD + "# A\n\n> Ein Zitat\n")), "x")).find("blockquote")
    assert "border-left:3px solid" in quote["style"].replace(": ", ":")


def test_an_arabic_article_carries_its_language_and_direction_and_a_ukrainian_one_its_language() -> None:
    from test_email_browser import FEATURES

    page = soup(build(load_issue(FEATURES), "features"))
    arabic, ukrainian = page.find("div", class_="article", lang="ar"), page.find("div", class_="article", lang="uk")
    assert arabic["dir"] == "rtl" and ukrainian["dir"] == "ltr"
    assert "text-align:right" in arabic.parent["style"].replace(" ", "")
    assert page.find("a", lang="ar", dir="rtl").get_text() == "مقهى اللغة في المكتبة"


def test_right_to_left_is_detected_from_the_letters_when_no_language_is_given(tmp_path: Path) -> None:
    page = soup(build(load_issue(write(tmp_path, HEAD + "# سلام\n\nيلتقي اللاجئون والمتطوعون كل يوم ثلاثاء.\n")), "x"))
    article = page.find("div", class_="article")
    assert article["dir"] == "rtl" and not article.get("lang")


def test_the_email_sits_in_a_main_landmark_around_the_email_wrapper(sample_build: Build) -> None:
    wrapper = soup(sample_build).find("main").find("div")
    assert (wrapper["role"], wrapper["aria-roledescription"], wrapper["lang"]) == ("article", "email", "de")
    assert wrapper["aria-label"] == sample_build.issue.subject
