"""Prüfen in German: the check's findings said in German on the German page, in English on the English one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from composer.i18n import Message, message, render, translate
from composer.state.reasons import reason_said
from composer.issue.schema import SCHEMA_ERRORS
from composer.issue import yamlerrors
from tests.conftest import SMTPServer
from tests.deskserver import desk_server


def broken_issue(text: str) -> str:
    """The sample issue with many findings: no imprint, no postal address, an unencrypted link, a link without text,
    an image without its description."""
    text = text.replace("  imprint_url: https://example.org/impressum\n", "")
    text = text.replace("    Musterstraße 1, 47798 Krefeld\n", "")
    return text.replace("„Kreativ — Innovativ — Weltoffen“: So wirbt",
                        "[Kreativ](http://example.org/kreativ) [](https://example.org/leer) ![](https://example.org/bild.png) So wirbt")


@pytest.fixture
def broken(workdir: Path, smtp_server: SMTPServer):
    Path("issues/2020-12.md").write_text(broken_issue(Path("issues/2020-12.md").read_text(encoding="utf-8")), encoding="utf-8")
    with desk_server(workdir, smtp_server.settings(state_dir=workdir / ".newsletter")) as desk:
        yield desk


def messages(html: str) -> list[str]:
    items = BeautifulSoup(html, "html.parser").select(".findings li")
    return [li.text.removeprefix(li.select_one(".where").text + ": ").split(" – ")[0] for li in items]


def test_the_german_check_page_says_every_finding_in_german(broken) -> None:
    found = messages(broken.client().get("/issues/2020-12/check").text)
    assert "keine Postanschrift (Straße, Postleitzahl, Ort) für das Impressum" in found
    assert "kein Impressum: ergänzen Sie footer.imprint_url oder eine Zeile „Impressum“" in found
    assert "der Link http://example.org/kreativ ist unverschlüsselt; nehmen Sie https://, wenn die Seite es anbietet" in found
    assert "der Link zu https://example.org/leer hat keinen Text zum Anklicken" in found
    assert "Bild https://example.org/bild.png hat keinen Alternativtext; beschreiben Sie es für blinde Leser und für " \
           "blockierte Bilder" in found
    assert "https://example.org/datenschutz ist eine Beispieladresse, nicht die Seite Ihrer Stelle; verlinken Sie Ihre " \
           "eigene" in found
    english = [m for m in found if any(w in m.split() for w in ("the", "is", "has", "no", "not"))]
    assert not english, english


def test_the_english_check_page_keeps_the_checks_own_words(broken) -> None:
    found = messages(broken.client().get("/issues/2020-12/check", headers={"Accept-Language": "en"}).text)
    assert "no postal address (street, postcode, town) for the imprint" in found


@pytest.mark.parametrize(("said", "english", "german"), [
    (message("{n} characters; phones cut it after about {max}", n=142, max=90),
     "142 characters; phones cut it after about 90", "142 Zeichen; Telefone schneiden nach etwa 90 ab"),
    (message(SCHEMA_ERRORS["unknown_placeholder_named"], name="Name"),
     "unknown placeholder {Name} (write {name} where the subscriber's name goes)",
     "unbekannter Platzhalter {Name} (schreiben Sie {name} dort, wo der Name der Leser steht)"),
    (message(SCHEMA_ERRORS["double_braces_named"]),
     "{{ and }} would reach every reader as they are; write {name} where the subscriber's name goes",
     "{{ und }} kämen so, wie sie sind, bei allen Lesern an; schreiben Sie {name} dort, wo der Name der Leser steht"),
])
def test_a_finding_is_said_in_either_language_with_its_details_kept(said: Message, english: str, german: str) -> None:
    assert (str(said), said.render("de")) == (english, german)


@pytest.mark.parametrize(("said", "english", "german"), [
    (message("{email}: temporary bounce {status} for {issue}: count it ({n} of {limit})", email="a@example.org",
             status="4.4.1", issue="2020-12", n=1, limit=3),
     "a@example.org: temporary bounce 4.4.1 for 2020-12: count it (1 of 3)",
     "a@example.org: vorübergehend unzustellbar (4.4.1) bei 2020-12: gezählt (1 von 3)"),
    (message("automatic reply from {who} ({subject}): set aside, not a bounce", who="b@example.org",
             subject="Abwesenheitsnotiz"),
     "automatic reply from b@example.org (Abwesenheitsnotiz): set aside, not a bounce",
     "automatische Antwort von b@example.org (Abwesenheitsnotiz): beiseitegelegt, keine Unzustellbarkeit"),
    (reason_said("bounced_repeatedly", '{"n": 3}'), "bounced temporarily in 3 issues", "bei 3 Ausgaben vorübergehend unzustellbar"),
    (message("{email} is listed again (first on line {first}); sent once", email="c@example.org", first=2),
     "c@example.org is listed again (first on line 2); sent once",
     "c@example.org steht doppelt in der Liste (zuerst in Zeile 2); erhält die Ausgabe nur einmal"),
])
def test_what_the_inbox_did_and_why_an_address_gets_nothing_in_either_language(said: Message, english: str, german: str) -> None:
    assert (str(said), render(said, "de")) == (english, german)


def test_every_plain_word_for_a_broken_fields_block_has_a_german_wording() -> None:
    said = [getattr(yamlerrors, name) for name in dir(yamlerrors) if name.isupper() and isinstance(getattr(yamlerrors, name), str)]
    assert said and not [s for s in said if translate("de", s) == s]


def test_a_missing_colon_in_the_fields_block_is_said_in_german_at_its_line(workdir: Path, smtp_server: SMTPServer) -> None:
    text = Path("issues/2020-12.md").read_text(encoding="utf-8").replace("publisher: Fachbereich", "publisher Fachbereich")
    Path("issues/2020-12.md").write_text(text, encoding="utf-8")
    with desk_server(workdir, smtp_server.settings(state_dir=workdir / ".newsletter")) as desk:
        page = BeautifulSoup(desk.client().get("/issues/2020-12/check").text, "html.parser")
    assert page.select_one(".findings.error li").text == (
        "Zeile 3 der Ausgabe: nach dem Namen der Angabe fehlt ein „:“; schreiben Sie „Name: Wert“")


def test_the_german_check_page_writes_the_spam_score_with_a_decimal_comma(broken) -> None:
    page = BeautifulSoup(broken.client().get("/issues/2020-12/check").text, "html.parser")
    spam = [li.text for li in page.select(".findings li") if "SpamAssassin" in li.text]
    if not spam:
        pytest.skip("SpamAssassin is not installed")
    assert re.search(r"vergibt -?\d+,\d Punkte .*; unter \d+,\d ist gut", spam[0]), spam[0]
