"""The catalogues are complete and current: every msgid in the code is in German, translated, not fuzzy, compiled."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "composer" / "locale"
LANGUAGES = ["de"]  # English is the source language: its strings are the msgids themselves


def load_tool():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("catalogues", ROOT / "tools" / "catalogues.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def catalogue(lang: str):  # type: ignore[no-untyped-def]
    with open(LOCALE / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The msgids the code and templates use today, extracted as tools/catalogues.py extracts them."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    load_tool().extract(pot)
    with open(pot, "rb") as f:
        return {message.id if isinstance(message.id, str) else message.id[0] for message in read_po(f) if message.id}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_msgid_of_the_code_is_in_the_catalogue(extracted: set[str], lang: str) -> None:
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue(lang) if m.id}
    missing = sorted(extracted - known)
    assert not missing, f"run `python tools/catalogues.py` and translate: {missing[:10]}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_msgid_is_left_over_from_removed_code(extracted: set[str], lang: str) -> None:
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue(lang) if m.id}
    assert not sorted(known - extracted), "run `python tools/catalogues.py` to drop msgids no code uses"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_entry_is_translated_and_none_is_fuzzy(lang: str) -> None:
    entries = [m for m in catalogue(lang) if m.id]
    untranslated = [m.id for m in entries if not m.string or (isinstance(m.string, tuple) and not all(m.string))]
    assert not untranslated, untranslated[:10]
    assert not [m.id for m in entries if m.fuzzy]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_compiled_catalogue_matches_its_source(lang: str) -> None:
    def entries(messages):  # type: ignore[no-untyped-def]  # a plural's id and strings come as lists from the .mo
        return {tuple(m.id) if isinstance(m.id, list | tuple) else m.id:
                tuple(m.string) if isinstance(m.string, list | tuple) else m.string for m in messages if m.id}

    with open(LOCALE / lang / "LC_MESSAGES" / "messages.mo", "rb") as f:
        compiled = entries(read_mo(f))
    source = entries(catalogue(lang))
    assert compiled == source, "run `python tools/catalogues.py compile`"


def _key(value: str | list[str] | tuple[str, ...]) -> str | tuple[str, ...]:
    """A plural entry's forms (a list from the .mo, a tuple from the .po) as a tuple."""
    return value if isinstance(value, str) else tuple(value)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_the_parameters_of_their_msgid(lang: str) -> None:
    import re

    names = re.compile(r"\{(\w+)\}|%\((\w+)\)s")
    for entry in catalogue(lang):
        if not entry.id:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        wanted = {a or b for i in ids for a, b in names.findall(i)} - {"n", "num"}
        for string in strings:
            assert {a or b for a, b in names.findall(string)} - {"n", "num"} <= wanted | {"n", "num"}, entry.id
            assert wanted <= {a or b for a, b in names.findall(string)} | {"n", "num"}, entry.id
