"""Every recipient of an issue as a table, the same for `newsletter status --csv` and the desk's download."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

from composer.exports import Table, csv_text
from composer.i18n import N_, Message
from composer.state import Delivery

# English headers are the column names scripts have read since the first release.
HEADER = [N_("email"), N_("status"), N_("attempts"), N_("code"), N_("reply"), N_("possible_duplicate"), N_("queue_id")]
STATES = {state: Message(state) for state in (N_("pending"), N_("sending"), N_("sent"), N_("deferred"), N_("failed"),
                                              N_("uncertain"))}
YES = Message(N_("yes"))


def status_table(deliveries: Iterable[Delivery]) -> Table:
    """Replies and addresses come from strangers: the writer neutralises every cell."""
    return Table([Message(h) for h in HEADER], (
        [d.email, STATES.get(d.status, d.status), d.attempts, d.code or "", d.reply or "", YES if d.interrupted else "",
         d.queue_id or ""] for d in deliveries))


def write_status_csv(deliveries: Iterable[Delivery], stream: TextIO, lang: str) -> None:
    stream.write(csv_text(status_table(deliveries), lang))
