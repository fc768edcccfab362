"""The HTML part through Roundcube's own HTML cleaner (Debian's roundcube-core, run with php-cli)."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import SAMPLE_ISSUE, make_settings

from composer.issue.issuefile import load_issue
from composer.send.pipeline import SAMPLE_RECIPIENT
from composer.render.build import build
from composer.send.message import MessageFactory

WASH = Path(__file__).parent / "roundcube_wash.php"
pytestmark = pytest.mark.skipif(not shutil.which("php") or not Path("/usr/share/roundcube").exists(),
                                reason="php-cli and roundcube-core are not installed")


@pytest.fixture(scope="module")
def washed(tmp_path_factory: pytest.TempPathFactory) -> str:
    source = SAMPLE_ISSUE.read_text(encoding="utf-8").replace(
        "Wie weltoffen ist die Stadt wirklich?", "Wie weltoffen ist die Stadt wirklich … und wer’s weiß?")
    path = tmp_path_factory.mktemp("issue") / "2020-12.md"
    path.write_text(source, encoding="utf-8")
    page, _ = MessageFactory(build(load_issue(path), "2020-12"), make_settings().sender, b"secret").preview(SAMPLE_RECIPIENT)
    return subprocess.run(["php", str(WASH)], input=page, capture_output=True, text=True, check=True).stdout


def test_the_html_part_is_ascii_with_character_references(sample_build) -> None:
    assert re.sub(r"<style.*?</style>", "", sample_build.html, flags=re.S).isascii()
    assert "&#8222;Gemeinsam klappt's&#8220;" in sample_build.html


def test_german_typography_survives_roundcube(washed: str) -> None:
    text = html.unescape(washed)
    for phrase in ["„Gemeinsam klappt's“", "Stadt Krefeld – Fachbereich", "wirklich … und wer’s weiß?",
                   "Flüchtlingskoordination", "Öffnung", "Begrüßung"]:
        assert phrase in text


def test_in_page_anchors_still_point_at_their_targets_after_roundcube(washed: str) -> None:
    targets = set(re.findall(r'\bid="([^"]+)"', washed))
    links = re.findall(r'href="#([^"]+)"', washed)
    assert links and all(link in targets for link in links)
