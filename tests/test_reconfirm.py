"""Re-permission, the library part: who is asked again, and after the deadline (`--until`) rows that still prove
no consent are not sent; a confirmation (a web sign-up) is proof, so a confirmed row is sent."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from test_consent import MIXED
from test_send import send

from composer.audience.consent import ConsentCount
from composer.audience.reconfirm import set_deadline, to_ask, without_evidence
from composer.audience.subscribers import read_list
from composer.records import BadRow
from composer.state import Journal


def deadline_in(days: int) -> None:
    with Journal(Path(".newsletter")) as journal:
        set_deadline(journal, "mixed", datetime.now().astimezone() + timedelta(days=days))


def test_the_rows_to_ask_again_are_those_with_some_but_not_full_proof_of_consent(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text(MIXED, encoding="utf-8")
    proof = ConsentCount(frozenset({"omar@example.org"}))
    assert [r.email for r in to_ask(read_list(path), proof)] == ["lena@example.org"]
    assert [r.email for r in without_evidence(read_list(path), proof)] == ["karl@example.org"]


def test_a_reconfirm_run_leaves_out_rows_without_any_evidence_and_says_why(workdir: Path, smtp_server, monkeypatch) -> None:
    from test_web_safety import serve
    from typer.testing import CliRunner

    from composer.cli import app

    Path("subscribers/mixed.csv").write_text(MIXED, encoding="utf-8")
    for _site in serve(monkeypatch, smtp_server):
        monkeypatch.setenv("LANG", "de_DE.UTF-8")
        until = (datetime.now() + timedelta(days=30)).date().isoformat()
        result = CliRunner().invoke(app, ["reconfirm", "mixed", "--until", until, "--yes"])
        assert result.exit_code == 0, result.output
        asked = {m["To"].addresses[0].addr_spec for m in smtp_server.handler.messages()}
        assert asked == {"lena@example.org", "omar@example.org"}
        assert "1 Adresse ausgelassen:\n  karl@example.org\n" in result.output
        assert "UWG §7" in result.output


def test_before_the_deadline_every_row_is_sent_with_a_warning(workdir: Path) -> None:
    Path("subscribers/mixed.csv").write_text(MIXED, encoding="utf-8")
    deadline_in(7)
    code, output = send(None, "--list", "mixed", "--dry-run")
    assert code == 0 and "Send to: 4" in output and "3 of 4 addresses" in output


def test_after_the_deadline_only_rows_with_proof_or_a_confirmation_are_sent(workdir: Path) -> None:
    Path("subscribers/mixed.csv").write_text(MIXED, encoding="utf-8")
    deadline_in(-1)
    with Journal(Path(".newsletter")) as journal:
        journal.add_signup("mixed", "karl@example.org", "Karl", "Ich möchte den Newsletter weiter erhalten.")
    code, output = send(None, "--list", "mixed", "--yes")
    assert code == 0, output
    assert "Skipped: 2 without consent after the reconfirmation deadline" in output
    assert sorted(p.name for p in Path("outbox/2020-12").iterdir()) == ["anna@example.org.eml", "karl@example.org.eml"]
    assert "no proof of consent" not in output


def test_a_reconfirm_run_asks_by_mail_and_after_the_deadline_only_the_confirmed_are_sent(
        workdir: Path, smtp_server, monkeypatch) -> None:
    import re

    from test_web_safety import csrf_of, serve
    from typer.testing import CliRunner

    from composer.cli import app

    runner = CliRunner()
    sheet = Path("subscribers/volunteers.csv")  # every row names where its consent came from, none when
    sheet.write_text("".join(f"{line};{'consent_source' if n == 0 else 'Telefonliste 2019'}\n"
                             for n, line in enumerate(sheet.read_text(encoding="utf-8").splitlines())), encoding="utf-8")
    for site in serve(monkeypatch, smtp_server):
        until = (datetime.now() + timedelta(days=30)).date().isoformat()
        result = runner.invoke(app, ["reconfirm", "volunteers", "--until", until, "--yes"])
        assert result.exit_code == 0, result.output
        asked = {m["To"].addresses[0].addr_spec: m.get_body(("plain",)).get_content() for m in smtp_server.handler.messages()}
        assert len(asked) == 8 and "anna.mueller@example.org" in asked
        assert "Anna" not in asked["anna.mueller@example.org"].split("\n", 1)[0]  # a generic greeting
        again = runner.invoke(app, ["reconfirm", "volunteers", "--until", until, "--yes"])
        assert "Nobody left to ask." in again.output and len(smtp_server.handler.messages()) == 8  # exactly once
        assert "reconfirm-volunteers: 8 sent" in runner.invoke(app, ["status", "reconfirm-volunteers"]).output
        with site.client() as browser:
            for email in ("anna.mueller@example.org", "zeynep.yilmaz@example.org"):
                link = re.search(r"/confirm/[a-z2-7]{32}", asked[email]).group(0)
                page = browser.get(link)
                assert browser.post(link, data={"csrf": csrf_of(page)}).status_code == 200
        with Journal(Path(".newsletter")) as journal:  # the deadline has come
            set_deadline(journal, "volunteers", datetime.now().astimezone() - timedelta(minutes=1))
        before = len(smtp_server.handler.received)
        sent = runner.invoke(app, ["send", "issues/2020-12.md", "--list", "volunteers", "--yes"])
        assert sent.exit_code == 0, sent.output
        issue_to = {rcpts[0] for _, rcpts, _ in smtp_server.handler.received[before:]}
        assert issue_to == {"anna.mueller@example.org", "zeynep.yilmaz@example.org"} | proven_rows()


def proven_rows() -> set[str]:
    """The sample rows that carry proof of consent in the file itself."""
    with Journal(Path(".newsletter")) as journal:
        proof = ConsentCount.of(journal.signups("volunteers"))
    return {r.email for r in read_list(Path("subscribers/volunteers.csv")) if not isinstance(r, BadRow) and proof.reason(r) is None}
