"""Sending throughput, side by side with the naive loop and Postfix's own load generator, in one run.

    python bench/send.py [--recipients 5000] [--rate-seconds 60]

Sends the real sample issue, personalised, to generated example.org recipients on Postfix's smtp-sink
(loopback), and prints messages per second and the ratios. Needs Debian's postfix (installed if root).
"""

from __future__ import annotations

import argparse
import os
import smtplib
import subprocess
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

from _common import SOURCE, delay_proxy, ensure_postfix, sample_build, send_list, settings, smtp_sink, write_recipients

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
    args = parser.parse_args()
    ensure_postfix()
    build = sample_build()
    sample = MessageFactory(build, settings(Path("."), None), b"x").personalise(Recipient("empfaenger@example.org", "Jürgen Müller"))
    print(f"machine: {os.cpu_count()} cores; message: {len(sample.data) / 1024:.1f} KB; recipients: {args.recipients}\n")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv_path = write_recipients(folder, args.recipients)
        rows: list[tuple[str, float]] = []
        with smtp_sink() as port:
            for concurrency in (1, 4, 16):
                sent, seconds = send_list(build, csv_path, settings(folder, port, concurrency=concurrency))
                rows.append((f"newsletter-composer, concurrency {concurrency}", sent / seconds))
            rows.append(("naive EmailMessage + smtplib loop", naive_loop(build, args.recipients, port)))
            source = smtp_source(sample.data, args.recipients, 4, port, folder)
            rows.append(("smtp-source (Postfix, C), 4 sessions", source))
        best = max(rate for name, rate in rows if name.startswith("newsletter"))
        naive = rows[3][1]
        print("fast server (smtp-sink)                   messages/s")
        for name, rate in rows:
            print(f"  {name:<40}{rate:>10.0f}")
        print(f"  ours (best) / naive loop                {best / naive:>10.2f}x")
        print(f"  ours (best) / smtp-source               {best / source:>10.2f}x\n")

        print(f"slow server (smtp-sink -w 1: 1 s before each DATA reply), {args.slow_seconds:.0f} s per run")
        with smtp_sink(delay=1) as port:
            for concurrency in (1, 4, 16):
                sent, seconds = send_list(build, csv_path, settings(folder, port, concurrency=concurrency), args.slow_seconds)
                print(f"  newsletter-composer, concurrency {concurrency:<8}{sent / seconds:>14.1f}")

        if args.rtt:
            latency(build, csv_path, folder, args.rtt, args.rtt_seconds)

        if args.rate_seconds:
            print(f"\nrate limit 600/minute, {args.rate_seconds:.0f} s send")
            with smtp_sink() as port:
                config = settings(folder, port, concurrency=4, rate_limit=600)
                sent, _ = send_list(build, csv_path, config, args.rate_seconds)
            expected = 600 * args.rate_seconds / 60
            print(f"  delivered {sent} (expected {expected:.0f}, off by {100 * (sent - expected) / expected:+.1f}%)")


if __name__ == "__main__":
    main()
