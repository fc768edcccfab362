"""`newsletter serve`: one-click unsubscribe, double opt-in sign-up, and the archive, over the send state."""

from composer.web.app import create_app

__all__ = ["create_app"]
