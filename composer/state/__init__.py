"""The send state (`.newsletter/state.db`): the only package that holds the SQLite connection or writes SQL.
Its schema, numbered migrations, and typed methods for each stage; see README's code map."""

from __future__ import annotations

from composer.state.consents import ConsentRecord
from composer.state.deliveries import NEEDS_ATTENTION, STATUSES, Delivery, Plan
from composer.state.journal import Journal
from composer.state.links import Link
from composer.state.reasons import Reason
from composer.state.suppressions import Suppression

__all__ = ["ConsentRecord", "NEEDS_ATTENTION", "STATUSES", "Delivery", "Journal", "Link", "Plan", "Reason", "Suppression"]
