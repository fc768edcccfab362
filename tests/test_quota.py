"""The provider's hourly and daily limits, the office's sending hours and a planned start, measured with an
injected clock: the dispatcher waits by moving the clock, never by sleeping."""

from __future__ import annotations

import asyncio
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import SMTPServer
from test_send import ISSUE, send, write_list

from composer.campaign import open_send
from composer.errors import LimitReachedError, SettingsError
from composer.config.hours import parse_hours
from composer.send.quota import Schedule

BERLIN = ZoneInfo("Europe/Berlin")


class FakeClock:
    """Time that moves only when the dispatcher waits; every wait is remembered with the count sent by then."""

    def __init__(self, start: datetime, server: SMTPServer) -> None:
        self.time, self.server = start, server
        self.waits: list[tuple[datetime, int]] = []

    def now(self) -> datetime:
        return self.time

    async def sleep_until(self, when: datetime, halt: asyncio.Event) -> bool:
        self.waits.append((when, len(self.server.handler.received)))
        self.time = max(self.time, when)
        return not halt.is_set()


def run(server: SMTPServer, clock: FakeClock, list_name: str = "liste", issue: str = ISSUE, **settings: object) -> int:
    values = {"concurrency": 1, "time_zone": "Europe/Berlin", **settings}
    with open_send(Path(issue), list_name, server.settings(**values), b"secret", schedule=Schedule(clock=clock)) as campaign:
        return asyncio.run(campaign.run()).sent


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


def test_an_hourly_limit_of_ten_sends_ten_then_waits_an_hour(workdir: Path, smtp_server: SMTPServer) -> None:
    write_list("liste", 25)
    clock = FakeClock(at("2021-01-28 09:00"), smtp_server)
    assert run(smtp_server, clock, hourly_limit=10) == 25
    assert clock.waits == [(at("2021-01-28 10:00"), 10), (at("2021-01-28 11:00"), 20)]


def test_the_daily_window_counts_a_second_issue(workdir: Path, smtp_server: SMTPServer) -> None:
    write_list("liste", 6)
    shutil.copy(ISSUE, "issues/2021-01.md")
    clock = FakeClock(at("2021-01-28 09:00"), smtp_server)
    assert run(smtp_server, clock, daily_limit=10) == 6
    clock.time = at("2021-01-28 15:00")
    assert run(smtp_server, clock, issue="issues/2021-01.md", daily_limit=10) == 6
    # 4 of the second issue fit into the day; the rest wait until the first messages are 24 hours old
    assert clock.waits == [(at("2021-01-29 09:00"), 10)]


def test_sending_hours_wait_over_the_weekend(workdir: Path, smtp_server: SMTPServer) -> None:
    write_list("liste", 3)
    clock = FakeClock(at("2021-01-29 18:30"), smtp_server)  # a Friday evening
    assert run(smtp_server, clock, send_hours="Mo-Fr 08:00-18:00") == 3
    assert clock.waits == [(at("2021-02-01 08:00"), 0)]


def test_sending_hours_past_midnight_are_open_after_midnight_and_closed_after_their_end(workdir: Path) -> None:
    hours = parse_hours("Mo-Fr 22:00-02:00")
    assert hours.next_open(at("2021-01-27 01:30"))[0] == at("2021-01-27 01:30")  # Tuesday's window, Wednesday night
    assert hours.next_open(at("2021-01-27 03:00"))[0] == at("2021-01-27 22:00")
    assert hours.next_open(at("2021-01-30 01:00"))[0] == at("2021-01-30 01:00")  # Friday's window ends Saturday 02:00
    assert hours.next_open(at("2021-01-31 01:00"))[0] == at("2021-02-01 22:00")  # none starts on the weekend


def test_a_daily_limit_running_out_on_friday_waits_for_monday_hours(workdir: Path, smtp_server: SMTPServer) -> None:
    write_list("liste", 4)
    clock = FakeClock(at("2021-01-29 17:00"), smtp_server)
    assert run(smtp_server, clock, daily_limit=2, send_hours="Mo-Fr 08:00-18:00") == 4
    assert clock.waits == [(at("2021-02-01 08:00"), 2)]


def test_stop_at_limit_exits_1_with_the_time_to_continue(workdir: Path, smtp_server: SMTPServer) -> None:
    write_list("liste", 5)
    code, output = send(smtp_server, "--list", "liste", "--yes", "--stop-at-limit", NEWSLETTER_HOURLY_LIMIT="3")
    assert code == 1, output
    assert len(smtp_server.handler.received) == 3
    continue_at = (datetime.now().astimezone() + timedelta(hours=1)).strftime("%-d %b %Y")
    assert "Paused: hourly limit (3); 3 of 5 have the issue. Run the same command again after" in output
    assert continue_at in output
    code, output = send(smtp_server, "--list", "liste", "--yes", "--stop-at-limit", NEWSLETTER_HOURLY_LIMIT="3")
    assert code == 1 and len(smtp_server.handler.received) == 3 and "Send to: 2" in output


def test_a_planned_start_is_kept_by_a_rerun(workdir: Path, smtp_server: SMTPServer) -> None:
    write_list("liste", 2)
    settings = smtp_server.settings(time_zone="Europe/Berlin")
    clock = FakeClock(at("2021-01-27 20:00"), smtp_server)
    planned = Schedule(at("2021-01-28 09:00"), stop_at_limit=True, clock=clock)
    with pytest.raises(LimitReachedError) as caught, open_send(Path(ISSUE), "liste", settings, b"s", schedule=planned) as c:
        asyncio.run(c.run())
    assert caught.value.until == at("2021-01-28 09:00") and not smtp_server.handler.received
    assert run(smtp_server, clock) == 2  # no --at this time: the stored plan still holds
    assert clock.waits == [(at("2021-01-28 09:00"), 0)]


def test_send_at_prints_when_it_starts(workdir: Path, smtp_server: SMTPServer) -> None:
    write_list("liste", 1)
    code, output = send(smtp_server, "--list", "liste", "--dry-run", "--at", "28.01.2031 09:00")
    assert code == 0 and "Starts:  Tue 28 Jan 2031, 09:00 (planned)" in output


@pytest.mark.parametrize("hours", ["Mo-Xx 08:00-18:00", "werktags", "Mo-Fr 8-18"])
def test_sending_hours_that_cannot_be_read_name_the_setting(hours: str) -> None:
    with pytest.raises(SettingsError, match="NEWSLETTER_SEND_HOURS: .* like 'Mo-Fr 08:00-18:00'"):
        parse_hours(hours)
