"""The catalogues' upkeep in one place: extract every msgid, bring each language up to date, compile the .mo files.

    python tools/catalogues.py            # all three steps
    python tools/catalogues.py extract    # composer/locale/messages.pot only (what tests/test_catalogues.py compares)

The .mo files are committed, so a plain install needs no Babel step. A new language (e.g. Ukrainian for the web
pages): `pybabel init -i composer/locale/messages.pot -d composer/locale -D messages -l uk`, translate, run this.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.frontend import CommandLineInterface

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "composer" / "locale"
TEMPLATE = LOCALE / "messages.pot"
KEYWORDS = ["N_", "message", "plural:1,2", "translate:2", "translate_plural:2,3"]  # composer/i18n's markers


def pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def extract(output: Path = TEMPLATE) -> None:
    keywords = [arg for word in KEYWORDS for arg in ("-k", word)]
    pybabel("extract", "-F", str(ROOT / "babel.cfg"), *keywords, "--no-location", "--sort-output",
            "--project", "newsletter-composer", "-o", str(output), str(ROOT))  # babel.cfg paths are from ROOT


def update() -> None:
    for language in ("de",):
        if not (LOCALE / language / "LC_MESSAGES" / "messages.po").exists():
            pybabel("init", "-i", str(TEMPLATE), "-d", str(LOCALE), "-D", "messages", "-l", language)
    pybabel("update", "-i", str(TEMPLATE), "-d", str(LOCALE), "-D", "messages", "--no-fuzzy-matching",
            "--ignore-pot-creation-date")


def compile_() -> None:
    pybabel("compile", "-d", str(LOCALE), "-D", "messages", "--statistics")


if __name__ == "__main__":
    step = sys.argv[1] if len(sys.argv) > 1 else "all"
    if step in ("extract", "all"):
        extract()
    if step in ("update", "all"):
        update()
    if step in ("compile", "all"):
        compile_()
