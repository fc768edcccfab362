"""Issue 26, tried as a new office would: pictures in the text, lines that stay lines, a neutral starter folder,
help anywhere, the web version in the text part, the unsubscribe mail in the issue's language."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import ROOT, make_settings
from PIL import Image
from typer.testing import CliRunner

from composer.checks import check, prepare
from composer.cli import app
from composer.cli.common import WORK_ORDER
from composer.config.folder import init
from composer.i18n import translate
from composer.issue import starter
from composer.issue.starter import Office
from composer.send.pipeline import SAMPLE_RECIPIENT, build_issue
from composer.send.message import MessageFactory

runner = CliRunner()
SAMPLE = Path("issues/2020-12.md")
FIRST_PARAGRAPH = "„Kreativ — Innovativ — Weltoffen“: So wirbt Krefeld seit 2015 auf Imagebroschüren und Plakaten für sich."
DATES = "1. Mai: Maifest\n2. Mai: Aufräumen\n17. Mai: Grillen"


def with_body(text: str, name: str = "2021-01.md") -> Path:
    """The sample with `text` in place of the first article's first paragraph."""
    sample = SAMPLE.read_text(encoding="utf-8")
    assert FIRST_PARAGRAPH in sample
    path = Path("issues") / name
    path.write_text(sample.replace(FIRST_PARAGRAPH, text, 1), encoding="utf-8")
    return path


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def first_article_html(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "lxml").select(".article")[0]


def text_lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines()]


# --- Markdown images --------------------------------------------------------------------------------------


def test_a_markdown_image_on_the_web_is_an_image_with_its_alt_text_and_the_columns_width(workdir: Path) -> None:
    path = with_body("Hier ein Foto: ![Foto vom Fest](https://example.org/x.jpg)")
    result = build_issue(path, make_settings())
    (img,) = first_article_html(result.html).find_all("img")
    assert (img["src"], img["alt"], img["width"]) == ("https://example.org/x.jpg", "Foto vom Fest", "550")
    assert "!" not in first_article_html(result.html).find("p").get_text()
    assert "Hier ein Foto: [Foto vom Fest]" in result.text
    assert not result.pictures  # linked, never downloaded


def test_a_markdown_image_from_this_computer_is_resized_and_travels_inside_the_message(workdir: Path) -> None:
    Path("issues/fotos").mkdir()
    Image.new("RGB", (2400, 1600), (180, 40, 60)).save("issues/fotos/fest.jpg")
    path = with_body("![Das Sommerfest im Park](fotos/fest.jpg)")
    result = build_issue(path, make_settings())
    (img,) = first_article_html(result.html).find_all("img")
    (picture,) = result.pictures
    assert img["src"] == f"cid:{picture.cid}" and img["alt"] == "Das Sommerfest im Park" and img["width"] == "550"
    assert Image.open(__import__("io").BytesIO(picture.data)).width == 1100
    factory = MessageFactory(result, make_settings().sender, b"secret")
    msg = email.message_from_bytes(factory.personalise(SAMPLE_RECIPIENT).data, policy=email.policy.default)
    inline = [part for part in msg.walk() if part.get_content_type() == "image/jpeg"]
    assert [part["Content-ID"] for part in inline] == [f"<{picture.cid}>"]


def test_a_markdown_image_from_this_computer_is_linked_beside_the_web_version_with_a_public_address(workdir: Path) -> None:
    Path("issues/fotos").mkdir()
    Image.new("RGB", (800, 600), (20, 90, 160)).save("issues/fotos/fest.jpg")
    path = with_body("![Das Sommerfest](fotos/fest.jpg)")
    result = build_issue(path, make_settings(public_url="https://news.example.org"))
    (img,) = first_article_html(result.html).find_all("img")
    assert img["src"] == f"https://news.example.org/archive/{result.pictures[0].published}"


