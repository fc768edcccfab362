"""Proof of consent (`newsletter person ADDRESS --proof FILE`): every element a court asks for, from a web sign-up
and from a list sheet's row; the form's wording as it was then; still there after an unsubscribe; gone once the
retention after the subscription's end has passed (injected clock); the IP as NEWSLETTER_SIGNUP_IP allows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import IN_CHROMIUM, SMTPServer
from test_consent import MIXED
from test_web_safety import Site, csrf_of, runner, serve

from composer.audience import proof
from composer.audience.erasure import DAY, sweep_consents
from composer.audience.person import Where
from composer.cli import app
from composer.state import Journal, Reason

NEW = "neu.dabei@example.org"


def signed_up_on_the_web(site: Site) -> None:
    with site.client() as c:
        c.post("/subscribe", data={"csrf": csrf_of(c.get("/subscribe")), "email": NEW, "consent": "yes",
                                   "list": "volunteers"})
        link = re.search(r"http://\S+(/confirm/[a-z2-7]{32})", site.mails(NEW)[0]).group(1)
        assert c.post(link, data={"csrf": csrf_of(c.get(link))}).status_code == 200


def proof_text(monkeypatch: pytest.MonkeyPatch, address: str = NEW) -> str:
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    result = runner.invoke(app, ["person", address, "--proof", "proof.html"])
    assert result.exit_code == 0, result.output
    return Path("proof.html").read_text(encoding="utf-8")


@pytest.fixture
def site(workdir: Path, smtp_server: SMTPServer, monkeypatch: pytest.MonkeyPatch):
    yield from serve(monkeypatch, smtp_server, SIGNUP_LIMIT="1000")


def test_a_web_sign_up_has_every_element_of_its_proof(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    signed_up_on_the_web(site)
    [confirmation] = [m for m in site.smtp.handler.messages() if m["To"].addresses[0].addr_spec == NEW]
    html = proof_text(monkeypatch)
    assert NEW in html and "Liste „volunteers“" in html
    assert f"{site.base}/subscribe?lang=de" in html  # the source: the form's address
    assert "Ich möchte den Newsletter per E-Mail erhalten." in html  # the text agreed to
    assert confirmation["Message-ID"].strip("<>") in html  # the confirmation mail as it was sent
    assert "/confirm/" in html and "Bitte bestätigen" not in html.split("<pre>")[0]
    assert html.count("Bestätigender Klick") == 1 and "Anmeldung" in html
    assert "127.0.0.0/24" in html and "127.0.0.1" not in html.replace(site.base, "")  # truncated by default
    assert re.search(r"Formularversion</dt><dd>[0-9a-f]{12}", html)


def test_the_ip_is_kept_whole_or_not_at_all_as_the_setting_says(workdir: Path, smtp_server: SMTPServer,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    for site in serve(monkeypatch, smtp_server, SIGNUP_LIMIT="1000", SIGNUP_IP="none"):
        signed_up_on_the_web(site)
        html = proof_text(monkeypatch)
        assert "nicht gespeichert (NEWSLETTER_SIGNUP_IP)" in html and "127.0.0." not in html.replace(site.base, "")


def test_a_later_change_of_the_form_does_not_change_an_old_proof(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    signed_up_on_the_web(site)
    with Journal(Path(".newsletter")) as journal:
        journal.add_signup("volunteers", NEW, None, "a newer wording of the form")  # e.g. signed up again later
        [kept] = journal.consents_of(NEW)
    assert kept.form_text.startswith("Ich möchte den Newsletter")
    assert "Ich möchte den Newsletter per E-Mail erhalten." in proof_text(monkeypatch)


def test_a_sheet_row_proves_consent_by_its_columns(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Path("subscribers/mixed.csv").write_text(MIXED, encoding="utf-8")
    html = proof_text(monkeypatch, "anna@example.org")
    assert "subscribers/mixed.csv, Zeile 2" in html
    assert "14.05.2020" in html and "Anmeldeformular Ehrenamtsbörse" in html
    assert "Vollständig</dt><dd>ja" in html
    lena = proof_text(monkeypatch, "lena@example.org")
    assert "Vollständig</dt><dd>nein" in lena


def test_the_proof_outlives_an_unsubscribe_and_goes_after_its_retention(site: Site,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    signed_up_on_the_web(site)
    with Journal(Path(".newsletter")) as journal:
        journal.suppress(NEW, Reason("link"))
        ended = journal.suppression(NEW).created
    assert "Bestätigender Klick" in proof_text(monkeypatch)  # after the unsubscribe: still there
    where = Where(Path("subscribers"), Path("outbox"), Path(".newsletter"))
    with Journal(Path(".newsletter")) as journal:
        assert sweep_consents(journal, 1095, now=ended + 1094 * DAY) == 0
        assert sweep_consents(journal, 1095, now=ended + 1096 * DAY) == 2  # the evidence and the sign-up
        assert proof.proof_of(NEW, journal, where).web == []
    assert "Für diese Adresse ist kein Nachweis einer Einwilligung gespeichert." in proof_text(monkeypatch)


@pytest.mark.parametrize("_", [None], ids=["pdf"])
def test_the_proof_prints_as_a_tagged_pdf_with_an_outline(site: Site, monkeypatch: pytest.MonkeyPatch, _) -> None:
    for mark in IN_CHROMIUM:
        if mark.name == "skipif" and mark.args[0]:
            pytest.skip(mark.kwargs["reason"])
    signed_up_on_the_web(site)
    result = runner.invoke(app, ["person", NEW, "--proof", "proof.pdf", "--pdf"])
    assert result.exit_code == 0, result.output
    data = Path("proof.pdf").read_bytes()
    assert data.startswith(b"%PDF") and b"/StructTreeRoot" in data and b"/Outlines" in data
    assert not list(Path(".").glob(".proof.proof.*"))
