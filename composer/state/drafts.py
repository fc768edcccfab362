"""Autosaved drafts of the desk's editor (issue 27, item 3): the typed form of one issue by one person, kept in the
state and never written over the issue file; "Speichern" writes the file and drops the draft."""

from __future__ import annotations

import json
from dataclasses import dataclass

from composer.state.store import Store

MAX_DRAFT = 2 * 2**20  # characters of JSON: the editor's form is bounded far below this


@dataclass(frozen=True)
class Draft:
    saved: float
    base: str  # digest of the issue file the draft was typed over
    fields: dict[str, str]


class DraftRows(Store):
    """Mixed into the Journal."""

    def keep_draft(self, issue: str, person: str, fields: dict[str, str], base: str, now: float) -> bool:
        """Replaces this person's draft of the issue; False (nothing kept) when it is larger than MAX_DRAFT."""
        text = json.dumps(fields, ensure_ascii=False)
        if len(text) > MAX_DRAFT:
            return False
        self._db.execute("INSERT OR REPLACE INTO desk_drafts VALUES (?, ?, ?, ?, ?)", (issue, person, now, base, text))
        return True

    def draft(self, issue: str, person: str) -> Draft | None:
        row = self._db.execute("SELECT saved, base, fields FROM desk_drafts WHERE issue = ? AND person = ?",
                               (issue, person)).fetchone()
        return Draft(float(row[0]), str(row[1]), dict(json.loads(row[2]))) if row else None

    def drop_draft(self, issue: str, person: str) -> None:
        self._db.execute("DELETE FROM desk_drafts WHERE issue = ? AND person = ?", (issue, person))
