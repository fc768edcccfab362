"""A port for `preview` or `serve` that another program holds is one clear line, not a bind error later."""

from __future__ import annotations

import socket

from composer.errors import ComposerError


class PortBusyError(ComposerError):
    """The port to listen on is taken."""


def ensure_free(host: str, port: int) -> None:
    """Binds and releases the port as the servers do (SO_REUSEADDR), so a port only in TIME_WAIT counts as free."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise PortBusyError(f"port {port} on {host} is in use ({exc.strerror}); choose another with --port") from None
