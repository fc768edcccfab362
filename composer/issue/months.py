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

_NUMBERS = {**{name.lower(): n for names in MONTHS.values() for n, name in enumerate(names, 1)},
            **{name[:3].lower(): n for names in MONTHS.values() for n, name in enumerate(names, 1)},
            "jän": 1, "mrz": 3, "sept": 9}
_NUMERIC = re.compile(r"^(?:(?P<year>\d{4})\s*[-/.]\s*(?P<month>\d{1,2})|(?P<month2>\d{1,2})\s*[-/.]\s*(?P<year2>\d{4}))$")
_NAMED = re.compile(r"^(?P<name>[^\W\d_]+)\.?\s+(?P<year>\d{4})$")


def month_of(text: str) -> tuple[int, int] | None:
    """The (year, month) a person means by "2027-01", "01/2027", "1.2027", "Januar 2027" or "Jan. 2027" (the
    browser's month picker sends the first); None for anything else."""
    text = text.strip().removesuffix(".md")
    numeric, named = _NUMERIC.match(text), _NAMED.match(text)
    if numeric:
        year, month = int(numeric["year"] or numeric["year2"]), int(numeric["month"] or numeric["month2"])
    elif named and named["name"].lower() in _NUMBERS:
        year, month = int(named["year"]), _NUMBERS[named["name"].lower()]
    else:
        return None
    return (year, month) if 1 <= month <= 12 and 1900 < year < 3000 else None
