"""Changing settings in `.env` the way a person would in a text editor: the changed variables are rewritten where
they stand, a new one is added at the end, and every other line (comments, blank lines, order, other values)
stays as it was. The file is read with python-dotenv's own parser (the one that reads it for the settings),
so a quoted value spanning lines is one binding, and written whole through composer/atomic (0600)."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from pathlib import Path

from dotenv.parser import parse_stream

from composer.atomic import PRIVATE, write_text
from composer.errors import SettingsError
from composer.i18n import message

BARE = re.compile(r"^[A-Za-z0-9_.,:/@+-]*$")
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def quoted(value: str) -> str:
    """The value as dotenv reads it back unchanged: bare when it is plain, else in single quotes (no `$`
    expansion there), with backslash and quote escaped as dotenv unescapes them."""
    if "\n" in value or "\r" in value or "\0" in value:
        raise SettingsError(message("A setting's value must be one line."))
    if BARE.match(value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def update_env(path: Path, changes: Mapping[str, str | None]) -> None:
    """`changes` written into the .env at `path` (made if missing): a value replaces the variable's line(s) in
    place, or is appended; None removes the variable. Lines of variables not named are kept byte for byte."""
    for name in changes:
        if not NAME.match(name):
            raise SettingsError(message("{name} is not the name of a setting.", name=repr(name)))
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    pending = dict(changes)
    parts: list[str] = []
    for binding in parse_stream(io.StringIO(text)):
        original = binding.original.string
        if binding.key is None or binding.key not in changes:
            parts.append(original)
            continue
        lead = original[:len(original) - len(original.lstrip())]
        lead = lead[:lead.rfind("\n") + 1]  # the blank lines before it stay
        value = pending.pop(binding.key, None) if binding.key in pending else None
        if value is not None:
            export = "export " if original.lstrip().startswith("export ") else ""
            parts.append(f"{lead}{export}{binding.key}={quoted(value)}\n")
        else:
            parts.append(lead)
    new = "".join(parts)
    added = [f"{name}={quoted(value)}\n" for name, value in pending.items() if value is not None]
    if added and new and not new.endswith("\n"):
        new += "\n"
    write_text(path, new + "".join(added), PRIVATE)
