"""Render cost and memory: building the sample issue by stage, personalising, and a 100,000-recipient send.

    python bench/render.py [--recipients 100000]

The memory figures are the peak resident size of a child process that does a whole real send (CSV ->
journal -> dispatcher) into the outbox and into Postfix's smtp-sink.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import (ROOT, SAMPLE, compile_bytecode, open_send, ensure_postfix,
                     sample_build, send_list, settings, smtp_sink, write_recipients)

from composer.issue.issuefile import load_issue
from composer.records import Recipient
from composer.render.build import build
from composer.send.message import MessageFactory
from composer.send.tokens import load_secret


def build_stages(runs: int = 30) -> dict[str, float]:
    """Median milliseconds per stage over `runs` builds (after one warm-up)."""
    build(load_issue(SAMPLE), "2020-12")
    samples: dict[str, list[float]] = {}
    for _ in range(runs):
        start = time.perf_counter()
        issue = load_issue(SAMPLE)
        parsed = time.perf_counter() - start
        start = time.perf_counter()
        result = build(issue, "2020-12")
        total = parsed + time.perf_counter() - start
        for stage, seconds in {"read + validate": parsed, **result.timings, "whole build": total}.items():
            samples.setdefault(stage, []).append(seconds * 1000)
    return {stage: statistics.median(values) for stage, values in samples.items()}


def personalise_rate(count: int = 10_000) -> float:
    factory = MessageFactory(sample_build(), settings(Path("."), None).sender, b"secret")
    recipients = [Recipient(f"empfaenger{n:06d}@example.org", f"Jürgen Müller {n}") for n in range(count)]
    start = time.perf_counter()
    for recipient in recipients:
        factory.personalise(recipient)
    return count / (time.perf_counter() - start)


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of a child process: on a shared machine the CPU time is the
    steadier figure, the wall time what a person waits."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def cold_start(code: Path, recipients: int = 5000, runs: int = 5) -> dict[str, tuple[float, float, float]]:
    """Seconds (best wall, median wall, best CPU of `runs`) of whole `newsletter` processes, in a folder with
    the sample issue and a list of `recipients`: what the coordinator waits for before anything happens."""
    commands = {"newsletter --help": ["--help"], "newsletter build": ["build", "issues/2020-12.md"],
                f"send --dry-run ({recipients:,})": ["send", "issues/2020-12.md", "--list", "bench", "--dry-run"]}
    env = {**os.environ, "PYTHONPATH": str(code), **{k: "" for k in os.environ if k.startswith("NEWSLETTER_")}}
    results: dict[str, tuple[float, float, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "issues").mkdir()
        shutil.copy(SAMPLE, folder / "issues")
        (folder / "subscribers").mkdir()
        write_recipients(folder / "subscribers", recipients)
        for name, args in commands.items():
            times = [timed([sys.executable, "-c", "from composer.cli import main; main()", *args], folder, env)
                     for _ in range(runs)]
            walls = [wall for wall, _ in times]
            results[name] = (min(walls), statistics.median(walls), min(cpu for _, cpu in times))
    return results


def rerun_all_sent(count: int, code: Path) -> dict[str, float]:
    """Seconds of a rerun when everyone on a list of `count` already has the issue: the first run's staging,
    the rerun's staging and plan through the library, and the whole `newsletter send ... --yes` process."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "issues").mkdir()
        shutil.copy(SAMPLE, folder / "issues")
        lists = folder / "subscribers"
        lists.mkdir()
        csv_path = write_recipients(lists, count)
        config = settings(folder, None, state_dir=folder / ".newsletter")
        secret = load_secret(None, config.state_dir)  # the one `newsletter send` will use
        start = time.perf_counter()
        with open_send(SAMPLE, csv_path.stem, config, secret, lists=lists) as campaign:
            first = time.perf_counter() - start
            next(campaign.journal.queue(campaign.mailing.build.slug), None)  # every row recorded, as a send does first
            campaign.journal.db.execute("UPDATE deliveries SET status = 'sent'")
        start = time.perf_counter()
        with open_send(SAMPLE, csv_path.stem, config, secret, lists=lists) as campaign:
            staged = time.perf_counter() - start
            summary = asyncio.run(campaign.run())
        assert summary.done == 0 and campaign.plan.already_sent == count, (summary, campaign.plan)
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_")}, "PYTHONPATH": str(code),
               "NEWSLETTER_FROM_ADDRESS": "bench@example.org"}
        wall, cpu = timed([sys.executable, "-c", "from composer.cli import main; main()", "send", "issues/2020-12.md",
                           "--list", csv_path.stem, "--yes"], folder, env)
    return {"first staging (open_send)": first, "rerun: staging and plan": staged,
            "rerun: `newsletter send`, wall": wall, "rerun: `newsletter send`, CPU": cpu}


