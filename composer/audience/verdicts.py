"""Why an address is not one, in our own words: email-validator gives only English text (two exception types), so
the common mistakes are named here by looking at the address itself, and anything else gets one general reason.
tests/test_verdicts.py pins email-validator's verdicts on these cases, so an upgrade that changes them fails loudly."""

from __future__ import annotations

from email_validator import SPECIAL_USE_DOMAIN_NAMES

from composer.i18n import Message, message


def why_invalid(raw: str) -> Message:
    """The reason for an address email-validator refused (or would refuse)."""
    address = raw.strip()
    if "@" not in address:
        return message("the @ sign is missing")
    local, _, domain = address.rpartition("@")
    if not local:
        return message("there is nothing before the @")
    if not domain:
        return message("there is nothing after the @")
    if any(c.isspace() for c in address):
        return message("it contains a space")
    if ".." in address:
        return message("it has two dots in a row")
    if "." not in domain:
        return message("the part after the @ has no dot, as in example.org")
    if not local.isascii():
        return message("umlauts and other special letters cannot stand before the @")
    if _cannot_exist(domain.lower()):
        return message("the part after the @ is not a domain that can exist")
    return message("it is not a valid email address")


def _cannot_exist(domain: str) -> bool:
    """A reserved name (.invalid, .local, localhost …) or an ending that is no top-level domain (.123, .x-)."""
    ending = domain.rsplit(".", 1)[-1]
    reserved = any(domain == name or domain.endswith("." + name) for name in SPECIAL_USE_DOMAIN_NAMES)
    return reserved or not ending.isalpha()


def not_an_address(raw: str) -> Message:
    """The whole sentence: "'x' is not a valid email address (the @ sign is missing)"."""
    return message("'{address}' is not a valid email address ({why})", address=repr(raw)[1:-1], why=why_invalid(raw))
