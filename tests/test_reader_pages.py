"""The reader's side of the public pages in real Chromium, as a volunteer on a phone meets them: sign-up, the
confirmation mail, the confirm button and the welcome mail (once, also when the button is pressed twice), in
German, in English and for a Ukrainian phone whose second language is English; every result page's language
switch keeps the result; the undo refused after its hour with the right heading (injected clock); axe-core on
every page at 390 and 1280 px, light and dark."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import AXE, IN_CHROMIUM, SMTPServer
from test_web_safety import ANNA, Site, csrf_of, serve

pytestmark = IN_CHROMIUM

WIDE, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}


@pytest.fixture
def site(workdir: Path, smtp_server: SMTPServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    yield from serve(monkeypatch, smtp_server, SIGNUP_LIMIT="1000", PRIVACY_URL="https://example.org/datenschutz")


def welcomes(site: Site, to: str) -> list[str]:
    return [m["Subject"] for m in site.smtp.handler.messages()
            if m["To"].addresses[0].addr_spec == to and m["Subject"].startswith(("Willkommen", "Welcome"))]


def wait_for_welcome(site: Site, page, to: str) -> None:
    """The welcome goes after the confirmation page is sent: wait for it in the browser's own waiting."""
    for _ in range(100):
        if welcomes(site, to):
            return
        page.wait_for_timeout(50)


def heading(page) -> str:
    return page.get_by_role("heading", level=1).inner_text()


def axe(page, name: str, found: list[str]) -> None:
    """axe-core's serious and critical findings on the page as it is shown now, light and dark, phone and desk."""
    if not AXE.exists():
        return
    page.add_script_tag(path=str(AXE))
    for viewport in (PHONE, WIDE):
        for scheme in ("light", "dark"):
            page.set_viewport_size(viewport)
            page.emulate_media(color_scheme=scheme)
            violations = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations'], runOnly: "
                                       "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']})).violations"
                                       ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
                                       ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))")
            found += [f"{name} {viewport['width']} {scheme}: {v}" for v in violations]
    page.set_viewport_size({"width": 320, "height": 640})
    if page.evaluate("document.documentElement.scrollWidth") > 320:
        found.append(f"{name}: scrolls sideways at 320 px")
    page.set_viewport_size(PHONE)
    page.emulate_media(color_scheme="light")


FLOWS = [  # (the browser's languages, the pages' words)
    ("de-DE,de;q=0.9", {"signup": "Anmelden", "almost": "Fast geschafft", "confirm": "Anmeldung bestätigen",
                        "confirmed": "Anmeldung bestätigt", "welcome": "Willkommen bei", "switch": "English",
                        "other": "Almost done"}),
    ("en-GB,en;q=0.9", {"signup": "Subscribe", "almost": "Almost done", "confirm": "Confirm subscription",
                        "confirmed": "Subscription confirmed", "welcome": "Welcome to", "switch": "Deutsch",
                        "other": "Fast geschafft"}),
    ("uk, en;q=0.8", {"signup": "Subscribe", "almost": "Almost done", "confirm": "Confirm subscription",
                      "confirmed": "Subscription confirmed", "welcome": "Welcome to", "switch": "Deutsch",
                      "other": "Fast geschafft"}),
]


def test_sign_up_confirm_twice_and_one_welcome_in_german_english_and_for_a_ukrainian_phone(site: Site, browser) -> None:
    found: list[str] = []
    for n, (languages, words) in enumerate(FLOWS):
        to = f"neu{n}@example.org"
        context = browser.new_context(viewport=PHONE, extra_http_headers={"Accept-Language": languages},
                                      bypass_csp=True)  # only so that axe-core can be injected
        page = context.new_page()
        checked = found if n == 0 else []  # axe-core on the German pages; the English ones are the same markup
        page.goto(f"{site.base}/subscribe")
        axe(page, "subscribe", checked)
        page.locator("#email").fill(to)
        page.locator("#consent").check()
        page.get_by_role("button", name=words["signup"]).click()
        assert heading(page) == words["almost"]
        axe(page, "almost", checked)
        page.get_by_role("button", name=words["switch"]).click()  # the switch keeps the result, in the other language
        assert heading(page) == words["other"] and to in page.content()
        [confirmation] = [m for m in site.smtp.handler.messages() if m["To"].addresses[0].addr_spec == to]
        link = re.search(r"http://\S+/confirm/\S+", confirmation.get_body(("plain",)).get_content()).group(0)
        page.goto(link)
        page.get_by_role("button", name=words["confirm"]).click()
        assert heading(page) == words["confirmed"]
        axe(page, "confirmed", checked)
        page.goto(link)  # the confirmation page again, its button pressed a second time
        page.get_by_role("button", name=words["confirm"]).click()
        assert heading(page) == words["confirmed"]
        wait_for_welcome(site, page, to)
        page.wait_for_timeout(200)  # a second welcome, if one were sent, would have arrived by now
        assert [subject.split()[0] for subject in welcomes(site, to)] == [words["welcome"].split()[0]]
        context.close()
    assert not found, found


