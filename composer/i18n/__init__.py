"""Every word the tool shows comes from one gettext catalogue per language (composer/locale), extracted with Babel.

The library never produces German (or English) sentences for a face to translate back: it produces a `Message`, a
gettext msgid in English with named parameters, and the face renders it in its reader's language with `render`.
Source strings are English, so English needs no catalogue of its own; `de` is complete (tests/test_catalogues.py).
"""

from __future__ import annotations

import datetime as dt
import gettext as _gettext
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"
SOURCE = "en"
LANGUAGES = ("de", "en")  # complete ones; a web page may offer more once their catalogue exists
NAMES = {"de": "Deutsch", "en": "English"}  # each language in its own words, for a language switch
DEFAULT = "de"  # the office's language: what a face shows when nothing says otherwise


def N_(msgid: str) -> str:  # noqa: N802 - the gettext convention Babel extracts
    """Marks a msgid for extraction where it is translated later (tables, constants)."""
    return msgid


@cache
def translations(lang: str) -> _gettext.NullTranslations:
    """The compiled catalogue of a language; the source language and an unknown one show the msgids."""
    if lang == SOURCE:
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


def translate(lang: str, msgid: str, **params: Any) -> str:
    """One msgid in a language, its `{name}` parameters filled in (a parameter that is a Message in the same language)."""
    text = translations(lang).gettext(msgid)
    return text.format(**_inner(params, lang)) if params else text


def translate_plural(lang: str, singular: str, plural: str, n: int, **params: Any) -> str:
    """A msgid with a singular and a plural form; `n` is available to the text as `{n}`."""
    return translations(lang).ngettext(singular, plural, n).format(n=n, **_inner(params, lang))


def _inner(params: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """Messages among the parameters (why a send waits, inside "waiting until … ({why})") said in the language too."""
    return {key: value.render(lang) if isinstance(value, Message) else value for key, value in params.items()}


@dataclass(frozen=True)
class Message:
    """Something to tell the reader, as a msgid and its parameters, rendered where it is shown.

    Parameters may be messages themselves (a reason inside a sentence); they are rendered in the same language.
    `str()` gives the English source, for logs and exceptions' default text.
    """

    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict)
    plural: str | None = None
    n: int | None = None

    def render(self, lang: str) -> str:
        values = {key: _shown(value, lang) for key, value in self.params.items()}
        if self.plural is not None and self.n is not None:
            return translate_plural(lang, self.msgid, self.plural, self.n, **values)
        return translate(lang, self.msgid, **values)

    def __str__(self) -> str:
        return self.render(SOURCE)


def _shown(value: Any, lang: str) -> Any:
    """A parameter as the language writes it: a message rendered, a decimal with its comma, a date or a moment in
    the language's short form; anything else (names, addresses, whole numbers) as it is."""
    from composer.i18n import formats

    if isinstance(value, Message):
        return value.render(lang)
    if isinstance(value, float):
        return _decimal(value, lang)
    if isinstance(value, dt.datetime):
        return formats.stamp(value, lang)
    if isinstance(value, dt.date):
        return formats.day(value, lang)
    return value


def _decimal(value: float, lang: str) -> str:
    """A decimal parameter as the language writes it (2,5 in German), with at least one decimal."""
    from babel.numbers import format_decimal

    return format_decimal(value, format="0.0##", locale=lang)


def message(msgid: str, /, **params: Any) -> Message:
    """A `Message`; the short form Babel extracts (keyword `message`)."""
    return Message(msgid, params)


def plural(singular: str, plural_: str, n: int, /, **params: Any) -> Message:
    """A `Message` whose wording depends on a count (keyword `plural`)."""
    return Message(singular, params, plural_, n)


def stored(text: Message | str) -> Any:
    """A message as JSON can keep it (in the send state): its msgid and parameters, nested messages too; a plain
    string as it is. `restored` reads it back. A parameter that is neither a JSON value nor a message (a path) is
    kept as its text."""
    if not isinstance(text, Message):
        return text
    params = {k: stored(v) if isinstance(v, Message) else v if isinstance(v, str | int | float | bool | None) else str(v)
              for k, v in text.params.items()}
    return {"msgid": text.msgid, "params": params, "plural": text.plural, "n": text.n}


def restored(data: Any) -> Message | str:
    """What `stored` kept, a message again (a plain string, as older releases kept their reasons, stays one)."""
    if not isinstance(data, dict):
        return str(data)
    params = {k: restored(v) if isinstance(v, dict) else v for k, v in data.get("params", {}).items()}
    return Message(data["msgid"], params, data.get("plural"), data.get("n"))


def render(text: Message | str, lang: str) -> str:
    """What a face shows: a message in its language; a plain string (a name, an address) as it is."""
    return text.render(lang) if isinstance(text, Message) else text


class JinjaGettext:
    """`gettext`/`ngettext`/`_` for templates using `jinja2.ext.i18n` (newstyle), bound to one language per render.

    Passed in the render context, they shadow the environment's, so one shared environment serves every language.
    The catalogue's text is trusted markup; the parameters are escaped.
    """

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def gettext(self, msgid: str, **params: Any) -> Markup:
        """Always formatted, as Jinja's own newstyle gettext does: a literal percent sign is `%%`."""
        return Markup(translations(self.lang).gettext(msgid)) % {k: escape(v) for k, v in params.items()}

    def ngettext(self, singular: str, plural_: str, n: int, /, **params: Any) -> Markup:
        """Positional-only, so that a template's count may be called `n` as well."""
        text = Markup(translations(self.lang).ngettext(singular, plural_, n))
        return text % {"num": n, **{k: escape(v) for k, v in params.items()}}

    def callables(self) -> dict[str, Any]:
        """`gettext`, `_`, `ngettext`, and `m` to show a library `Message` (or a plain string) in this language."""
        return {"gettext": self.gettext, "_": self.gettext, "ngettext": self.ngettext, "m": self.show}

    def show(self, text: Message | str) -> str:
        return render(text, self.lang)

    def context(self) -> dict[str, Any]:
        """What a page's render passes: the callables and `lang`."""
        return {**self.callables(), "lang": self.lang}
