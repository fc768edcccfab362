"""Die Redaktion on a loopback port for the desk's tests: real uvicorn, real HTTP."""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn

from composer.send.tokens import load_secret
from composer.desk import Access, Desk, create_desk
from composer.config.settings import Settings
from tests.conftest import free_port


@dataclass
class Running:
    base: str
    desk: Desk

    @property
    def login_url(self) -> str:
        return f"{self.base}/login?token={self.desk.access.login_token}"

    def client(self) -> httpx.Client:
        """A logged-in client whose POSTs carry this desk's Origin, as a browser's do."""
        client = httpx.Client(base_url=self.base, headers={"Origin": self.base}, timeout=30)
        if self.desk.access.login_token:
            assert client.get(self.login_url).status_code == 303
        else:  # a second session: log in as a fresh link would
            session_id = self.desk.access.new_session()
            client.cookies.set("desk_session", session_id)
        return client


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


@contextlib.contextmanager
def desk_server(folder: Path, settings: Settings, access: Access | None = None) -> Iterator[Running]:
    port = free_port()
    desk = Desk(folder, settings, load_secret(None, settings.state_dir), access or Access("127.0.0.1"))
    server = uvicorn.Server(uvicorn.Config(create_desk(desk), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield Running(f"http://127.0.0.1:{port}", desk)
    finally:
        server.should_exit = True
        thread.join(10)


@contextlib.contextmanager
def quiet_desk(folder: Path) -> Iterator[Running]:
    """A desk on `folder` for a browser module that looks at pages, not at SpamAssassin's 3 s a Prüfen page."""
    import pytest

    settings = Settings(_env_file=None, from_address="kontakt@example.org", state_dir=folder / ".newsletter")  # type: ignore[call-arg]
    without_spamassassin = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep)
                                           if not (Path(p) / "spamassassin").exists())
    with pytest.MonkeyPatch.context() as environment, desk_server(folder, settings) as running:
        environment.setenv("PATH", without_spamassassin)
        yield running
