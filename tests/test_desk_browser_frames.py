"""The email shown alone on a desk page, in real Chromium: the approver's page (the link of "Bitte um Freigabe") and a
sent issue's page show it as wide and as tall as the edit page's preview, not in the browser's 300 × 150 px default
frame; on a phone it fits the page."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.conftest import IN_CHROMIUM, SAMPLE
from tests.deskserver import Running, quiet_desk
from tests.test_inbox import delivered

pytestmark = IN_CHROMIUM

FRAMES = {"approval": ("/issues/2020-12/approval?list=volunteers", "main iframe"),
          "sent": ("/issues/2020-11", "main iframe#sent-preview")}


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    folder = tmp_path_factory.mktemp("frames")
    shutil.copytree(SAMPLE / "issues", folder / "issues")
    shutil.copytree(SAMPLE / "subscribers", folder / "subscribers")
    shutil.copy(folder / "issues" / "2020-12.md", folder / "issues" / "2020-11.md")
    delivered("2020-11", {"lena.weiss@example.org": "<sent-1@example.org>"}, folder / ".newsletter")
    with quiet_desk(folder) as running:
        yield running


@pytest.fixture(scope="module")
def tab(browser, desk: Running):
    context = browser.new_context(viewport={"width": 1300, "height": 900}, locale="de-DE")
    context.add_cookies([{"name": "desk_session", "value": desk.desk.access.new_session(), "url": desk.base}])
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def size(page, selector: str) -> tuple[float, float]:
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    return box["width"], box["height"]


@pytest.mark.parametrize("where", FRAMES)
def test_the_email_alone_on_a_page_is_as_large_as_the_edit_pages_preview(tab, desk: Running, where: str) -> None:
    tab.set_viewport_size({"width": 1300, "height": 900})
    tab.goto(f"{desk.base}/issues/2020-12")
    editing = size(tab, "aside.preview iframe")
    path, frame = FRAMES[where]
    tab.goto(desk.base + path)
    assert size(tab, frame) == editing
    assert editing[0] >= 600 and editing[1] >= 600


@pytest.mark.parametrize("where", FRAMES)
def test_the_email_alone_on_a_page_fits_a_phone(tab, desk: Running, where: str) -> None:
    tab.set_viewport_size({"width": 390, "height": 800})
    path, frame = FRAMES[where]
    tab.goto(desk.base + path)
    width, height = size(tab, frame)
    assert 300 < width <= 390 and height >= 500
    assert tab.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") == 0

