"""Desk logins kept in the send state: they outlive the desk's process, are stored hashed, and page views do not
write; "Abmelden" ends them, and a password reset from the terminal ends them all."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import httpx
from typer.testing import CliRunner

from composer.cli import app
from composer.desk.access import Access, hash_password
from composer.desk.sessions import DAY, HOSTED_SECONDS, LOOPBACK_SECONDS, OFFICE, Sessions
from composer.state.migrations import MIGRATIONS
from tests.conftest import make_settings
from tests.deskserver import csrf_of, desk_server


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def state_bytes(state: Path) -> tuple[bytes, bytes]:
    """The database and its write-ahead log (a reader may create an empty log and the shared-memory index; neither
    is a write of data)."""
    wal = state / "state.db-wal"
    return (state / "state.db").read_bytes(), wal.read_bytes() if wal.exists() else b""


def test_sessions_and_drafts_come_by_migration_steps() -> None:
    summaries = [step.summary for step in MIGRATIONS]
    assert any("desk sessions" in s for s in summaries) and any("autosaves drafts" in s for s in summaries)


def test_a_session_knows_who_is_logged_in_and_stores_only_the_hash_of_its_token(tmp_path: Path) -> None:
    sessions = Sessions(tmp_path, LOOPBACK_SECONDS)
    token = sessions.open("aylin")
    assert sessions.lookup(token).person == "aylin"
    assert Sessions(tmp_path, LOOPBACK_SECONDS).open() and Sessions(tmp_path, LOOPBACK_SECONDS).lookup(token).person == "aylin"
    raw = b"".join(state_bytes(tmp_path))
    assert token.encode() not in raw
    db = sqlite3.connect(tmp_path / "state.db")
    hashes = {row[0] for row in db.execute("SELECT token_hash FROM desk_sessions")}
    assert hashlib.sha256(token.encode()).hexdigest() in hashes


def test_a_laptop_session_lasts_30_days_of_absence_and_page_views_refresh_it_at_most_once_a_day(tmp_path: Path) -> None:
    clock = Clock()
    sessions = Sessions(tmp_path, LOOPBACK_SECONDS, clock)
    token = sessions.open()
    before = state_bytes(tmp_path)
    for _ in range(20):
        clock.now += 3600
        assert sessions.lookup(token)
    assert state_bytes(tmp_path) == before  # 20 hours of page views: not one write
    clock.now += DAY  # a day later the expiry moves on, once
    assert sessions.lookup(token).expires == clock.now + LOOPBACK_SECONDS
    clock.now += LOOPBACK_SECONDS - 60
    assert sessions.lookup(token)
    clock.now += LOOPBACK_SECONDS + 1
    assert sessions.lookup(token) is None


def test_closing_a_session_logs_it_out_and_an_unknown_token_is_no_error(tmp_path: Path) -> None:
    sessions = Sessions(tmp_path, LOOPBACK_SECONDS)
    token, other = sessions.open(), sessions.open()
    sessions.close(token)
    sessions.close(token)
    sessions.close("never-issued")
    assert sessions.lookup(token) is None and sessions.lookup(other)
    assert sessions.close_all(OFFICE) == 1 and sessions.lookup(other) is None


def test_the_hosted_desk_does_not_accept_a_30_day_laptop_session(tmp_path: Path) -> None:
    laptop = Sessions(tmp_path, LOOPBACK_SECONDS).open()
    hosted = Sessions(tmp_path, HOSTED_SECONDS)
    assert hosted.lookup(laptop) is None
    assert hosted.lookup(hosted.open())


def test_a_login_survives_a_restart_of_the_desk_and_ends_with_abmelden(workdir: Path) -> None:
    settings = make_settings(state_dir=workdir / ".newsletter")
    with desk_server(workdir, settings) as first:
        client = httpx.Client(base_url=first.base, headers={"Origin": first.base})
        assert client.get(first.login_url).status_code == 303
        cookie = client.cookies["desk_session"]
    with desk_server(workdir, settings) as second:  # a new process: a new login link, the old login still in
        client = httpx.Client(base_url=second.base, headers={"Origin": second.base}, cookies={"desk_session": cookie})
        page = client.get("/")
        assert page.status_code == 200
        out = client.post("/logout", data={"csrf": csrf_of(page.text), "anyway": "yes"})
        assert out.status_code == 303 and out.headers["location"] == "/login?out=1"
        assert "max-age=0" in out.headers["set-cookie"].lower()  # the browser forgets the cookie
        assert httpx.get(f"{second.base}/", cookies={"desk_session": cookie}).status_code == 303


def test_the_login_cookie_lasts_30_days_on_the_laptop(workdir: Path) -> None:
    with desk_server(workdir, make_settings(state_dir=workdir / ".newsletter")) as running:
        cookie = httpx.get(running.login_url).headers["set-cookie"].lower()
    assert f"max-age={int(LOOPBACK_SECONDS)}" in cookie and "httponly" in cookie


def test_a_desk_password_does_not_switch_off_the_laptops_login_link(workdir: Path) -> None:
    access = Access("127.0.0.1", hash_password("richtig und lang"))
    with desk_server(workdir, make_settings(state_dir=workdir / ".newsletter"), access) as running:
        assert access.login_token and httpx.get(running.login_url).status_code == 303
        login = httpx.get(f"{running.base}/login")
        assert 'type="password"' in login.text and "newsletter desk --set-password" in login.text


def test_logging_out_without_any_password_asks_first_and_says_the_way_back(workdir: Path) -> None:
    with desk_server(workdir, make_settings(state_dir=workdir / ".newsletter")) as running:
        client = running.client()
        asked = client.post("/logout", data={"csrf": csrf_of(client.get("/").text)})
        assert asked.status_code == 200 and "Erst ein Passwort festlegen" in asked.text
        assert "die Redaktion neu starten und den neuen Link öffnen" in asked.text
        assert client.get("/").status_code == 200  # still logged in
        out = client.post("/logout", data={"csrf": csrf_of(asked.text), "anyway": "yes"})
        assert out.status_code == 303 and client.get("/").status_code == 303


def test_with_a_desk_password_abmelden_logs_out_at_once(workdir: Path) -> None:
    access = Access("127.0.0.1", hash_password("richtig und lang"))
    with desk_server(workdir, make_settings(state_dir=workdir / ".newsletter"), access) as running:
        client = running.client()
        out = client.post("/logout", data={"csrf": csrf_of(client.get("/").text)})
        assert out.status_code == 303 and out.headers["location"] == "/login?out=1"


def test_the_desk_password_set_in_einstellungen_logs_the_first_person_in_with_her_address(workdir: Path) -> None:
    settings = make_settings(state_dir=workdir / ".newsletter", from_address="ich@example.org")
    with desk_server(workdir, settings) as running:
        client = running.client()
        page = client.get("/settings").text
        client.post("/settings/password", data={"csrf": csrf_of(page), "new_password": "Rathaus-Kaffee-77",
                                                "repeat_password": "Rathaus-Kaffee-77"})
        stranger = httpx.Client(base_url=running.base, headers={"Origin": running.base})
        wrong = stranger.post("/login", data={"email": "ich@example.org", "password": "falsches Passwort"})
        assert wrong.status_code == 401
        assert stranger.post("/login", data={"email": "ich@example.org", "password": "Rathaus-Kaffee-77"}).status_code == 303
        assert stranger.get("/").status_code == 200


def test_logging_out_needs_the_forms_csrf_token(workdir: Path) -> None:
    with desk_server(workdir, make_settings(state_dir=workdir / ".newsletter")) as running:
        client = running.client()
        assert client.post("/logout", data={}).status_code == 403
        assert client.get("/").status_code == 200


def test_resetting_the_password_in_the_terminal_ends_every_login(workdir: Path) -> None:
    sessions = Sessions(workdir / ".newsletter", LOOPBACK_SECONDS)
    token = sessions.open()
    result = CliRunner().invoke(app, ["desk", "--set-password"], input="ein langes Passwort\nein langes Passwort\n")
    assert result.exit_code == 0, result.output
    assert "Every login to the desk has ended" in result.output
    assert sessions.lookup(token) is None


def test_a_draft_is_kept_per_issue_and_person_beside_the_file_and_dropped_on_save(tmp_path: Path) -> None:
    from composer.state import Journal

    with Journal(tmp_path) as journal:
        assert journal.keep_draft("2020-12", OFFICE, {"subject": "Neu getippt"}, "digest-1", 1000.0)
        journal.keep_draft("2020-12", OFFICE, {"subject": "Noch neuer"}, "digest-1", 1005.0)
        assert journal.draft("2020-12", OFFICE).fields == {"subject": "Noch neuer"}
        assert journal.draft("2020-12", "aylin") is None
        journal.drop_draft("2020-12", OFFICE)
        assert journal.draft("2020-12", OFFICE) is None


def test_a_desk_password_set_in_the_terminal_becomes_the_first_persons_at_the_next_start(workdir: Path) -> None:
    from composer.office import people
    from composer.state import Journal

    with Journal(workdir / ".newsletter") as journal:
        people.owner(journal, "Erika Mustermann", "ich@example.org", None)  # the first start, no password yet
        hashed = hash_password("Rathaus-Kaffee-77")  # `newsletter desk --set-password`, then the desk again
        people.owner(journal, "Erika Mustermann", "ich@example.org", hashed)
        assert people.login(journal, "ich@example.org", "Rathaus-Kaffee-77") is not None
