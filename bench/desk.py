"""The desk's live preview: how long a re-render of the sample issue takes while she types.

    python bench/desk.py [--edits 50]

Each of the `edits` changes one field of the sample's form (a title, a sentence of a body, the subject, a contact)
and posts the whole form to the desk's preview, as the editor's script does a moment after she stops typing: a
real desk on loopback (uvicorn, the session's CSRF token, form parsing, form -> issue text -> schema -> render ->
the sample reader's message). The same edits are also timed through the library alone (`unsaved_email`), so the
HTTP share is visible, and the library's CPU time, which other work on a shared machine does not inflate. One
warm-up edit first (imports, templates); target: p95 under 150 ms. The load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from _common import ROOT, SAMPLE, settings

from composer.desk import Access, Desk, create_desk
from composer.desk.forms import LIST_FIELDS, issue_from_form
from composer.desk.preview import unsaved_email
from composer.issue.issuefile import read_issue
from composer.issue.writer import issue_data


def form_of(data: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """The editor's form fields of issue data: `articles[0].contacts[1].email`, the claims one a line."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from form_of(value, f"{prefix}.{key}" if prefix else key)
    elif isinstance(data, list) and prefix in LIST_FIELDS:
        yield prefix, "\n".join(map(str, data))
    elif isinstance(data, list):
        for n, value in enumerate(data):
            yield from form_of(value, f"{prefix}[{n}]")
    elif data is not None:
        yield prefix, str(data)


def edits(fields: dict[str, str], count: int) -> Iterator[dict[str, str]]:
    """`count` forms, each one keystroke-burst further from the last: a rotating field gets a few more words."""
    names = [n for n in fields if re.search(r"(title|body|subject|preheader|contacts\[\d+\]\.name)$", n)]
    form = dict(fields)
    for n in range(count):
        name = names[n % len(names)]
        form[name] = f"{form[name]} Satz {n}."
        yield dict(form)


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return statistics.median(samples), cuts[94], max(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "issues").mkdir()
        shutil.copy(SAMPLE, folder / "issues")
        path = folder / "issues" / SAMPLE.name
        config = settings(folder, None)
        fields = dict(form_of(issue_data(read_issue(path)[0])))
        forms = list(edits(fields, args.edits + 1))

        library, cpu = [], []
        for form in forms:
            start, started = time.perf_counter(), time.process_time()
            unsaved_email(issue_from_form(form.items()), path, config, b"bench-secret")
            library.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - started) * 1000)

        desk = Desk(folder, config, b"bench-secret", Access("127.0.0.1"))
        server = uvicorn.Server(uvicorn.Config(create_desk(desk), host="127.0.0.1", port=0, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        base = f"http://127.0.0.1:{port}"
        http = []
        with httpx.Client(base_url=base, headers={"Origin": base}, timeout=30) as client:
            client.get(f"/login?token={desk.access.login_token}")
            csrf = re.search(r'name="csrf" value="([^"]+)"', client.get(f"/issues/{path.stem}").text).group(1)
            for form in forms:
                start = time.perf_counter()
                answer = client.post(f"/issues/{path.stem}/email", data={**form, "csrf": csrf})
                http.append((time.perf_counter() - start) * 1000)
                assert answer.status_code == 200 and "Satz" in answer.text, answer.text[:300]
        server.should_exit = True
        thread.join(10)

    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    print(f"preview re-render of {SAMPLE.relative_to(ROOT)}, {args.edits} edits (after 1 warm-up), milliseconds; "
          f"load average {load} on {os.cpu_count()} cores")
    print(f"{'':32} {'p50':>7} {'p95':>7} {'max':>7}")
    for name, samples in (("library (unsaved_email)", library), ("  its CPU time", cpu),
                          ("desk, POST over loopback HTTP", http)):
        p50, p95, most = percentiles(samples[1:])
        print(f"{name:32} {p50:7.1f} {p95:7.1f} {most:7.1f}   (warm-up {samples[0]:.0f})")


if __name__ == "__main__":
    main()
