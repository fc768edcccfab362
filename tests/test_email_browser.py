"""An issue with every Markdown feature, contacts and articles in Arabic and Ukrainian, in real Chromium:
contact cards use the width, right-to-left text sits on the right, and axe-core finds nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ARTIFACTS, AXE, IN_CHROMIUM, ROOT, SAMPLE_ISSUE, make_settings

from composer.issue.issuefile import load_issue
from composer.send.pipeline import SAMPLE_RECIPIENT
from composer.render.build import build
from composer.send.message import MessageFactory

FEATURES = ROOT / "tests" / "data" / "issues" / "features.md"
pytestmark = IN_CHROMIUM


def email_file(issue: Path) -> Path:
    html, _ = MessageFactory(build(load_issue(issue), issue.stem), make_settings().sender, b"secret").preview(SAMPLE_RECIPIENT)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{issue.stem}.html"
    path.write_text(html, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def features() -> Path:
    return email_file(FEATURES)


def opened(browser, path: Path, width: int, scheme: str = "light"):
    page = browser.new_page(viewport={"width": width, "height": 800}, color_scheme=scheme)
    page.route("**/*", lambda route: route.abort() if not route.request.url.startswith("file:") else route.continue_())
    page.goto(path.as_uri())
    return page


def cards(page, name: str) -> list[dict[str, float]]:
    """The boxes of the contact cards of the article that lists `name`."""
    return page.evaluate("""(name) => {
      const all = [...document.querySelectorAll('td.contact')];
      const row = all.find((td) => td.textContent.includes(name)).closest('tr').closest('div').parentElement;
      return all.filter((td) => row.contains(td)).map((td) => { const b = td.getBoundingClientRect();
        return {x: b.x, y: b.y, width: b.width, height: b.height}; });
    }""", name)


def test_one_contact_takes_the_full_width(browser, features: Path) -> None:
    page = opened(browser, features, 600)
    (card,) = cards(page, "Andreas Pamp")
    assert card["x"] == 0 and card["width"] == 600
    page.close()


def test_two_contacts_sit_side_by_side_at_600_and_stack_at_375(browser, features: Path) -> None:
    page = opened(browser, features, 600)
    first, second = cards(page, "Eva Dolas")
    assert first["x"] == 0 and first["y"] == second["y"] and second["x"] == first["width"] == 300
    page.close()
    page = opened(browser, features, 375)
    first, second = cards(page, "Eva Dolas")
    assert first["x"] == second["x"] == 0 and first["width"] == 375 and second["y"] >= first["y"] + first["height"] - 1
    page.close()


def test_an_arabic_article_is_marked_right_to_left_and_sits_on_the_right(browser, features: Path) -> None:
    page = opened(browser, features, 600)
    section = page.locator("div.article[lang=ar]")
    assert section.get_attribute("dir") == "rtl"
    assert page.locator("div.article[lang=uk]").get_attribute("dir") == "ltr"
    column, text = page.evaluate("""() => {
      const p = [...document.querySelectorAll('div.article[lang=ar] p')].find((el) => el.textContent.includes('مجاناً'));
      const range = document.createRange(); range.selectNodeContents(p);
      const own = range.getBoundingClientRect(), box = p.getBoundingClientRect();
      return [[box.left, box.right], [own.left, own.right]];
    }""")
    assert abs(text[1] - column[1]) <= 1 and text[0] > column[0] + 300
    toc = page.locator("td.toc a[lang=ar]")
    assert toc.get_attribute("dir") == "rtl"
    page.close()


def violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate("async () => (await axe.run(document)).violations"
                         ".map(v => v.id + ' (' + v.impact + '): ' + v.nodes.map(n => n.target.join(' ')).join(', '))")


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is installed by .ci/run (npm in .ci/node)")
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("issue", ["sample", "features"])
def test_axe_core_finds_no_violation_of_any_impact(browser, features: Path, issue: str, scheme: str) -> None:
    path = features if issue == "features" else email_file(SAMPLE_ISSUE)
    page = opened(browser, path, 600, scheme)
    assert violations(page) == []
    page.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_text_of_every_feature_keeps_its_contrast(browser, features: Path, scheme: str) -> None:
    from test_browser import ALL_CONTRASTS, LIGHT_BACKGROUNDS

    page = opened(browser, features, 375, scheme)
    assert [(text, round(ratio, 2)) for text, ratio in page.evaluate(ALL_CONTRASTS) if ratio < 4.5] == []
    if scheme == "dark":
        assert page.evaluate(LIGHT_BACKGROUNDS) == []
    page.close()
