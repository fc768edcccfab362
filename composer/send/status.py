"""Every recipient of an issue as CSV rows, the same for `newsletter status --csv` and the desk's download."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

from composer.exports import ExportWriter
from composer.state import Delivery

HEADER = ["email", "status", "attempts", "code", "reply", "possible_duplicate", "queue_id"]


def write_status_csv(deliveries: Iterable[Delivery], stream: TextIO) -> None:
    """Replies and addresses come from strangers: every cell is written as text, never as a formula."""
    writer = ExportWriter(stream)
    writer.writerow(HEADER)
    for d in deliveries:
        writer.writerow([d.email, d.status, d.attempts, d.code or "", d.reply or "", "yes" if d.interrupted else "",
                         d.queue_id or ""])
