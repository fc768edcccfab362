"""The reader's own page against `serve` over HTTP: reached from the link of a received issue; GET and HEAD change
nothing; a POST from elsewhere is refused; leaving one list keeps another; the data opens only through the
link mailed to the address (a forwarded issue alone cannot download or erase), once, for an hour; erasing takes
the address out of the list files and the state, and an old sheet imported later does not bring it back."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from collections.abc import Iterator

import httpx
import pytest
from conftest import SMTPServer
from test_web_safety import ANNA, SECURITY_HEADERS, Site, csrf_of, runner, serve, sign_up

from composer.cli import app
from composer.state import Journal


@pytest.fixture
def site(workdir: Path, smtp_server: SMTPServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    yield from serve(monkeypatch, smtp_server, SIGNUP_LIMIT="1000")


@pytest.fixture
def shared(workdir: Path, smtp_server: SMTPServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    """The default limit: five sign-ups per connection in ten minutes (a shelter's WLAN is one connection)."""
    yield from serve(monkeypatch, smtp_server)


def received_issue(site: Site, smtp: SMTPServer, to: str = ANNA) -> tuple[str, str]:
    """A real send of the sample issue; the HTML and text of what `to` received."""
    result = runner.invoke(app, ["send", "issues/2020-12.md", "--list", "volunteers", "--yes"])
    assert result.exit_code == 0, result.output
    [mail] = [m for m in smtp.handler.messages() if m["To"].addresses[0].addr_spec == to]
    return mail.get_body(("html",)).get_content(), mail.get_body(("plain",)).get_content()


def own_page(html: str) -> str:
    return re.search(r'href="(http://127\.0\.0\.1:\d+(/p/[a-z2-7]{32}))"[^>]*>Ihre Daten und Abonnements', html).group(2)


def access_link(site: Site, to: str = ANNA) -> str:
    [body] = [b for b in site.mails(to) if "/p/data/" in b]
    return re.search(r"http://\S+(/p/data/\S+)", body).group(1)


def post(c: httpx.Client, url: str, page: httpx.Response, **data: str) -> httpx.Response:
    return c.post(url, data={"csrf": csrf_of(page), **data})


def test_the_page_is_reached_from_a_received_issue_and_get_or_head_change_nothing(site: Site, smtp_server) -> None:
    html, text = received_issue(site, smtp_server)
    path = own_page(html)
    assert "Ihre Daten und Abonnements:" in text and f"{site.base}{path}" in text
    before = Path(".newsletter/state.db").read_bytes()
    with site.client() as c:
        page = c.get(path)
        assert page.status_code == 200 and ANNA in page.text and "Ehrenamtliche" in page.text
        assert page.headers["cache-control"] == "no-store"
        assert c.head(path).status_code in (200, 405)
        assert c.get(f"{path}/leave").status_code in (404, 405) and c.get("/p/mine/forget").status_code in (404, 405)
    assert Path(".newsletter/state.db").read_bytes() == before


def test_a_button_address_opened_again_from_history_says_what_to_do_in_the_page_language(site: Site) -> None:
    token = site.token()
    with site.client() as c:
        for path in (f"/p/{token}/access", f"/u/{token}/undo", "/p/mine/name", "/p/mine/download"):
            page = c.get(path)
            assert page.status_code == 405 and "POST" in page.headers["allow"], path
            assert set(page.headers) >= SECURITY_HEADERS and page.headers["content-type"].startswith("text/html")
            assert "Bitte nutzen Sie die Schaltfläche" in page.text and "Es wurde nichts geändert." in page.text
            assert "Method Not Allowed" not in page.text
        assert f'href="/p/{token}?lang=de"' in c.get(f"/u/{token}/undo").text
        assert "neuen Link" in c.get("/p/mine/name").text
        english = c.get(f"/p/{token}/access?lang=en")
    assert "Please use the button" in english.text and f'href="/p/{token}?lang=en">Go to your page' in english.text


def test_a_post_from_another_origin_is_refused(site: Site, smtp_server) -> None:
    path = own_page(received_issue(site, smtp_server)[0])
    with site.client() as c:
        page = c.get(path)
        refused = c.post(f"{path}/leave", data={"csrf": csrf_of(page), "which": "all"},
                         headers={"Origin": "https://evil.example.com"})
    assert refused.status_code == 403
    with Journal(Path(".newsletter")) as journal:
        assert journal.suppression(ANNA) is None


def test_leaving_one_list_keeps_the_other(site: Site, smtp_server) -> None:
    shutil.copy("subscribers/volunteers.csv", "subscribers/presse.csv")
    path = own_page(received_issue(site, smtp_server)[0])
    with site.client() as c:
        left = post(c, f"{path}/leave", c.get(path), which="this")
        assert left.status_code == 200 and "Ehrenamtliche" in left.text
        again = c.get(path)
    assert "presse" in again.text.split("Von Ihnen abbestellt")[0]
    shutil.copy("issues/2020-12.md", "issues/2021-01.md")
    shutil.copy("issues/2020-12.md", "issues/2021-02.md")
    for issue, name in (("2021-01", "volunteers"), ("2021-02", "presse")):
        result = runner.invoke(app, ["send", f"issues/{issue}.md", "--list", name, "--yes"])
        assert result.exit_code == 0, result.output
    to_anna = [rcpts for _, rcpts, _ in smtp_server.handler.received if ANNA in rcpts]
    assert len(to_anna) == 2  # the first send, and presse's; not volunteers' again


def test_a_forwarded_issue_alone_cannot_download_or_erase(site: Site, smtp_server) -> None:
    path = own_page(received_issue(site, smtp_server)[0])
    with site.client() as c:
        page = c.get(path)
        for action in ("download", "forget"):
            assert post(c, f"/p/mine/{action}", page, grant="x", sure="yes").status_code == 400
        assert post(c, f"{path}/access", page).status_code == 200
    with site.client() as stranger:  # the link goes to the mailbox only; a made-up code opens nothing
        door = stranger.get("/p/data/" + "A" * 32)
        assert post(stranger, "/p/data/" + "A" * 32, door).status_code == 400
    with Journal(Path(".newsletter")) as journal:
        assert journal.suppression(ANNA) is None and journal.delivery_count(ANNA) == 1


def test_the_mailed_link_opens_the_data_once_for_an_hour_and_downloads_it(site: Site, smtp_server) -> None:
    path = own_page(received_issue(site, smtp_server)[0])
    with site.client() as c:
        post(c, f"{path}/access", c.get(path))
        link = access_link(site)
        door = c.get(link)
        assert door.status_code == 200 and ANNA not in door.text  # a GET (a mail scanner) uses nothing up
        opened = post(c, link, door)
        assert opened.status_code == 200 and "anna.mueller@example.org" in opened.text
        grant = re.search(r'name="grant" value="([^"]+)"', opened.text).group(1)
        download = post(c, "/p/mine/download", opened, grant=grant)
        assert download.headers["content-disposition"].startswith("attachment")
        assert json.loads(download.text)["address"] == ANNA
        assert post(c, link, door).status_code == 400  # once
    site.clock.now += 3601
    with site.client() as c:
        post(c, f"{path}/access", c.get(path))
        late = access_link_newest(site)
        site.clock.now += 3601
        assert post(c, late, c.get(late)).status_code == 400  # after its hour


def test_after_the_link_was_used_asking_again_mails_a_new_one_and_a_few_an_hour_at_most(site: Site) -> None:
    path = f"/p/{site.token()}"
    with site.client() as c:
        opened_data_page(site, c, path)  # the first link, used
        again = post(c, f"{path}/access", c.get(path))
        assert again.status_code == 200 and "Wir haben eine E-Mail mit einem Link" in again.text
        assert len([b for b in site.mails(ANNA) if "/p/data/" in b]) == 2
        newest = access_link_newest(site)
        assert ANNA in post(c, newest, c.get(newest)).text  # the new link opens the data
        post(c, f"{path}/access", c.get(path))
        enough = post(c, f"{path}/access", c.get(path))
    assert enough.status_code == 429 and "keine weitere E-Mail" in enough.text
    assert "Wir haben eine E-Mail" not in enough.text
    assert len([b for b in site.mails(ANNA) if "/p/data/" in b]) == 3
    site.clock.now += 3601
    with site.client() as c:
        assert post(c, f"{path}/access", c.get(path)).status_code == 200
    assert len([b for b in site.mails(ANNA) if "/p/data/" in b]) == 4


def test_behind_one_shared_connection_sign_ups_block_neither_a_readers_data_page_nor_her_unsubscribe(shared: Site) -> None:
    path = f"/p/{shared.token()}"
    with shared.client() as c:
        for n in range(5):
            assert sign_up(c, f"helfer{n}@example.com").status_code == 200
        assert sign_up(c, "noch.eine@example.com").status_code == 429  # the sign-ups' limit is reached
        opened, grant = opened_data_page(shared, c, path)
        for _ in range(3):
            assert post(c, "/p/mine/download", opened, grant=grant).status_code == 200
        assert "berichtigt" in post(c, "/p/mine/name", opened, grant=grant, name="Anna Weber").text
        left = post(c, f"{path}/leave", c.get(path), which="all")
    assert left.status_code == 200 and "keinen unserer Newsletter mehr" in left.text
    with Journal(Path(".newsletter")) as journal:
        assert journal.suppression(ANNA) is not None


def test_asking_for_data_links_has_its_own_bound_per_connection_that_says_requests(shared: Site) -> None:
    readers = [f"leser{n}@example.org" for n in range(6)]
    with shared.client() as c:
        said = [post(c, f"/p/{shared.token(r)}/access", c.get(f"/p/{shared.token(r)}")) for r in readers]
    assert [s.status_code for s in said] == [200] * 5 + [429]
    assert "zu viele Anfragen" in said[-1].text and "Anmeldungen" not in said[-1].text
    assert shared.mails(readers[-1]) == [] and all(shared.mails(r) for r in readers[:5])


def test_the_data_page_shows_labelled_sections_in_the_readers_language_without_file_paths(site: Site) -> None:
    backup = Path("subscribers/backup/volunteers-2026-11-30-101500.csv")
    backup.parent.mkdir()
    backup.write_text(Path("subscribers/volunteers.csv").read_text(encoding="utf-8"), encoding="utf-8")
    Path(".newsletter/imports").mkdir(parents=True)
    Path(".newsletter/imports/upload.sheet.csv").write_text(f"email;name\n{ANNA};Anna M.\n", encoding="utf-8")
    with site.client() as c:
        opened, grant = opened_data_page(site, c, f"/p/{site.token()}")
        download = post(c, "/p/mine/download", opened, grant=grant)
    page = opened.text
    for heading in ("Auf unseren Listen", "Persönliche Links in unseren E-Mails", "In unserem Büro"):
        assert f"<h2>{heading}</h2>" in page
    assert "<dt>Liste</dt><dd>Ehrenamtliche</dd>" in page and "<dt>stadtteil</dt><dd>Cracau</dd>" in page
    assert "ältere Kopie (Sicherung) der Liste" in page and "<dd>Anna M.</dd>" in page
    for internal in ("subscribers/", ".newsletter", "consent_missing", "staged_imports", "desk_test_addresses", "{"):
        assert internal not in page.split("<main>")[1], internal
    assert 'filename="meine-daten.json"' in download.headers["content-disposition"]
    held = json.loads(download.text)
    assert held["lists"][0]["list"] == "volunteers" and held["lists"][1]["backup"] is True
    assert ".newsletter" not in download.text and "subscribers/" not in download.text


def access_link_newest(site: Site) -> str:
    bodies = [b for b in site.mails(ANNA) if "/p/data/" in b]
    return re.search(r"http://\S+(/p/data/\S+)", bodies[-1]).group(1)


def opened_data_page(site: Site, c, path: str):  # type: ignore[no-untyped-def]
    """The reader's data page, opened through the one-hour link mailed to the address, and its grant."""
    post(c, f"{path}/access", c.get(path))
    link = access_link(site)
    opened = post(c, link, c.get(link))
    return opened, re.search(r'name="grant" value="([^"]+)"', opened.text).group(1)


def test_correcting_the_name_changes_the_list_row(site: Site, smtp_server) -> None:
    path = own_page(received_issue(site, smtp_server)[0])
    with site.client() as c:
        opened, grant = opened_data_page(site, c, path)
        corrected = post(c, "/p/mine/name", opened, grant=grant, name="Anna Müller-Weber")
    assert corrected.status_code == 200 and "berichtigt" in corrected.text
    assert "anna.mueller@example.org;Anna Müller-Weber;Cracau" in Path("subscribers/volunteers.csv").read_text()


def test_a_name_kept_as_first_name_and_surname_is_shown_and_corrected_in_both_columns(site: Site) -> None:
    Path("subscribers/volunteers.csv").write_text(f"email;first_name;last_name\n{ANNA};Fatima;Al-Hassan\n",
                                                  encoding="utf-8")
    with site.client() as c:
        opened, grant = opened_data_page(site, c, f"/p/{site.token()}")
        assert 'name="name" value="Fatima Al-Hassan"' in opened.text
        corrected = post(c, "/p/mine/name", opened, grant=grant, name="Fatima Al-Hassan Yusuf")
        assert "Ihr Name ist berichtigt." in corrected.text
        assert 'name="name" value="Fatima Al-Hassan Yusuf"' in corrected.text
        again = post(c, "/p/mine/name", corrected, grant=grant, name="Fatima Al-Hassan Yusuf")
    assert f"{ANNA};Fatima;Al-Hassan Yusuf\n" in Path("subscribers/volunteers.csv").read_text()
    assert "berichtigt" not in again.text and "nichts geändert" in again.text


def test_a_name_correction_where_no_name_is_kept_says_nothing_was_corrected(site: Site) -> None:
    Path("subscribers/volunteers.csv").write_text(f"email\n{ANNA}\n", encoding="utf-8")
    with site.client() as c:
        opened, grant = opened_data_page(site, c, f"/p/{site.token()}")
        said = post(c, "/p/mine/name", opened, grant=grant, name="Anna Müller")
    assert said.status_code == 200 and "berichtigt" not in said.text and "nichts zu berichtigen" in said.text
    assert Path("subscribers/volunteers.csv").read_text() == f"email\n{ANNA}\n"


def test_forgetting_removes_the_address_and_an_old_sheet_does_not_bring_it_back(site: Site, smtp_server) -> None:
    old_sheet = Path("subscribers/volunteers.csv").read_text(encoding="utf-8")
    path = own_page(received_issue(site, smtp_server)[0])
    with site.client() as c:
        opened, grant = opened_data_page(site, c, path)
        assert post(c, "/p/mine/forget", opened, grant=grant).status_code == 200  # without the tick: asked again
        assert ANNA in Path("subscribers/volunteers.csv").read_text()
        gone = post(c, "/p/mine/forget", opened, grant=grant, sure="yes")
    assert gone.status_code == 200 and "gelöscht" in gone.text
    assert ANNA not in Path("subscribers/volunteers.csv").read_text()
    with Journal(Path(".newsletter")) as journal:
        assert journal.delivery_count(ANNA) == 0 and journal.signups_of(ANNA) == []
    Path("subscribers/volunteers.csv").write_text(old_sheet, encoding="utf-8")  # an old copy comes back
    before = len(smtp_server.handler.received)
    shutil.copy("issues/2020-12.md", "issues/2021-01.md")
    result = runner.invoke(app, ["send", "issues/2021-01.md", "--list", "volunteers", "--yes"])
    assert result.exit_code == 0, result.output
    assert all(ANNA not in rcpts for _, rcpts, _ in smtp_server.handler.received[before:])


def test_the_one_click_of_an_issue_leaves_only_the_list_the_mail_came_from(site: Site, smtp_server) -> None:
    shutil.copy("subscribers/volunteers.csv", "subscribers/presse.csv")
    html, _ = received_issue(site, smtp_server)
    unsubscribe = re.search(r'href="http://127\.0\.0\.1:\d+(/u/[a-z2-7]{32})"', html).group(1)
    with site.client(Accept="text/html") as c:
        assert c.post(unsubscribe, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    shutil.copy("issues/2020-12.md", "issues/2021-01.md")
    shutil.copy("issues/2020-12.md", "issues/2021-02.md")
    for issue, name in (("2021-01", "volunteers"), ("2021-02", "presse")):
        assert runner.invoke(app, ["send", f"issues/{issue}.md", "--list", name, "--yes"]).exit_code == 0
    to_anna = [rcpts for _, rcpts, _ in smtp_server.handler.received if ANNA in rcpts]
    assert len(to_anna) == 2  # the first send, and presse's
    states = runner.invoke(app, ["subscribers", "volunteers"]).output
    assert re.search(rf"unsubscribed\s+{re.escape(ANNA)}", states)


def test_a_corrected_name_is_written_into_an_excel_list_as_a_sheet_and_a_windows_list_in_its_encoding(tmp_path: Path) -> None:
    from openpyxl import Workbook, load_workbook

    from composer.audience.person import Where, rename_rows

    book = Workbook()
    book.active.append(["E-Mail", "Name"])
    book.active.append([ANNA, "Anna Müller"])
    book.save(tmp_path / "helfer.xlsx")
    book = Workbook()
    book.active.append(["E-Mail", "Vorname", "Nachname"])
    book.active.append([ANNA, "Anna", "Müller"])
    book.save(tmp_path / "team.xlsx")
    (tmp_path / "presse.csv").write_bytes(f"email;name\n{ANNA};Anna Müller\n".encode("cp1252"))
    assert rename_rows(ANNA, "Anna Müller-Weber", Where(tmp_path, tmp_path / "outbox")).changed == 3
    assert [c.value for c in load_workbook(tmp_path / "helfer.xlsx").active[2]] == [ANNA, "Anna Müller-Weber"]
    assert [c.value for c in load_workbook(tmp_path / "team.xlsx").active[2]] == [ANNA, "Anna", "Müller-Weber"]
    assert (tmp_path / "presse.csv").read_bytes().decode("cp1252") == f"email;name\n{ANNA};Anna Müller-Weber\n"


def test_a_data_link_whose_mail_was_refused_is_mailed_when_asked_again(tmp_path: Path, smtp_server: SMTPServer) -> None:
    from composer.audience.reader import Asked, ask_access
    from composer.audience.signup import Identity

    settings = smtp_server.settings(state_dir=tmp_path / "state")
    who, url = Identity("Newsletter", "Hauptstraße 5"), (lambda code: f"http://127.0.0.1/p/data/{code}")
    smtp_server.handler.refuse_rcpt = "550 5.1.1 no such user"
    assert ask_access(settings, who, ANNA, url, "de", 1_000_000.0) is Asked.UNAVAILABLE
    smtp_server.handler.refuse_rcpt = None
    assert ask_access(settings, who, ANNA, url, "de", 1_000_060.0) is Asked.SENT
    assert [rcpts for _, rcpts, _ in smtp_server.handler.received] == [[ANNA]]
