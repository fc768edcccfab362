"""The inlined page kept between commands (composer/render/inlined.py): a send after `check` or a test send reads
what premailer made then, byte for byte, and inlines again whenever anything that decides the result changed."""

from __future__ import annotations

import hashlib
import shutil
import stat
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from typer.testing import CliRunner

from conftest import SAMPLE_ISSUE
from test_startup import imported_by

from composer.cli import app
from composer.issue.issuefile import load_issue
from composer.render import inlined as inlined_module
from composer.render.build import Build, build
from composer.render.inlined import CACHE, KEPT, inlined
from composer.render.templates import TEMPLATES


def built(cache: Path, templates: Path | None = None) -> Build:
    return build(load_issue(SAMPLE_ISSUE), "2020-12", templates, cache=cache)


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.html"))


def planted(entry: Path, page: str) -> None:
    """An entry as the cache writes one (its content's hash, then the page), holding `page`."""
    body = page.encode()
    entry.write_bytes(hashlib.sha256(body).hexdigest().encode() + b"\n" + body)


def test_a_page_read_from_the_cache_is_byte_identical_to_one_inlined_afresh(tmp_path: Path, sample_build: Build) -> None:
    first, second = built(tmp_path / "cache"), built(tmp_path / "cache")
    assert first.html.encode() == second.html.encode() == sample_build.html.encode()
    assert len(entries(tmp_path / "cache")) == 1


def test_the_send_uses_the_page_found_in_the_cache(tmp_path: Path) -> None:
    """Shown with an entry whose page premailer would never make: it is what the build returns."""
    cache = tmp_path / "cache"
    built(cache)
    [entry] = entries(cache)
    planted(entry, "<!doctype html>\n<p>from the cache</p>")
    assert built(cache).html == "<!doctype html>\n<p>from the cache</p>"


def test_changed_css_in_the_templates_misses_the_cache(tmp_path: Path) -> None:
    cache, templates = tmp_path / "cache", tmp_path / "templates"
    before = built(cache)
    templates.mkdir()
    base = templates / "base.mjml.j2"
    shutil.copy(TEMPLATES / "base.mjml.j2", base)
    base.write_text(base.read_text().replace(".body p { margin: 0 0 14px 0; }", ".body p { margin: 0 0 14px 0; color: #123456; }"))
    after = built(cache, templates)
    assert "color:#123456" in after.html and "color:#123456" not in before.html
    assert len(entries(cache)) == 2


def test_a_new_premailer_version_misses_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    fresh = built(cache)
    [entry] = entries(cache)
    planted(entry, "<p>made by the old premailer</p>")
    recipe = inlined_module.recipe
    assert "premailer " in recipe(inlined_module.__file__)
    monkeypatch.setattr(inlined_module, "recipe", lambda module: recipe(module).replace("premailer ", "premailer 99+"))
    assert built(cache).html == fresh.html
    assert len(entries(cache)) == 2


@pytest.mark.parametrize("damage", [
    pytest.param(lambda data: data[: len(data) // 2], id="cut short"),
    pytest.param(lambda data: data.replace(b"<body", b"<bodx", 1), id="altered"),
    pytest.param(lambda data: b"", id="empty"),
    pytest.param(lambda data: b"\xff\xfe" + data, id="not utf-8"),
])
def test_a_damaged_entry_is_ignored_and_written_anew(tmp_path: Path, sample_build: Build, damage) -> None:
    cache = tmp_path / "cache"
    built(cache)
    [entry] = entries(cache)
    good = entry.read_bytes()
    entry.write_bytes(damage(good))
    assert built(cache).html == sample_build.html
    assert entry.read_bytes() == good


def test_a_cache_that_cannot_be_written_changes_nothing_but_the_time(tmp_path: Path, sample_build: Build) -> None:
    (tmp_path / "cache").write_text("a file where the folder would be")
    assert built(tmp_path / "cache").html == sample_build.html


def test_the_cache_keeps_only_the_most_recently_used_entries(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    inlined("<p>page 0</p>", str.upper, cache)
    for n in range(1, KEPT + 5):
        inlined(f"<p>page {n}</p>", str.upper, cache)
        inlined("<p>page 0</p>", str.upper, cache)  # read each time: kept
    pages = {entry.read_text().partition("\n")[2] for entry in entries(cache)}
    assert len(pages) == KEPT
    assert "<P>PAGE 0</P>" in pages and f"<P>PAGE {KEPT + 4}</P>" in pages and "<P>PAGE 1</P>" not in pages


def test_check_keeps_the_inlined_page_privately_in_the_state_folder(workdir: Path) -> None:
    result = CliRunner().invoke(app, ["check", "issues/2020-12.md"], env={"NEWSLETTER_FROM_ADDRESS": "kontakt@example.org"})
    assert result.exit_code == 0, result.output
    cache = workdir / ".newsletter" / CACHE
    [entry] = entries(cache)
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert all(stat.S_IMODE(folder.stat().st_mode) == 0o700 for folder in (cache, cache.parent, workdir / ".newsletter"))
    page = BeautifulSoup(entry.read_text().partition("\n")[2], "lxml")
    assert page.find("main") and "<style" in str(page.head)



def test_a_send_after_a_check_loads_neither_premailer_nor_cssutils(workdir: Path) -> None:
    """Their import and the first inlining were the largest part of a send's start."""
    (workdir / ".env").write_text("NEWSLETTER_FROM_ADDRESS=kontakt@example.org\n")
    watched = ("premailer", "cssutils", "requests", "composer.campaign")
    send = ["send", "issues/2020-12.md", "--list", "volunteers", "--dry-run"]
    assert imported_by(send, watched, workdir) == list(watched)  # the first: premailer inlines, the page is kept
    assert imported_by(["check", "issues/2020-12.md"], watched, workdir) == []
    assert imported_by(send, watched, workdir) == ["composer.campaign"]
