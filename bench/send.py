"""Sending throughput, side by side with the naive loop and Postfix's own load generator, in one run.

    python bench/send.py [--recipients 5000] [--rate-seconds 60] [--rtt 25] [--parts fast,command,slow,rtt,rate]

Sends the real sample issue, personalised, to generated example.org recipients on Postfix's smtp-sink
(loopback), and prints messages per second and the ratios. Needs Debian's postfix (installed if root).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

from _common import (ROOT, SAMPLE, SINKS, SOURCE, compile_bytecode, cpu_seconds, delay_proxy, ensure_postfix, sample_build,
                     send_list, settings, smtp_sink, write_recipients)

from composer.records import Recipient
from composer.send.message import MessageFactory


def naive_loop(build, count: int, port: int) -> float:
    """What a simple mail-merge script does: an EmailMessage per recipient, smtplib over one connection."""
    html, text = build.html, build.text
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for n in range(count):
            msg = EmailMessage()
            msg["Subject"] = build.issue.subject
            msg["From"] = "Newsletter <bench@example.org>"
            msg["To"] = f"Jürgen Müller {n} <empfaenger{n:06d}@example.org>"
            msg.set_content(text.replace("NLCGREETINGPLACEHOLDER", f"Hallo Jürgen Müller {n},"))
            msg.add_alternative(html.replace("NLCGREETINGPLACEHOLDER", f"Hallo Jürgen Müller {n},"), subtype="html")
            smtp.send_message(msg)
    return count / (time.perf_counter() - start)


def smtp_source(message: bytes, count: int, sessions: int, port: int, folder: Path) -> float:
    """Postfix's C load generator sending the same message over reused connections: the practical limit."""
    path = folder / "message.eml"
    path.write_bytes(message.replace(b"\r\n", b"\n"))
    start = time.perf_counter()
    subprocess.run([SOURCE, "-d", "-s", str(sessions), "-m", str(count), "-F", str(path), "-f", "bench@example.org",
                    "-t", "empfaenger@example.org", f"127.0.0.1:{port}"], check=True)
    return count / (time.perf_counter() - start)


def latency(build, csv_path: Path, folder: Path, rtt_ms: float, seconds: float) -> None:
    """msg/s through a proxy adding `rtt_ms` round-trip time, against concurrency / RTT (one round trip a message)."""
    print(f"latency: {rtt_ms:.0f} ms round trip (loopback delay proxy before smtp-sink), {seconds:.0f} s per run")
    print(f"  {'':<40}{'messages/s':>10}{'limit c/RTT':>13}{'ratio':>8}")
    for pipelining in (True, False):
        with smtp_sink(pipelining=pipelining) as sink, delay_proxy(sink, rtt_ms) as port:
            for concurrency in (1, 4):
                sent, elapsed = send_list(build, csv_path, settings(folder, port, concurrency=concurrency), seconds)
                limit = concurrency * 1000 / rtt_ms
                name = f"{'pipelining' if pipelining else 'no pipelining'}, concurrency {concurrency}"
                print(f"  {name:<40}{sent / elapsed:>10.1f}{limit:>13.0f}{sent / elapsed / limit:>7.2f}x")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipients", type=int, default=5000)
    parser.add_argument("--slow-seconds", type=float, default=30, help="length of each slow-server run")
    parser.add_argument("--rate-seconds", type=float, default=60, help="length of the rate-limit run (0 skips it)")
    parser.add_argument("--rtt", type=float, default=25, help="round-trip time in ms of the latency run (0 skips it)")
    parser.add_argument("--rtt-seconds", type=float, default=20, help="length of each latency run")
    parser.add_argument("--repeats", type=int, default=3, help="runs of the fast server, the best counts")
    parser.add_argument("--concurrency", type=int, default=4, help="of the whole-command runs")
    parser.add_argument("--parts", default="fast,command,slow,rtt,rate", help="which runs, comma-separated")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    ensure_postfix()
    compile_bytecode()
    build = sample_build()
    sample = MessageFactory(build, settings(Path("."), None).sender, b"x").personalise(Recipient("empfaenger@example.org", "Jürgen Müller"))
    print(f"machine: {os.cpu_count()} cores; message: {len(sample.data) / 1024:.1f} KB; recipients: {args.recipients}\n")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv_path = write_recipients(folder, args.recipients)
        if "fast" in parts:
            fast(build, csv_path, folder, sample.data, args.recipients, args.repeats)
        if "command" in parts:
            command(folder, csv_path, sample.data, args.recipients, args.repeats, args.concurrency)
        if "slow" in parts:
            slow(build, csv_path, folder, args.slow_seconds)
        if args.rtt and "rtt" in parts:
            latency(build, csv_path, folder, args.rtt, args.rtt_seconds)
        if args.rate_seconds and "rate" in parts:
            rate(build, csv_path, folder, args.rate_seconds)


