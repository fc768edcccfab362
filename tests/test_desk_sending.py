"""Prüfen, Testversand, Versand and Status in the desk, against the real aiosmtpd server."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from typer.testing import CliRunner

from composer.cli import app
from composer.state import Journal, Reason
from tests.conftest import SMTPServer, make_settings
from tests.deskserver import csrf_of, desk_server


def fifty_addresses(folder: Path) -> None:
    rows = "\n".join(f"person{n:02d}@example.org,Person {n}" for n in range(50))
    (folder / "subscribers" / "fifty.csv").write_text(f"email,name\n{rows}\n", encoding="utf-8")


@pytest.fixture
def running(workdir: Path, smtp_server: SMTPServer):
    fifty_addresses(workdir)
    settings = smtp_server.settings(state_dir=workdir / ".newsletter", concurrency=1)
    with desk_server(workdir, settings) as desk:
        yield desk


def wait_for(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_check_lists_findings_with_links_to_their_fields(running) -> None:
    body = Path("issues/2020-12.md").read_text().replace("imprint_url: https://example.org/impressum\n", "")
    Path("issues/2020-12.md").write_text(body)
    page = BeautifulSoup(running.client().get("/issues/2020-12/check").text, "html.parser")
    links = [a["href"] for a in page.select(".findings a")]
    assert page.select(".findings li")
    assert all(href.startswith("/issues/2020-12#f-") for href in links)


def test_check_links_name_the_field_by_its_german_label_and_article(running) -> None:
    text = Path("issues/2020-12.md").read_text(encoding="utf-8").replace("dolas@caritas-krefeld.de", "dolas-at-caritas")
    Path("issues/2020-12.md").write_text(text, encoding="utf-8")
    page = BeautifulSoup(running.client().get("/issues/2020-12/check").text, "html.parser")
    assert [li.select_one(".where").text for li in page.select(".findings.error li")] == [
        "Artikel 2 › Ansprechperson Eva Dolas › E-Mail"]  # the place as she sees it, not articles[1].contacts[0].email
    assert [a.text for a in page.select(".findings a")] == ["zum Feld: Artikel 2 › Ansprechperson Eva Dolas › E-Mail"]
    assert page.select_one(".findings a")["href"] == "/issues/2020-12#f-articles-1-contacts-0-email"


def test_a_schema_error_in_the_file_shows_in_check_at_its_field(running) -> None:
    text = Path("issues/2020-12.md").read_text().replace("date: 2020-12-23", "date: 23.12.2020")
    Path("issues/2020-12.md").write_text(text)
    page = BeautifulSoup(running.client().get("/issues/2020-12/check").text, "html.parser")
    assert "kein Datum; schreiben Sie es als JJJJ-MM-TT" in page.select_one(".findings.error").text
    assert page.select_one(".findings.error a")["href"] == "/issues/2020-12#f-date"


def test_a_test_send_arrives_and_the_addresses_are_remembered(running, smtp_server: SMTPServer) -> None:
    client = running.client()
    csrf = csrf_of(client.get("/issues/2020-12/test").text)
    response = client.post("/issues/2020-12/test", data={"csrf": csrf, "addresses": "ich@example.org\nkollegin@example.org"})
    assert response.status_code == 200, response.text
    assert "2 versendet" in response.text
    assert sorted(smtp_server.handler.per_recipient()) == ["ich@example.org", "kollegin@example.org"]
    assert smtp_server.handler.messages()[0]["Subject"].startswith("[TEST]")
    assert "kollegin@example.org" in client.get("/issues/2020-12/test").text


def test_send_needs_the_explicit_confirmation(running, smtp_server: SMTPServer) -> None:
    client = running.client()
    plan = client.get("/issues/2020-12/send?list=fifty").text
    assert 'id="plan-to-send">50' in plan
    response = client.post("/issues/2020-12/send", data={"csrf": csrf_of(plan), "list": "fifty"})
    assert response.status_code == 400 and "bestätigen" in response.text
    assert not smtp_server.handler.received


def test_the_plan_says_in_german_where_the_mail_goes(running) -> None:
    plan = BeautifulSoup(running.client().get("/issues/2020-12/send?list=fifty").text, "html.parser")
    port = running.desk.settings.smtp_port
    assert plan.select_one("#plan-to-send").text.startswith(f"50 (Mailserver 127.0.0.1:{port} (unverschlüsselt))")


def test_the_person_who_starts_a_send_is_offered_as_the_one_told_how_it_went(running) -> None:
    plan = BeautifulSoup(running.client().get("/issues/2020-12/send?list=fifty").text, "html.parser")
    with Journal(running.desk.settings.state_dir, read_only=True) as journal:
        owner = journal.people()[0].email
    assert plan.select_one("#notify")["value"] == owner


def test_without_a_mail_server_the_plan_names_the_outbox_and_the_placeholder_sender(workdir: Path) -> None:
    fifty_addresses(workdir)
    with desk_server(workdir, make_settings(from_address=None, state_dir=workdir / ".newsletter")) as desk:
        plan = BeautifulSoup(desk.client().get("/issues/2020-12/send?list=fifty").text, "html.parser")
    assert plan.select_one("#plan-to-send").text == (
        "50 (Ordner outbox/2020-12/, eine .eml-Datei je Empfänger (kein Mailserver eingerichtet; Absender "
        "newsletter@example.org ist ein Platzhalter, bis NEWSLETTER_FROM_ADDRESS gesetzt ist))")


def test_a_send_stopped_with_anhalten_and_continued_reaches_everyone_exactly_once(running, smtp_server: SMTPServer) -> None:
    smtp_server.handler.delay = 0.05
    client = running.client()
    csrf = csrf_of(client.get("/issues/2020-12/send?list=fifty").text)
    assert client.post("/issues/2020-12/send", data={"csrf": csrf, "list": "fifty", "confirm": "yes"}).status_code == 303
    wait_for(lambda: len(smtp_server.handler.received) >= 10)
    assert client.post("/issues/2020-12/send/stop", data={"csrf": csrf}).status_code == 303
    runs = running.desk.extra["runs"]
    wait_for(lambda: runs["2020-12"].state == "stopped")
    stopped_at = len(smtp_server.handler.received)
    assert stopped_at < 50
    page = client.get("/issues/2020-12/send").text
    assert "Versand fortsetzen" in page
    smtp_server.handler.delay = 0
    assert client.post("/issues/2020-12/send", data={"csrf": csrf, "list": "fifty", "confirm": "yes"}).status_code == 303
    wait_for(lambda: runs["2020-12"].state == "finished")
    counts = smtp_server.handler.per_recipient()
    assert len(counts) == 50 and set(counts.values()) == {1}
    with Journal(Path(".newsletter")) as journal:
        assert journal.counts("2020-12")["sent"] == 50
    status = BeautifulSoup(client.get("/issues/2020-12/status").text, "html.parser")
    assert "50 versendet" in " ".join(status.select_one("#counts").text.split())
    assert len(status.select("#deliveries tbody tr")) == 50


def test_progress_streams_as_server_sent_events(running, smtp_server: SMTPServer) -> None:
    client = running.client()
    csrf = csrf_of(client.get("/issues/2020-12/send?list=fifty").text)
    client.post("/issues/2020-12/send", data={"csrf": csrf, "list": "fifty", "confirm": "yes"})
    with client.stream("GET", "/issues/2020-12/send/events") as events:
        assert events.headers["content-type"].startswith("text/event-stream")
        last = [line for line in events.iter_lines() if line.startswith("data: ")][-1]
    assert '"state": "finished"' in last and '"sent": 50' in last


def state_files() -> dict[str, bytes]:
    """The state's database and its write-ahead log as bytes (a log without frames counts as none)."""
    return {name: (Path(".newsletter") / name).read_bytes() for name in ("state.db", "state.db-wal")
            if (Path(".newsletter") / name).exists() and (Path(".newsletter") / name).stat().st_size}


