"""Commands for writing and looking at an issue: new, build, preview, check."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated

import typer

from composer.cli.common import EXIT_FAILED, IssueArg, command, err, handled, out, print_finding, settings_and_secret, styled
from composer.cli.language import _, ngettext
from composer.i18n import N_


@command(help=N_("Start a new issue from the last one: same header and footer, today's date, one article to fill in."))
def new(
    issue: Annotated[Path, typer.Argument(metavar="ISSUE", help=N_("The new issue file, e.g. issues/2021-01.md"))],
    previous: Annotated[Path | None, typer.Option("--from", metavar="ISSUE",
                                                  help=N_("Start from this issue (default: the newest)"))] = None,
) -> None:
    from composer.issue.scaffold import new_issue

    with handled():
        started = new_issue(issue, previous)
    written = started.path
    out.print(_("{written} is ready, started from {source}: write the articles, then `newsletter preview {written}`.",
                written=written, source=started.source))
    for path in started.left_out:
        err.print(_("note: {path} was left out as a start: it has errors (`newsletter check {path}` names them)",
                    path=path))


@command(help=N_("Render the issue to HTML, plain text and the .eml a sample subscriber would receive."))
def build(
    issue: IssueArg,
    out_dir: Annotated[Path, typer.Option("--out", metavar="DIR", help=N_("Where to write the files"))] = Path("build"),
    screenshots: Annotated[Path | None, typer.Option("--screenshots", metavar="DIR",
        help=N_("Also write PNGs (600/375 px, light/dark) here"))] = None,
) -> None:
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
        err.print(styled(_("warning:"), "yellow", _("the HTML is {size} KB; Gmail clips emails over {limit} KB. Shorten "
                                                    "the issue or split it.", size=f"{result.html_bytes / 1024:.0f}",
                                                    limit=GMAIL_CLIP_BYTES // 1024)))


@command(help=N_("Show the issue in your browser; reload the page after editing the issue or a template."))
def preview(issue: IssueArg,
            port: Annotated[int, typer.Option(metavar="PORT", help=N_("Port on 127.0.0.1"))] = 8026) -> None:
    from composer.web.preview import Previewer, server

    with handled():
        settings, secret = settings_and_secret()
        httpd = server(Previewer(issue, settings, secret), "127.0.0.1", port)
    out.print(_("Preview: {url}  (plain text: {url}text) - Ctrl+C to stop", url=f"http://127.0.0.1:{port}/"))
    with contextlib.suppress(KeyboardInterrupt):
        httpd.serve_forever()
    httpd.server_close()


@command("check", help=N_("Find what would go wrong in subscribers' mail programs: size, images, links, footer, CSS, "
                           "spam score."))
def check_command(
    issue: IssueArg,
    online: Annotated[bool, typer.Option("--online", help=N_("Also check that every web link answers"))] = False,
) -> None:
    from composer import checks

    with handled():
        settings, secret = settings_and_secret()
        report = checks.check(checks.prepare(issue, settings, secret), online=online)
    for finding in report.findings:
        print_finding(finding)
    out.print(ngettext("{n} error", "{n} errors", len(report.errors)) + ", "
              + ngettext("{n} warning", "{n} warnings", len(report.warnings)))
    if report.errors:
        raise typer.Exit(EXIT_FAILED)
