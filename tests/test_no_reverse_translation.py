"""Issue 23: nothing in composer/ translates by matching English sentences. The desk's old tables (an English
pattern paired with its German wording) are gone, and no module pairs English sentences with German ones again:
words for a face are msgids in the catalogue, rendered where they are shown."""

from __future__ import annotations

import ast
import re
from pathlib import Path

COMPOSER = Path(__file__).resolve().parent.parent / "composer"
GERMAN = re.compile(r"[äöüßÄÖÜ„“]|\b(der|die|das|und|nicht|Sie|ist|wird|keine?)\b")
PATTERN = re.compile(r"\(\?P<|\\g<|\\S\+|\\d\+|\.\+|\.\*")


def sentence(text: str) -> bool:
    return len(text.split()) >= 4


def pairs(tree: ast.AST) -> list[tuple[str, str]]:
    """Every (first, second) pair of string constants the module writes as a two-item tuple or a dict entry."""
    found: list[tuple[str, str]] = []
    for node in ast.walk(tree):
        items: list[tuple[ast.expr | None, ast.expr]] = []
        if isinstance(node, ast.Tuple) and len(node.elts) == 2:
            items = [(node.elts[0], node.elts[1])]
        elif isinstance(node, ast.Dict):
            items = list(zip(node.keys, node.values, strict=True))
        for key, value in items:
            if isinstance(key, ast.Constant) and isinstance(value, ast.Constant) \
                    and isinstance(key.value, str) and isinstance(value.value, str):
                found.append((key.value, value.value))
    return found


def test_the_reverse_matching_modules_are_gone() -> None:
    assert not (COMPOSER / "desk" / "german.py").exists() and not (COMPOSER / "desk" / "settings_german.py").exists()
    assert not (COMPOSER / "desk" / "text.py").exists()


def test_no_module_pairs_an_english_sentence_or_pattern_with_a_german_wording() -> None:
    offending = []
    for path in sorted(COMPOSER.rglob("*.py")):
        for english, german in pairs(ast.parse(path.read_text(encoding="utf-8"))):
            if (sentence(english) or PATTERN.search(english)) and not GERMAN.search(english) and GERMAN.search(german) \
                    and (sentence(german) or "\\g<" in german):
                offending.append(f"{path.relative_to(COMPOSER)}: {english[:60]!r} -> {german[:60]!r}")
    assert not offending, offending


def test_no_module_fills_a_german_template_from_an_english_match() -> None:
    """`\\g<name>` in a replacement is how the old tables carried names and numbers into their German."""
    offending = [str(path.relative_to(COMPOSER)) for path in sorted(COMPOSER.rglob("*.py"))
                 if any(isinstance(node, ast.Constant) and isinstance(node.value, str) and "\\g<" in node.value
                        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))))]
    assert not offending, offending