def test_the_send_pages_get_leaves_the_state_byte_for_byte_unchanged(running, smtp_server: SMTPServer) -> None:
    client = running.client()
    with Journal(Path(".newsletter")) as journal:  # a state with rows, checkpointed: every byte in state.db
        journal.suppress("person03@example.org", Reason("coordinator_because", {"why": "asked by phone"}))
        journal.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = state_files()
    for path in ("/issues/2020-12/send?list=fifty", "/issues/2020-12/status", "/subscribers", "/subscribers/fifty", "/"):
        assert client.get(path).status_code == 200, path
    assert 'id="plan-to-send">49' in client.get("/issues/2020-12/send?list=fifty").text
    assert state_files() == before and "state.db" in before
    assert not (Path(".newsletter") / "lock").exists()  # not even the send's lock file was made
    assert not smtp_server.handler.received


def test_the_send_page_shows_the_plan_while_a_cli_send_holds_the_lock(running) -> None:
    with Journal(Path(".newsletter"), exclusive=True):
        page = running.client().get("/issues/2020-12/send?list=fifty")
    assert page.status_code == 200 and 'id="plan-to-send">50' in page.text


def test_a_second_send_while_the_cli_holds_the_lock_is_refused(running) -> None:
    client = running.client()
    csrf = csrf_of(client.get("/").text)
    with Journal(Path(".newsletter"), exclusive=True):
        response = client.post("/issues/2020-12/send", data={"csrf": csrf, "list": "fifty", "confirm": "yes"})
    assert response.status_code == 409 and "läuft schon ein anderer Versand; warten Sie, bis er fertig ist" in response.text


