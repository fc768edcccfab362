"""Which language a desk page speaks: the person's choice (the switch's cookie), else the browser's
Accept-Language in its order of preference, German when nothing offered fits."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from composer.i18n import LANGUAGES, NAMES, JinjaGettext, translations
from composer.i18n.languages import accepted

COOKIE = "desk_lang"


def language(request: Request) -> str:
    chosen = request.cookies.get(COOKIE, "")
    return chosen if chosen in LANGUAGES else accepted(request.headers.get("accept-language", ""))


def other(lang: str) -> str:
    """The language the switch offers: the desk speaks German and English."""
    return "en" if lang == "de" else "de"


def switch_label(lang: str) -> str:
    """The switch names the other language in its own words ("English" on a German page)."""
    return NAMES[other(lang)]


def page_words(lang: str) -> dict[str, Any]:
    """What every desk template gets for its words: `_`/`gettext`/`ngettext`/`m` bound to the language, `word()` for
    a msgid picked from a table of composer.desk.words (passed as `words`), the switch's label, and `lang`."""
    from composer.desk import words

    return {**JinjaGettext(lang).context(), "word": translations(lang).gettext, "words": words,
            "switch": switch_label(lang)}