def fast(build, csv_path: Path, folder: Path, message: bytes, recipients: int, repeats: int) -> None:
    """The send loop at concurrency 1/4/16 (best of `repeats`), the naive loop and smtp-source, on one sink. Each
    run at concurrency 4 is paired with an smtp-source run just before it, as in `command`: the median of those
    pairs' ratios is the figure that the machine's swings move least."""
    rows: list[tuple[str, float]] = []
    paired: list[float] = []
    sources: list[float] = []
    with smtp_sink() as port:
        for concurrency in (1, 4, 16):
            rates = []
            for _ in range(repeats):
                if concurrency == 4:
                    sources.append(smtp_source(message, recipients, 4, port, folder))
                sent, seconds = send_list(build, csv_path, settings(folder, port, concurrency=concurrency))
                rates.append(sent / seconds)
                if concurrency == 4:
                    paired.append(rates[-1] / sources[-1])
            rows.append((f"newsletter-composer, concurrency {concurrency}", max(rates)))
        rows.append(("naive EmailMessage + smtplib loop", naive_loop(build, recipients, port)))
        rows.append(("smtp-source (Postfix, C), 4 sessions", max(sources)))
    best = max(rate for name, rate in rows if name.startswith("newsletter"))
    naive = rows[3][1]
    print(f"fast server (smtp-sink), best of {repeats}            messages/s")
    for name, rate in rows:
        print(f"  {name:<40}{rate:>10.0f}")
    print(f"  ours (best) / naive loop                {best / naive:>10.2f}x")
    print(f"  ours (best) / smtp-source (best)        {best / max(sources):>10.2f}x")
    print(f"  concurrency 4: median of paired ratios  {statistics.median(paired):>10.2f}x "
          f"({' '.join(f'{r:.2f}' for r in paired)})\n")


