"""`newsletter check` on deliberately broken issues: each finding, where it is, and the exit code."""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE_ISSUE, free_port, make_settings
from typer.testing import CliRunner

from composer.checks import Report, check, prepare
from composer.checks.css import unsupported, used
from composer.checks.spam import spam_score
from composer.cli import app
from composer.issue.schema import Greeting
from composer.render.templates import TEMPLATES

runner = CliRunner()
SAMPLE = Path("issues/2020-12.md")


def variant(old: str, new: str, name: str = "2021-01.md") -> Path:
    text = SAMPLE.read_text(encoding="utf-8")
    assert old in text, old
    path = Path("issues") / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def findings(path: Path, templates: Path = TEMPLATES, **kwargs: bool) -> Report:
    return check(prepare(path, make_settings(), b"secret", templates), spam=False, **kwargs)


def messages(report: Report) -> list[str]:
    """The findings, without the two warnings every variant of the sample has: its footer links are example.org's."""
    return [str(f) for f in report.findings if "is an example address" not in str(f.message)]


def test_sample_issue_checks_clean(workdir: Path) -> None:
    result = runner.invoke(app, ["check", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert "0 errors, 2 warnings" in result.output
    assert "footer.imprint_url: https://example.org/impressum is an example address" in result.output
    assert "footer.privacy_url: https://example.org/datenschutz is an example address" in result.output


def test_anchor_that_points_nowhere_is_an_error_with_its_line(workdir: Path) -> None:
    path = variant("Kern des Modellprojekts", "Siehe [unten](#nirgendwo). Kern des Modellprojekts")
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 1
    assert "error: issues/2021-01.md:29: articles[0].body: link #nirgendwo points to no anchor in the email" in result.output


def test_http_link_is_a_warning(workdir: Path) -> None:
    path = variant("Kern des Modellprojekts", "Mehr [hier](http://example.org/info). Kern des Modellprojekts")
    report = findings(path)
    assert messages(report) == ["warning: issues/2021-01.md:29: articles[0].body: link http://example.org/info is not "
                                "encrypted; use https:// if the site has it"]
    assert not report.errors


def test_mail_link_without_an_address_is_an_error(workdir: Path) -> None:
    path = variant("Kern des Modellprojekts", "[Schreiben Sie uns](mailto:buero). Kern des Modellprojekts")
    assert any("link mailto:buero: 'buero' is not an email address" in m for m in messages(findings(path)))


def test_link_without_text_is_an_error(workdir: Path) -> None:
    path = variant("Kern des Modellprojekts", "[](https://example.org/leer) Kern des Modellprojekts")
    assert any("link to https://example.org/leer has no text to click on" in m for m in messages(findings(path)))


def test_oversized_issue_is_an_error_because_gmail_clips_it(workdir: Path) -> None:
    filler = "\n\n".join(f"Absatz {n}: " + "Ehrenamt verbindet Menschen in Krefeld. " * 12 for n in range(220))
    path = variant("Kern des Modellprojekts", filler + "\n\nKern des Modellprojekts")
    report = findings(path)
    assert [m for m in messages(report) if m.startswith("error: html:")][0].endswith(
        "Gmail cuts off emails over 102 KB; shorten the issue")
    assert runner.invoke(app, ["check", str(path)]).exit_code == 1


def test_missing_postal_address_is_an_error_and_missing_imprint_a_warning(workdir: Path) -> None:
    path = variant("    Musterstraße 1, 47798 Krefeld\n  imprint_url: https://example.org/impressum\n", "")
    assert messages(findings(path)) == [
        "error: issues/2021-01.md:13: footer.address: no postal address (street, postcode, town) for the imprint",
        "warning: issues/2021-01.md:12: footer: no imprint: add footer.imprint_url or an 'Impressum' line",
    ]


def test_image_without_alt_is_refused_before_any_check(workdir: Path) -> None:
    path = variant("author: Esther Mai\n", "author: Esther Mai\nimage:\n  url: https://example.org/bild.jpg\n")
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    assert "articles[1].image.alt: required, but missing" in result.output


def test_template_that_drops_alt_and_an_http_image_are_caught(workdir: Path, tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    article = templates / "partials" / "article.mjml.j2"
    article.write_text(article.read_text().replace('alt="{{ article.image.alt }}" width="{{ article.image.width }}px" ', ""))
    path = variant("author: Esther Mai\n", "author: Esther Mai\nimage:\n  url: http://example.org/bild.jpg\n  alt: Bild\n")
    found = messages(findings(path, templates))
    assert ("error: issues/2021-01.md:53: articles[1].image: image http://example.org/bild.jpg has no alt text; "
            "describe it for blind readers and blocked images") in found
    assert any("is not loaded over https" in m for m in found)


def test_shouting_subject_and_repeated_preheader_are_warnings(workdir: Path) -> None:
    shouting = "NEUER NEWSLETTER!!! JETZT LESEN UND WEITERSAGEN, LIEBE EHRENAMTLICHE IN KREFELD"
    path = variant('subject: "Newsletter Flüchtlingskoordination – Dezember 2020"', f'subject: "{shouting}"')
    found = messages(findings(path))
    assert any(f"subject: {len(shouting)} characters; phones cut it after about 70" in m for m in found)
    assert any("all capitals look like shouting" in m for m in found)
    assert any("several exclamation marks" in m for m in found)
    same = variant('preheader: "Krefeld auf dem Weg zur weltoffenen Kommune und „Gemeinsam klappt\'s“ erfolgreich gestartet"',
                   'preheader: "„Kreativ — Innovativ — Weltoffen“: So wirbt Krefeld"', "2021-02.md")
    assert any("preheader: repeats the subject or the first line" in m for m in messages(findings(same)))


def test_css_that_outlook_ignores_is_named_with_the_clients(workdir: Path, tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    base = templates / "base.mjml.j2"
    base.write_text(base.read_text().replace(".contact p { margin: 0; }", ".contact p { margin: 0; display: flex; }"))
    found = messages(findings(SAMPLE, templates))
    assert any(m.startswith("warning: css: display:flex (css-display-flex) is ignored by") and "Outlook (windows" in m for m in found)


def test_css_data_knows_what_clients_drop() -> None:
    assert "css-display-flex" in used('<p style="display: flex; margin: 0">x</p>')
    assert any(name.startswith("Outlook (windows") for name in unsupported("css-display-flex"))
    assert unsupported("css-margin") == []


def test_send_refuses_an_issue_with_a_check_error_and_names_it(workdir: Path) -> None:
    path = variant("Kern des Modellprojekts", "Siehe [unten](#nirgendwo). Kern des Modellprojekts")
    result = runner.invoke(app, ["send", str(path), "--list", "volunteers", "--yes"])
    assert result.exit_code == 2
    assert "link #nirgendwo points to no anchor" in result.output and "Not sent" in result.output
    assert not Path("outbox").exists()


class _Site(http.server.BaseHTTPRequestHandler):
    def do_HEAD(self) -> None:  # noqa: N802
        self.send_response(200 if self.path == "/ok" else 404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_online_check_reports_links_that_do_not_answer(workdir: Path) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), _Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    path = variant("Kern des Modellprojekts", f"[gut]({base}/ok) und [weg]({base}/weg). Kern des Modellprojekts")
    try:
        found = messages(findings(path, online=True))
    finally:
        server.shutdown()
    assert f"error: links: {base}/weg answers 404 Not Found" in found
    assert not any(m.startswith(f"error: links: {base}/ok") for m in found)


@pytest.mark.skipif(not shutil.which("spamassassin") and not os.environ.get("CI"), reason="spamassassin not installed")
def test_sample_message_scores_low_on_spamassassin(workdir: Path) -> None:
    subject = prepare(SAMPLE, make_settings(), b"secret")
    score = spam_score(subject.message.data)
    assert score is not None, "spamassassin is not installed"
    assert score.score < 2.0, score.tests


@pytest.mark.skipif(not Path(".ci/node/node_modules/.bin/mjml").exists() and not os.environ.get("CI"),
                    reason="the official mjml (npm) is installed by .ci/run")
def test_templates_are_valid_mjml_for_the_official_validator(tmp_path: Path) -> None:
    from composer.issue.issuefile import load_issue
    from composer.issue.schema import Image, Theme
    from composer.render.build import mjml_source

    issue = load_issue(SAMPLE_ISSUE)
    image = Image(url="https://example.org/bild.jpg", alt="Bild")
    every_part = issue.model_copy(update={
        "theme": Theme(logo_url="https://example.org/logo.png"),
        "articles": [issue.articles[0].model_copy(update={"image": image}), *issue.articles[1:]],
    })
    source = tmp_path / "sample.mjml"
    source.write_text(mjml_source(every_part), encoding="utf-8")
    done = subprocess.run([str(ROOT / ".ci/node/node_modules/.bin/mjml"), "--validate", str(source),
                           "--config.validationLevel", "strict"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_numbered_list_that_does_not_start_at_one_is_a_warning_with_its_line(workdir: Path) -> None:
    path = variant("Kern des Modellprojekts", "3) Treffen im Rathaus\n4) Treffen im Café\n\nKern des Modellprojekts")
    line = path.read_text(encoding="utf-8").splitlines().index("3) Treffen im Rathaus") + 1
    assert messages(findings(path)) == [f"warning: issues/2021-01.md:{line}: articles[0].body: a numbered list starts at 3: "
                                        "if this is a date, write the month as a word (4. Februar)"]


def test_html_typed_into_the_text_stays_text_and_passes_the_text_part_check(workdir: Path) -> None:
    path = variant("Kern des Modellprojekts", "Schreiben Sie nie <script>alert(1)</script> oder <img src=x onerror=alert(1)> "
                   "in Formulare. Kern des Modellprojekts")
    subject = prepare(path, make_settings(), b"secret")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in subject.html and "<script" not in subject.html
    assert "<img src=x onerror=alert(1)>" in " ".join(subject.text.split())
    assert messages(check(subject, spam=False)) == []


def test_every_finding_names_its_line_and_they_come_in_line_order(workdir: Path) -> None:
    path = variant("Kern des Modellprojekts", "Mehr [hier](http://example.org/a). Kern des Modellprojekts")
    text = path.read_text(encoding="utf-8").replace("\n# „", "\nMehr [da](http://example.org/b).\n\n# „", 1)
    path.write_text(text.replace("Weitere Infos", "Siehe [dort](http://example.org/c). Weitere Infos", 1), encoding="utf-8")
    lines = [int(str(f).split(":")[2]) for f in findings(path).findings]
    assert len(lines) >= 2 and lines == sorted(lines)


def test_an_issue_still_holding_the_starter_text_of_new_is_not_sent(workdir: Path) -> None:
    from composer.cli import app

    runner = CliRunner()
    runner.invoke(app, ["new", "issues/2021-01.md"])
    result = runner.invoke(app, ["check", "issues/2021-01.md"])
    assert result.exit_code == 1
    assert "preheader: still the starter text of `newsletter new`" in result.output
    assert "articles[0].title: still the starter text of `newsletter new`" in result.output


def test_the_starter_text_left_under_a_new_title_is_an_error_at_its_own_line(workdir: Path) -> None:
    from composer.cli import app

    runner = CliRunner()
    runner.invoke(app, ["new", "issues/2021-01.md"])
    path = Path("issues/2021-01.md")
    path.write_text(path.read_text(encoding="utf-8").replace("# Titel des ersten Artikels", "# Sommerfest im Park")
                    .replace("Was diese Ausgabe bringt, in einem Satz", "Sommerfest und ein Dank"), encoding="utf-8")
    line = path.read_text(encoding="utf-8").splitlines().index(
        "Hier steht der Text. Leerzeilen trennen Absätze, `- ` beginnt eine Aufzählung.") + 1
    result = runner.invoke(app, ["check", "issues/2021-01.md"])
    assert result.exit_code == 1
    assert [line for line in result.output.splitlines() if line.startswith("error:")] == [
        f"error: issues/2021-01.md:{line}: articles[0].body: still the starter text of `newsletter new`; write your own "
        "before sending"]


def greeting_variant(named: str) -> tuple[Path, int]:
    """The sample with a greeting block; the line number is the `named:` line's."""
    path = variant("footer:\n", f"greeting:\n  named: {named}\n  anonymous: \"Hallo,\"\nfooter:\n")
    line = path.read_text(encoding="utf-8").splitlines().index(f"  named: {named}") + 1
    return path, line


@pytest.mark.parametrize("named", ['"Liebe/r {{name}},"', '"Liebe/r {{ name }},"', '"Liebe/r { name },"',
                                   '"Liebe/r {Name},"', '"Liebe/r {name} {{Gruß}},"', '"Liebe/r {name,"'])
def test_a_greeting_brace_that_is_no_known_field_is_an_error_at_its_line(workdir: Path, named: str) -> None:
    path, line = greeting_variant(named)
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2, result.output
    assert f"error: {path}:{line}: greeting.named: " in result.output


def test_a_greeting_with_the_name_passes_the_check(workdir: Path) -> None:
    path, _ = greeting_variant('"Liebe/r {name},"')
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 0 and "greeting" not in result.output, result.output


@pytest.mark.parametrize("named", ["Liebe/r {vorname},", "Hallo {first_name},"])
def test_the_list_columns_of_lists_as_the_office_keeps_them_are_known_greeting_fields(named: str) -> None:
    assert Greeting(named=named, anonymous="Hallo,").named == named
