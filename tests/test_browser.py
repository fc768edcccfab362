"""The built email in real headless Chromium: no sideways scrolling, and columns stack on a phone."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ARTIFACTS, IN_CHROMIUM, make_settings

from composer.send.pipeline import SAMPLE_RECIPIENT
from composer.render.build import Build
from composer.send.message import MessageFactory

pytestmark = IN_CHROMIUM


@pytest.fixture(scope="module")
def email_file(sample_build: Build) -> Path:
    html, _ = MessageFactory(sample_build, make_settings().sender, b"secret").preview(SAMPLE_RECIPIENT)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "2020-12.html"
    path.write_text(html, encoding="utf-8")
    return path


def open_at(browser, email_file: Path, width: int):
    page = browser.new_page(viewport={"width": width, "height": 800})
    page.route("**/*", lambda route: route.abort() if not route.request.url.startswith("file:") else route.continue_())
    page.goto(email_file.as_uri())
    page.screenshot(path=str(ARTIFACTS / f"2020-12-{width}px.png"), full_page=True)
    return page


def contact_boxes(page) -> list[dict[str, float]]:
    return [page.locator("td.contact").nth(n).bounding_box() for n in range(page.locator("td.contact").count())]


@pytest.mark.parametrize("width", [600, 375])
def test_no_horizontal_scrolling(browser, email_file: Path, width: int) -> None:
    page = open_at(browser, email_file, width)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.close()


def test_contact_cards_sit_side_by_side_on_a_wide_screen(browser, email_file: Path) -> None:
    page = open_at(browser, email_file, 600)
    first, second = contact_boxes(page)
    assert first["y"] == second["y"] and second["x"] >= first["x"] + first["width"] - 1
    page.close()


def test_contact_cards_stack_on_a_phone(browser, email_file: Path) -> None:
    page = open_at(browser, email_file, 375)
    first, second = contact_boxes(page)
    assert second["y"] >= first["y"] + first["height"] - 1 and second["x"] == first["x"]
    assert first["width"] > 300
    page.close()


CONTRAST_JS = """
  const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
                                        .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  let node = el, background = null;
  while (node && node.nodeType === 1) {
    const c = rgb(getComputedStyle(node).backgroundColor);
    if (c.length === 3 || c[3] > 0) { background = c.slice(0, 3); break; }
    node = node.parentElement;
  }
  background = background || [255, 255, 255];
  const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(background)];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
"""
CONTRAST = "(el) => {" + CONTRAST_JS + "}"
# Every element that shows text of its own, with its contrast against its own background.
ALL_CONTRASTS = """() => {
  const ratio = (el) => {""" + CONTRAST_JS + """};
  const seen = [];
  for (const el of document.body.querySelectorAll('*')) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const box = el.getBoundingClientRect();
    if (!own || box.width === 0 || box.height === 0 || getComputedStyle(el).visibility === 'hidden'
        || getComputedStyle(el).display === 'none' || el.closest('[aria-hidden="true"]')) continue;
    seen.push([el.tagName + ': ' + el.textContent.trim().slice(0, 30), ratio(el)]);
  }
  return seen;
}"""
# Every element with an opaque background, with that background's relative luminance.
LIGHT_BACKGROUNDS = """() => {
  const lum = (c) => c.slice(0, 3).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
                                   .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const light = [];
  for (const el of [document.documentElement, document.body, ...document.body.querySelectorAll('*')]) {
    const c = getComputedStyle(el).backgroundColor.match(/[\\d.]+/g).map(Number);
    if ((c.length === 3 || c[3] > 0) && lum(c) > 0.2) light.push(el.tagName + '.' + el.className + ' ' + c);
  }
  return light;
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_body_text_stays_readable_in_light_and_dark_mode(browser, email_file: Path, scheme: str) -> None:
    page = browser.new_page(viewport={"width": 375, "height": 800}, color_scheme=scheme)
    page.goto(email_file.as_uri())
    for selector in ["td.body p", "td.toc h2", "td.contact p", "td.credit p"]:
        assert page.locator(selector).first.evaluate(CONTRAST) >= 4.5, selector
    page.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [600, 375])
def test_every_text_keeps_its_contrast(browser, email_file: Path, scheme: str, width: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": 800}, color_scheme=scheme)
    page.goto(email_file.as_uri())
    weak = [(text, round(ratio, 2)) for text, ratio in page.evaluate(ALL_CONTRASTS) if ratio < 4.5]
    assert weak == []
    page.close()


@pytest.mark.parametrize("width", [600, 375])
def test_no_element_keeps_a_light_background_in_dark_mode(browser, email_file: Path, width: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": 800}, color_scheme="dark")
    page.goto(email_file.as_uri())
    assert page.evaluate(LIGHT_BACKGROUNDS) == []
    page.screenshot(path=str(ARTIFACTS / f"2020-12-{width}px-dark.png"), full_page=True)
    page.close()