def test_status_filters_searches_and_downloads_csv(running, smtp_server: SMTPServer) -> None:
    smtp_server.handler.rcpt_replies["person07@example.org"] = ["550 5.1.1 no such mailbox"]
    client = running.client()
    csrf = csrf_of(client.get("/issues/2020-12/send?list=fifty").text)
    client.post("/issues/2020-12/send", data={"csrf": csrf, "list": "fifty", "confirm": "yes"})
    wait_for(lambda: running.desk.extra["runs"]["2020-12"].state == "finished")
    failed = client.get("/issues/2020-12/status?state=failed").text
    assert "person07@example.org" in failed and "no such mailbox" in failed and "person08" not in failed
    attention = BeautifulSoup(client.get("/issues/2020-12/status").text, "html.parser").find(id="attention").text
    assert "fehlgeschlagen (1)" in attention and "person07@example.org" in attention
    assert "person12@example.org" in client.get("/issues/2020-12/status?q=person12").text
    csv = client.get("/issues/2020-12/status?format=csv")
    assert csv.headers["content-type"].startswith("text/csv") and csv.text.count("\n") == 51


def test_the_german_status_page_names_every_delivery_state_in_german(running, smtp_server: SMTPServer) -> None:
    smtp_server.handler.rcpt_replies["person07@example.org"] = ["550 5.1.1 no such mailbox"]
    smtp_server.handler.rcpt_replies["person08@example.org"] = ["451 4.7.1 try again later"] * 10
    client = running.client()
    csrf = csrf_of(client.get("/issues/2020-12/send?list=fifty").text)
    client.post("/issues/2020-12/send", data={"csrf": csrf, "list": "fifty", "confirm": "yes"})
    wait_for(lambda: running.desk.extra["runs"]["2020-12"].state == "finished")
    page = BeautifulSoup(client.get("/issues/2020-12/status").text, "html.parser")
    assert [li.text for li in page.select("#counts li")] == ["48 versendet", "1 zurückgestellt", "1 fehlgeschlagen"]
    assert [h.text for h in page.select("#attention h3")] == ["fehlgeschlagen (1)", "zurückgestellt (1)"]
    assert {o["value"]: o.text for o in page.select("#state option")} == {
        "": "alle", "pending": "ausstehend", "sending": "unterwegs", "sent": "versendet", "deferred": "zurückgestellt",
        "failed": "fehlgeschlagen", "uncertain": "ungewiss (keine Antwort des Servers)"}
    assert {tr.select("td")[1].text for tr in page.select("#deliveries tbody tr")} == {"versendet", "zurückgestellt",
                                                                                     "fehlgeschlagen"}


