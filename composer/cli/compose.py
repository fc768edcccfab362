"""Commands for writing and looking at an issue: new, build, preview, check."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated

import typer

from composer.cli.common import EXIT_FAILED, IssueArg, app, counted, err, handled, out, print_finding, settings_and_secret, styled


@app.command()
def new(
    issue: Annotated[Path, typer.Argument(metavar="ISSUE", help="The new issue file, e.g. issues/2021-01.md")],
    previous: Annotated[Path | None, typer.Option("--from", metavar="ISSUE", help="Start from this issue (default: the newest)")] = None,
) -> None:
    """Start a new issue from the last one: same header and footer, today's date, one article to fill in."""
    from composer.issue.scaffold import new_issue

    with handled():
        started = new_issue(issue, previous)
    written = started.path
    out.print(f"{written} is ready, started from {started.source}: write the articles, then `newsletter preview {written}`.")
    for path in started.left_out:
        err.print(f"note: {path} was left out as a start: it has errors (`newsletter check {path}` names them)")


@app.command()
def build(
    issue: IssueArg,
    out_dir: Annotated[Path, typer.Option("--out", metavar="DIR", help="Where to write the files")] = Path("build"),
    screenshots: Annotated[Path | None, typer.Option("--screenshots", metavar="DIR",
        help="Also write PNGs (600/375 px, light/dark) here")] = None,
) -> None:
    """Render the issue to HTML, plain text and the .eml a sample subscriber would receive."""
    from composer.send.pipeline import build_issue, write_build
    from composer.render.build import GMAIL_CLIP_BYTES
    from composer.send.message import MessageFactory

    with handled():
        settings, secret = settings_and_secret()
        result = build_issue(issue, settings)
        written = write_build(result, MessageFactory(result, settings.sender, secret), out_dir)
        for file in written:
            out.print(f"{file.path}  {file.size / 1024:.1f} KB")
        if screenshots:
            from composer.publish.chromium import take

            for path in take(written[0].path, screenshots, result.slug):
                out.print(f"{path}")
    if result.html_bytes > GMAIL_CLIP_BYTES * 0.9:
        err.print(styled("warning:", "yellow", f"the HTML is {result.html_bytes / 1024:.0f} KB; Gmail clips emails over "
                                               f"{GMAIL_CLIP_BYTES // 1024} KB. Shorten the issue or split it."))


@app.command()
def preview(issue: IssueArg,
            port: Annotated[int, typer.Option(metavar="PORT", help="Port on 127.0.0.1")] = 8026) -> None:
    """Show the issue in your browser; reload the page after editing the issue or a template."""
    from composer.web.preview import Previewer, server

    with handled():
        settings, secret = settings_and_secret()
        httpd = server(Previewer(issue, settings, secret), "127.0.0.1", port)
    out.print(f"Preview: http://127.0.0.1:{port}/  (plain text: http://127.0.0.1:{port}/text) - Ctrl+C to stop")
    with contextlib.suppress(KeyboardInterrupt):
        httpd.serve_forever()
    httpd.server_close()


@app.command("check")
def check_command(
    issue: IssueArg,
    online: Annotated[bool, typer.Option("--online", help="Also check that every web link answers")] = False,
) -> None:
    """Find what would go wrong in subscribers' mail programs: size, images, links, footer, CSS, spam score."""
    from composer import checks

    with handled():
        settings, secret = settings_and_secret()
        report = checks.check(checks.prepare(issue, settings, secret), online=online)
    for finding in report.findings:
        print_finding(finding)
    out.print(f"{counted(len(report.errors), 'error')}, {counted(len(report.warnings), 'warning')}")
    if report.errors:
        raise typer.Exit(EXIT_FAILED)