def test_an_image_without_alt_text_is_a_check_error_at_its_line(workdir: Path) -> None:
    path = with_body("Ohne Beschreibung: ![](https://example.org/y.jpg)")
    report = check(prepare(path, make_settings(), b"secret"), spam=False)
    assert [str(f) for f in report.errors] == [
        f"error: issues/2021-01.md:{line_of(path, 'Ohne Beschreibung')}: articles[0].body: image https://example.org/y.jpg "
        "has no alt text; describe it for blind readers and blocked images"]


def test_a_missing_local_image_is_one_error_at_its_line(workdir: Path) -> None:
    path = with_body("![Fest](fotos/fehlt.jpg)")
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    assert f"issues/2021-01.md:{line_of(path, 'fotos/fehlt.jpg')}: articles[0].body: no such file fotos/fehlt.jpg" in result.output


def test_pictures_show_their_alt_text_in_a_tinted_box_where_a_client_blocks_them(workdir: Path) -> None:
    path = with_body("![Foto vom Fest](https://example.org/x.jpg)")
    html = build_issue(path, make_settings()).html
    style = first_article_html(html).find("img")["style"]
    # premailer (cssutils) writes a colour in its short form where there is one: #eeeeee becomes #eee
    assert re.search(r"background-color:#eee(eee)?\b", style) and "color:#5f5f5f" in style and "font-family:" in style


def test_the_dividers_follow_dark_mode(sample_build) -> None:
    dark = sample_build.html[sample_build.html.index("prefers-color-scheme: dark"):]
    assert re.search(r"\.dm-rule p \{[^}]*border-top-color: ?#3a3a3a ?!important", dark)
    rules = BeautifulSoup(sample_build.html, "lxml").select(".dm-rule p")
    assert rules and all(re.search(r"border-top:solid 1px #ddd(ddd)?\b", p["style"]) for p in rules)  # premailer shortens colours


# --- A line stays a line ----------------------------------------------------------------------------------


def test_three_date_lines_stay_three_lines_in_html_and_text_with_the_dates_as_typed(workdir: Path) -> None:
    path = with_body(DATES)
    result = build_issue(path, make_settings())
    paragraph = first_article_html(result.html).find("p")
    assert [line.strip() for line in paragraph.get_text("\n").split("\n") if line.strip()] == DATES.split("\n")
    assert len(paragraph.find_all("br")) == 2 and not first_article_html(result.html).find("ol")
    lines = text_lines(result.text)
    start = lines.index("1. Mai: Maifest")
    assert lines[start:start + 3] == DATES.split("\n")


def test_a_date_line_after_a_line_ending_in_a_colon_stays_a_line(workdir: Path) -> None:
    result = build_issue(with_body("Termine:\n4. Februar: Stammtisch"), make_settings())
    assert first_article_html(result.html).find("p").find("br") is not None
    lines = text_lines(result.text)
    assert lines[lines.index("Termine:") + 1] == "4. Februar: Stammtisch"


def test_numeric_dates_weekdays_times_and_dashes_stay_lines(workdir: Path) -> None:
    typed = "Mo 7.12. Vorstand\n12.03. Kochabend\n18 Uhr Chor\n19:30 Film\n– Kuchen mitbringen"
    result = build_issue(with_body(typed), make_settings())
    lines = text_lines(result.text)
    start = lines.index("Mo 7.12. Vorstand")
    assert lines[start:start + 5] == typed.split("\n")


def test_a_paragraph_of_prose_lines_still_joins(workdir: Path) -> None:
    result = build_issue(with_body("Wir freuen uns\nauf viele Gäste."), make_settings())
    paragraph = first_article_html(result.html).find("p")
    assert paragraph.find("br") is None and " ".join(paragraph.get_text().split()) == "Wir freuen uns auf viele Gäste."
    assert "Wir freuen uns auf viele Gäste." in result.text


