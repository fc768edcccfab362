"""One schedule of sends in the state (issue 28, item 6): the desk's Planen and `newsletter send --at` write the same
planned start; a send from the command line is refused beside a desk's plan unless told; a carried-out send drops
its plan; a plan whose time passed unseen is missed, never sent late by itself."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import SMTPServer
from test_send import send, write_list

from composer.send import schedules
from composer.state import Journal
from composer.state.migrations import MIGRATIONS

NOW = datetime(2026, 12, 7, 8, 0).astimezone()


def test_the_schedule_is_a_step_of_the_migrations() -> None:
    assert any(step.summary == "a planned start is the one schedule of the CLI and the desk" for step in MIGRATIONS)


def test_a_plan_in_the_past_is_refused_and_a_new_plan_replaces_the_old(tmp_path: Path) -> None:
    with Journal(tmp_path) as journal:
        with pytest.raises(schedules.ScheduleError, match="has passed"):
            schedules.plan(journal, "2020-12", "buero", NOW - timedelta(minutes=1), NOW)
        schedules.plan(journal, "2020-12", "buero", NOW + timedelta(hours=1), NOW, "ich@example.org")
        schedules.plan(journal, "2020-12", "andere", NOW + timedelta(hours=2), NOW)
        [planned] = schedules.scheduled(journal)
    assert (planned.list_name, planned.at, planned.origin) == ("andere", NOW + timedelta(hours=2), "desk")


@pytest.mark.parametrize(("late", "due", "missed"), [(timedelta(minutes=-1), False, False), (timedelta(0), True, False),
                                                       (timedelta(minutes=14), True, False),
                                                       (timedelta(minutes=16), False, True)])
def test_a_plan_is_due_at_its_time_and_missed_after_the_grace(late: timedelta, due: bool, missed: bool) -> None:
    planned = schedules.Scheduled("2020-12", "buero", NOW, None, "desk")
    assert (planned.due(NOW + late), planned.missed(NOW + late)) == (due, missed)


def test_a_cli_send_is_refused_beside_the_desks_plan_unless_told(workdir: Path, smtp_server: SMTPServer) -> None:
    with Journal(Path(".newsletter")) as journal:
        schedules.plan(journal, "2020-12", "volunteers", datetime.now().astimezone() + timedelta(days=1),
                       datetime.now().astimezone())
    code, output = send(smtp_server, "--list", "volunteers", "--yes")
    assert code == 2 and "is planned in the desk" in output and "--despite-schedule" in output
    assert smtp_server.handler.received == []
    code, output = send(smtp_server, "--list", "volunteers", "--yes", "--despite-schedule")
    assert code == 0, output
    with Journal(Path(".newsletter")) as journal:
        assert journal.planned_starts() == []


def test_send_at_writes_the_shared_schedule_and_a_finished_send_drops_it(workdir: Path, smtp_server: SMTPServer) -> None:
    code, output = send(smtp_server, "--list", "volunteers", "--yes", "--at", "2020-01-01 08:00")  # its time has come
    assert code == 0 and "that time has come" in output
    with Journal(Path(".newsletter")) as journal:
        assert journal.planned_starts() == []


def test_a_list_send_from_the_command_line_tells_the_notify_address_how_it_went(workdir: Path, smtp_server: SMTPServer) -> None:
    write_list("liste", 3)
    code, output = send(smtp_server, "--list", "liste", "--yes", "--notify", "koordination@example.org", LANG="de_DE.UTF-8")
    assert code == 0, output
    told = next(m for m in smtp_server.handler.messages() if m["To"] == "koordination@example.org")
    assert told["Subject"].startswith("Versendet:") and "liste" in told["Subject"]
    body = told.get_content()
    assert "3 von 3 versendet" in body and "/issues/" in body and "http" in body
