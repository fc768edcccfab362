"""Who can use Die Redaktion, checked with raw HTTP against the desk served by uvicorn."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup
from typer.testing import CliRunner

from composer.cli import app
from composer.desk.access import SESSION_SECONDS, Access, DeskAccessError, hash_password, store_password_hash
from tests.conftest import free_port, make_settings
from tests.deskserver import csrf_of, desk_server

PAGES = ["/", "/issues/2020-12", "/issues/2020-12/email", "/issues/2020-12/check", "/issues/2020-12/test",
         "/issues/2020-12/send", "/issues/2020-12/status", "/issues/2020-12/send/events"]


@pytest.fixture
def running(workdir: Path):
    with desk_server(workdir, make_settings(state_dir=workdir / ".newsletter")) as desk:
        yield desk


@pytest.mark.parametrize("page", PAGES)
def test_every_page_without_a_session_redirects_to_the_login(running, page: str) -> None:
    response = httpx.get(running.base + page)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"


def test_the_login_link_opens_a_session_once(running) -> None:
    link = running.login_url
    first = httpx.get(link)
    assert first.status_code == 303 and "desk_session" in first.cookies
    assert "httponly" in first.headers["set-cookie"].lower() and "samesite=strict" in first.headers["set-cookie"].lower()
    again = httpx.get(link)
    assert again.status_code == 403
    assert "desk_session" not in again.cookies
    assert "schon benutzt" in again.text


def test_a_wrong_login_token_is_refused_and_the_right_one_still_works(running) -> None:
    assert httpx.get(f"{running.base}/login?token=guessed").status_code == 403
    assert httpx.get(running.login_url).status_code == 303


def test_a_cross_origin_post_is_refused(running) -> None:
    client = running.client()
    csrf = csrf_of(client.get("/").text)
    response = client.post("/new", data={"csrf": csrf, "name": "2021-01"}, headers={"Origin": "http://evil.example.com"})
    assert response.status_code == 403
    assert not Path("issues/2021-01.md").exists()


@pytest.mark.parametrize(("language", "said"), [("de", "Abgelehnt: Diese Anfrage kam nicht von einer Seite der Redaktion"),
                                                ("en", "Refused: this request did not come from a page of the desk")])
def test_a_cross_origin_refusal_is_a_page_in_the_browsers_language_without_script(running, language: str, said: str) -> None:
    response = running.client().post("/new", data={"name": "2021-01"},
                                     headers={"Origin": "http://evil.example.com", "Accept-Language": language})
    page = BeautifulSoup(response.text, "html.parser")
    assert response.status_code == 403 and response.headers["content-type"].startswith("text/html")
    assert said in page.select_one("[role=alert]").text and page.html["lang"] == language
    assert page.find("script") is None and page.find("form") is None


def test_a_post_without_origin_is_refused(running) -> None:
    client = running.client()
    csrf = csrf_of(client.get("/").text)
    del client.headers["Origin"]
    assert client.post("/new", data={"csrf": csrf, "name": "2021-01"}).status_code == 403


def test_a_post_without_the_csrf_token_is_refused(running) -> None:
    client = running.client()
    assert client.post("/new", data={"name": "2021-01"}).status_code == 403
    assert client.post("/new", data={"csrf": "forged", "name": "2021-01"}).status_code == 403
    assert not Path("issues/2021-01.md").exists()


def test_pages_carry_a_strict_content_security_policy(running) -> None:
    client = running.client()
    page = client.get("/")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert "<script>" not in page.text
    email = client.get("/issues/2020-12/email")
    assert "frame-ancestors 'self'" in email.headers["content-security-policy"]
    assert "sandbox" in email.headers["content-security-policy"]


def test_on_a_non_loopback_address_the_desk_refuses_to_start_without_a_password(workdir: Path) -> None:
    result = CliRunner().invoke(app, ["desk", "--host", "0.0.0.0", "--no-browser"])
    assert result.exit_code == 2
    assert "set a password first" in result.output
    with pytest.raises(DeskAccessError):
        Access("192.0.2.10")


def test_set_password_stores_an_argon2_hash_that_the_desk_accepts(workdir: Path) -> None:
    result = CliRunner().invoke(app, ["desk", "--set-password"], input="ein langes Passwort\nein langes Passwort\n")
    assert result.exit_code == 0, result.output
    env = Path(".env").read_text()
    assert "NEWSLETTER_DESK_PASSWORD_HASH='$argon2id$" in env and "ein langes" not in env
    from composer.config.settings import load_settings

    hashed = load_settings().desk_password_hash.get_secret_value()
    access = Access("192.0.2.10", hashed, state_dir=workdir / ".newsletter")
    assert access.login_token is None and access.secure_cookie
    assert access.use_password("client", "ein langes Passwort")


def test_password_login_is_rate_limited(workdir: Path) -> None:
    access = Access("192.0.2.10", hash_password("richtig und lang"), state_dir=workdir / ".newsletter")
    for _ in range(5):
        assert access.use_password("client", "falsch") is None
    assert access.limited("client")
    assert access.use_password("client", "richtig und lang") is None
    assert access.use_password("other", "richtig und lang")


def test_a_hosted_session_expires_after_8_idle_hours(tmp_path: Path) -> None:
    now = [1000.0]
    access = Access("127.0.0.1", hash_password("richtig und lang"), origin="https://news.example.org",
                    clock=lambda: now[0], state_dir=tmp_path)
    session_id = access.use_password("client", "richtig und lang")
    now[0] += SESSION_SECONDS - 1
    assert access.session(session_id)
    now[0] += SESSION_SECONDS + 1
    assert access.session(session_id) is None


def test_storing_the_password_keeps_the_other_settings(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("NEWSLETTER_FROM_ADDRESS=a@example.org\nNEWSLETTER_DESK_PASSWORD_HASH='old'\n")
    store_password_hash(env, "$argon2id$new")
    assert env.read_text() == "NEWSLETTER_FROM_ADDRESS=a@example.org\nNEWSLETTER_DESK_PASSWORD_HASH='$argon2id$new'\n"


def test_newsletter_desk_prints_a_login_link_that_opens_the_desk(workdir: Path) -> None:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", "from composer.cli import main; main()", "desk", "--no-browser",
                                "--port", str(port)], stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert line.startswith(f"Die Redaktion: http://127.0.0.1:{port}/login?token=")
        link = line.split()[2]
        for _ in range(200):
            try:
                response = httpx.get(link)
                break
            except httpx.ConnectError:
                time.sleep(0.05)
        assert response.status_code == 303
        assert httpx.get(link).status_code == 403
    finally:
        process.terminate()
        process.wait(10)


def test_sigterm_stops_the_desk_with_one_line_that_says_so(workdir: Path) -> None:
    """Not the send's "run the same command again to continue": a server that was stopped says it stopped."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", "from composer.cli import main; main()", "desk", "--no-browser",
                                "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().startswith("Die Redaktion: ")
        for _ in range(200):
            try:
                httpx.get(f"http://127.0.0.1:{port}/login")
                break
            except httpx.ConnectError:
                time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 143
    assert stderr.splitlines() == ["Die Redaktion has stopped; a send it was running goes on with \"Versand fortsetzen\" "
                                   "or the same `newsletter send`"]