def test_check_warns_where_a_paragraph_runs_a_date_line_on_from_the_line_above(workdir: Path) -> None:
    path = with_body("Wir treffen uns am\n4. Mai im Saal.")
    report = check(prepare(path, make_settings(), b"secret"), spam=False)
    assert f"warning: issues/2021-01.md:{line_of(path, '4. Mai im Saal.')}: articles[0].body: the line '4. Mai im Saal.' " \
           "runs on from the line above; to keep it a line of its own, start it with – or leave an empty line before it" \
           in [str(f) for f in report.warnings]
    clean = check(prepare(with_body(DATES, "2021-02.md"), make_settings(), b"secret"), spam=False)
    assert not [f for f in clean.warnings if "runs on" in str(f.message)]


def test_the_desk_shows_the_hint_under_the_text_field(workdir: Path) -> None:
    from tests.deskserver import desk_server

    with desk_server(workdir, make_settings(state_dir=workdir / ".newsletter")) as desk:
        page = BeautifulSoup(desk.client().get("/issues/2020-12").text, "html.parser")
    body = page.find("textarea", attrs={"name": "articles.0.body"}) or page.find("textarea", attrs={"name": re.compile(r"body$")})
    hint = page.find(id=body["aria-describedby"].split()[0])
    assert hint.text == "Neue Zeile mit – beginnt eine Aufzählung; eine Leerzeile einen Absatz"


# --- A neutral starter ------------------------------------------------------------------------------------


def write_content(issue: Path) -> None:
    """What the office does first: its own preheader and first article."""
    text = issue.read_text(encoding="utf-8")
    text = text.replace("Was diese Ausgabe bringt, in einem Satz", "Sommerfest, neue Kurse und ein Dank")
    text = text[: text.index("# Titel des ersten Artikels")] + "# Sommerfest im Park\n\nAm Samstag feiern wir im Park.\n"
    issue.write_text(text, encoding="utf-8")


def checked(folder: Path, issue: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "composer", "check", str(issue.relative_to(folder))], cwd=folder,
                          capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})


def test_a_fresh_folder_with_only_its_content_written_fails_check_naming_each_placeholder(tmp_path: Path) -> None:
    issue = init(tmp_path / "office", today=dt.date(2026, 12, 6))[0]
    write_content(issue)
    done = checked(tmp_path / "office", issue)
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert [line.split(": ")[2] for line in errors] == ["newsletter", "publisher", "subject", "footer.address",
                                                         "footer.imprint_url", "footer.privacy_url"]
    assert all("still the placeholder of `newsletter init`" in line for line in errors)


def test_a_placeholder_left_in_the_subject_alone_still_fails_check_at_the_subjects_line(tmp_path: Path) -> None:
    """The office renames itself in `newsletter:` and `publisher:` but not in the subject line init wrote."""
    issue = init(tmp_path / "office", today=dt.date(2026, 12, 6), office=Office(
        address="Hauptstraße 5, 12345 Musterstadt", imprint="https://www.musterstadt.de/impressum",
        privacy="https://www.musterstadt.de/datenschutz"))[0]
    write_content(issue)
    issue.write_text(issue.read_text(encoding="utf-8").replace('newsletter: "Newsletter [Name Ihrer Stelle]"', 'newsletter: "Nord"')
                     .replace('publisher: "[Name Ihrer Stelle]"', 'publisher: "Stadtteilbüro Nord"')
                     .replace("    [Name Ihrer Stelle]\n", "    Stadtteilbüro Nord\n"), encoding="utf-8")
    done = checked(tmp_path / "office", issue)
    assert done.returncode == 1
    assert [line for line in done.stderr.splitlines() if line.startswith("error:")] == [
        "error: issues/2026-12.md:7: subject: still the placeholder of `newsletter init`: write the subject your readers see"]
    assert translate("de", starter.SAID["subject"]) == "noch der Platzhalter von `newsletter init`: tragen Sie den Betreff ein, " \
                                                "den Ihre Leser sehen"


