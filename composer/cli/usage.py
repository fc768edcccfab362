"""typer's and click's own words ("Usage:", "Options", "Error: ...", "Missing argument") in the command line's language.

typer asks the global `gettext.gettext` for some of them ("Options", "Arguments", "Commands", "[default: ...]",
"[required]", "Aborted!", "No such command"): `speak_for_click` binds that global domain to our catalogue, and
`THEIRS` keeps their msgids in it. The click typer bundles (typer._click) writes the rest in English without gettext,
so our group and command classes supply them: the usage line's prefix and the help option's text through click's
public methods, and a usage error is raised again as `Refused`, which says it in our language. That bundled click's
exception classes are the one private seam (tests/test_cli_language.py checks its behaviour).
"""

from __future__ import annotations

import gettext
import sys
from difflib import get_close_matches
from typing import Any

import typer
from typer._click.exceptions import MissingParameter, NoArgsIsHelpError, NoSuchOption, UsageError

from composer.cli.language import _, lang
from composer.i18n import DOMAIN, LOCALE_DIR, N_, plural

THEIRS = (  # what typer asks gettext for, as it spells the msgids (compare after an upgrade: pybabel extract typer)
    N_("Options"), N_("Arguments"), N_("Commands"), N_("default: {default}"), N_("required"), N_("env var: {var}"),
    N_("(dynamic)"), N_("Aborted!"), N_("Missing command."), N_("No such command {name!r}."),
    plural("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments.", 1),
)


def speak_for_click() -> None:
    """typer's gettext calls find our catalogue, for the language gettext reads from the environment."""
    gettext.bindtextdomain(DOMAIN, str(LOCALE_DIR))
    gettext.textdomain(DOMAIN)


class Refused(UsageError):
    """A usage error said in the command line's language: the usage line, the hint to --help, and the error."""

    def show(self, file: Any = None) -> None:
        if self.ctx is not None:
            hint = ""
            if self.ctx.command.get_help_option(self.ctx) is not None:
                hint = _("Try '{command} {option}' for help.", command=self.ctx.command_path,
                         option=self.ctx.help_option_names[0]) + "\n"
            typer.echo(f"{self.ctx.get_usage()}\n{hint}", file=file or sys.stderr)
        typer.echo(_("Error: {message}", message=self.message), file=file or sys.stderr)


def refused(error: UsageError) -> UsageError:
    """The same error in our words (a refused value by `_value_error`)."""
    if isinstance(error, NoArgsIsHelpError | Refused):
        return error
    if isinstance(error, MissingParameter):
        kind = error.param_type or (error.param.param_type_name if error.param is not None else "parameter")
        missing = {"argument": _("Missing argument"), "option": _("Missing option")}.get(kind, _("Missing parameter"))
        hint = error.param.get_error_hint() if error.param is not None else ""  # type: ignore[call-arg]
        said = f"{missing} {hint}." if hint else f"{missing}."
    elif isinstance(error, NoSuchOption):
        said = _("No such option {name!r}.", name=error.option_name)
        if error.possibilities:
            said += " " + _("Did you mean {possibility}?", possibility=", ".join(sorted(error.possibilities)))
    elif isinstance(error, typer.BadParameter):
        given = error.param_hint or (error.param.get_error_hint() if error.param is not None else None)  # type: ignore[call-arg]
        names = given if isinstance(given, str) or given is None else " / ".join(repr(h) for h in given)
        why = _value_error(error)
        said = (_("Invalid value for {param_hint}: {message}", param_hint=names, message=why) if names
                else _("Invalid value: {message}", message=why))
    else:
        said = error.message
    return Refused(said, error.ctx)


def _value_error(error: typer.BadParameter) -> str:
    """Why a value was refused: typer converts values with pydantic, whose error is said by its type in our words
    (as the desk's settings say it); any other reason is kept as it was given."""
    from pydantic import ValidationError

    from composer.config.editing import wording
    from composer.i18n import render

    cause = error.__cause__
    if isinstance(cause, ValidationError) and cause.errors():
        return render(wording(cause.errors()[0]), lang())
    return error.message


class Localized:
    """Mixed into our group and command classes (typer builds them anew at every start, in the environment's
    language): help texts are msgids, translated here; click's own words come from the catalogue."""

    help: str | None
    params: list[Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.help:
            self.help = _(self.help)
        for param in self.params:
            if getattr(param, "help", None):
                param.help = _(param.help)

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)),  # type: ignore[attr-defined]
                              prefix=_("Usage:") + " ")

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = _("Show this message and exit.")
        return option

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)  # type: ignore[misc, no-any-return]
        except UsageError as error:
            raise refused(error) from None


class Command(Localized, typer.core.TyperCommand):
    """Every command of ours (`cls=` of `app.command`)."""


class Group(Localized, typer.core.TyperGroup):
    """The `newsletter` group: its commands, built before it, are ours too; an unknown one is said in our words."""

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        name = args[0] if args else ""
        if name and self.get_command(ctx, name) is None and not name.startswith("-") and not ctx.resilient_parsing:
            said = _("No such command {name!r}.", name=name)
            matches = get_close_matches(name, list(self.commands))
            if matches:
                said += " " + _("Did you mean {possibility}?", possibility=", ".join(repr(m) for m in matches))
            raise Refused(said, ctx)
        return super().resolve_command(ctx, args)  # type: ignore[no-any-return]
