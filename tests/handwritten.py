"""An issue as a coordinator writes it by hand: quotes, block styles, its own indentation and comments."""

import difflib

HAND_WRITTEN = """\
---
# Notiz: Kopf von Hand geschrieben
newsletter: Newsletter Flüchtlingskoordination
date: "2026-12-02"
publisher: 'Fachbereich Migration & Integration'
subject: "Termine im Dezember"   # Notiz: kurz halten
preheader: Sprachcafés und ein Dank
claims:
    - KREATIV – INNOVATIV – WELTOFFEN
    - Stadt wie Samt und Seide

# Notiz: Fußzeile vom Amt
footer:
  # Notiz: Adresse vom Amt
  address: |
    Stadt Krefeld – Fachbereich Migration & Integration
    Musterstraße 1, 47798 Krefeld
  reason: Sie erhalten diesen Newsletter, weil Sie sich für ihn angemeldet haben.
  imprint_url: https://example.org/impressum
---

# Termine im Dezember
---
author: "Eva Dolas"   # Notiz: Foto kommt noch
contacts:
    # Notiz: zweite Person fragen
    - name: Eva Dolas
      email: eva.dolas@example.org
---

Das Sprachcafé trifft sich jeden Dienstag.

Zum Anmelden schreiben Sie an [die Koordination](mailto:kontakt@example.org).


# Danke!

Ohne Sie wäre vieles nicht möglich gewesen.

# Stammtisch
---
language: de
---
Der Stammtisch ist am 17. Dezember.
"""


def changed(before: str, after: str) -> list[str]:
    """The lines taken out and put in, as a line-by-line diff shows them."""
    return [line for line in difflib.ndiff(before.splitlines(keepends=True), after.splitlines(keepends=True))
            if line[:1] in "+-"]
