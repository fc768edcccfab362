"""What the README promises: an action a person may not do is not on their pages. Each person of an office (only
Freigabe and Versand; only Redaktion; only Verwaltung) reads every desk page over real HTTP, and no form on them posts
where the server would refuse them (composer/desk/rights.py says which right each POST needs); what they may not
change they read as text. Someone with every right still finds every form, so the check is not empty."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from bs4 import BeautifulSoup

from composer.config.settings import Settings
from composer.desk.rights import needed
from composer.office import people
from composer.office.roles import ADMIN, APPROVE, ROLES, SEND, WRITE, Actor
from composer.send import schedules
from composer.state import Journal
from tests.conftest import SAMPLE
from tests.deskserver import Running, desk_server
from tests.test_inbox import delivered

PEOPLE = {"approver-sender@example.org": frozenset({APPROVE, SEND}), "writer@example.org": frozenset({WRITE}),
          "admin@example.org": frozenset({ADMIN}), "everything@example.org": frozenset(ROLES)}
PAGES = ["/", "/issues/2020-12", "/issues/2020-12/test", "/issues/2020-12/send", "/issues/2020-12/send?list=volunteers",
         "/issues/2020-12/status", "/issues/2020-12/approval?list=volunteers", "/issues/2020-11", "/subscribers",
         "/subscribers/volunteers", "/subscribers/volunteers/edit?email=lena.weiss@example.org", "/settings",
         "/settings/welcome", "/inbox", "/people", "/log", "/help"]


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """An office with a planned send, a sent issue and one person for each mix of rights; SpamAssassin left out of
    PATH, as the approval page's check would wait for it."""
    folder = tmp_path_factory.mktemp("rights")
    shutil.copytree(SAMPLE / "issues", folder / "issues")
    shutil.copytree(SAMPLE / "subscribers", folder / "subscribers")
    shutil.copy(folder / "issues" / "2020-12.md", folder / "issues" / "2020-11.md")
    state = folder / ".newsletter"
    delivered("2020-11", {"lena.weiss@example.org": "<sent-1@example.org>"}, state)
    settings = Settings(_env_file=None, from_address="kontakt@example.org", state_dir=state)  # type: ignore[call-arg]
    without_spamassassin = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep)
                                           if not (Path(p) / "spamassassin").exists())
    with pytest.MonkeyPatch.context() as patch, desk_server(folder, settings) as running:
        patch.setenv("PATH", without_spamassassin)
        with Journal(state) as journal:
            now = datetime.now().astimezone()
            schedules.plan(journal, "2020-12", "volunteers", now + timedelta(days=30), now)
            boss = Actor("Büro", None, frozenset({ADMIN}))
            for email, roles in PEOPLE.items():
                people.add(journal, boss, email.split("@")[0], email, roles)
        yield running


def pages_of(desk: Running, email: str) -> dict[str, BeautifulSoup]:
    with Journal(desk.desk.settings.state_dir, read_only=True) as journal:
        found = journal.person_by_email(email)
    assert found is not None
    client = httpx.Client(base_url=desk.base, headers={"Accept-Language": "de"}, timeout=30)
    client.cookies.set("desk_session", desk.desk.access.new_session(str(found.id)))
    seen = {}
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, (email, path, response.status_code)
        seen[path] = BeautifulSoup(response.text, "html.parser")
    return seen


def posts(page: BeautifulSoup) -> set[tuple[str, str | None]]:
    """Where the page's forms post (a button's formaction too), with the right the server wants for it."""
    targets = set()
    for form in page.find_all("form"):
        if str(form.get("method", "get")).lower() != "post":
            continue
        for action in [form.get("action", "")] + [b["formaction"] for b in form.find_all(attrs={"formaction": True})]:
            path = urlsplit(str(action)).path
            targets.add((path, needed("POST", path)))
    return targets


@pytest.fixture(scope="module")
def seen(desk: Running) -> dict[str, dict[str, BeautifulSoup]]:
    return {email: pages_of(desk, email) for email in PEOPLE}


@pytest.mark.parametrize("email", [e for e in PEOPLE if PEOPLE[e] != frozenset(ROLES)])
def test_no_page_holds_a_form_the_person_may_not_use(seen: dict[str, dict[str, BeautifulSoup]], email: str) -> None:
    forbidden = {(path, action) for path, page in seen[email].items() for action, role in posts(page)
                 if role is not None and role not in PEOPLE[email]}
    assert forbidden == set()


def test_someone_with_every_right_finds_a_form_for_each(seen: dict[str, dict[str, BeautifulSoup]]) -> None:
    found = {action for page in seen["everything@example.org"].values() for action, _ in posts(page)}
    assert {"/settings/save", "/settings/password", "/subscribers/import", "/issues/2020-12", "/issues/2020-11/copy",
            "/issues/2020-12/send/cancel", "/subscribers/volunteers/edit", "/issues/2020-12/approval"} <= found


def test_what_the_person_may_not_change_they_read_as_text(seen: dict[str, dict[str, BeautifulSoup]]) -> None:
    pages = seen["approver-sender@example.org"]
    assert "Für Änderungen ist das Recht „Redaktion“ nötig" in pages["/issues/2020-12"].get_text()
    assert pages["/issues/2020-12"].select_one("#issue-facts") is not None
    assert pages["/issues/2020-12"].select("main textarea, main input:not([type=hidden])") == []
    assert pages["/issues/2020-12"].select_one("aside.preview iframe") is not None
    settings = pages["/settings"]
    assert "Für Änderungen ist das Recht „Verwaltung“ nötig" in settings.get_text()
    assert settings.select_one("#settings") is not None  # the settings in effect, as a table
    member = pages["/subscribers/volunteers/edit?email=lena.weiss@example.org"]
    assert "lena.weiss@example.org" in member.get_text() and member.select_one("main input") is None
