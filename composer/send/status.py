"""Every recipient of an issue as CSV rows, the same for `newsletter status --csv` and the desk's download."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

from composer.state import Delivery

HEADER = ["email", "status", "attempts", "code", "reply", "possible_duplicate"]


def write_status_csv(deliveries: Iterable[Delivery], stream: TextIO) -> None:
    writer = csv.writer(stream)
    writer.writerow(HEADER)
    for d in deliveries:
        writer.writerow([d.email, d.status, d.attempts, d.code or "", d.reply or "", "yes" if d.interrupted else ""])