def test_the_english_status_page_keeps_the_state_names(running) -> None:
    client = running.client()
    csrf = csrf_of(client.get("/issues/2020-12/send?list=fifty").text)
    client.post("/issues/2020-12/send", data={"csrf": csrf, "list": "fifty", "confirm": "yes"})
    wait_for(lambda: running.desk.extra["runs"]["2020-12"].state == "finished")
    page = BeautifulSoup(client.get("/issues/2020-12/status", headers={"Accept-Language": "en"}).text, "html.parser")
    assert [li.text for li in page.select("#counts li")] == ["50 sent"]
    assert page.select_one("#state option[value=failed]").text == "failed"


def test_shutting_the_desk_down_stops_a_running_send_gracefully(workdir: Path, smtp_server: SMTPServer) -> None:
    fifty_addresses(workdir)
    smtp_server.handler.delay = 0.05
    settings = smtp_server.settings(state_dir=workdir / ".newsletter", concurrency=1)
    with desk_server(workdir, settings) as running:
        client = running.client()
        csrf = csrf_of(client.get("/").text)
        client.post("/issues/2020-12/send", data={"csrf": csrf, "list": "fifty", "confirm": "yes"})
        wait_for(lambda: len(smtp_server.handler.received) >= 3)
    assert running.desk.extra["runs"]["2020-12"].state == "stopped"
    with Journal(Path(".newsletter")) as journal:
        counts = journal.counts("2020-12")
    assert counts["sending"] == 0 and counts["sent"] == len(smtp_server.handler.received) < 50


def test_a_send_held_back_by_the_providers_limit_says_until_when_in_german(workdir: Path, smtp_server: SMTPServer) -> None:
    fifty_addresses(workdir)
    settings = smtp_server.settings(state_dir=workdir / ".newsletter", concurrency=1, hourly_limit=2)
    with desk_server(workdir, settings) as running:
        client = running.client()
        client.post("/issues/2020-12/send", data={"csrf": csrf_of(client.get("/").text), "list": "fifty", "confirm": "yes"})
        wait_for(lambda: running.desk.extra["runs"]["2020-12"].held_until is not None)
        until = running.desk.extra["runs"]["2020-12"].held_until
        held = BeautifulSoup(client.get("/issues/2020-12/send").text, "html.parser").select_one("#run-held").text
    weekday = ("Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So.")[until.weekday()]  # CLDR's German abbreviations
    assert held == (f"Wartet bis {weekday} {until:%d.%m. %H:%M} (Stundengrenze des Anbieters: 2 Nachrichten); dann geht der "
                    "Versand von selbst weiter.")


def broken_transport():
    raise RuntimeError("kaputt")


def test_a_fault_of_the_desk_during_a_send_is_named_in_german(running) -> None:
    running.desk.extra["transports"] = broken_transport
    client = running.client()
    answer = client.post("/issues/2020-12/send", data={"csrf": csrf_of(client.get("/").text), "list": "fifty",
                                                       "confirm": "yes"})
    assert answer.status_code == 303  # it started: its page says why it stopped, however soon that was
    wait_for(lambda: running.desk.extra["runs"]["2020-12"].state == "error")
    shown = BeautifulSoup(client.get("/issues/2020-12/send").text, "html.parser").select_one("#progress .error").text
    assert shown == ("interner Fehler der Redaktion: RuntimeError: kaputt (bitte melden Sie ihn der Person, die die "
                     "Redaktion betreut)")