def test_the_starter_text_init_wrote_is_named_as_inits_and_that_of_a_later_new_issue_as_news(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    issue = init(tmp_path / "office", today=dt.date(2026, 12, 6))[0]
    done = checked(tmp_path / "office", issue)
    starters = [line for line in done.stderr.splitlines() if "starter text" in line]
    assert [line.split(": ", 2)[2] for line in starters] == [
        "preheader: still the starter text of `newsletter init`; write your own before sending",
        "articles[0].title: still the starter text of `newsletter init`; write your own before sending",
        "articles[0].body: still the starter text of `newsletter init`; write your own before sending"]
    assert translate("de", starters[0].split(": ", 3)[3]) == ("noch der Starttext von `newsletter init`; schreiben Sie vor dem "
                                                        "Versand Ihren eigenen")
    monkeypatch.chdir(tmp_path / "office")
    assert runner.invoke(app, ["new", "issues/2027-01.md"]).exit_code == 0
    later = checked(tmp_path / "office", tmp_path / "office" / "issues" / "2027-01.md")
    said = [line for line in later.stderr.splitlines() if "starter text" in line]
    assert len(said) == 3 and all("of `newsletter new`" in line for line in said)


def test_init_with_the_offices_details_yields_an_issue_that_passes_once_written(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", str(tmp_path / "office"), "--name", "Stadtteilbüro Nord",
                                 "--address", "Hauptstraße 5; 12345 Musterstadt", "--imprint", "https://www.musterstadt.de/impressum",
                                 "--privacy", "https://www.musterstadt.de/datenschutz", "--sender", "nord@musterstadt.de"])
    assert result.exit_code == 0, result.output
    office = tmp_path / "office"
    (issue,) = (office / "issues").glob("*.md")
    write_content(issue)
    done = checked(office, issue)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 errors, 0 warnings" in done.stdout
    text = issue.read_text(encoding="utf-8")
    assert "publisher: \"Stadtteilbüro Nord\"" in text and "    Hauptstraße 5\n    12345 Musterstadt\n" in text
    assert re.search(r"^NEWSLETTER_FROM_ADDRESS=nord@musterstadt.de$", (office / ".env").read_text(), re.M)


def test_a_new_folder_carries_no_other_offices_name_and_its_list_only_its_header(tmp_path: Path) -> None:
    init(tmp_path / "office")
    for path in (tmp_path / "office").rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"Krefeld|KREATIV|Samt und Seide|Musterstraße|Flüchtlingskoordination", text), path
    assert (tmp_path / "office" / "subscribers" / "newsletter.csv").read_text() == "email,name,consent_date,consent_source\n"


