"""The desk's pages for several people: Einstellungen › Personen (add with an invitation mail, remove), the
invitation link that sets a password once, the Protokoll (filters, CSV), and the Freigabe of an issue for a
list ("Zur Freigabe vorlegen", "Freigeben", "Zurückgeben"). The rules are composer/office's; rights are the
Guard's (composer/desk/rights.py)."""

from __future__ import annotations

import io

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from composer.audience.subscribers import list_names
from composer.campaign import approval_content, review
from composer.desk.access import SESSION_COOKIE
from composer.desk.context import Desk, issue_path
from composer.desk.guard import checked_form
from composer.desk.language import language
from composer.desk.rights import actor
from composer.errors import ChecksFailedError, ComposerError
from composer.i18n import message, render
from composer.office import approval, mails, people, protocol
from composer.office.roles import NAMES, ROLES, ForbiddenError, parse_roles, role_names, shown_actor
from composer.state import Journal


ONLY_HERE = message("The link points to this computer, so it opens only here. For a colleague at another computer, "
                    "the desk must run where both can reach it (hosted with `newsletter serve`, under /redaktion/), with "
                    "its address under Settings › Address of the desk for colleagues.")


def routes(desk: Desk) -> list[Route]:
    def base(request: Request) -> str:
        return str(desk.settings.desk_url or f"{request.base_url}".rstrip("/") + request.scope.get("root_path", ""))

    def people_page(request: Request, problem: str = "", note: str = "", status: int = 200) -> Response:
        with Journal(desk.settings.state_dir, read_only=True) as journal:
            everyone = journal.people()
        return desk.page(request, "people.html.j2", status, people=everyone, roles=ROLES, role_names=NAMES,
                         shown_roles=lambda p: ", ".join(render(r, language(request)) for r in role_names(p.roles)),
                         problem=problem, note=note)

    def show_people(request: Request) -> Response:
        return people_page(request)

    async def add_person(request: Request) -> Response:
        form = await checked_form(request)
        lang = language(request)
        who = actor(request.scope)
        try:
            roles = parse_roles(str(role) for role in form.getlist("role"))
            with Journal(desk.settings.state_dir) as journal:
                invitation = people.add(journal, who, str(form.get("name", "")), str(form.get("email", "")), roles)
        except ComposerError as exc:
            return people_page(request, exc.shown(lang), status=400)
        link = mails.invitation_link(base(request), invitation.token)
        sent = await mails.invitation(desk.settings, invitation.person, link, render(who.shown, lang), lang,
                                      desk.extra.get("transports"))
        note = (message("{name} is invited; the invitation went to {email}.", name=invitation.person.name,
                        email=invitation.person.email) if sent.sent or sent.uncertain else
                message("{name} is added, but the invitation could not be mailed; give them this link (it works once, "
                        "for 7 days): {link}", name=invitation.person.name, link=link))
        said = render(note, lang)
        if mails.only_here(link):
            said += " " + render(ONLY_HERE, lang)
        return people_page(request, note=said)

    async def remove_person(request: Request) -> Response:
        form = await checked_form(request)
        try:
            with Journal(desk.settings.state_dir) as journal:
                people.remove(journal, actor(request.scope), str(form.get("email", "")))
        except ComposerError as exc:
            return people_page(request, exc.shown(language(request)), status=400)
        return RedirectResponse("/people", 303)

    async def rename_person(request: Request) -> Response:
        """The first account is named here: name and address of any account."""
        form = await checked_form(request)
        try:
            with Journal(desk.settings.state_dir) as journal:
                people.rename(journal, actor(request.scope), int(str(form.get("id", "0")) or 0),
                              str(form.get("name", "")), str(form.get("email", "")))
        except (ComposerError, ValueError) as exc:
            said = exc.shown(language(request)) if isinstance(exc, ComposerError) else str(exc)
            return people_page(request, said, status=400)
        return RedirectResponse("/people", 303)

    async def change_roles(request: Request) -> Response:
        """Einstellungen › Personen: the roles of an account, changed in place."""
        form = await checked_form(request)
        try:
            roles = parse_roles(str(role) for role in form.getlist("role"))
            with Journal(desk.settings.state_dir) as journal:
                people.set_roles(journal, actor(request.scope), int(str(form.get("id", "0")) or 0), roles)
        except (ComposerError, ValueError) as exc:
            said = exc.shown(language(request)) if isinstance(exc, ComposerError) else str(exc)
            return people_page(request, said, status=400)
        return RedirectResponse("/people", 303)

    async def invitation(request: Request) -> Response:
        """The invitation link: a form to choose the password; the POST sets it once and logs the person in."""
        token = request.path_params["token"]
        lang = language(request)
        with Journal(desk.settings.state_dir, read_only=True) as journal:
            invited = people.invited(journal, token)
        used = render(message("This invitation link was used already or has expired; ask for a new one."), lang)
        if invited is None:
            return desk.page(request, "invitation.html.j2", 410, invited=None, token=token, problem=used)
        if request.method == "GET":
            return desk.page(request, "invitation.html.j2", invited=invited, token=token, problem="")
        form = await request.form()
        password = str(form.get("password", ""))
        if password != str(form.get("again", "")):
            problem = render(message("The two passwords differ; type the same one twice."), lang)
            return desk.page(request, "invitation.html.j2", 400, invited=invited, token=token, problem=problem)
        try:
            with Journal(desk.settings.state_dir) as journal:
                person = people.accept(journal, token, password)
        except ComposerError as exc:
            return desk.page(request, "invitation.html.j2", 400, invited=invited, token=token, problem=exc.shown(lang))
        response = RedirectResponse("/", 303)
        response.set_cookie(SESSION_COOKIE, desk.access.new_session(str(person.id)),
                            max_age=int(desk.access.sessions.lifetime), httponly=True, samesite="strict",
                            secure=desk.access.secure_cookie)
        return response

    def log_page(request: Request) -> Response:
        lang = language(request)
        issue, who, kind = (request.query_params.get(k) or None for k in ("issue", "who", "kind"))
        with Journal(desk.settings.state_dir, read_only=True) as journal:
            rows = journal.protocol(issue=issue, actor=who, kind=kind)
            everything = journal.protocol()
        if request.query_params.get("csv"):
            target = io.StringIO()
            protocol.write_csv(rows, target, lang, desk.settings.zone)
            return Response(target.getvalue(), media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": 'attachment; filename="protokoll.csv"'})
        return desk.page(request, "log.html.j2", rows=rows, text=lambda row: protocol.text(row, lang),
                         when=lambda row: protocol.when(row, desk.settings.zone), address=protocol.address_of, actor_shown=shown_actor,
                         kinds=protocol.KINDS, issues=sorted({r.issue for r in everything if r.issue}),
                         actors=sorted({r.actor for r in everything}), chosen={"issue": issue, "who": who, "kind": kind})

    async def approval_page(request: Request, problem: str = "", status: int = 200) -> Response:
        slug = request.path_params["slug"]
        path = issue_path(desk, slug)
        lists = list_names()
        list_name = request.query_params.get("list") or (lists[0] if lists else "")
        lang = language(request)
        content, standing, plan, may_approve = "", None, None, False
        try:
            content, shown = await run_in_threadpool(review, path, list_name, desk.settings, desk.secret)
            plan = shown.plan
            with Journal(desk.settings.state_dir, read_only=True) as journal:
                standing = approval.standing(journal, slug, list_name, content)
                may_approve = approval.may_approve(journal, actor(request.scope), slug, list_name)
        except ChecksFailedError:
            problem = problem or render(message("The check finds errors; the issue cannot be approved before they are "
                                                "fixed."), lang)
        except ComposerError as exc:
            problem = problem or exc.shown(lang)
        return desk.page(request, "approval.html.j2", status, slug=slug, list_name=list_name, lists=lists,
                         content=content, standing=standing, plan=plan, problem=problem, may_approve=may_approve,
                         required=desk.settings.approval == approval.REQUIRED)

    async def decide(request: Request) -> Response:
        slug = request.path_params["slug"]
        path = issue_path(desk, slug)
        form = await checked_form(request)
        list_name, comment = str(form.get("list", "")), str(form.get("comment", "")).strip()[:2000]
        lang = language(request)
        try:
            content = await run_in_threadpool(approval_content, path, list_name, desk.settings, desk.secret)
            with Journal(desk.settings.state_dir) as journal:
                if form.get("decision") == "approve":
                    approval.approve(journal, actor(request.scope), slug, list_name, content, str(form.get("seen", "")),
                                     comment)
                else:
                    approval.give_back(journal, actor(request.scope), slug, list_name, content,
                                       str(form.get("seen", "")), comment)
        except ForbiddenError as exc:
            request.scope["query_string"] = f"list={list_name}".encode()
            return await approval_page(request, exc.shown(lang), 403)
        except ComposerError as exc:
            request.scope["query_string"] = f"list={list_name}".encode()
            return await approval_page(request, exc.shown(lang), 409)
        return RedirectResponse(f"/issues/{slug}/approval?list={list_name}", 303)

    async def submit(request: Request) -> Response:
        slug = request.path_params["slug"]
        path = issue_path(desk, slug)
        form = await checked_form(request)
        list_name = str(form.get("list", ""))
        who = actor(request.scope)
        lang = language(request)
        try:
            content = await run_in_threadpool(approval_content, path, list_name, desk.settings, desk.secret)
            with Journal(desk.settings.state_dir) as journal:
                approval.submit(journal, who, slug, list_name, content)
                approvers = [p for p in approval.approvers(journal) if p.id != who.person]
        except ComposerError as exc:
            request.scope["query_string"] = f"list={list_name}".encode()
            return await approval_page(request, exc.shown(lang), 400)
        link = mails.approval_link(base(request), slug, list_name)
        await mails.approval_wanted(desk.settings, approvers, slug, list_name, render(who.shown, lang), link, lang,
                                    desk.extra.get("transports"))
        return RedirectResponse(f"/issues/{slug}/approval?list={list_name}", 303)

    return [
        Route("/people", show_people), Route("/people", add_person, methods=["POST"]),
        Route("/people/remove", remove_person, methods=["POST"]), Route("/people/rename", rename_person, methods=["POST"]),
        Route("/people/roles", change_roles, methods=["POST"]),
        Route("/invitation/{token}", invitation, methods=["GET", "POST"]),
        Route("/log", log_page),
        Route("/issues/{slug}/approval", approval_page), Route("/issues/{slug}/approval", decide, methods=["POST"]),
        Route("/issues/{slug}/submit", submit, methods=["POST"]),
    ]
