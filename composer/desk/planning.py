"""The desk carries out the sends planned in it: while it runs it looks at the schedule (composer/send/schedules.py)
every TICK seconds, by its clock (the machine's; a test injects one as `desk.extra["clock"]`), and starts each
planned send whose time has come. One whose time passed more than schedules.GRACE ago is never started by itself:
the Issues page and the send page ask "send now, plan anew or cancel"."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime
from typing import Any

from starlette.concurrency import run_in_threadpool

from composer.desk.context import Desk
from composer.desk.runs import start
from composer.i18n.formats import moment
from composer.office.roles import Actor
from composer.send import schedules
from composer.send.quota import SystemClock
from composer.state import Journal

TICK = 20.0


def now_of(desk: Desk) -> datetime:
    clock = desk.extra.get("clock") or SystemClock(desk.settings.zone)
    return clock.now()  # type: ignore[no-any-return]


def planned(desk: Desk) -> list[schedules.Scheduled]:
    """Every planned send, for the Issues page; each knows whether it was missed (`missed(now_of(desk))`)."""
    try:
        with Journal(desk.settings.state_dir, read_only=True) as journal:
            return schedules.scheduled(journal, desk.settings.zone)
    except Exception:  # noqa: BLE001 - a state that cannot be read shows no plans; the send pages say why
        return []


def shown(desk: Desk, lang: str) -> dict[str, Any]:
    """The planned sends for the Issues page: each with its time in `lang` and whether it was missed."""
    now = now_of(desk)
    return {"schedules": [{"issue": p.issue, "list_name": p.list_name, "at": moment(p.at, lang), "missed": p.missed(now),
                           "origin": p.origin} for p in planned(desk)]}


def tick(desk: Desk) -> list[str]:
    """Starts every planned send whose time has come (and none already running); returns their issues."""
    now, started = now_of(desk), []
    runs = desk.extra.get("runs", {})
    for plan in planned(desk):
        running = runs.get(plan.issue)
        if plan.due(now) and not (running and running.state in ("running", "stopping")):
            with Journal(desk.settings.state_dir) as journal:  # carried out now: a resume needs no planned start
                schedules.cancel(journal, plan.issue)
            start(desk, plan.issue, plan.list_name, plan.notify, "de", Actor.plan(), beside_schedule=True)
            started.append(plan.issue)
    return started


async def ticking(desk: Desk) -> None:
    """The desk's loop over the schedule, until the desk's lifespan cancels it when it shuts down."""
    while True:
        with contextlib.suppress(Exception):  # a send that cannot start says why on its page; the loop goes on
            await run_in_threadpool(tick, desk)
        slept = 0.0
        while slept < desk.extra.get("tick", TICK):  # in short steps, so a shorter tick set meanwhile counts
            step = min(0.25, desk.extra.get("tick", TICK))
            await asyncio.sleep(step)
            slept += step
