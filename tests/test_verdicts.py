"""Why an address is refused, in our words and both languages; email-validator's verdicts on the same cases are
pinned, so an upgrade that starts accepting (or refusing differently) one of them fails here."""

from __future__ import annotations

import pytest
from email_validator import EmailNotValidError, validate_email

from composer.audience.verdicts import not_an_address, why_invalid

CASES = [
    ("kollegin.example.org", "the @ sign is missing", "es fehlt das Zeichen @"),
    ("@example.org", "there is nothing before the @", "vor dem @ fehlt etwas"),
    ("kollegin@", "there is nothing after the @", "nach dem @ fehlt etwas"),
    ("kol legin@example.org", "it contains a space", "sie enthält ein Leerzeichen"),
    ("kollegin..a@example.org", "it has two dots in a row", "zwei Punkte hintereinander sind nicht möglich"),
    ("kollegin@example", "the part after the @ has no dot, as in example.org", "nach dem @ fehlt ein Punkt, wie in example.org"),
    ("jürgen@example.org", "umlauts and other special letters cannot stand before the @",
     "vor dem @ sind Umlaute und andere Sonderzeichen nicht möglich"),
    ("kollegin@example.invalid", "the part after the @ is not a domain that can exist",
     "nach dem @ steht kein Domainname, den es geben kann"),
    ("kollegin@example.123", "the part after the @ is not a domain that can exist",
     "nach dem @ steht kein Domainname, den es geben kann"),
    ("kollegin@exa_mple.org", "it is not a valid email address", "so ist sie keine gültige E-Mail-Adresse"),
]


@pytest.mark.parametrize(("address", "english", "german"), CASES)
def test_email_validator_refuses_each_case_and_we_say_why(address: str, english: str, german: str) -> None:
    with pytest.raises(EmailNotValidError):
        validate_email(address, check_deliverability=False, allow_smtputf8=False)
    assert (str(why_invalid(address)), why_invalid(address).render("de")) == (english, german)


def test_the_whole_sentence_names_the_address_in_both_languages() -> None:
    said = not_an_address("kollegin.example.org")
    assert str(said) == "'kollegin.example.org' is not a valid email address (the @ sign is missing)"
    assert said.render("de") == "„kollegin.example.org“ ist keine gültige E-Mail-Adresse (es fehlt das Zeichen @)"
