"""The desk's web server: uvicorn, whose Ctrl+C or SIGTERM also sets the desk's `stopping`, so an import running
in a worker thread ends at once (uvicorn waits for every answer in progress before it ends)."""

from __future__ import annotations

import threading
from types import FrameType

import uvicorn
from starlette.types import ASGIApp


class DeskServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, stopping: threading.Event) -> None:
        super().__init__(config)
        self.stopping = stopping

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.stopping.set()
        super().handle_exit(sig, frame)


def serve(app: ASGIApp, stopping: threading.Event, host: str, port: int) -> None:
    DeskServer(uvicorn.Config(app, host=host, port=port, log_level="warning", loop="asyncio"), stopping).run()
