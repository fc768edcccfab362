"""Why an address gets nothing, as the send state keeps it: a code with its parameters, said in the reader's
language where it is shown (composer.i18n.render), never stored as a sentence."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from composer.i18n import N_, Message

# Why an address gets nothing, stored as a code (column `reason`) with its parameters (`reason_params`, JSON) and
# said in the reader's language where it is shown. A reason of an older release that the migration to codes did
# not know stays text (its params NULL) and is shown as it is.
REASONS = {
    "asked": N_("asked to unsubscribe"),
    "coordinator": N_("unsubscribed by the coordinator"),
    "coordinator_because": N_("unsubscribed by the coordinator: {why}"),
    "link": N_("unsubscribed by the link in the newsletter"),
    "link_list": N_("unsubscribed by the link in the newsletter (one-click)"),
    "reader_list": N_("left on the reader's own page"),
    "reader_all": N_("unsubscribed on the reader's own page (all lists)"),
    "left_this_list": N_("unsubscribed from this list by the reader (the link in an issue or the reader's page)"),
    "bounced": N_("bounced permanently: {status}"),
    "bounced_repeatedly": N_("bounced temporarily in {n} issues"),
    "complained": N_("complained: {kind} report about {issue}"),
    "complained_unknown": N_("complained: {kind} report about an unknown issue"),
}
KINDS = {"unsubscribed": N_("unsubscribed"), "bounced": N_("bounced"), "complained": N_("complained")}


@dataclass(frozen=True)
class Reason:
    """A reason to store: a code of REASONS and its parameters (names, numbers, a status; never sentences)."""

    code: str
    params: Mapping[str, str | int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code not in REASONS:
            raise ValueError(f"no such reason: {self.code}")


def reason_said(stored: str, params: str | None) -> Message | str:
    """A stored reason as the reader is told it: a code with its parameters, or older text as it is."""
    if params is None or stored not in REASONS:
        return stored
    return Message(REASONS[stored], json.loads(params))


def kind_said(kind: str) -> Message | str:
    """'unsubscribed', 'bounced' or 'complained' in the reader's words."""
    return Message(KINDS[kind]) if kind in KINDS else kind
