"""Einstellungen: the settings in effect with their source, "Verbindung testen" for SMTP and IMAP, and
"Sicherung herunterladen" (the archive of `newsletter backup`, without passwords)."""

from __future__ import annotations

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

from composer.config import backup
from composer.checks.connection import Trial, try_imap, try_smtp
from composer.desk.context import Desk
from composer.desk.guard import Refused, checked_form
from composer.desk.language import language
from composer.desk.words import SETTINGS, VALUES
from composer.i18n import render, translate
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


def routes(desk: Desk) -> list[Route]:
    def page(request: Request, trial: Trial | None = None) -> Response:
        rows = settings_in_effect(desk.settings, desk.folder / ".env")
        status = 200 if trial is None or trial.ok else 422
        lang = language(request)
        return desk.page(request, "settings.html.j2", status, rows=rows, trial=trial,
                         describe=lambda row: translate(lang, SETTINGS[row.variable]) if row.variable in SETTINGS
                         else row.description,
                         detail=lambda said: render(said, lang), shown=value_in(lang))

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

    return [Route("/settings", show), Route("/settings/test", test, methods=["POST"]),
            Route("/settings/backup", download, methods=["POST"])]
