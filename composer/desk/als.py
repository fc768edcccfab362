"""See what a reader gets: the editor's preview and the test send "als" a real member of a chosen list (their name in
the greeting and, for a test send, in To), by default the first member of the list she last sent, planned or
previewed to. The desk remembers that list while it runs (`desk.extra["last_list"]`), nothing on disk."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from composer.audience.roster import roster
from composer.audience.subscribers import LIST_NAME, list_names
from composer.desk.context import Desk
from composer.errors import ComposerError
from composer.records import Recipient
from composer.send.pipeline import SAMPLE_RECIPIENT
from composer.state import Journal

SHOWN = 200  # members offered in the choice


def members(desk: Desk, list_name: str) -> list[Recipient]:
    """The list's active members, in its order (the first SHOWN)."""
    if not LIST_NAME.fullmatch(list_name):
        return []
    try:
        with Journal(desk.settings.state_dir, read_only=True) as journal:
            found = roster(list_name, desk.folder / "subscribers", journal, desk.secret).members
    except ComposerError:
        return []
    return [m.recipient for m in found if m.state == "active"][:SHOWN]


def choice(desk: Desk, request: Request, form: dict[str, str] | None = None) -> dict[str, Any]:
    """The list and member chosen (`list` and `als` of the query, or of a posted `form`), the lists and members to
    choose from, and the reader the preview is made for (the sample reader when no list has anyone)."""
    given = form if form is not None else request.query_params
    lists = list_names(desk.folder / "subscribers")
    wanted = given.get("list") or desk.extra.get("last_list") or (lists[0] if lists else "")
    list_name = wanted if wanted in lists else (lists[0] if lists else "")
    if list_name:
        desk.extra["last_list"] = list_name
    offered = members(desk, list_name) if list_name else []
    address = (given.get("als") or "").lower()
    reader = next((r for r in offered if r.email.lower() == address), offered[0] if offered else SAMPLE_RECIPIENT)
    return {"als_lists": lists, "als_list": list_name, "als_members": offered, "als": reader}
