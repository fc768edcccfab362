"""Einstellungen: the settings an office changes, edited here (composer/config/editing.py validates and writes
.env; "Verbindung testen" runs before a changed SMTP or IMAP server is saved), the desk password (Anmeldung), the
settings in effect with their source, "Verbindung testen" for SMTP and IMAP, and "Sicherung herunterladen"
(the archive of `newsletter backup`, without passwords)."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from datetime import date
from collections.abc import Callable
from pathlib import Path

from babel.numbers import format_decimal

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from composer.config import backup, editing
from composer.checks.connection import Trial, try_imap, try_smtp
from composer.desk.context import Desk
from composer.desk.guard import Refused, checked_form
from composer.desk.language import language
from composer.desk.rights import actor
from composer.desk.words import SETTINGS, VALUES
from composer.i18n import N_, Message, message, render, translate
from composer.office import people, protocol
from composer.state import Journal
from composer.state.office import PersonRow
from composer.errors import ComposerError, said
from composer.config.provenance import settings_in_effect


DECIMAL = re.compile(r"[-+]?\d+\.\d+")  # how a decimal setting's value comes: 2.5 (written 2,5 in German)


def value_in(lang: str) -> Callable[[str], str]:
    """A setting's value as the language reads it: a switch in words (ja/nein in German, with true/false as .env
    writes them) and a decimal with its comma; anything else (names, addresses, paths) as it is."""
    def shown(text: str) -> str:
        if text in VALUES:
            return translate(lang, VALUES[text])
        return format_decimal(float(text), format="0.0##", locale=lang) if DECIMAL.fullmatch(text) else text
    return shown


LABELS = {
    "name": N_("Name of the newsletter"), "from_name": N_("Sender name"), "from_address": N_("Sender address"),
    "reply_to": N_("Replies to (address)"), "smtp_host": N_("Server"), "smtp_port": N_("Port"),
    "smtp_security": N_("Encryption"), "smtp_username": N_("User name"), "smtp_password": N_("Password"),
    "imap_host": N_("Server"), "imap_port": N_("Port"), "imap_security": N_("Encryption"),
    "imap_username": N_("User name"), "imap_password": N_("Password"), "imap_folder": N_("Folder"),
    "public_url": N_("Public address of the web pages"), "privacy_url": N_("Privacy notice (link)"),
    "imprint_url": N_("Imprint (link)"), "accessibility_url": N_("Accessibility statement (link; empty: the built-in page)"),
    "desk_url": N_("Address of the desk for colleagues (in invitations and approval requests)"),
    "hourly_limit": N_("Messages per hour (0 = no limit)"), "daily_limit": N_("Messages per day (0 = no limit)"),
    "rate_limit": N_("Messages per minute (0 = no limit)"), "send_hours": N_("Sending hours, e.g. Mo-Fr 08:00-18:00"),
    "time_zone": N_("Time zone, e.g. Europe/Berlin"),
}
CHOICES = {"starttls": N_("STARTTLS (usually port 587)"), "tls": N_("TLS (usually port 465 or 993)"),
           "none": N_("none (only on this computer)")}


def current(desk: Desk, field: editing.Editable, lang: str) -> str:
    """A field's value as the form shows it: numbers in the page's language, passwords never."""
    value = getattr(desk.settings, field.name)
    if field.kind == "secret" or value is None:
        return ""
    return editing.shown_number(value, lang) if field.kind in ("whole", "decimal") else str(value)


def routes(desk: Desk) -> list[Route]:
    def page(request: Request, trial: Trial | None = None, status: int | None = None, typed: dict[str, str] | None = None,
             problems: dict[str, Message] | None = None, said: Message | str | None = None,
             own_problems: dict[str, Message] | None = None) -> Response:
        rows = settings_in_effect(desk.settings, desk.folder / ".env")
        status = status or (200 if trial is None or trial.ok else 422)
        lang = language(request)
        groups: dict[str, list[dict[str, object]]] = {}
        for field in editing.EDITABLE:
            groups.setdefault(field.group, []).append({
                "field": field, "label": LABELS[field.name], "is_set": getattr(desk.settings, field.name) is not None,
                "value": (typed or {}).get(field.name, current(desk, field, lang)) if field.kind != "secret" else "",
                "problem": (problems or {}).get(field.name), "environment": field.variable in os.environ})
        return desk.page(request, "settings.html.j2", status, rows=rows, trial=trial, groups=groups, choices=CHOICES,
                         said=said, failed=status >= 400, password_set=bool(desk.access.password_hash),
                         problems=problems or {},
                         own=own_account(request), own_problems=own_problems or {},
                         describe=lambda row: translate(lang, SETTINGS[row.variable]) if row.variable in SETTINGS
                         else row.description,
                         detail=lambda text: render(text, lang), shown=value_in(lang))

    def own_account(request: Request) -> PersonRow | None:
        """A colleague's account, for "Ihr Passwort"; None for the first account, whose password is the desk's
        (Anmeldung above sets it)."""
        who = actor(request.scope)
        with Journal(desk.settings.state_dir, read_only=True) as journal:
            if who.person is None or people.is_first(journal, who.person):
                return None
            return journal.person_by_id(who.person)

    def show(request: Request) -> Response:
        return page(request)

    async def test(request: Request) -> Response:
        form = await checked_form(request)
        if form.get("service") == "imap":
            trial = await run_in_threadpool(try_imap, desk.settings.imap, desk.settings.smtp_timeout)
        else:
            trial = await try_smtp(desk.settings.smtp)
        return page(request, trial)

    async def download(request: Request) -> Response:
        """Made in a private scratch folder, sent, and removed once sent."""
        await checked_form(request)
        name = translate(language(request), "newsletter-backup-{date}.tar.gz", date=date.today().isoformat())
        scratch = Path(tempfile.mkdtemp(prefix="newsletter-desk-backup-"))
        try:
            await run_in_threadpool(backup.make, desk.folder, scratch / name, desk.settings, desk.secret)
        except BaseException as exc:
            shutil.rmtree(scratch, ignore_errors=True)
            if isinstance(exc, ComposerError):
                raise Refused(409, said(exc)) from None
            raise
        return FileResponse(scratch / name, media_type="application/gzip", filename=name,
                            background=BackgroundTask(shutil.rmtree, scratch, ignore_errors=True))

    async def save(request: Request) -> Response:
        """The form's changes: read, validated, the connection tried when a server changed, then written to .env
        and in effect at once (a send already running keeps the settings it started with)."""
        form = await checked_form(request)
        lang = language(request)
        typed = {field.name: str(form[field.name]) for field in editing.EDITABLE
                 if field.name in form and field.kind != "secret"}
        changed = {name: str(value) for name, value in form.items() if name in editing.BY_NAME
                   and str(value).strip() != current(desk, editing.BY_NAME[name], lang)}  # the rest stays as written
        changes, problems = editing.read_form(changed, lang)
        if problems:
            return page(request, status=422, typed=typed, problems=problems, said=message("Nothing was saved: please correct "
                                                                                             "the marked fields."))
        try:
            new = await run_in_threadpool(editing.candidate, desk.folder / ".env", changes)
            if any(k.startswith("NEWSLETTER_SMTP_") for k in changes):
                trial = await try_smtp(new.smtp)
            elif any(k.startswith("NEWSLETTER_IMAP_") for k in changes):
                trial = await run_in_threadpool(try_imap, new.imap, new.smtp_timeout)
            else:
                trial = None
            if trial is not None and not trial.ok:
                return page(request, trial, 422, typed, said=message("Nothing was saved: the connection test with the new "
                                                                     "settings failed (see below)."))
            new = await run_in_threadpool(editing.save, desk.folder / ".env", changes)
        except editing.Refused as refused:
            return page(request, status=422, typed=typed, problems=refused.problems,
                        said=message("Nothing was saved: please correct the marked fields."))
        fields = {name.removeprefix(editing.PREFIX).lower() for name in changes}
        if changes:
            with Journal(desk.settings.state_dir) as journal:  # the names only: a password's value is never logged
                protocol.record(journal, actor(request.scope), "setting_changed",
                                message("Changed the settings {names}", names=", ".join(sorted(changes))))
        desk.settings = desk.settings.model_copy(update={name: getattr(new, name) for name in fields})
        return page(request, trial, said=message("Saved. The new settings are in effect now; a send already running "
                                                 "finishes with the ones it started with."))

    async def password(request: Request) -> Response:
        """Einstellungen › Anmeldung: a desk password for another browser (the laptop's link keeps working)."""
        form = await checked_form(request)
        new, again = str(form.get("new_password", "")), str(form.get("repeat_password", ""))
        current_ok = not desk.access.password_hash or desk.access.check_password(str(form.get("current_password", "")))
        problems = people.password_problems(new, again, current_ok)
        if problems:
            return page(request, status=422, problems=problems, said=message("The password was not changed."))
        hashed = await run_in_threadpool(desk.access.change_password, new, desk.folder / ".env")
        with Journal(desk.settings.state_dir) as journal:
            people.owner_password(journal, hashed, actor(request.scope))
            protocol.record(journal, actor(request.scope), "password_set", message("Set the desk password"))
        return page(request, said=message("The desk password is set. Log in with it in another browser on this computer, "
                                          "or on the hosted desk."))

    async def own_password(request: Request) -> Response:
        """Einstellungen › Ihr Passwort: every person of the desk changes their own (no right needed but the login)."""
        form = await checked_form(request)

        def changed() -> dict[str, Message]:  # argon2 takes a moment: off the event loop, with its own connection
            with Journal(desk.settings.state_dir) as journal:
                return people.change_own_password(journal, actor(request.scope), str(form.get("current_password", "")),
                                                  str(form.get("new_password", "")), str(form.get("repeat_password", "")))
        try:
            problems = await run_in_threadpool(changed)
        except people.PeopleError as exc:
            return page(request, status=422, said=said(exc))
        if problems:
            return page(request, status=422, own_problems=problems, said=message("The password was not changed."))
        return page(request, said=message("Your password is changed; log in with it next time."))

    return [Route("/settings", show), Route("/me/password", own_password, methods=["POST"]),
            Route("/settings/test", test, methods=["POST"]),
            Route("/settings/save", save, methods=["POST"]), Route("/settings/password", password, methods=["POST"]),
            Route("/settings/backup", download, methods=["POST"])]
