"""Month names per issue language: an issue's dates and subjects are written with them, and a line that starts
with a day and a month is recognised as a date, not as a numbered list."""

import re

MONTHS = {
    "de": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
           "November", "Dezember"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
}
# Abbreviations seen in German and English text besides the first three letters of each name.
_SHORT = {"Jän", "Mrz", "Sept", "Mär"}
_NAMES = sorted({name for names in MONTHS.values() for name in names} | {name[:3] for names in MONTHS.values() for name in names}
                | _SHORT, key=len, reverse=True)
MONTH_NAME = "(?:" + "|".join(re.escape(n) for n in _NAMES) + r")\.?"
# `4. Februar`, `17. März 2021:`, `3. Feb.` (a day, its dot, a month name that ends as a word).
DAY_AND_MONTH = re.compile(r"(?P<day>(?:0?[1-9]|[12][0-9]|3[01]))\.(?=[ \t]+" + MONTH_NAME + r"(?![^\W\d_]))", re.IGNORECASE)
