"""Die Redaktion part 3 in real Chromium (German locale): nothing she types is lost (articles added, moved and removed
in the page with "Rückgängig", an autosaved draft offered when she comes back, a refused save keeping every value),
the preview follows her typing, and every error and finding names its place in her words and links to a field
the editor really has. One desk and one browser page for the module; the page's timers run on Playwright's clock."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image as PILImage

from tests.conftest import AXE, IN_CHROMIUM, SAMPLE
from tests.deskserver import quiet_desk, Running

pytestmark = IN_CHROMIUM

MANY_FINDINGS = """---
subject: "NEU!!! ALLES ÜBER DAS SPRACHCAFÉ UND DIE PATENSCHAFTEN IM GANZEN JANUAR DIESES JAHRES UND DANACH"
preheader: "NEU!!! ALLES ÜBER DAS SPRACHCAFÉ UND DIE PATENSCHAFTEN IM GANZEN JANUAR DIESES JAHRES UND DANACH"
date: 2027-01-05
newsletter: Newsletter Flüchtlingskoordination
publisher: Stadt Krefeld
footer:
  address: Stadt Krefeld
  reason: Sie erhalten diesen Newsletter, weil Sie sich eingetragen haben.
  imprint_url: http://example.com/impressum
  privacy_url: https://example.com/datenschutz
---
# Sprachcafé öffnet wieder
---
image:
  url: http://krefeld.example.org/tassen.jpg
  alt: Tische und Tassen
---

