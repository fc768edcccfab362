"""Einstellungen › Willkommensbrief: the mail a reader gets after confirming a sign-up, edited in the desk (the
folder's `letters/willkommen.md`; composer/audience/welcome.py reads and writes it)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from composer.audience.signup import identity
from composer.audience.welcome import BODY, SUBJECT, own_letter, save_letter
from composer.desk.context import Desk
from composer.desk.guard import checked_form
from composer.desk.language import language
from composer.desk.rights import actor
from composer.errors import ComposerError, said
from composer.i18n import Message, message, translate
from composer.office import protocol
from composer.state import Journal


def routes(desk: Desk) -> list[Route]:
    def page(request: Request, problem: Message | str = "", status: int = 200, form: dict[str, str] | None = None) -> Response:
        own = own_letter(desk.folder)
        lang = language(request)
        newsletter = identity(desk.settings, desk.folder / "issues").newsletter
        if form is None:  # the folder's letter, else the built-in one to start from
            form = ({"subject": own.subject, "body": own.body} if own else
                    {"subject": translate(lang, SUBJECT, newsletter="{newsletter}"),
                     "body": translate(lang, BODY, newsletter="{newsletter}", email="{email}", imprint="").split("\n-- \n")[0]})
        return desk.page(request, "welcome.html.j2", status, form=form, own=own is not None, problem=problem,
                         saved=request.query_params.get("saved") == "1", newsletter=newsletter)

    def show(request: Request) -> Response:
        return page(request)

    async def save(request: Request) -> Response:
        form = {k: str(v) for k, v in (await checked_form(request)).items() if k in ("subject", "body")}
        try:
            save_letter(desk.folder, form.get("subject", ""), form.get("body", ""))
        except ComposerError as exc:
            return page(request, said(exc), 400, form)
        with Journal(desk.settings.state_dir) as journal:
            protocol.record(journal, actor(request.scope), "setting_changed", message("Changed the welcome letter"))
        return RedirectResponse("/settings/welcome?saved=1", 303)

    return [Route("/settings/welcome", show), Route("/settings/welcome", save, methods=["POST"])]
