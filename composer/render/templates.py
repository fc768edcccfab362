"""The one place templates are found: the newsletter folder's own `templates/` first, then the package's.

An office overrides a single file (say `partials/footer.mjml.j2`) by putting its own copy in its folder's
`templates/`; every other template still comes from the installed package.
"""

from __future__ import annotations

import functools
import hashlib
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

import jinja2

from composer.i18n import SOURCE, JinjaGettext

TEMPLATES = Path(str(files("composer") / "templates"))


def search_path(override: Path | None) -> list[Path]:
    """The folders looked in, in order; an override folder that does not exist is left out."""
    return [override, TEMPLATES] if override is not None and override.is_dir() else [TEMPLATES]


def source_of(override: Path | None, name: str) -> Path:
    """The file a template name resolves to, for error messages that point at the file to edit."""
    for folder in search_path(override):
        if (folder / name).is_file():
            return folder / name
    return search_path(override)[0] / name


class _MarkingLoader(jinja2.FileSystemLoader):
    """Brackets every template's output with markers, so an MJML problem can name the template it came from."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Any]:
        source, filename, uptodate = super().get_source(environment, template)
        return f"<!--#tpl {template}-->{source}<!--#end-->", filename, uptodate


def environment(override: Path | None = None, kind: Literal["email", "web"] = "email") -> jinja2.Environment:
    """Email templates are strict (a typo in a variable is an error) and marked for MJML diagnostics; web pages
    are plain HTML. The folders are looked up on every call, so a `templates/` made later is seen."""
    return _environment(tuple(str(p.resolve()) for p in search_path(override)), kind)


_OPTIONS: dict[str, dict[str, Any]] = {
    "web": {"autoescape": True, "extensions": ["jinja2.ext.i18n"]},
    "email": {"autoescape": True, "undefined": jinja2.StrictUndefined, "trim_blocks": True, "lstrip_blocks": True,
              "extensions": ["jinja2.ext.i18n"]},
}
# babel.cfg extracts every template's `{% trans %}` blocks with `trimmed = true` (lines joined, ends stripped): the
# lookup must make the same msgid, or a multi-line block finds no translation and stays English.
_POLICIES: dict[str, Any] = {"ext.i18n.trimmed": True}


@functools.lru_cache(maxsize=16)
def _environment(folders: tuple[str, ...], kind: str) -> jinja2.Environment:
    """Cached: Jinja compiles each template once and recompiles it only when its file changes."""
    loader = jinja2.FileSystemLoader(folders) if kind == "web" else _MarkingLoader(folders)
    env = jinja2.Environment(loader=loader, bytecode_cache=_bytecode_cache(kind), **_OPTIONS[kind])
    env.policies.update(_POLICIES)
    # `{% trans %}` and `_()` in templates: English unless a render passes composer.i18n.JinjaGettext's callables.
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(JinjaGettext(SOURCE).callables())
    return env


def _bytecode_cache(kind: str) -> jinja2.BytecodeCache | None:
    """Jinja's own cache of compiled templates, in its private folder of the temporary directory (made 0700 and
    checked to be the user's own): a command that renders an issue then loads the templates' code instead of
    parsing and compiling them, about 20 ms of every start. An entry is found by the template's name and
    checked against its source; the options it was compiled with are in the entry's name, since the web and
    the email templates are compiled differently (the policies too: trimming changes a
    `{% trans %}` block's code). Without a usable temporary directory it compiles as before."""
    recipe = hashlib.sha256(repr((kind, sorted(_OPTIONS[kind].items(), key=str), _POLICIES)).encode()).hexdigest()[:12]
    try:
        return jinja2.FileSystemBytecodeCache(pattern=f"composer-{kind}-{recipe}-%s.cache")
    except (OSError, RuntimeError):
        return None
