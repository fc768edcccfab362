"""Abonnenten: the lists with their counts, one list searched, an address added or unsubscribed, a spreadsheet
imported through a preview, the active addresses exported."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from composer.audience import importing, proof, roster
from composer.audience.person import Where
from composer.audience.signup import identity
from composer.audience.importing import ROLES
from composer.issue.newest import newest
from composer.send.message import greetings_of
from composer.audience.spreadsheets import MAX_BYTES
from composer.config.hours import local
from composer.audience.subscribers import LIST_NAME, checked_address, list_names, list_path
from composer.desk.downloads import download
from composer.exports import exported
from composer.desk.context import Desk
from composer.desk.guard import Refused, checked_form
from composer.desk.language import language
from composer.desk.rights import actor
from composer.errors import ComposerError, said
from composer.i18n import N_, Message, message
from composer.office import protocol
from composer.i18n.formats import stamp
from composer.state import Journal

SHOWN = 300


def moment_in(lang: str, zone: tzinfo | None) -> Callable[[float], str]:
    """For a page: a moment as its language writes it, in the office's time (config/hours.local)."""
    return lambda timestamp: stamp(local(timestamp, zone), lang)


LOGGED = {  # a change of one address -> its kind in the Protokoll and what it says (the address stays beside it)
    "added": ("address_added", N_("Added an address to the list {list}")),
    "unsubscribed": ("address_unsubscribed", N_("Unsubscribed an address")),
    "unbounced": ("address_unbounced", N_("Lifted a bounce of an address")),
}



