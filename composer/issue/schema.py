"""What an issue of the newsletter is: the contract between the coordinator's file and the renderer."""

from __future__ import annotations

import datetime as dt
import re
import string
import unicodedata
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, HttpUrl, field_validator, model_validator
from pydantic_core import PydanticCustomError

from composer.i18n import N_

# The schema's own error types, each a msgid (composer/issue/issuefile.py says them; `{name}` in a greeting's
# message is literal, so those that take parameters write it as {{name}}).
SCHEMA_ERRORS = {
    "one_source": N_("give either url (a picture on the web) or path (a photo file next to the issue), one of them"),
    "no_name_slot": N_("must contain {name} where the subscriber's name goes"),
    "stray_brace_named": N_("a brace that is no placeholder; write {name} where the subscriber's name goes"),
    "stray_brace_anonymous": N_("a brace that is no placeholder; no placeholders here: it is for subscribers without a name"),
    "double_braces_named": N_("{{ and }} would reach every reader as they are; write {name} where the subscriber's name goes"),
    "double_braces_anonymous": N_("{{ and }} would reach every reader as they are; no placeholders here: it is for "
                                  "subscribers without a name"),
    "unknown_placeholder_named": N_("unknown placeholder {{{name}}} (write {{name}} where the subscriber's name goes)"),
    "unknown_placeholder_anonymous": N_("unknown placeholder {{{name}}} (no placeholders here: it is for subscribers "
                                        "without a name)"),
    "no_surname_slot": N_("must contain {nachname} where the subscriber's surname goes"),
    "stray_brace_formal": N_("a brace that is no placeholder; write {anrede} {nachname} where the subscriber's title "
                             "and surname go"),
    "double_braces_formal": N_("{{ and }} would reach every reader as they are; write {anrede} {nachname} where the "
                               "subscriber's title and surname go"),
    "unknown_placeholder_formal": N_("unknown placeholder {{{name}}} (write {{anrede}} {{nachname}} where the "
                                     "subscriber's title and surname go)"),
    "single_line": N_("must be a single line"),
    "anchor_twice": N_("two articles use the anchor {anchor}; give one a different anchor"),
    "greater_than_equal": N_("must be at least {ge}"),
    "less_than_equal": N_("must be at most {le}"),
}

Language = Literal["de", "en"]
RTL_LANGUAGES = {"ar", "fa", "he", "ur", "ps", "ckb", "yi", "dv", "sd", "ug", "prs"}
# The blocks that hold every right-to-left letter (Unicode's bidi classes R and AL): a text without any is left to right.
RTL_BLOCKS = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefe\U00010800-\U00010fff\U0001e800-\U0001efff]")
TOC_ANCHOR = "inhalt"
HEX_COLOR = r"^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$"


class Strict(BaseModel):
    """Unknown fields are errors, so a misspelt key never silently vanishes."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Image(Strict):
    """A picture on the web (`url`) or a file on the coordinator's computer (`path`, relative to the issue)."""

    url: HttpUrl | None = None
    path: str | None = Field(default=None, min_length=1, pattern=r"(?i)\.(jpe?g|png|gif|webp)$")
    alt: str = Field(min_length=1, description="Describes the picture for screen readers and blocked images.")
    width: int = Field(default=550, ge=16, le=600)

    @model_validator(mode="after")
    def _one_source(self) -> Image:
        if (self.url is None) == (self.path is None):
            raise PydanticCustomError("one_source", SCHEMA_ERRORS["one_source"])
        return self


class Contact(Strict):
    name: str = Field(min_length=1)
    role: str | None = None
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9][0-9 ()/\-]{3,}$")
    email: EmailStr | None = None

    @property
    def tel(self) -> str | None:
        """A dialable tel: target; keeps the local form because the readers are local."""
        if not self.phone:
            return None
        digits = re.sub(r"[^0-9+]", "", self.phone)
        return "+" + digits[2:] if digits.startswith("00") else digits


# {vorname} and {first_name} come from the list's own columns (the issue "Lists as the office keeps them").
NAME_SLOTS = frozenset({"name", "vorname", "first_name"})
# A formal greeting addresses the reader by the list's "Anrede" and "Nachname" columns.
SURNAME_SLOTS = frozenset({"nachname", "last_name"})
FORMAL_SLOTS = NAME_SLOTS | SURNAME_SLOTS | {"anrede", "salutation"}


class Greeting(Strict):
    named: str = Field(description="Used when the subscriber has a name; {name} is replaced.")
    anonymous: str = Field(description="Used when the subscriber has no name; no placeholders.")
    formal: str | None = Field(default=None, description=(
        "Used instead of `named` for a subscriber whose list row has an Anrede (Frau/Herr) and a Nachname, e.g. "
        "'Sehr geehrte/r {anrede} {nachname},'; everyone else gets `named` with their whole name."))

    @field_validator("named")
    @classmethod
    def _has_name_slot(cls, value: str) -> str:
        if not NAME_SLOTS & _placeholders(value, NAME_SLOTS):
            raise PydanticCustomError("no_name_slot", SCHEMA_ERRORS["no_name_slot"])
        return value

    @field_validator("formal")
    @classmethod
    def _has_surname_slot(cls, value: str | None) -> str | None:
        if value is not None and not SURNAME_SLOTS & _placeholders(value, FORMAL_SLOTS):
            raise PydanticCustomError("no_surname_slot", SCHEMA_ERRORS["no_surname_slot"])
        return value

    @field_validator("anonymous")
    @classmethod
    def _no_slots(cls, value: str) -> str:
        _placeholders(value, frozenset())
        return value


