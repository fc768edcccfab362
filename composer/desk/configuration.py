"""Einstellungen: the settings in effect with their source, "Verbindung testen" for SMTP and IMAP, and
"Sicherung herunterladen" (the archive of `newsletter backup`, without passwords)."""

from __future__ import annotations

import shutil
import tempfile
from datetime import date
from pathlib import Path

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from composer.config import backup
from composer.checks.connection import Trial, try_imap, try_smtp
from composer.desk import settings_german
from composer.desk.context import Desk
from composer.desk.guard import checked_form
from composer.desk.language import language
from composer.i18n import translate
from composer.errors import ComposerError
from composer.config.provenance import settings_in_effect


def _as_it_is(text: str, *_: str) -> str:
    return text


def routes(desk: Desk) -> list[Route]:
    def page(request: Request, trial: Trial | None = None) -> Response:
        rows = settings_in_effect(desk.settings, desk.folder / ".env")
        status = 200 if trial is None or trial.ok else 422
        german = language(request) == "de"
        return desk.page(request, "settings.html.j2", status, rows=rows, trial=trial,
                         describe=(lambda row: settings_german.description(row.variable, row.description)) if german
                         else (lambda row: row.description),
                         detail=settings_german.step_detail if german else _as_it_is,
                         shown=settings_german.value if german else _as_it_is)

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
                raise HTTPException(409, str(exc)) from None
            raise
        return FileResponse(scratch / name, media_type="application/gzip", filename=name,
                            background=BackgroundTask(shutil.rmtree, scratch, ignore_errors=True))

    return [Route("/settings", show), Route("/settings/test", test, methods=["POST"]),
            Route("/settings/backup", download, methods=["POST"])]
