"""Die Redaktion: the coordinator's pages for writing, checking, test-sending and sending an issue."""

from composer.desk.access import Access, DeskAccessError
from composer.desk.app import create_desk
from composer.desk.context import Desk

__all__ = ["Access", "Desk", "DeskAccessError", "create_desk"]
