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


def test_the_sessions_table_is_the_last_migration_step() -> None:
    assert "desk sessions" in MIGRATIONS[-1].summary or any("desk sessions" in step.summary for step in MIGRATIONS)


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
        out = client.post("/logout", data={"csrf": csrf_of(page.text)})
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
        assert 'type="password"' in login.text


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