Mehr auf [unserer Seite](http://krefeld.example.org/sprachcafe) und per [Mail](mailto:kein-at-zeichen).

# Neue Patenschaften

Zwölf Familien suchen eine Patin oder einen Paten: [hier](http://krefeld.example.org/paten).
"""


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    folder = tmp_path_factory.mktemp("typing")
    shutil.copytree(SAMPLE / "issues", folder / "issues")
    with quiet_desk(folder) as running:
        yield running


@pytest.fixture(scope="module")
def tab(browser, desk: Running):
    # bypass_csp only so the test can add axe-core; the desk's own pages run under the strict policy.
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="de-DE", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.clock.install()
    page.goto(desk.login_url)
    yield page
    context.close()


def violations(page) -> list[str]:
    if not AXE.exists():
        return []
    page.add_script_tag(path=str(AXE))
    return page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
                         ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))")


def issue(desk: Running, slug: str, text: str | None = None) -> Path:
    path = desk.desk.issues_dir / f"{slug}.md"
    path.write_text(text or (SAMPLE / "issues" / "2020-12.md").read_text(encoding="utf-8"), encoding="utf-8")
    return path


def test_typing_adding_moving_and_removing_articles_then_leaving_and_coming_back_loses_nothing(desk: Running, tab) -> None:
    path = issue(desk, "2027-02")
    written = path.read_bytes()
    tab.goto(f"{desk.base}/issues/2027-02")
    first_title = tab.input_value("#f-articles-0-title")
    tab.fill("#f-subject", "Sprachcafé und Patenschaften im Februar")
    tab.click("text=Artikel hinzufügen")  # in the page, no reload: the typed subject is still there
    assert tab.input_value("#f-subject") == "Sprachcafé und Patenschaften im Februar"
    tab.fill("#f-articles-2-title", "Neue Patenschaften")
    tab.fill("#f-articles-2-body", "Zwölf Familien suchen eine Patin oder einen Paten.")
    tab.click("#f-articles-2 >> text=Ansprechperson hinzufügen")
    tab.fill("#f-articles-2-contacts-0-name", "Aylin Demir")
    tab.fill("#f-articles-2-contacts-0-email", "aylin.demir@example.org")
    scrolled = tab.evaluate("scrollY")
    tab.click("#f-articles-2 >> text=Nach oben")
    assert tab.evaluate("scrollY") > scrolled / 2  # the page stays near the article, not at its top
    assert tab.input_value("#f-articles-1-title") == "Neue Patenschaften"
    assert tab.locator("#f-articles-1 > legend").inner_text() == "Artikel 2: Neue Patenschaften"

    tab.click("#f-articles-0 >> text=Artikel entfernen")
    assert tab.input_value("#f-articles-0-title") == "Neue Patenschaften"
    undo = tab.locator(".undo")
    assert undo.inner_text().startswith(f"Entfernt: Artikel 1: {first_title}")
    undo.locator("button", has_text="Rückgängig").click()
    assert tab.input_value("#f-articles-0-title") == first_title and tab.locator(".undo").count() == 0
    tab.click("#f-articles-2 >> text=Artikel entfernen")  # the sample's second article goes for good
    assert violations(tab) == []  # with "Rückgängig" in the page

    tab.clock.run_for(4000)  # the autosave's few seconds
    tab.wait_for_selector("#autosaved:has-text('Entwurf um')")
    assert path.read_bytes() == written  # autosaved into the state, never over the issue file

    asked: list[str] = []
    tab.once("dialog", lambda dialog: (asked.append(dialog.type), dialog.accept()))
    tab.click("nav >> text=Ausgaben")  # leaving with unsaved work asks first
    tab.wait_for_url(f"{desk.base}/")
    assert asked == ["beforeunload"]

    tab.goto(f"{desk.base}/issues/2027-02")
    assert tab.locator("#draft-offer").inner_text().startswith("Entwurf von ")
    assert "wiederherstellen?" in tab.locator("#draft-offer").inner_text()
    assert violations(tab) == []
    tab.click("#restore-draft")
    tab.wait_for_load_state()
    assert tab.input_value("#f-subject") == "Sprachcafé und Patenschaften im Februar"
    assert [tab.input_value(f"#f-articles-{n}-title") for n in range(2)] == [first_title, "Neue Patenschaften"]
    assert tab.locator("#articles > .article").count() == 2
    assert tab.input_value("#f-articles-1-contacts-0-name") == "Aylin Demir"
    tab.once("dialog", lambda dialog: dialog.accept())
    tab.locator("#f-articles-1-contacts-0-name").scroll_into_view_if_needed()
    where = tab.evaluate("scrollY")
    tab.click("#save")
    tab.wait_for_load_state()  # the page after the save, its script run
    assert tab.locator("#note").inner_text() == "Gespeichert."
    assert tab.locator("#autosaved").inner_text() == "Gespeichert." and abs(tab.evaluate("scrollY") - where) < 50
    assert "Neue Patenschaften" in path.read_text(encoding="utf-8")
    assert tab.locator("#draft-offer").count() == 0  # saved: the draft is gone


def test_a_save_refused_for_one_field_keeps_every_other_typed_value_and_says_where_in_her_words(desk: Running, tab) -> None:
    issue(desk, "2027-03")
    tab.goto(f"{desk.base}/issues/2027-03")
    tab.fill("#f-subject", "Neuer Betreff im März")
    tab.fill("#f-articles-1-title", "Ein neuer Titel")
    tab.click("text=Artikel hinzufügen")
    tab.fill("#f-articles-2-title", "Dritter Artikel")
    tab.fill("#f-articles-2-body", "Text des dritten Artikels.")
    tab.click("#f-articles-2 >> text=Ansprechperson hinzufügen")
    tab.fill("#f-articles-2-contacts-0-name", "Aylin Demir")
    tab.fill("#f-articles-2-contacts-0-email", "aylin.demir-at-example.org")
    tab.click("#save")
    tab.wait_for_load_state()
    summary = tab.locator("#error-summary li").all_inner_texts()
    assert summary == ["Artikel 3 › Ansprechperson Aylin Demir › E-Mail: keine gültige E-Mail-Adresse (es fehlt das Zeichen @)"], summary
    assert not any("articles[" in s or ".md" in s for s in summary)
    assert violations(tab) == []  # the error summary and the invalid field
    assert tab.input_value("#f-subject") == "Neuer Betreff im März"
    assert tab.input_value("#f-articles-1-title") == "Ein neuer Titel"
    assert tab.input_value("#f-articles-2-body") == "Text des dritten Artikels."
    assert tab.input_value("#f-articles-2-contacts-0-email") == "aylin.demir-at-example.org"
    tab.click("#error-summary a")
    assert tab.evaluate("document.activeElement.id") == "f-articles-2-contacts-0-email"
    label = tab.locator("label[for='f-articles-2-contacts-0-email']").bounding_box()
    assert label["y"] >= 0, "the field's label is scrolled out of view"


def dark_pixel(tab) -> int:
    frame = tab.locator(".preview iframe")
    shot = PILImage.open(io.BytesIO(frame.screenshot())).convert("L")
    return shot.getpixel((5, shot.size[1] - 5))


def test_the_preview_follows_her_typing_at_600_375_and_dark(desk: Running, tab) -> None:
    issue(desk, "2027-04")
    tab.goto(f"{desk.base}/issues/2027-04")
    preview = tab.frame_locator(".preview iframe")
    tab.fill("#f-articles-0-title", "Das Sprachcafé öffnet im April")
    tab.clock.run_for(1000)  # the preview waits until she pauses
    preview.locator("text=Das Sprachcafé öffnet im April").first.wait_for()
    tab.click(".views >> text=375 px")
    assert round(tab.locator(".preview iframe").bounding_box()["width"]) == 375
    preview.locator("text=Das Sprachcafé öffnet im April").first.wait_for()
    tab.click(".views >> text=Dunkel")
    tab.fill("#f-articles-0-title", "Das Sprachcafé öffnet im Mai")
    tab.clock.run_for(1000)
    preview.locator("text=Das Sprachcafé öffnet im Mai").first.wait_for()
    assert dark_pixel(tab) < 60, "the dark preview of the typed form has a light background"
    tab.fill("#f-articles-1-title", "Patenschaften im Mai")
    tab.clock.run_for(1000)
    title = preview.locator("h2.title", has_text="Patenschaften im Mai")
    title.wait_for()
    frame = tab.locator(".preview iframe").bounding_box()
    shown = title.bounding_box()
    assert frame["y"] <= shown["y"] < frame["y"] + frame["height"], "the preview does not show the article she types in"
    tab.fill("#f-articles-0-body", "")
    tab.clock.run_for(1000)
    preview.locator("text=Artikel 1 › Text (Markdown)").wait_for()  # what keeps the preview from showing, in her words


def test_every_finding_link_of_a_pruefen_page_lands_on_a_field_of_the_editor(desk: Running, tab) -> None:
    issue(desk, "2027-05", MANY_FINDINGS)
    tab.goto(f"{desk.base}/issues/2027-05/check")
    findings = [f.split(" – ")[0] for f in tab.locator(".findings li").all_inner_texts()]
    links = tab.eval_on_selector_all(".findings li a", "links => links.map(a => a.getAttribute('href'))")
    assert len(findings) >= 10 and len(links) >= 8, findings
    assert not any("articles[" in f or "2027-05.md" in f or "footer." in f for f in findings), findings
    assert any(f.startswith("Artikel 1 › Bild: ") for f in findings), findings
    targets = sorted({href.split("#", 1)[1] for href in links})
    tab.goto(f"{desk.base}/issues/2027-05")
    missing = [t for t in targets if not tab.evaluate("id => document.getElementById(id) !== null", t)]
    assert not missing, f"finding links without a target on the editor: {missing}"
    assert "#f-articles-0-image" in [href[href.index("#"):] for href in links]
    tab.goto(f"{desk.base}/issues/2027-05#f-articles-0-image")  # as its link goes there
    box = tab.locator("#f-articles-0-image > legend").bounding_box()
    assert 0 <= box["y"] < 900, "the image's box is not in view"


def test_without_script_the_buttons_are_plain_forms_that_keep_what_was_typed_and_return_to_the_article(desk: Running,
                                                                                                         browser) -> None:
    issue(desk, "2027-06")
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="de-DE", java_script_enabled=False)
    context.add_cookies([{"name": "desk_session", "value": desk.desk.access.new_session(), "url": desk.base}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{desk.base}/issues/2027-06")
    page.fill("#f-subject", "Ohne Skript getippt")
    page.click("text=Artikel hinzufügen")
    page.wait_for_load_state()
    assert page.url.endswith("/issues/2027-06#f-articles-2")  # the page returns to the new article, not its top
    assert page.input_value("#f-subject") == "Ohne Skript getippt" and page.locator("#f-articles-2-title").count() == 1
    page.click("#f-articles-1 >> text=Nach oben")
    page.wait_for_load_state()
    assert page.url.endswith("#f-articles-0") and page.input_value("#f-subject") == "Ohne Skript getippt"
    context.close()