def test_with_a_password_the_login_page_asks_for_it_and_limits_wrong_guesses(workdir: Path) -> None:
    access = Access("127.0.0.1", hash_password("richtig und lang"))
    with desk_server(workdir, make_settings(state_dir=workdir / ".newsletter"), access) as running:
        base, origin = running.base, {"Origin": running.base}
        assert 'type="password"' in httpx.get(f"{base}/login").text
        for _ in range(5):
            assert httpx.post(f"{base}/login", data={"password": "falsch"}, headers=origin).status_code == 401
        limited = httpx.post(f"{base}/login", data={"password": "richtig und lang"}, headers=origin)
        assert limited.status_code == 429 and "desk_session" not in limited.cookies
        running.desk.access.attempts.clear()
        ok = httpx.post(f"{base}/login", data={"password": "richtig und lang"}, headers=origin)
        assert ok.status_code == 303 and "desk_session" in ok.cookies


@pytest.mark.parametrize(("path", "said"), [("/issues/gibtsnicht", "issues/gibtsnicht.md gibt es nicht"),
                                            ("/subscribers/gibtsnicht", "subscribers/gibtsnicht.csv gibt es nicht"),
                                            ("/nirgendwo", "Diese Seite gibt es nicht.")])
def test_a_page_that_does_not_exist_says_so_in_german(workdir: Path, path: str, said: str) -> None:
    with desk_server(workdir, make_settings(state_dir=workdir / ".newsletter")) as desk:
        response = desk.client().get(path)
    assert response.status_code == 404
    assert BeautifulSoup(response.text, "html.parser").select_one("[role=alert]").text == said


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """`webbrowser.open` stubbed: what a local user would see in the browser's command line."""
    import webbrowser

    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda target, *args, **kwargs: opened.append(target) or True)
    return opened


def test_the_browser_gets_a_private_redirect_page_and_never_the_login_token(workdir: Path, browser: list[str],
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import stat
    from urllib.parse import unquote, urlsplit

    from composer.desk import server

    served: dict[str, object] = {}

    def serve(web: object, *options: object) -> None:
        page = Path(unquote(urlsplit(browser[0]).path))
        served.update(page=page, text=page.read_text(encoding="utf-8"), mode=stat.S_IMODE(page.stat().st_mode),
                      folder=stat.S_IMODE(page.parent.stat().st_mode))

    monkeypatch.setattr(server, "serve", serve)
    port = free_port()
    result = CliRunner().invoke(app, ["desk", "--port", str(port)])
    link = result.output.split()[2]
    assert result.exit_code == 0 and link.startswith(f"http://127.0.0.1:{port}/login?token=")
    token = link.split("token=")[1]
    assert len(browser) == 1 and browser[0].startswith("file:///") and token not in browser[0]
    assert (served["mode"], served["folder"]) == (0o600, 0o700)
    assert f'content="0;url={link}"' in str(served["text"])
    assert not Path(str(served["page"])).exists()  # removed when the desk stopped


def test_the_redirect_page_is_gone_once_the_login_link_was_used(workdir: Path, browser: list[str]) -> None:
    from urllib.parse import unquote, urlsplit

    from composer.desk.opening import browser_login

    access = Access("127.0.0.1")
    with (desk_server(workdir, make_settings(state_dir=workdir / ".newsletter"), access) as running,
          browser_login(running.login_url, access)):
        page = Path(unquote(urlsplit(browser[0]).path))
        assert page.exists()
        assert httpx.get(running.login_url).status_code == 303
        assert not page.exists()
