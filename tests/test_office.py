"""Several people at one desk, from the command line and the library: accounts and invitations, the Freigabe before
a list send (NEWSLETTER_APPROVAL=required) and the Protokoll with its hash chain."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import SMTPServer
from typer.testing import CliRunner

from composer.cli import app
from composer.config.settings import load_settings
from composer.i18n import message
from composer.office import approval, people, protocol
from composer.office.roles import ADMIN, APPROVE, SEND, WRITE, Actor, ForbiddenError
from composer.render.templates import TEMPLATES
from composer.state import Journal
from composer.state.migrations import MIGRATIONS, version
from composer.state.reasons import Reason

runner = CliRunner()
ISSUE = "issues/2020-12.md"


@pytest.fixture
def office(workdir: Path, smtp_server: SMTPServer) -> dict[str, str]:
    """The sample folder sending to aiosmtpd, with approvals required."""
    return {**smtp_server.env(), "NEWSLETTER_APPROVAL": "required", "LANG": "C"}


def _person(name: str, email: str, *roles: str) -> Actor:
    settings = load_settings()
    with Journal(settings.state_dir) as journal:
        person_id = journal.add_person(name, email, frozenset(roles), 0.0)
        person = journal.person_by_id(person_id or 0)
    assert person is not None
    return people.actor_of(person)


def _approve(approver: Actor, list_name: str = "volunteers") -> None:
    from composer.campaign import approval_content
    from composer.cli.common import settings_and_secret

    settings, secret = settings_and_secret()
    content = approval_content(Path(ISSUE), list_name, settings, secret)
    with Journal(settings.state_dir) as journal:
        approval.approve(journal, approver, "2020-12", list_name, content, content)


def test_a_list_send_without_approval_exits_2_sends_nothing_and_says_approvals_are_given_in_the_desk(
        office: dict[str, str], smtp_server: SMTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in office.items():
        monkeypatch.setenv(name, value)
    result = runner.invoke(app, ["send", ISSUE, "--list", "volunteers", "--yes"])
    assert result.exit_code == 2, result.output
    assert smtp_server.handler.messages() == []
    assert "needs an approval for the list volunteers" in result.output
    assert "Approvals are given in the desk" in result.output


def test_the_refusal_names_who_may_approve(office: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in office.items():
        monkeypatch.setenv(name, value)
    _person("Ayşe Yilmaz", "yilmaz@example.org", APPROVE)
    result = runner.invoke(app, ["send", ISSUE, "--list", "volunteers", "--yes"])
    assert result.exit_code == 2
    assert "may be approved in the desk by: Ayşe Yilmaz" in result.output


def test_a_test_send_needs_no_approval_and_the_log_names_it_and_the_refused_send(
        office: dict[str, str], smtp_server: SMTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in office.items():
        monkeypatch.setenv(name, value)
    assert runner.invoke(app, ["send", ISSUE, "--list", "volunteers", "--yes"]).exit_code == 2
    result = runner.invoke(app, ["send", ISSUE, "--to", "me@example.org"])
    assert result.exit_code == 0, result.output
    assert [m["To"] for m in smtp_server.handler.messages()] == ["me@example.org"]
    log = runner.invoke(app, ["log"])
    assert log.exit_code == 0
    lines = log.output.splitlines()
    assert any("command line (" in line and "2020-12 [volunteers]: List send refused: no valid approval" in line
               for line in lines), log.output
    assert any("2020-12: Test send to 1 address" in line for line in lines), log.output
    german = runner.invoke(app, ["log", "--issue", "2020-12"], env={"LANG": "de_DE.UTF-8"})
    assert "Kommandozeile (" in german.output and "Probeversand an 1 Adresse" in german.output


def test_an_approved_issue_is_sent_and_a_template_changed_in_the_folder_afterwards_voids_the_approval(
        office: dict[str, str], smtp_server: SMTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in office.items():
        monkeypatch.setenv(name, value)
    _approve(_person("Ayşe Yilmaz", "yilmaz@example.org", APPROVE))
    shutil.copytree(TEMPLATES / "partials", Path("templates/partials"))
    footer = Path("templates/partials/footer.mjml.j2")
    footer.write_text(footer.read_text(encoding="utf-8").replace("</mj-text>", " Neu im Fuß.</mj-text>", 1), encoding="utf-8")
    refused = runner.invoke(app, ["send", ISSUE, "--list", "volunteers", "--yes"])
    assert refused.exit_code == 2 and smtp_server.handler.messages() == []
    assert "Changed after the approval" in refused.output
    shutil.rmtree("templates")
    sent = runner.invoke(app, ["send", ISSUE, "--list", "volunteers", "--yes"])
    assert sent.exit_code == 0, sent.output
    assert smtp_server.handler.messages()


def test_the_refusal_does_not_name_the_person_who_made_the_last_change_as_one_who_may_approve(
        office: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in office.items():
        monkeypatch.setenv(name, value)
    erika = _person("Erika Muster", "muster@example.org", WRITE, APPROVE)
    _person("Ayşe Yilmaz", "yilmaz@example.org", APPROVE)
    with Journal(load_settings().state_dir) as journal:
        protocol.record(journal, erika, "saved", message("Saved the issue"), "2020-12")
        assert not approval.may_approve(journal, erika, "2020-12", "volunteers")
    result = runner.invoke(app, ["send", ISSUE, "--list", "volunteers", "--yes"])
    assert result.exit_code == 2 and "may be approved in the desk by: Ayşe Yilmaz." in result.output


def test_the_approver_cannot_be_the_last_person_who_changed_the_issue(workdir: Path) -> None:
    both = _person("Erika Muster", "muster@example.org", WRITE, APPROVE)
    with Journal(load_settings().state_dir) as journal:
        protocol.record(journal, both, "saved", message("Saved the issue"), "2020-12")
        with pytest.raises(ForbiddenError, match="You made the last change"):
            approval.approve(journal, both, "2020-12", "volunteers", "abc", "abc")
        other = Actor("Ayşe Yilmaz", 99, frozenset({APPROVE}))
        approval.approve(journal, other, "2020-12", "volunteers", "abc", "abc")
        assert approval.standing(journal, "2020-12", "volunteers", "abc").approved
        protocol.record(journal, both, "saved", message("Saved the issue"), "2020-12", now=4e9)
        changed = approval.standing(journal, "2020-12", "volunteers", "abd")
    assert changed.state == "changed"
    assert changed.said().render("de") == "Erika Muster hat die Ausgabe nach der Freigabe geändert – neue Freigabe nötig."


def test_the_command_line_cannot_approve(workdir: Path) -> None:
    with Journal(load_settings().state_dir) as journal, pytest.raises(ForbiddenError):
        approval.approve(journal, Actor.command_line(), "2020-12", "volunteers", "abc", "abc")


def test_person_account_add_mails_an_invitation_whose_link_sets_a_password_once(
        office: dict[str, str], smtp_server: SMTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in office.items():
        monkeypatch.setenv(name, value)
    result = runner.invoke(app, ["person-account", "add", "Ayşe Yilmaz", "yilmaz@example.org", "--role", "Freigabe",
                                 "--role", "versand"])
    assert result.exit_code == 0, result.output
    [mail] = smtp_server.handler.messages()
    assert mail["To"] == "Ayşe Yilmaz <yilmaz@example.org>"
    token = re.search(r"http://127\.0\.0\.1:8025/invitation/(\S+)", mail.get_content()).group(1)
    listed = runner.invoke(app, ["person-account", "list"])
    assert "Ayşe Yilmaz <yilmaz@example.org>: Approval, Dispatch (invited, no password yet)" in listed.output
    with Journal(load_settings().state_dir) as journal:
        person = people.accept(journal, token, "ein langes Passwort")
        assert person.roles == {APPROVE, SEND}
        with pytest.raises(people.PeopleError, match="used already"):
            people.accept(journal, token, "ein anderes Passwort")
        assert people.login(journal, "yilmaz@example.org", "ein langes Passwort") == journal.person_by_id(person.id)
    assert runner.invoke(app, ["person-account", "add", "X", "bad", "--role", "Chef"]).exit_code == 2


def test_the_last_person_with_verwaltung_cannot_be_removed(workdir: Path) -> None:
    _person("Chefin", "chefin@example.org", ADMIN)
    result = runner.invoke(app, ["person-account", "remove", "chefin@example.org"])
    assert result.exit_code == 2 and "last person with the role Verwaltung" in result.output


def test_log_verify_passes_and_fails_after_a_row_is_changed_by_hand(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    actor = _person("Erika Muster", "muster@example.org", WRITE)
    with Journal(load_settings().state_dir) as journal:
        for n in range(3):
            protocol.record(journal, actor, "saved", message("Saved the issue"), "2020-12", now=1e9 + n)
    verified = runner.invoke(app, ["log", "--verify"], env={"LANG": "C"})
    assert verified.exit_code == 0 and "intact: 3 entries" in verified.output
    db = sqlite3.connect(".newsletter/state.db")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE protocol SET actor = 'Jemand' WHERE seq = 2")
    db.execute("DROP TRIGGER protocol_no_update")  # by hand, as someone who means to hide an entry would
    db.execute("UPDATE protocol SET actor = 'Jemand' WHERE seq = 2")
    db.commit()
    db.close()
    broken = runner.invoke(app, ["log", "--verify"], env={"LANG": "C"})
    assert broken.exit_code == 2 and "entry 2 does not fit the chain" in broken.output


def test_forgetting_an_address_erases_it_from_the_log_without_breaking_the_chain(workdir: Path) -> None:
    assert runner.invoke(app, ["unsubscribe", "anna@example.org"]).exit_code == 0
    assert "anna@example.org" in runner.invoke(app, ["log"]).output
    assert runner.invoke(app, ["forget", "anna@example.org", "--yes"]).exit_code == 0
    log = runner.invoke(app, ["log", "--csv"])
    assert "anna@example.org" not in log.output and "#" in log.output
    assert runner.invoke(app, ["log", "--verify"]).exit_code == 0


def test_log_addresses_older_than_the_retention_period_keep_only_the_hash(workdir: Path) -> None:
    from composer.audience.erasure import anonymise_old
    from composer.cli.common import settings_and_secret

    settings, secret = settings_and_secret()
    with Journal(settings.state_dir) as journal:
        protocol.record(journal, Actor.command_line(), "address_added", message("Added an address"),
                        address="anna@example.org", secret=secret, now=1000.0)
        anonymise_old(journal, secret, 30, now=1000.0 + 31 * 86400)
        [row] = journal.protocol()
    assert row.email is None and protocol.address_of(row).startswith("#")


def test_a_new_state_has_every_migration_and_the_office_tables(workdir: Path) -> None:
    with Journal(load_settings().state_dir) as journal:
        assert version(journal.db) == len(MIGRATIONS)
        assert journal.people() == [] and journal.protocol() == [] and journal.approvals("2020-12") == []


def test_init_in_a_terminal_asks_whether_a_second_person_must_approve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("composer.cli.folder.in_a_terminal", lambda: True)
    answers = ["Stadtteilbüro Nord", "", "", "", "", "y"]
    result = runner.invoke(app, ["init", str(tmp_path / "office")], input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    assert "Must a second person approve each send to a list" in result.output
    assert "\nNEWSLETTER_APPROVAL=required\n" in (tmp_path / "office" / ".env").read_text(encoding="utf-8")
    monkeypatch.setattr("composer.cli.folder.in_a_terminal", lambda: False)
    assert runner.invoke(app, ["init", str(tmp_path / "solo")]).exit_code == 0
    assert "\nNEWSLETTER_APPROVAL=required\n" not in (tmp_path / "solo" / ".env").read_text(encoding="utf-8")


def test_the_first_account_is_named_later_and_keeps_every_role(workdir: Path) -> None:
    from composer.desk.rights import first_account

    settings = load_settings()
    first_account(settings)
    with Journal(settings.state_dir) as journal:
        [owner] = journal.people()
        assert owner.roles == {WRITE, APPROVE, SEND, ADMIN}
        renamed = people.rename(journal, people.actor_of(owner), owner.id, "Ayşe Yilmaz", "yilmaz@example.org")
    assert (renamed.name, renamed.email, renamed.roles) == ("Ayşe Yilmaz", "yilmaz@example.org", owner.roles)


def test_what_is_held_about_a_reader_names_the_log_entries_about_them(workdir: Path) -> None:
    assert runner.invoke(app, ["unsubscribe", "anna@example.org"]).exit_code == 0
    held = runner.invoke(app, ["person", "anna@example.org"])
    assert '"kind": "address_unsubscribed"' in held.output and '"address_kept": true' in held.output


def test_a_planned_send_asks_again_at_its_start_and_stops_when_the_approval_was_withdrawn_meanwhile(
        office: dict[str, str], smtp_server: SMTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio
    from datetime import datetime, timedelta

    from composer.campaign import approval_content, open_send
    from composer.cli.common import settings_and_secret
    from composer.office.approval import ApprovalMissingError
    from composer.send.quota import Schedule

    for name, value in office.items():
        monkeypatch.setenv(name, value)
    approver = _person("Ayşe Yilmaz", "yilmaz@example.org", APPROVE)
    _approve(approver)
    settings, secret = settings_and_secret()
    content = approval_content(Path(ISSUE), "volunteers", settings, secret)

    class Clock:
        """While the send waits for its planned start, the approver gives the issue back."""

        def __init__(self) -> None:
            self.time = datetime.now().astimezone()

        def now(self) -> datetime:
            return self.time

        async def sleep_until(self, when: datetime, halt: asyncio.Event) -> bool:
            with Journal(settings.state_dir) as journal:
                approval.give_back(journal, approver, "2020-12", "volunteers", content, content, "Doch nicht.")
            self.time = when
            return True

    clock = Clock()
    schedule = Schedule(clock.now() + timedelta(hours=1), clock=clock)
    with (open_send(Path(ISSUE), "volunteers", settings, secret, schedule=schedule) as campaign,
          pytest.raises(ApprovalMissingError, match="Returned by Ayşe Yilmaz: Doch nicht.")):
        asyncio.run(campaign.run())
    assert smtp_server.handler.messages() == []


def test_a_dry_run_shows_the_plan_without_an_approval_and_says_it_is_missing_while_the_send_still_refuses(
        office: dict[str, str], smtp_server: SMTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in office.items():
        monkeypatch.setenv(name, value)
    dry = runner.invoke(app, ["send", ISSUE, "--list", "volunteers", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Send to: 8 via" in dry.output and "Nothing sent." in dry.output
    assert "Approval missing: 2020-12 needs an approval for the list volunteers." in dry.output
    refused = runner.invoke(app, ["send", ISSUE, "--list", "volunteers", "--yes"])
    assert refused.exit_code == 2 and "Not sent: 2020-12 needs an approval" in refused.output
    assert smtp_server.handler.messages() == []


def test_log_verify_sees_the_newest_entries_cut_off_the_end(workdir: Path) -> None:
    actor = _person("Erika Muster", "muster@example.org", WRITE)
    with Journal(load_settings().state_dir) as journal:
        for n in range(3):
            protocol.record(journal, actor, "saved", message("Saved the issue"), "2020-12", now=1e9 + n)
    db = sqlite3.connect(".newsletter/state.db")
    db.execute("DROP TRIGGER protocol_no_delete")  # by hand, as someone who means to hide the newest entries would
    db.execute("DELETE FROM protocol WHERE seq = 3")
    db.commit()
    db.close()
    cut = runner.invoke(app, ["log", "--verify"], env={"LANG": "C"})
    assert cut.exit_code == 2
    assert "cut short: it ends at entry 2, but entry 3 was written" in cut.output
    with Journal(load_settings().state_dir) as journal:  # entries written afterwards do not hide the gap
        for n in range(3):
            protocol.record(journal, actor, "saved", message("Saved the issue"), "2020-12", now=2e9 + n)
    later = runner.invoke(app, ["log", "--verify"], env={"LANG": "C"})
    assert later.exit_code == 2 and "entry 3 does not fit the chain" in later.output


def test_log_verify_fails_when_the_record_of_the_newest_entry_is_gone(workdir: Path) -> None:
    assert runner.invoke(app, ["unsubscribe", "anna@example.org"]).exit_code == 0
    Path(".newsletter/protocol-head.json").unlink()
    gone = runner.invoke(app, ["log", "--verify"], env={"LANG": "C"})
    assert gone.exit_code == 2 and "protocol-head.json) is missing" in gone.output


def test_a_restored_backup_keeps_the_record_of_the_newest_entry_and_verifies(
        workdir: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    assert runner.invoke(app, ["unsubscribe", "anna@example.org"]).exit_code == 0
    assert runner.invoke(app, ["backup", str(elsewhere / "b.tar.gz")]).exit_code == 0
    assert runner.invoke(app, ["restore", str(elsewhere / "b.tar.gz"), str(elsewhere / "copy")]).exit_code == 0
    assert (elsewhere / "copy/.newsletter/protocol-head.json").is_file()
    verified = runner.invoke(app, ["log", "--verify"],
                             env={"LANG": "C", "NEWSLETTER_STATE_DIR": str(elsewhere / "copy/.newsletter")})
    assert verified.exit_code == 0 and "intact: 1 entry" in verified.output, verified.output


def test_setting_the_desk_password_in_the_terminal_is_logged_without_the_password(workdir: Path) -> None:
    result = runner.invoke(app, ["desk", "--set-password"], input="ein langes Passwort\nein langes Passwort\n")
    assert result.exit_code == 0, result.output
    with Journal(load_settings().state_dir) as journal:
        [entry] = journal.protocol(kind="password_set")
    assert entry.actor.startswith("cli:") and "Passwort" not in str(entry)


def test_lifting_a_bounce_in_the_terminal_is_logged_with_the_address_beside_the_chain(workdir: Path) -> None:
    with Journal(load_settings().state_dir) as journal:
        journal.suppress("anna@example.org", Reason("bounced", {"status": "550 mailbox unknown"}), kind="bounced")
    assert runner.invoke(app, ["unbounce", "anna@example.org"]).exit_code == 0
    log = runner.invoke(app, ["log"], env={"LANG": "C"})
    assert "Lifted a bounce of an address (anna@example.org)" in log.output


def test_rerunning_a_send_that_left_someone_out_is_logged_as_resumed(
        office: dict[str, str], smtp_server: SMTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {**office, "NEWSLETTER_APPROVAL": "off"}.items():
        monkeypatch.setenv(name, value)
    smtp_server.handler.rcpt_replies["lena.weiss@example.org"] = ["451 4.7.1 greylisted, try again"] * 10
    runner.invoke(app, ["send", ISSUE, "--list", "volunteers", "--yes"])
    smtp_server.handler.rcpt_replies.clear()
    assert runner.invoke(app, ["send", ISSUE, "--list", "volunteers", "--yes"]).exit_code == 0
    log = runner.invoke(app, ["log"], env={"LANG": "C"}).output
    assert "2020-12 [volunteers]: Send to 8 recipients started" in log
    assert "2020-12 [volunteers]: Send resumed for 1 recipient" in log


def test_person_account_roles_changes_them_and_keeps_the_last_verwaltung(workdir: Path) -> None:
    _person("Chefin", "chefin@example.org", ADMIN)
    _person("Ayşe Yilmaz", "yilmaz@example.org", APPROVE)
    changed = runner.invoke(app, ["person-account", "roles", "yilmaz@example.org", "--role", "Freigabe,Versand"],
                            env={"LANG": "C"})
    assert changed.exit_code == 0 and "Ayşe Yilmaz <yilmaz@example.org>: Approval, Dispatch" in changed.output
    kept = runner.invoke(app, ["person-account", "roles", "chefin@example.org", "--role", "Redaktion"], env={"LANG": "C"})
    assert kept.exit_code == 2 and "last person with the role Verwaltung and keeps it" in kept.output
    log = runner.invoke(app, ["log"], env={"LANG": "C"}).output
    assert "Gave Ayşe Yilmaz the roles Freigabe, Versand" in log and "Gave Chefin" not in log
