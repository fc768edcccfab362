"""Per-row actions on Abonnenten (issue 28, item 5): Bearbeiten changes a row's name and consent in the list file
itself (her other columns and rows kept, the old file backed up); Austragen per row; an address on no list is
blocked as a precaution and the page says so."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from composer.audience.listfiles import update_row
from composer.state import Journal
from tests.conftest import SMTPServer
from tests.deskserver import csrf_of, desk_server

HERS = ("Vorname;Name;E-Mail;Telefon;Einwilligung am;Quelle\n"
        "Anna;Schmitz;anna@example.org;0201 1;14.05.2020;Infoabend\n"
        "Karl;Lüdtke;karl@example.org;0201 2;;\n")


@pytest.fixture
def running(workdir: Path, smtp_server: SMTPServer):
    Path("subscribers/buero.csv").write_bytes(HERS.encode("cp1252"))
    with desk_server(workdir, smtp_server.settings(state_dir=workdir / ".newsletter")) as desk:
        yield desk


def test_update_row_keeps_her_columns_and_encoding_and_splits_the_name(tmp_path: Path) -> None:
    import datetime as dt

    path = tmp_path / "buero.csv"
    path.write_bytes(HERS.encode("cp1252"))
    assert update_row(path, "KARL@example.org", {"name": "Karl Heinz Lüdtke-Weiß", "consent_date": "03.01.2021",
                                                 "consent_source": "Brief"}, dt.datetime(2026, 12, 6, 9, 0))
    assert path.read_bytes().decode("cp1252").splitlines() == [
        "Vorname;Name;E-Mail;Telefon;Einwilligung am;Quelle", "Anna;Schmitz;anna@example.org;0201 1;14.05.2020;Infoabend",
        "Karl Heinz;Lüdtke-Weiß;karl@example.org;0201 2;03.01.2021;Brief"]
    assert (tmp_path / "backup" / "buero-2026-12-06-090000.csv").read_bytes() == HERS.encode("cp1252")
    assert not update_row(path, "niemand@example.org", {"name": "X"}, dt.datetime(2026, 12, 6, 9, 1))


def test_bearbeiten_changes_the_row_in_her_file(running) -> None:
    client = running.client()
    listing = BeautifulSoup(client.get("/subscribers/buero").text, "html.parser")
    link = next(a["href"] for a in listing.select("a.edit-row") if "karl" in a["href"])
    form = client.get(link).text
    assert 'value="Karl Lüdtke"' in form
    answer = client.post("/subscribers/buero/edit", data={"csrf": csrf_of(form), "email": "karl@example.org",
                                                          "name": "Karl Lüdtke", "consent_date": "03.01.2021",
                                                          "consent_source": "Brief vom Januar"}, follow_redirects=True)
    assert "Die Zeile wurde in der Listendatei geändert." in answer.text
    assert "Karl;Lüdtke;karl@example.org;0201 2;03.01.2021;Brief vom Januar" in Path("subscribers/buero.csv").read_text(
        encoding="cp1252")
    wrong = client.post("/subscribers/buero/edit", data={"csrf": csrf_of(form), "email": "karl@example.org",
                                                         "name": "Karl", "consent_date": "gestern", "consent_source": ""})
    assert wrong.status_code == 400 and "„gestern“ ist kein Datum" in wrong.text


def test_austragen_per_row_prefills_the_form_and_an_address_on_no_list_is_blocked_as_a_precaution(running) -> None:
    client = running.client()
    listing = BeautifulSoup(client.get("/subscribers/buero").text, "html.parser")
    link = next(a["href"] for a in listing.select("a.unsubscribe-row") if "anna" in a["href"])
    page = client.get(link).text
    assert 'id="unsub-email" name="email" type="email" required value="anna@example.org"' in page
    taken = client.post("/subscribers/buero/unsubscribe", data={"csrf": csrf_of(page), "email": "anna@example.org",
                                                                "reason": "am Telefon"}, follow_redirects=True)
    assert "Die Adresse ist abgemeldet" in taken.text or "ausgetragen" in taken.text
    nowhere = client.post("/subscribers/buero/unsubscribe", data={"csrf": csrf_of(page), "email": "fremd@example.org",
                                                                  "reason": "per Brief"}, follow_redirects=True)
    assert "steht auf keiner Liste – vorsorglich gesperrt" in nowhere.text
    with Journal(Path(".newsletter")) as journal:
        assert journal.suppression("fremd@example.org") is not None