def child_send(transport: str, count: int) -> None:
    """Runs in a child process so its peak memory is its own."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv_path = write_recipients(folder, count)
        if transport == "stage":
            start = time.perf_counter()
            with open_send(SAMPLE, csv_path.stem, settings(folder, None), b"bench-secret", lists=folder) as campaign:
                sent, seconds = campaign.plan.to_send, time.perf_counter() - start
        elif transport == "outbox":
            sent, seconds = send_list(sample_build(), csv_path, settings(folder, None))
        else:
            with smtp_sink() as port:
                sent, seconds = send_list(sample_build(), csv_path, settings(folder, port, concurrency=4))
        # Read before the folder is removed: shutil.rmtree lists the million files of an outbox at once (170 MB).
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{sent} {seconds:.1f} {peak:.0f}")


def peak_memory(transport: str, count: int) -> list[str]:
    """(sent, seconds, peak MB) as the child measured them; "stage" only stages the list and counts the plan."""
    done = subprocess.run([sys.executable, __file__, "--child", transport, "--recipients", str(count)],
                          capture_output=True, text=True, check=True)
    return done.stdout.split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--child", choices=["stage", "outbox", "smtp"], help=argparse.SUPPRESS)
    parser.add_argument("--stage-recipients", type=int, default=1_000_000, help="list length of the staging memory run")
    parser.add_argument("--rerun", type=int, default=100_000, help="list length of the rerun measurement")
    parser.add_argument("--parts", default="start,rerun,build,memory", help="which measurements, comma-separated")
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose cold start is timed")
    args = parser.parse_args()
    if args.child:
        child_send(args.child, args.recipients)
        return
    parts = set(args.parts.split(","))
    compile_bytecode(args.code)
    if "start" in parts:
        print("cold start, whole process, of 5 runs: best wall / median wall / best CPU, s")
        for name, (best, median, cpu) in cold_start(args.code).items():
            print(f"  {name:<32}{best:>6.2f} / {median:.2f} / {cpu:.2f}")
        print()
    if "rerun" in parts:
        print(f"rerun of {args.rerun:,} all-sent recipients, s")
        for name, seconds in rerun_all_sent(args.rerun, args.code).items():
            print(f"  {name:<32}{seconds:>6.2f}")
        print()
    if "build" in parts:
        print("build of the sample issue (median of 30), ms")
        for stage, ms in build_stages().items():
            print(f"  {stage:<20}{ms:>8.1f}")
        print(f"\npersonalise 10,000 recipients: {personalise_rate():,.0f} recipients/s\n")
    if "memory" in parts:
        sent, seconds, megabytes = peak_memory("stage", args.stage_recipients)
        print(f"peak memory of staging and planning {args.stage_recipients:,} recipients: {megabytes} MB ({seconds} s)")
        ensure_postfix()
        print(f"peak memory of a send to {args.recipients:,} recipients (whole process)")
        for transport in ("outbox", "smtp"):
            sent, seconds, megabytes = peak_memory(transport, args.recipients)
            print(f"  {transport + ' (smtp-sink)' if transport == 'smtp' else transport:<20}{megabytes:>8} MB"
                  f"   ({sent} sent in {seconds} s)")


if __name__ == "__main__":
    main()