def test_init_refuses_an_imprint_that_is_no_web_address_before_writing_anything(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", str(tmp_path / "office"), "--imprint", "impressum.html"])
    assert result.exit_code == 2 and "--imprint 'impressum.html' is not a web address" in result.output
    assert not (tmp_path / "office").exists()


def test_init_in_a_terminal_says_a_bad_answer_at_once_and_asks_that_question_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("composer.cli.folder.in_a_terminal", lambda: True)
    answers = ["Stadtteilbüro Nord", "Hauptstraße 5; 12345 Musterstadt", "impressum.html",
               "https://www.musterstadt.de/impressum", "https://www.musterstadt.de/datenschutz", "nord@musterstadt.de"]
    result = runner.invoke(app, ["init", str(tmp_path / "office")], input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    said = lines.index("Link to your Impressum (https://...): impressum.html") + 1
    assert lines[said] == ("Error: 'impressum.html' is not a web address; give the whole link, e.g. "
                           "https://www.your-town.de/impressum")
    assert lines[said + 1].startswith("Link to your Impressum (https://...):")  # asked again, before the next question
    assert "--imprint" not in result.output
    (issue,) = (tmp_path / "office" / "issues").glob("*.md")
    assert 'imprint_url: "https://www.musterstadt.de/impressum"' in issue.read_text(encoding="utf-8")


def test_example_and_unencrypted_footer_links_and_an_address_without_a_street_are_warnings(workdir: Path) -> None:
    sample = SAMPLE.read_text(encoding="utf-8")
    path = Path("issues/2021-01.md")
    path.write_text(sample.replace("https://example.org/datenschutz", "http://www.musterstadt.de/datenschutz")
                    .replace("    Musterstraße 1, 47798 Krefeld\n", "    47798 Krefeld\n"), encoding="utf-8")
    report = check(prepare(path, make_settings(), b"secret"), spam=False)
    assert not report.errors
    assert [str(f.message) for f in report.warnings if f.where.split(": ")[-1].startswith("footer")] == [
        "the address needs a street with its number, the postcode and the town, one after the other",
        "https://example.org/impressum is an example address, not your office's page; link your own",
        "http://www.musterstadt.de/datenschutz is not encrypted; link the https:// address"]


def test_the_bundled_sample_still_passes_and_sends(workdir: Path) -> None:
    result = runner.invoke(app, ["send", str(SAMPLE), "--list", "volunteers", "--yes"])
    assert result.exit_code == 0, result.output
    assert len(list(Path("outbox/2020-12").glob("*.eml"))) == 8


# --- Help anywhere ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [c for c in WORK_ORDER])
def test_every_commands_help_works_in_an_empty_folder(command: str, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "composer", command, "--help"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert re.match(rf"Usage: .* {command} \[OPTIONS\]", done.stdout) and "--help" in done.stdout and not done.stderr


def test_send_help_in_an_empty_folder_shows_its_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["send", "--help"])
    assert result.exit_code == 0
    assert all(option in result.output for option in ("--to", "--list", "--yes", "--dry-run"))


def test_the_commands_are_listed_in_the_order_of_the_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    listing = runner.invoke(app, ["--help"]).output
    names = re.findall(r"^  ([a-z-]+)\s", listing[listing.index("Commands:"):], re.M)
    assert names[:6] == ["init", "new", "preview", "check", "send", "status"]
    assert sorted(names) == sorted(WORK_ORDER)


def test_init_in_the_current_folder_says_it_is_ready_in_this_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["init", "."])
    assert result.exit_code == 0, result.output
    assert "Ready in this folder." in result.output and "cd ." not in result.output


def test_init_names_a_folder_with_a_space_so_that_its_cd_can_be_pasted(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["init", "mein newsletter"], input="")
    assert result.exit_code == 0, result.output
    assert "Ready. Next: cd 'mein newsletter', " in result.output


# --- The text part and the unsubscribe mail ---------------------------------------------------------------


def test_the_web_version_is_named_in_the_text_part_and_check_does_not_miss_it(workdir: Path) -> None:
    settings = make_settings(public_url="https://news.example.org")
    result = build_issue(SAMPLE, settings)
    assert text_lines(result.text)[0] == "Im Browser ansehen: https://news.example.org/archive/2020-12.html"
    report = check(prepare(SAMPLE, settings, b"secret"), spam=False)
    assert not [f for f in report.findings if "missing from the plain text" in str(f.message)]


@pytest.mark.parametrize(("language", "word"), [("de", "abbestellen"), ("en", "unsubscribe")])
def test_without_a_public_address_the_unsubscribe_mail_speaks_the_issues_language(workdir: Path, language: str, word: str) -> None:
    path = Path("issues/2021-01.md")
    path.write_text(SAMPLE.read_text(encoding="utf-8").replace("language: de", f"language: {language}"), encoding="utf-8")
    result = build_issue(path, make_settings())
    factory = MessageFactory(result, make_settings(reply_to="buero@example.org").sender, b"secret")
    msg = email.message_from_bytes(factory.personalise(SAMPLE_RECIPIENT).data, policy=email.policy.default)
    assert re.fullmatch(rf"<mailto:buero@example\.org\?subject={word}%20[a-z0-9]+>", str(msg["List-Unsubscribe"]))
    assert f"?subject={word}%20" in factory.unsubscribe_link(SAMPLE_RECIPIENT)


def test_a_lone_hash_names_the_escape(workdir: Path) -> None:
    path = with_body("Wir sind die Nummer\n\n#\n\n1 im Viertel.")
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    assert "write the title after '# ', or \\# for a literal '#'" in result.output
    escaped = build_issue(with_body("\\# 1 im Viertel", "2021-02.md"), make_settings())
    assert "# 1 im Viertel" in first_article_html(escaped.html).get_text()
