"""A web page that DNS rebinding points at 127.0.0.1 cannot use the desk or read a draft from the preview: both
answer only the Host names they are reached by. The preview shows a draft with the desk's headers, and the
desk's redirects after a form stay on the site."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from composer.desk.access import Access
from composer.web.preview import Previewer, server
from tests.conftest import free_port, make_settings
from tests.deskserver import Running, csrf_of, desk_server

HOSTILE = ["evil.example", "evil.example:{port}", "127.0.0.1.evil.example:{port}", "localhost:1", "127.0.0.1:{port}@evil",
           "[::1", ""]
FRIENDLY = ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST:{port}"]


@pytest.fixture
def running(workdir: Path) -> Iterator[Running]:
    with desk_server(workdir, make_settings(state_dir=workdir / ".newsletter")) as desk:
        yield desk


@pytest.fixture
def preview(workdir: Path) -> Iterator[str]:
    httpd = server(Previewer(Path("issues/2020-12.md"), make_settings(), b"secret"), "127.0.0.1", free_port())
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def port_of(base: str) -> str:
    return base.rsplit(":", 1)[1]


@pytest.mark.parametrize("host", HOSTILE)
def test_the_desk_refuses_a_request_for_another_host_even_with_the_login_link(running: Running, host: str) -> None:
    response = httpx.get(running.login_url, headers={"Host": host.format(port=port_of(running.base))})
    assert response.status_code == 421 and "desk_session" not in response.cookies
    assert httpx.get(running.login_url).status_code == 303  # the link was not used up by the refused request


@pytest.mark.parametrize("host", FRIENDLY)
def test_the_desk_answers_its_loopback_names(running: Running, host: str) -> None:
    response = httpx.get(running.base + "/login", headers={"Host": host.format(port=port_of(running.base))})
    assert response.status_code == 401


def test_the_desk_answers_the_address_it_was_given(workdir: Path) -> None:
    with desk_server(workdir, make_settings(state_dir=workdir / ".newsletter"), Access("127.0.0.2")) as running:
        given = {"Host": "127.0.0.2:" + port_of(running.base)}
        assert httpx.get(running.base + "/login", headers=given).status_code == 401


@pytest.mark.parametrize("host", HOSTILE)
def test_the_preview_refuses_a_request_for_another_host(preview: str, host: str) -> None:
    response = httpx.get(preview + "/", headers={"Host": host.format(port=port_of(preview))})
    assert response.status_code == 421 and "Krefeld" not in response.text


def test_the_preview_shows_the_draft_with_the_desks_security_headers(preview: str) -> None:
    for host in FRIENDLY:
        response = httpx.get(preview + "/", headers={"Host": host.format(port=port_of(preview))})
        assert response.status_code == 200 and "Krefeld" in response.text
    headers = response.headers
    assert "frame-ancestors" in headers["content-security-policy"] and "script-src" not in headers["content-security-policy"]
    assert headers["x-frame-options"] == "SAMEORIGIN" and headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] and headers["cache-control"] == "no-store"


@pytest.mark.parametrize("back", ["//evil.example", "https://evil.example", "/\\evil.example", "/\t/evil.example",
                                  "\\\\evil.example", "evil.example", "javascript:alert(1)"])
def test_the_language_switch_never_redirects_off_the_site(running: Running, back: str) -> None:
    client = running.client()
    response = client.post("/language", data={"csrf": csrf_of(client.get("/").text), "back": back})
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_the_language_switch_goes_back_to_the_page_it_was_on(running: Running) -> None:
    client = running.client()
    response = client.post("/language", data={"csrf": csrf_of(client.get("/").text), "back": "/issues/2020-12?x=1"})
    assert response.headers["location"] == "/issues/2020-12?x=1"