def _placeholders(value: str, known: frozenset[str]) -> set[str]:
    """The placeholders of a greeting, each one the message layer fills; any other brace would reach every reader
    as it is ("Liebe/r {name}," from `{{name}}`), or the send would fail on the first recipient."""
    advice = "_formal" if "anrede" in known else "_named" if known else "_anonymous"  # the error type's ending
    try:
        parsed = list(string.Formatter().parse(value))
    except ValueError:
        raise PydanticCustomError("stray_brace" + advice, SCHEMA_ERRORS["stray_brace" + advice]) from None
    for literal, name, spec, conversion in parsed:
        if "{" in literal or "}" in literal:
            raise PydanticCustomError("double_braces" + advice, SCHEMA_ERRORS["double_braces" + advice])
        if name is not None and (name not in known or spec or conversion):
            raise PydanticCustomError("unknown_placeholder" + advice, SCHEMA_ERRORS["unknown_placeholder" + advice],
                                      {"name": name})
    return {name for _, name, _, _ in parsed if name is not None}


class Article(Strict):
    title: str = Field(min_length=1)
    anchor: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]*$")
    language: str | None = Field(default=None, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$",
                                 description="The article's own language (ar, fa, uk, tr, en, ...), when not the issue's.")
    body: str = Field(min_length=1)
    image: Image | None = None
    author: str | None = None
    contacts: list[Contact] = []

    @property
    def direction(self) -> Literal["rtl", "ltr"]:
        """Right to left for Arabic, Farsi, Hebrew, Urdu, ...; without a language, what the text's letters say."""
        if self.language:
            return "rtl" if self.language.split("-")[0] in RTL_LANGUAGES else "ltr"
        if not RTL_BLOCKS.search(self.title + self.body):  # most texts: no need to ask each letter (the live preview)
            return "ltr"
        letters = [unicodedata.bidirectional(c) for c in self.title + self.body if c.isalpha()]
        return "rtl" if letters and sum(kind in ("R", "AL") for kind in letters) > len(letters) / 2 else "ltr"


class Footer(Strict):
    address: str = Field(min_length=1, description="Sender and imprint address, one line per line.")
    reason: str = Field(min_length=1, description="Why the reader receives this newsletter.")
    imprint_url: HttpUrl | None = None
    privacy_url: HttpUrl | None = Field(default=None, description="The privacy notice (Datenschutzerklärung, GDPR Art. 13).")


class Theme(Strict):
    """Look of the email; data, so a coordinator changes colours without touching a template."""

    brand_color: str = Field(default="#8a1538", pattern=HEX_COLOR)
    text_color: str = Field(default="#222222", pattern=HEX_COLOR)
    muted_color: str = Field(default="#5f5f5f", pattern=HEX_COLOR)
    background_color: str = Field(default="#f2f2f2", pattern=HEX_COLOR)
    content_color: str = Field(default="#ffffff", pattern=HEX_COLOR)
    font_family: str = "Arial, Helvetica, sans-serif"
    logo_url: HttpUrl | None = None
    logo_width: int = Field(default=160, ge=16, le=600)


class Issue(Strict):
    newsletter: str = Field(min_length=1)
    publisher: str = Field(min_length=1)
    kicker: str | None = None
    claims: list[str] = []
    date: dt.date
    language: Language = "de"
    subject: str = Field(min_length=1, max_length=200)
    preheader: str = Field(min_length=1, max_length=200)
    greeting: Greeting | None = None
    articles: list[Article] = Field(min_length=1)
    footer: Footer
    theme: Theme = Theme()

    @field_validator("subject", "preheader", "newsletter")
    @classmethod
    def _single_line(cls, value: str) -> str:
        if "\n" in value or "\r" in value:
            raise PydanticCustomError("single_line", SCHEMA_ERRORS["single_line"])
        return value

    @model_validator(mode="after")
    def _unique_anchors(self) -> Issue:
        seen: set[str] = set()
        for article in self.articles:
            if article.anchor in seen or article.anchor == TOC_ANCHOR:
                raise PydanticCustomError("anchor_twice", SCHEMA_ERRORS["anchor_twice"], {"anchor": repr(article.anchor)})
            if article.anchor:
                seen.add(article.anchor)
        return self

    def anchors(self) -> list[str]:
        """Anchor per article: an explicit one wins, others come from the title, made unique by order."""
        taken = {TOC_ANCHOR} | {a.anchor for a in self.articles if a.anchor}
        result: list[str] = []
        for article in self.articles:
            anchor = article.anchor or _unique(slugify(article.title), taken)
            taken.add(anchor)
            result.append(anchor)
        return result


def slugify(text: str) -> str:
    """German-aware slug, stable for a given title: 'Gemeinsam klappt's' -> 'gemeinsam-klappts'."""
    text = text.lower()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, plain)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"['’]", "", text)
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "artikel"


def _unique(slug: str, taken: set[str]) -> str:
    candidate, n = slug, 2
    while candidate in taken:
        candidate, n = f"{slug}-{n}", n + 1
    return candidate
