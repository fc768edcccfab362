"""Die Redaktion: the coordinator's pages for writing, checking, test-sending and sending an issue."""

from composer.desk.access import Access, DeskAccessError
from composer.desk.app import Desk, create_desk

__all__ = ["Access", "Desk", "DeskAccessError", "create_desk"]
