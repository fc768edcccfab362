"""Which language a reader gets: the command line's from the environment, a web page's from Accept-Language."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from composer.i18n import DEFAULT, LANGUAGES, SOURCE

ENVIRONMENT = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")  # the order gettext reads them in


def base(tag: str) -> str:
    """`de_DE.UTF-8`, `de-AT` or `DE` -> `de`; `C` and `POSIX` are the source language."""
    code = tag.split(".")[0].split("@")[0].replace("-", "_").split("_")[0].strip().lower()
    return SOURCE if code in ("c", "posix") else code


def from_environment(environ: Mapping[str, str], available: Iterable[str] = LANGUAGES) -> str:
    """The command line's language as gettext finds it: the first of these variables that is set decides.

    Read from the variables, never through `locale.setlocale`: the office's machine may not have the German
    locale generated (`LANG=de_DE.UTF-8` still means German). `LANGUAGE` may list several, separated by `:`.
    """
    offered = set(available)
    for name in ENVIRONMENT:
        value = environ.get(name, "")
        if not value:
            continue
        for tag in value.split(":"):
            if base(tag) in offered:
                return base(tag)
        if name != "LANGUAGE":
            return SOURCE
    return SOURCE


def accepted(header: str, available: Iterable[str] = LANGUAGES, fallback: str = DEFAULT) -> str:
    """A browser's Accept-Language in its order of preference: `uk, en;q=0.8` gets English while there is no
    Ukrainian; nothing offered gives the office's language."""
    offered = list(available)
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:32]):
        tag, _, rest = part.strip().partition(";")
        quality = 1.0
        for param in rest.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, position, tag))
    for _quality, _position, tag in sorted(ranked):
        if tag == "*":
            return fallback
        if base(tag) in offered:
            return base(tag)
    return fallback
