"""One way to speak the reader's language: messages rendered where shown, languages chosen as gettext and browsers do."""

from __future__ import annotations

import datetime as dt

import pytest
from babel.messages.pofile import read_po

from composer.i18n import Message, message, plural, render, translate
from composer.i18n.formats import day, moment, number
from composer.i18n.languages import accepted, from_environment
from composer.render.templates import TEMPLATES, environment
from composer.i18n import LOCALE_DIR, JinjaGettext


@pytest.mark.parametrize(("environ", "lang"), [
    ({"LANG": "de_DE.UTF-8"}, "de"),
    ({"LANG": "C"}, "en"),
    ({}, "en"),
    ({"LC_ALL": "de_AT.UTF-8", "LANG": "en_US.UTF-8"}, "de"),
    ({"LANGUAGE": "uk:de", "LANG": "C.UTF-8"}, "de"),
    ({"LC_MESSAGES": "POSIX", "LANG": "de_DE.UTF-8"}, "en"),
])
def test_the_command_line_language_comes_from_the_variables_gettext_reads(environ: dict[str, str], lang: str) -> None:
    assert from_environment(environ) == lang


@pytest.mark.parametrize(("header", "lang"), [
    ("uk, en;q=0.8", "en"),
    ("ar-SY,ar;q=0.9,en-US;q=0.8,de;q=0.7", "en"),
    ("en;q=0.5, de", "de"),
    ("fa", "de"),
    ("", "de"),
    ("de-DE", "de"),
    ("en-GB;q=0", "de"),
])
def test_a_web_page_reads_accept_language_in_its_order_of_preference(header: str, lang: str) -> None:
    assert accepted(header) == lang


def test_a_message_renders_in_each_language_with_its_parameters() -> None:
    said = message("{count} of {total} addresses", count=3, total=4)
    assert isinstance(said, Message)
    assert said.render("en") == "3 of 4 addresses" == str(said)


def test_a_message_inside_a_message_is_rendered_in_the_same_language() -> None:
    outer = message("Refused: {reason}", reason=message("German"))
    assert render(outer, "en") == "Refused: German"


def test_a_plural_message_picks_its_form_by_count() -> None:
    assert plural("{n} address", "{n} addresses", 1).render("en") == "1 address"
    assert plural("{n} address", "{n} addresses", 2).render("en") == "2 addresses"


def test_dates_and_numbers_follow_the_language() -> None:
    assert day(dt.date(2026, 12, 6), "de") == "06.12.2026"
    assert moment(dt.datetime(2026, 12, 7, 8, 0), "de") == "Mo. 07.12. 08:00"
    assert number(1000.5, "de") == "1.000,5"
    assert number(1000.5, "en") == "1,000.5"


def test_templates_translate_with_the_language_of_their_render_and_escape_parameters() -> None:
    template = environment(None, "web").from_string("{% trans who=name %}Hello {{ who }}{% endtrans %} {{ m(said) }}")
    html = template.render(name="<b>", said=message("German"), **JinjaGettext("en").context())
    assert html == "Hello &lt;b&gt; German"


def test_a_message_inside_a_message_and_a_date_are_said_in_the_same_language() -> None:
    why = message("hourly limit ({n})", n=2)
    assert translate("de", "sending hours ({hours})", hours=why) == "Versandzeiten Stundengrenze des Anbieters: 2 Nachrichten"
    since = message("{email} is {kind} since {since} ({reason}); it is not added, so that nobody is written to against "
                    "their wish. A new sign-up on the web lifts it", email="a@example.org", kind=message("unsubscribed"),
                    since=dt.date(2026, 12, 6), reason=message("asked to unsubscribe"))
    assert since.render("de").startswith("a@example.org ist seit 06.12.2026 abgemeldet (hat um Abmeldung gebeten);")
    assert str(since).startswith("a@example.org is unsubscribed since 2026-12-06 (asked to unsubscribe);")


def test_a_trans_block_over_several_lines_is_looked_up_as_the_catalogue_was_extracted() -> None:
    """babel.cfg extracts with `trimmed = true`: the template's lines are joined into the msgid, so the render must
    join them too, or the German desk's Hilfe stays English."""
    template = environment(None, "web").from_string(
        "{% trans %}Phones cut a subject after about 70 characters, and capitals and exclamation marks look\n"
        "    like spam. Say the most important thing first, in normal writing.{% endtrans %}")
    assert template.render(**JinjaGettext("de").context()).startswith("Telefone schneiden einen Betreff nach etwa 70 Zeichen ab")


@pytest.mark.parametrize("kind", ["web", "email"])
def test_every_text_of_every_template_is_in_the_catalogue_as_its_render_looks_it_up(kind: str) -> None:
    """What the render parses out of a template (a `_(variable)` has no text of its own) is what the catalogue holds."""
    with (LOCALE_DIR / "de" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalogue = {entry.id if isinstance(entry.id, str) else entry.id[0] for entry in read_po(po) if entry.id}
    env = environment(None, kind)  # type: ignore[arg-type]
    looked_up = {(str(path.relative_to(TEMPLATES)), msgid if isinstance(msgid, str | None) else msgid[0])
                 for path in TEMPLATES.rglob("*.j2")
                 for _, _, msgid in env.extract_translations(path.read_text(encoding="utf-8"))}
    assert {(name, msgid) for name, msgid in looked_up if msgid is not None and msgid not in catalogue} == set()