def test_a_fault_of_the_desk_on_a_page_is_a_german_page_with_the_desks_headers(running) -> None:
    running.desk.extra["transports"] = broken_transport
    client = running.client()
    response = client.post("/issues/2020-12/test", data={"csrf": csrf_of(client.get("/").text), "addresses": "ich@example.org"})
    assert response.status_code == 500 and response.headers["content-security-policy"].startswith("default-src 'none'")
    assert BeautifulSoup(response.text, "html.parser").select_one("[role=alert]").text.startswith(
        "interner Fehler der Redaktion: RuntimeError: kaputt")


def test_the_plan_names_skipped_rows_with_their_line_numbers(running) -> None:
    with Path("subscribers/fifty.csv").open("a", encoding="utf-8") as rows:
        rows.write("kein-at-zeichen,Kaputt\n")
    page = running.client().get("/issues/2020-12/send?list=fifty").text
    assert 'id="plan-to-send">50' in page
    assert "fifty.csv:52: „kein-at-zeichen“ ist keine gültige E-Mail-Adresse (es fehlt das Zeichen @)" in page
    assert "1 ungültige Zeilen" in page


def test_an_issue_with_check_errors_is_not_sent(running, smtp_server: SMTPServer) -> None:
    text = Path("issues/2020-12.md").read_text().replace("Musterstraße 1, 47798 Krefeld", "Krefeld")
    Path("issues/2020-12.md").write_text(text)
    client = running.client()
    csrf = csrf_of(client.get("/").text)
    response = client.post("/issues/2020-12/send", data={"csrf": csrf, "list": "fifty", "confirm": "yes"})
    assert response.status_code == 400 and "Prüffehler" in response.text
    test = client.post("/issues/2020-12/test", data={"csrf": csrf, "addresses": "ich@example.org"})
    assert test.status_code == 400 and "keine Postanschrift (Straße, Postleitzahl, Ort) für das Impressum" in test.text
    assert not smtp_server.handler.received


def test_the_plan_warns_about_addresses_without_proof_of_consent(running) -> None:
    page = BeautifulSoup(running.client().get("/issues/2020-12/send?list=fifty").text, "html.parser")
    assert page.select_one("#plan-consent").text.startswith("50 von 50 Adressen haben keinen Nachweis der Einwilligung")


def test_one_address_without_proof_of_consent_is_said_in_the_singular(workdir: Path, smtp_server: SMTPServer) -> None:
    Path("subscribers/zwei.csv").write_text("email;consent_date;consent_source\nanna@example.org;2020-05-14;Formular\n"
                                            "karl@example.org;;\n", encoding="utf-8")
    with desk_server(workdir, smtp_server.settings(state_dir=workdir / ".newsletter")) as desk:
        page = BeautifulSoup(desk.client().get("/issues/2020-12/send?list=zwei").text, "html.parser")
    assert page.select_one("#plan-consent").text.startswith("1 von 2 Adressen hat keinen Nachweis der Einwilligung")


def test_a_test_send_to_a_mistyped_address_is_refused_in_german(running, smtp_server: SMTPServer) -> None:
    client = running.client()
    response = client.post("/issues/2020-12/test", data={"csrf": csrf_of(client.get("/issues/2020-12/test").text),
                                                         "addresses": "ich@example.org\nkollegin.example.org"})
    alert = BeautifulSoup(response.text, "html.parser").select_one("[role=alert]").text
    assert alert == "„kollegin.example.org“ ist keine gültige E-Mail-Adresse (es fehlt das Zeichen @)"
    assert not smtp_server.handler.received


def test_the_status_page_shows_the_queue_id_each_delivery_got_from_the_relay(running, smtp_server: SMTPServer) -> None:
    smtp_server.handler.data_replies = [f"250 2.0.0 Ok: queued as 4D{n:08X}" for n in range(50)]
    client = running.client()
    csrf = csrf_of(client.get("/issues/2020-12/send?list=fifty").text)
    client.post("/issues/2020-12/send", data={"csrf": csrf, "list": "fifty", "confirm": "yes"})
    wait_for(lambda: running.desk.extra["runs"]["2020-12"].state == "finished")
    page = BeautifulSoup(client.get("/issues/2020-12/status").text, "html.parser")
    assert page.select("#deliveries th")[-1].text == "Queue-ID beim Relay"
    assert sorted(td.text for td in page.select("#deliveries td.queue-id")) == [f"4D{n:08X}" for n in range(50)]


