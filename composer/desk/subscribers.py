"""Abonnenten: the lists with their counts, one list searched, an address added or unsubscribed, a spreadsheet
imported through a preview, the active addresses exported."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from composer.audience import importing, roster
from composer.audience.spreadsheets import MAX_BYTES
from composer.audience.subscribers import LIST_NAME, list_names
from composer.desk.context import Desk
from composer.desk.guard import Refused, checked_form
from composer.desk.language import language
from composer.errors import ComposerError, said
from composer.i18n import Message, message
from composer.i18n.formats import stamp
from composer.state import Journal

SHOWN = 300


def moment_in(lang: str) -> Callable[[float], str]:
    """For a page: a moment as its language writes it, in the desk's local time."""
    return lambda timestamp: stamp(dt.datetime.fromtimestamp(timestamp), lang)


def routes(desk: Desk) -> list[Route]:
    lists = desk.folder / "subscribers"

    def name_of(request: Request) -> str:
        name = request.path_params["name"]
        if not LIST_NAME.fullmatch(name):
            raise Refused(404, message("{name} is not a list name", name=repr(name)))
        return name

    def overview(request: Request, problem: Message | str = "", status: int = 200) -> Response:
        with Journal(desk.settings.state_dir, read_only=True) as journal:
            rows = [(name, roster.roster(name, lists, journal).counts) for name in list_names(lists)]
        return desk.page(request, "subscribers.html.j2", status, rows=rows, problem=problem)

    def one_list(request: Request, problem: Message | str = "", status: int = 200, form: dict[str, str] | None = None) -> Response:
        name = name_of(request)
        if not (lists / f"{name}.csv").exists() and not problem:
            with Journal(desk.settings.state_dir, read_only=True) as journal:
                if not list(journal.signed_up(name)):
                    raise Refused(404, message("{path} does not exist", path=f"subscribers/{name}.csv"))
        query = request.query_params.get("q", "")
        with Journal(desk.settings.state_dir, read_only=True) as journal:
            members = roster.roster(name, lists, journal)
        found = members.search(query)
        return desk.page(request, "list.html.j2", status, name=name, when=moment_in(language(request)),
                         roster=members, found=found[:SHOWN],
                         more=max(0, len(found) - SHOWN), q=query, problem=problem, form=form or {},
                         note=request.query_params.get("note", ""), backup=request.query_params.get("backup", ""))

    async def changed(request: Request, change: Callable[[Journal, dict[str, str]], str], note: str) -> Response:
        """One address added or unsubscribed; a refusal shows the list again with what was typed kept."""
        name = name_of(request)
        form = {k: str(v) for k, v in (await checked_form(request)).items()}
        try:
            with Journal(desk.settings.state_dir) as journal:
                email = change(journal, form)
        except ComposerError as exc:
            return one_list(request, said(exc), 400, form)
        return RedirectResponse(f"/subscribers/{name}?note={note}&q={quote(email)}", 303)

    async def add(request: Request) -> Response:
        name = name_of(request)
        return await changed(request, lambda journal, form: roster.add(
            name, lists, journal, form.get("email", ""), form.get("name", ""), form.get("consent", "")), "added")

    async def unsubscribe(request: Request) -> Response:
        return await changed(request, lambda journal, form: roster.unsubscribe(
            journal, form.get("email", ""), form.get("reason", "")), "unsubscribed")

    async def unbounce(request: Request) -> Response:
        return await changed(request, lambda journal, form: roster.unbounce(
            journal, form.get("email", ""), "the coordinator (Die Redaktion)")[0], "unbounced")

    async def upload(request: Request) -> Response:
        form = await checked_form(request)
        name = str(form.get("list", "")).strip()
        upload = form.get("file")
        if not LIST_NAME.fullmatch(name):
            return overview(request, message("A list name is letters, digits, - and _."), 400)
        if not isinstance(upload, UploadFile) or not upload.filename:
            return overview(request, message("Please choose a file."), 400)
        data, filename = await upload.read(MAX_BYTES + 1), upload.filename

        def staged() -> importing.Preview:
            with Journal(desk.settings.state_dir) as journal:
                return importing.preview(name, lists, journal, desk.settings.state_dir, filename, data, desk.stopping.is_set)

        try:  # in a worker thread: a big sheet takes a while, and the desk answers other pages meanwhile
            result = await run_in_threadpool(staged)
        except ComposerError as exc:
            return overview(request, said(exc), 400)
        return desk.page(request, "import.html.j2", p=result, when=moment_in(language(request)))

    async def confirm(request: Request) -> Response:
        form = await checked_form(request)
        try:
            path, backup = importing.confirm(str(form.get("token", "")), lists, desk.settings.state_dir)
        except ComposerError as exc:
            return overview(request, said(exc), 409)
        shown_backup = backup.relative_to(desk.folder) if backup else ""
        return RedirectResponse(f"/subscribers/{path.stem}?note=imported&backup={quote(str(shown_backup))}", 303)

    def export(request: Request) -> Response:
        name = name_of(request)
        with Journal(desk.settings.state_dir, read_only=True) as journal:
            text = roster.export_active(roster.roster(name, lists, journal))
        return Response(text, media_type="text/csv; charset=utf-8",
                        headers={"content-disposition": f'attachment; filename="{name}-aktiv.csv"'})

    return [
        Route("/subscribers", overview),
        Route("/subscribers/import", upload, methods=["POST"]),
        Route("/subscribers/import/confirm", confirm, methods=["POST"]),
        Route("/subscribers/{name}", one_list),
        Route("/subscribers/{name}/add", add, methods=["POST"]),
        Route("/subscribers/{name}/unsubscribe", unsubscribe, methods=["POST"]),
        Route("/subscribers/{name}/unbounce", unbounce, methods=["POST"]),
        Route("/subscribers/{name}/export", export),
    ]