def routes(desk: Desk) -> list[Route]:
    lists = desk.folder / "subscribers"

    def name_of(request: Request) -> str:
        name = request.path_params["name"]
        if not LIST_NAME.fullmatch(name):
            raise Refused(404, message("{name} is not a list name", name=repr(name)))
        return name

    def overview(request: Request, problem: Message | str = "", status: int = 200) -> Response:
        with Journal(desk.settings.state_dir, read_only=True) as journal:
            rows = [(name, roster.roster(name, lists, journal, desk.secret).counts) for name in list_names(lists)]
        return desk.page(request, "subscribers.html.j2", status, rows=rows, problem=problem)

    def one_list(request: Request, problem: Message | str = "", status: int = 200, form: dict[str, str] | None = None) -> Response:
        name = name_of(request)
        if not list_path(name, lists).exists() and not problem:
            with Journal(desk.settings.state_dir, read_only=True) as journal:
                if not list(journal.signed_up(name)):
                    raise Refused(404, message("{path} does not exist", path=f"subscribers/{name}.csv"))
        query = request.query_params.get("q", "")
        with Journal(desk.settings.state_dir, read_only=True) as journal:
            members = roster.roster(name, lists, journal, desk.secret)
        found = members.search(query)
        return desk.page(request, "list.html.j2", status, name=name, when=moment_in(language(request), desk.settings.zone),
                         roster=members, list_file=list_path(name, lists).name, found=found[:SHOWN],
                         more=max(0, len(found) - SHOWN), q=query, problem=problem, form=form or {},
                         note=request.query_params.get("note", ""), backup=request.query_params.get("backup", ""),
                         unsub=request.query_params.get("unsub", ""))

    async def changed(request: Request, change: Callable[[Journal, dict[str, str]], str], note: str) -> Response:
        """One address added or unsubscribed (and written to the Protokoll); a refusal shows the list again with
        what was typed kept."""
        name = name_of(request)
        form = {k: str(v) for k, v in (await checked_form(request)).items()}
        try:
            with Journal(desk.settings.state_dir) as journal:
                email = change(journal, form)
                kind, what = LOGGED[note]
                protocol.record(journal, actor(request.scope), kind, message(what, list=name), list_name=name,
                                address=email, secret=desk.secret)
        except ComposerError as exc:
            return one_list(request, said(exc), 400, form)
        return RedirectResponse(f"/subscribers/{name}?note={note}&q={quote(email)}", 303)

    def member_page(request: Request, problem: Message | str = "", status: int = 200,
                    form: dict[str, str] | None = None) -> Response:
        """Bearbeiten: one row's name and consent, as the list file holds them."""
        name = name_of(request)
        email = (form or {}).get("email") or request.query_params.get("email", "")
        with Journal(desk.settings.state_dir, read_only=True) as journal:
            member = next((m for m in roster.roster(name, lists, journal, desk.secret).members
                           if m.recipient.email.lower() == email.lower()), None)
        if member is None:
            raise Refused(404, message("{email} is not on the list {name}", email=email, name=name))
        fields = member.recipient.fields
        values = form or {"email": member.recipient.email, "name": member.recipient.name or "",
                          "consent_date": fields.get("consent_date", ""), "consent_source": fields.get("consent_source", "")}
        return desk.page(request, "member.html.j2", status, name=name, form=values, problem=problem)

    async def edit(request: Request) -> Response:
        name = name_of(request)
        form = {k: str(v) for k, v in (await checked_form(request)).items()}
        try:
            email = await run_in_threadpool(roster.edit, name, lists, form.get("email", ""), form.get("name", ""),
                                            form.get("consent_date", ""), form.get("consent_source", ""))
        except ComposerError as exc:
            return member_page(request, said(exc), 400, form)
        return RedirectResponse(f"/subscribers/{name}?note=edited&q={quote(email)}", 303)

    async def add(request: Request) -> Response:
        name = name_of(request)
        return await changed(request, lambda journal, form: roster.add(
            name, lists, journal, form.get("email", ""), form.get("name", ""), form.get("consent", "")), "added")

    async def unsubscribe(request: Request) -> Response:
        """Austragen: an address on no list is blocked all the same (it wins over every list), and the note says so."""
        notes: list[str] = []

        def taken_off(journal: Journal, form: dict[str, str]) -> str:
            done = roster.unsubscribe(journal, form.get("email", ""), form.get("reason", ""), lists)
            notes.append("unsubscribed" if done.lists else "precaution")
            return done.email

        response = await changed(request, taken_off, "unsubscribed")
        if notes and notes[0] == "precaution" and isinstance(response, RedirectResponse):
            response.headers["location"] = response.headers["location"].replace("note=unsubscribed", "note=precaution")
        return response

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
                return importing.preview(name, lists, journal, desk.settings.state_dir, filename, data, desk.stopping.is_set,
                                         greeting(), secret=desk.secret)

        try:  # in a worker thread: a big sheet takes a while, and the desk answers other pages meanwhile
            result = await run_in_threadpool(staged)
        except ComposerError as exc:
            return overview(request, said(exc), 400)
        return import_page(request, result)

    def greeting() -> importing.Greeting:
        """The greeting of the newest issue, as the import's preview shows it for the first rows."""
        issue = newest(desk.issues_dir).issue
        return greetings_of(issue) if issue else importing.DEFAULT_GREETING

    def import_page(request: Request, result: importing.Preview, status: int = 200) -> Response:
        return desk.page(request, "import.html.j2", status, p=result, when=moment_in(language(request), desk.settings.zone),
                         roles=ROLES)

    def remapped(form: dict[str, str]) -> importing.Preview:
        mapping = {form[key]: form.get(f"role-{key.removeprefix('header-')}", "") for key in form
                   if key.startswith("header-")}
        with Journal(desk.settings.state_dir) as journal:
            return importing.remap(form.get("token", ""), mapping, form.get("mode", importing.REPLACE), lists, journal,
                                   desk.settings.state_dir, greeting(), secret=desk.secret)

    async def remap(request: Request) -> Response:
        """"Vorschau aktualisieren": the sheet read again with the columns and the choice as she set them."""
        form = {k: str(v) for k, v in (await checked_form(request)).items()}
        try:
            result = await run_in_threadpool(remapped, form)
        except ComposerError as exc:
            return overview(request, said(exc), 409)
        return import_page(request, result)

    async def confirm(request: Request) -> Response:
        form = {k: str(v) for k, v in (await checked_form(request)).items()}
        try:
            if any(key.startswith("header-") for key in form):  # the mapping and choice on the page are what she confirms
                await run_in_threadpool(remapped, form)
            path, backup = importing.confirm(form.get("token", ""), lists, desk.settings.state_dir)
        except ComposerError as exc:
            return overview(request, said(exc), 409)
        with Journal(desk.settings.state_dir) as journal:
            if backup is not None:
                protocol.record(journal, actor(request.scope), "list_replaced",
                                message("Replaced the list {list} by an import", list=path.stem), list_name=path.stem)
            else:
                protocol.record(journal, actor(request.scope), "list_imported",
                                message("Imported the list {list}", list=path.stem), list_name=path.stem)
        shown_backup = backup.relative_to(desk.folder) if backup else ""
        return RedirectResponse(f"/subscribers/{path.stem}?note=imported&backup={quote(str(shown_backup))}", 303)

    def export(request: Request) -> Response:
        """The active addresses in her columns and order (ours after them), in the page's language: CSV or .xlsx."""
        name = name_of(request)
        kind = "xlsx" if request.query_params.get("format") == "xlsx" else "csv"
        with Journal(desk.settings.state_dir, read_only=True) as journal:
            table = roster.export_table(roster.roster(name, lists, journal, desk.secret), list_path(name, lists))
            data = exported(table, language(request), f".{kind}")
        return download(data, f"{name}-aktiv.{kind}")

    def consent_proof(request: Request) -> Response:
        """The printable proof of consent of one address, the same document `newsletter person ADDRESS --proof`
        writes; only read (the retention sweep runs with the CLI's and the sends' writes)."""
        name_of(request)
        try:
            email = checked_address(request.query_params.get("email", ""))
        except ComposerError as exc:
            return one_list(request, said(exc), 400)
        with Journal(desk.settings.state_dir, read_only=True) as journal:
            html = proof.document(email, journal, Where(lists, desk.settings.outbox_dir, desk.settings.state_dir),
                                  language(request), identity(desk.settings, desk.folder / "issues").newsletter,
                                  desk.settings.templates_dir)
        safe = "".join(c if c.isalnum() or c in "._-" else "-" for c in email.replace("@", "-at-"))
        return download(html.encode("utf-8"), f"einwilligung-{safe}.html")

    return [
        Route("/subscribers", overview),
        Route("/subscribers/import", upload, methods=["POST"]),
        Route("/subscribers/import/confirm", confirm, methods=["POST"]),
        Route("/subscribers/import/remap", remap, methods=["POST"]),
        Route("/subscribers/{name}", one_list),
        Route("/subscribers/{name}/add", add, methods=["POST"]),
        Route("/subscribers/{name}/edit", member_page),
        Route("/subscribers/{name}/edit", edit, methods=["POST"]),
        Route("/subscribers/{name}/unsubscribe", unsubscribe, methods=["POST"]),
        Route("/subscribers/{name}/unbounce", unbounce, methods=["POST"]),
        Route("/subscribers/{name}/export", export),
        Route("/subscribers/{name}/proof", consent_proof),
    ]