def command(folder: Path, csv_path: Path, message: bytes, recipients: int, repeats: int, concurrency: int) -> None:
    """The whole `newsletter send --list ... --yes` process as a coordinator runs it (start, checks, build,
    staging, sending, report) on a fresh send state, against smtp-source on the same sink: after a
    `newsletter check` of the issue (the usual order: check, test send, send; the check leaves the inlined page
    in the state folder's cache) and cold (a send with nothing before it, the state folder empty). Each send is
    paired with an smtp-source run just before it, so both meet the machine in the same state (its speed swings
    by a factor of two within a minute when other work shares it): the median of those pairs' ratios is the
    figure; the median rate against smtp-source's best run is printed too.

    What bounds the figure is printed beside it: how busy the sink's own process was (its CPU time over the
    run's length; near 100% it is the limit, for smtp-source and the send alike), and the send's start, timed
    as a `send --dry-run` of the same state just before (start, settings, checks, build, the list read and
    counted, everything a send does before its first message). With a sink that limits both, the send can
    at best match smtp-source after its start: the ratio cannot pass smtp-source / (start + smtp-source)."""
    (folder / "issues").mkdir(exist_ok=True)
    shutil.copy(SAMPLE, folder / "issues")
    (folder / "subscribers").mkdir(exist_ok=True)
    shutil.copy(csv_path, folder / "subscribers" / "bench.csv")
    kinds = ("after check", "cold")
    rates: dict[str, list[float]] = {kind: [] for kind in kinds}
    ratios: dict[str, list[float]] = {kind: [] for kind in kinds}
    starts: dict[str, list[float]] = {kind: [] for kind in kinds}
    bounds: dict[str, list[float]] = {kind: [] for kind in kinds}
    busy: dict[str, list[float]] = {"smtp-source": [], "send": []}
    cpu: list[float] = []
    sources = []
    with smtp_sink() as port:
        sink = SINKS[port]
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_")}, "PYTHONPATH": str(ROOT),
               "NEWSLETTER_SMTP_HOST": "127.0.0.1", "NEWSLETTER_SMTP_PORT": str(port), "NEWSLETTER_SMTP_SECURITY": "none",
               "NEWSLETTER_FROM_ADDRESS": "bench@example.org", "NEWSLETTER_RATE_LIMIT": "0",
               "NEWSLETTER_CONCURRENCY": str(concurrency), "NEWSLETTER_STATE_DIR": str(folder / "command-state")}

        def newsletter(*args: str) -> float:
            """Runs `newsletter ARGS` in the folder; returns its wall time."""
            began = time.perf_counter()
            subprocess.run([sys.executable, "-c", "from composer.cli import main; main()", *args], cwd=folder, env=env,
                           check=True, stdout=subprocess.DEVNULL)
            return time.perf_counter() - began

        for _ in range(repeats):
            for kind in kinds:
                shutil.rmtree(folder / "command-state", ignore_errors=True)
                if kind == "after check":
                    newsletter("check", "issues/2020-12.md")
                starts[kind].append(newsletter("send", "issues/2020-12.md", "--list", "bench", "--dry-run"))
                if kind == "cold":  # the dry run inlined the page: cold again
                    shutil.rmtree(folder / "command-state", ignore_errors=True)
                sink_before = cpu_seconds(sink)
                sources.append(smtp_source(message, recipients, 4, port, folder))
                busy["smtp-source"].append((cpu_seconds(sink) - sink_before) * sources[-1] / recipients)
                sink_before, ours_before = cpu_seconds(sink), _children_cpu()
                seconds = newsletter("send", "issues/2020-12.md", "--list", "bench", "--yes")
                busy["send"].append((cpu_seconds(sink) - sink_before) / seconds)
                cpu.append((_children_cpu() - ours_before) / recipients)
                rates[kind].append(recipients / seconds)
                ratios[kind].append(rates[kind][-1] / sources[-1])
                source_seconds = recipients / sources[-1]
                bounds[kind].append(source_seconds / (starts[kind][-1] + source_seconds))
    print(f"whole `newsletter send` of {recipients:,}, concurrency {concurrency}, {repeats} runs each: messages/s")
    for kind, runs in rates.items():
        low, middle, high = min(runs), statistics.median(runs), max(runs)
        print(f"  {kind + ': min / median / max':<40}{low:>6.0f} / {middle:.0f} / {high:.0f}")
        print(f"  {kind + ': median of paired ratios':<40}{statistics.median(ratios[kind]):>6.2f}x "
              f"({' '.join(f'{r:.2f}' for r in ratios[kind])})")
        print(f"  {kind + ': median / best smtp-source':<40}{middle / max(sources):>6.2f}x")
        print(f"  {kind + ': start (send --dry-run), s':<40}{min(starts[kind]):>6.2f} / {statistics.median(starts[kind]):.2f} / "
              f"{max(starts[kind]):.2f}")
        print(f"  {kind + ': bound, median of pairs':<40}{statistics.median(bounds[kind]):>6.2f}x "
              f"({' '.join(f'{r:.2f}' for r in bounds[kind])})")
    print(f"  smtp-source, {len(sources)} runs: min / median / max   {min(sources):.0f} / {statistics.median(sources):.0f} / "
          f"{max(sources):.0f}")
    print(f"  the sink busy during smtp-source / the send, median   {100 * statistics.median(busy['smtp-source']):.0f}% / "
          f"{100 * statistics.median(busy['send']):.0f}%")
    print(f"  the send's CPU (user + system) per message, median     {1e6 * statistics.median(cpu):.0f} us "
          "(its start included)\n")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def slow(build, csv_path: Path, folder: Path, seconds: float) -> None:
    print(f"slow server (smtp-sink -w 1: 1 s before each DATA reply), {seconds:.0f} s per run")
    with smtp_sink(delay=1) as port:
        for concurrency in (1, 4, 16):
            sent, elapsed = send_list(build, csv_path, settings(folder, port, concurrency=concurrency), seconds)
            print(f"  newsletter-composer, concurrency {concurrency:<8}{sent / elapsed:>14.1f}")
    print()


def rate(build, csv_path: Path, folder: Path, seconds: float) -> None:
    print(f"rate limit 600/minute, {seconds:.0f} s send")
    with smtp_sink() as port:
        sent, _ = send_list(build, csv_path, settings(folder, port, concurrency=4, rate_limit=600), seconds)
    expected = 600 * seconds / 60
    print(f"  delivered {sent} (expected {expected:.0f}, off by {100 * (sent - expected) / expected:+.1f}%)")


if __name__ == "__main__":
    main()