def test_every_result_page_switches_language_keeping_its_result_and_the_undo_is_refused_after_its_hour(
        site: Site, browser) -> None:
    found: list[str] = []
    context = browser.new_context(viewport=PHONE, locale="de-DE", extra_http_headers={"Accept-Language": "de-DE"},
                                  bypass_csp=True)
    page = context.new_page()
    token = site.token()
    page.goto(f"{site.base}/u/{token}")
    axe(page, "unsubscribe", found)
    page.get_by_role("button", name="Abbestellen").click()
    assert heading(page) == "Abbestellt" and "Eine Stunde lang" in page.content()
    axe(page, "unsubscribed", found)
    page.get_by_role("button", name="English").click()
    assert heading(page) == "Unsubscribed" and "For one hour" in page.content()
    page.get_by_role("button", name="Subscribe again").click()  # the undo survived the switch
    assert heading(page) == "Subscribed again"
    page.get_by_role("button", name="Deutsch").click()
    assert heading(page) == "Wieder angemeldet"

    page.goto(f"{site.base}/u/{token}?lang=de")
    page.get_by_role("button", name="Abbestellen").click()
    site.clock.now += 3601  # the hour has passed
    page.get_by_role("button", name="Doch wieder anmelden").click()
    assert heading(page) == "Das lässt sich nicht mehr rückgängig machen"
    assert page.get_by_role("link", name="Zur Anmeldung").is_visible()
    axe(page, "undo-refused", found)
    page.get_by_role("button", name="English").click()
    assert heading(page) == "This cannot be undone any more"

    page.goto(f"{site.base}/u/{'a' * 32}")
    assert heading(page) == "Dieser Link funktioniert nicht"
    assert page.get_by_role("link", name="Per E-Mail abbestellen").get_attribute("href").startswith("mailto:kontakt@")
    axe(page, "broken-link", found)
    context.close()
    assert not found, found


def test_a_reader_corrects_her_name_in_a_list_kept_as_first_name_and_surname_and_reopens_the_button_page(
        site: Site, browser) -> None:
    Path("subscribers/volunteers.csv").write_text(f"email;first_name;last_name\n{ANNA};Fatima;Al-Hassan\n",
                                                  encoding="utf-8")
    found: list[str] = []
    context = browser.new_context(viewport=PHONE, locale="de-DE", extra_http_headers={"Accept-Language": "de-DE"},
                                  bypass_csp=True)
    page = context.new_page()
    page.goto(f"{site.base}/p/{site.token()}")
    page.get_by_role("button", name="Link per E-Mail schicken").click()
    assert heading(page) == "Bitte sehen Sie in Ihr Postfach"
    [mail] = [m for m in site.smtp.handler.messages() if "/p/data/" in m.get_body(("plain",)).get_content()]
    page.goto(re.search(r"http://\S+/p/data/\S+", mail.get_body(("plain",)).get_content()).group(0))
    page.get_by_role("button", name="Meine Daten zeigen").click()
    assert heading(page) == "Ihre Daten" and page.get_by_label("Name").input_value() == "Fatima Al-Hassan"
    axe(page, "data", found)
    page.get_by_label("Name").fill("Fatima Al-Hassan Yusuf")
    page.get_by_role("button", name="Namen speichern").click()
    assert page.get_by_role("status").inner_text() == "Ihr Name ist berichtigt."
    assert f"{ANNA};Fatima;Al-Hassan Yusuf" in Path("subscribers/volunteers.csv").read_text(encoding="utf-8")
    page.goto(f"{site.base}/p/mine/name")  # a restored tab
    assert heading(page) == "Bitte nutzen Sie die Schaltfläche"
    axe(page, "button-only", found)
    context.close()
    assert not found, found


def test_a_second_sign_up_within_a_day_says_a_mail_went_already_and_to_look_in_the_spam_folder(site: Site) -> None:
    with site.client(Accept="text/html", **{"Accept-Language": "de"}) as c:
        for _ in range(2):
            page = c.post("/subscribe", data={"csrf": csrf_of(c.get("/subscribe")), "email": "neu@example.org",
                                              "consent": "yes", "list": "volunteers"})
    assert "Wir haben Ihnen schon eine E-Mail geschickt – bitte sehen Sie auch im Spam-Ordner nach" in page.text
    assert len(site.mails("neu@example.org")) == 1


def test_a_form_sent_back_keeps_what_was_typed_and_the_consent_tick(site: Site) -> None:
    with site.client() as c:
        page = c.post("/subscribe", data={"csrf": csrf_of(c.get("/subscribe")), "email": "kaputt", "name": "Nora",
                                          "consent": "yes", "list": "volunteers"})
    assert page.status_code == 400
    assert 'value="kaputt"' in page.text and 'value="Nora"' in page.text
    assert re.search(r'id="consent"[^>]* checked', page.text)


def test_typos_do_not_count_toward_the_per_connection_limit(workdir: Path, smtp_server: SMTPServer,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    for site in serve(monkeypatch, smtp_server, SIGNUP_LIMIT="2"):
        with site.client() as c:
            def post(email: str) -> httpx.Response:
                return c.post("/subscribe", data={"csrf": csrf_of(c.get("/subscribe")), "email": email,
                                                  "consent": "yes", "list": "volunteers"})
            assert [post("tippfehler@").status_code for _ in range(5)] == [400] * 5
            assert [post(f"ok{n}@example.org").status_code for n in range(3)] == [200, 200, 429]


def test_a_forged_result_is_refused_by_the_language_switch(site: Site) -> None:
    with site.client() as c:
        csrf = csrf_of(c.get("/subscribe"))
        page = c.post("/shown?lang=en", data={"csrf": csrf, "outcome": '{"kind": "resubscribed", "email": "' + ANNA + '"}'})
    assert page.status_code == 400 and ANNA not in page.text
