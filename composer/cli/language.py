"""The command line's language: the environment's (LANGUAGE, LC_ALL, LC_MESSAGES, LANG), read from the variables as
gettext reads them, never through `locale.setlocale` (the office's machine may not have the German locale generated).

Our texts are catalogue msgids rendered with `_` and `ngettext` here (typer's and click's own words: composer/cli/usage.py).
Light on purpose (no typer, no rich): the entry point needs it before anything heavy is imported.
"""

from __future__ import annotations

import os
from typing import Any

from composer.i18n import translate, translate_plural
from composer.i18n.languages import from_environment

YES = frozenset({"j", "ja", "y", "yes"})  # accepted at our own [j/N] / [y/N] prompt in either language


def lang() -> str:
    """Read at every use: the environment is the command's (and a test's) to set."""
    return from_environment(os.environ)


def _(msgid: str, **params: Any) -> str:
    """A msgid in the command line's language, its `{name}` parameters filled in (Babel extracts `_`)."""
    return translate(lang(), msgid, **params)


def ngettext(singular: str, plural: str, n: int, **params: Any) -> str:
    """The form for a count; `{n}` is the count (Babel extracts `ngettext`)."""
    return translate_plural(lang(), singular, plural, n, **params)


def is_yes(answer: str) -> bool:
    return answer.strip().lower() in YES
