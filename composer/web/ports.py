"""A port that is already taken is said in one line, before a server prints that it is serving."""

from __future__ import annotations

import errno
import socket

from composer.errors import ComposerError
from composer.i18n import message


class PortBusyError(ComposerError):
    """Another program (or another preview) listens on the port asked for."""


def busy(host: str, port: int) -> PortBusyError:
    return PortBusyError(message("port {port} on {host} is already in use (another desk, preview or server?): stop "
                                 "that one, or choose another port with --port", port=port, host=host))


def ensure_free(host: str, port: int) -> None:
    """Binds and lets go at once; uvicorn would otherwise log the failure after announcing the server."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise busy(host, port) from None
            raise