def test_forget_removes_an_address_from_the_remembered_test_addresses_and_person_names_them(
        running, smtp_server: SMTPServer) -> None:
    client = running.client()
    csrf = csrf_of(client.get("/issues/2020-12/test").text)
    assert client.post("/issues/2020-12/test", data={"csrf": csrf, "addresses": "ich@example.org\nkollegin@example.org"}
                       ).status_code == 200
    remembered = Path(".newsletter/desk-test-addresses.txt")
    held = json.loads(CliRunner().invoke(app, ["person", "kollegin@example.org"]).output)
    assert held["desk_test_addresses"] == [str(remembered)]

    result = CliRunner().invoke(app, ["forget", "Kollegin@example.org", "--yes"])
    assert result.exit_code == 0, result.output
    assert "removed it from the desk's remembered test addresses" in result.output
    assert remembered.read_text(encoding="utf-8") == "ich@example.org" and remembered.stat().st_mode & 0o777 == 0o600
    page = client.get("/issues/2020-12/test").text
    assert "kollegin@example.org" not in page and "ich@example.org" in page
    assert json.loads(CliRunner().invoke(app, ["person", "kollegin@example.org"]).output)["desk_test_addresses"] == []


def test_a_desk_send_after_a_desks_restart_is_logged_as_resumed_for_those_left(workdir: Path, smtp_server: SMTPServer) -> None:
    fifty_addresses(workdir)
    settings = smtp_server.settings(state_dir=workdir / ".newsletter", concurrency=1)
    smtp_server.handler.delay = 0.05
    with desk_server(workdir, settings) as first:
        client = first.client()
        csrf = csrf_of(client.get("/issues/2020-12/send?list=fifty").text)
        client.post("/issues/2020-12/send", data={"csrf": csrf, "list": "fifty", "confirm": "yes"})
        wait_for(lambda: len(smtp_server.handler.received) >= 10)
        client.post("/issues/2020-12/send/stop", data={"csrf": csrf})
        wait_for(lambda: first.desk.extra["runs"]["2020-12"].state == "stopped")
    smtp_server.handler.delay = 0
    with desk_server(workdir, settings) as second:  # the desk was started anew: it remembers no run
        client = second.client()
        csrf = csrf_of(client.get("/issues/2020-12/send?list=fifty").text)
        client.post("/issues/2020-12/send", data={"csrf": csrf, "list": "fifty", "confirm": "yes"})
        wait_for(lambda: second.desk.extra["runs"]["2020-12"].state == "finished")
    with Journal(Path(".newsletter"), read_only=True) as journal:
        begun = [(row.kind, row.params["n"]) for row in journal.protocol(issue="2020-12") if row.kind.startswith("send_")
                 and row.kind != "send_stopped"]
    assert begun[0] == ("send_started", "50") and begun[1][0] == "send_resumed" and 0 < int(begun[1][1]) < 50


def test_a_finished_sends_pace_is_of_its_own_time_not_of_the_minutes_since() -> None:
    from composer.desk.runs import SendRun

    run = SendRun("fifty", total=300, sent=300, state="finished", started=1000.0, ended=1060.0)
    assert run.figures("de")["pace"] == "etwa 300 pro Minute"


def test_the_plans_provider_limits_group_the_thousands_in_german(workdir: Path, smtp_server: SMTPServer) -> None:
    fifty_addresses(workdir)
    settings = smtp_server.settings(state_dir=workdir / ".newsletter", hourly_limit=1000, daily_limit=20000)
    with desk_server(workdir, settings) as desk:
        page = BeautifulSoup(desk.client().get("/issues/2020-12/send?list=fifty").text, "html.parser")
    assert page.select_one("#plan-limits").text == "1.000 pro Stunde, 20.000 pro Tag"
