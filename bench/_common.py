"""What both benchmarks share: the sample issue, generated recipients, Postfix's smtp-sink, a send run."""

from __future__ import annotations

import asyncio
import compileall
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import multiprocessing
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from composer.send.pipeline import build_issue  # noqa: E402
from composer.render.build import Build  # noqa: E402
from composer.campaign import open_send  # noqa: E402
from composer.config.settings import Settings  # noqa: E402

SAMPLE = ROOT / "issues" / "2020-12.md"
SINK = "/usr/sbin/smtp-sink"
SOURCE = "/usr/sbin/smtp-source"


def compile_bytecode(root: Path = ROOT) -> None:
    """The package's bytecode compiled, as `pip install` compiles it and as Python writes it on a command's first
    run: a machine with PYTHONDONTWRITEBYTECODE set (CI sandboxes) would otherwise compile every module of a
    checkout from its source in every process it starts, about a third of a command's start."""
    compileall.compile_dir(root / "composer", quiet=1)


def sample_build() -> Build:
    with tempfile.TemporaryDirectory() as tmp:  # the inlined page's cache is kept there, not in the current folder
        return build_issue(SAMPLE, settings(Path(tmp), None))


def write_recipients(folder: Path, count: int) -> Path:
    """Streams a CSV of `count` example.org recipients with German names."""
    path = folder / "bench.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("email;name\n")
        for n in range(count):
            out.write(f"empfaenger{n:06d}@example.org;Jürgen Müller {n}\n")
    return path


def settings(folder: Path, port: int | None, **values: object) -> Settings:
    smtp = {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none"} if port else {}
    base: dict[str, object] = {"from_address": "bench@example.org", "rate_limit": 0, "retry_base_delay": 0.05,
                               "state_dir": folder / "state", "outbox_dir": folder / "outbox", **smtp}
    return Settings(_env_file=None, **{**base, **values})  # type: ignore[arg-type]


def send_list(build: Build, csv_path: Path, config: Settings, seconds: float | None = None) -> tuple[int, float]:
    """A real send (journal, dispatcher, transport) of the whole list; returns (messages sent, seconds)."""
    if config.state_dir.exists():
        shutil.rmtree(config.state_dir)
    with open_send(SAMPLE, csv_path.stem, config, b"bench-secret", lists=csv_path.parent) as campaign:
        start = time.perf_counter()
        try:
            summary = asyncio.run(asyncio.wait_for(campaign.run(), seconds) if seconds else campaign.run())
            sent = summary.sent
        except TimeoutError:
            sent = campaign.journal.counts(build.slug)["sent"]
        return sent, time.perf_counter() - start


def ensure_postfix() -> None:
    if Path(SINK).exists():
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing Debian's postfix for smtp-sink and smtp-source ...", file=sys.stderr)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "install", "-y", "-qq", "postfix"], check=True, env=env, stdout=subprocess.DEVNULL)
        return
    sys.exit("This benchmark needs Postfix's smtp-sink: run `sudo apt-get install postfix`, then try again.")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int) -> None:
    """Until something listens on the loopback port (at most 5 s)."""
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return
        except OSError:
            time.sleep(0.05)


SINKS: dict[int, int] = {}  # port -> process id of the smtp-sink listening there


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far (Linux's /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def smtp_sink(delay: float = 0, pipelining: bool = True):
    """Postfix's smtp-sink on a loopback port: accepts and discards everything, as fast as it can."""
    port = free_port()
    command = [SINK, *(["-u", "nobody"] if os.geteuid() == 0 else []), *(["-w", str(delay)] if delay else []),
               *([] if pipelining else ["-p"]),
               f"127.0.0.1:{port}", "256"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(port)
    SINKS[port] = process.pid
    try:
        yield port
    finally:
        process.terminate()
        process.wait()
        del SINKS[port]


@contextmanager
def delay_proxy(upstream: int, rtt_ms: float):
    """A loopback TCP proxy in its own process (so the sender's CPU work never delays it) that holds every
    chunk for rtt/2 in each direction, in order: a provider across the internet, as the coordinator's laptop
    sees it."""
    port = free_port()
    process = multiprocessing.get_context("fork").Process(target=_proxy, args=(port, upstream, rtt_ms), daemon=True)
    process.start()
    wait_for(port)
    try:
        yield port
    finally:
        process.terminate()
        process.join(5)


def _proxy(port: int, upstream: int, rtt_ms: float) -> None:
    one_way = rtt_ms / 2000

    async def pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, data = await queue.get()
                if (wait := due - loop.time()) > 0:
                    await asyncio.sleep(wait)
                if not data:
                    writer.close()
                    return
                writer.write(data)

        sender = loop.create_task(deliver())
        while data := await reader.read(1 << 20):
            queue.put_nowait((loop.time() + one_way, data))
        queue.put_nowait((loop.time() + one_way, b""))
        await sender

    async def connected(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", upstream)
            await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer), return_exceptions=True)

    async def serve() -> None:
        server = await asyncio.start_server(connected, "127.0.0.1", port)
        await server.serve_forever()

    asyncio.run(serve())
